// Type-checking a 30-line program against a generated tree of 100 tools,
// as `execute_code` does before every run: through the warm checker process,
// directly on the bench thread, and after the tree changed. The baseline is
// running the same program in the warm sandbox (tools answer at once).
import ts from "typescript";
import { generate } from "../src/codegen/generate.ts";
import { Sandbox } from "../src/sandbox/sandbox.ts";
import { TreeChecker } from "../src/typecheck/tree_checker.ts";
import { TypeChecker } from "../src/typecheck/type_checker.ts";
import { syntheticSnapshot } from "./_synthetic.ts";

function treeOf(count: number, name = "synthetic"): Map<string, string> {
  return new Map(
    generate([syntheticSnapshot(count, name)]).files.map((f) => [`/${f.path}`, f.content]),
  );
}
const tree = treeOf(100);

/** A 30-line program; `i` changes a literal so that every check sees new code. */
function program(i: number): string {
  return `import { getFile0, listUser21, createPage42, updateMessage63, writeFile7 } from "./servers/synthetic/index.ts";
import { text } from "./runtime.ts";

interface Row { id: string; source: string }
const rows: Row[] = [];
const first = await getFile0({ param_0_file: "a-${i}", param_1_issue: 10 });
for (const item of first.items ?? []) rows.push({ id: item.id ?? "", source: "file" });
const second = await listUser21({ param_0_file: "b", param_1_issue: 20 });
for (const item of second.items ?? []) rows.push({ id: item.id ?? "", source: "user" });
const third = await createPage42({ param_0_file: "c", param_1_issue: 30 });
if (third.next !== undefined) console.log("more pages after", third.next);
const fourth = await updateMessage63({ param_0_file: "d", param_1_issue: 40 });
const seen = new Set(rows.map((r) => r.id));
for (const item of fourth.items ?? []) {
  if (!seen.has(item.id ?? "")) rows.push({ id: item.id ?? "", source: "entity" });
}
const note = await writeFile7({ param_0_file: "summary", param_1_issue: rows.length });
const summary = text(note);
const bySource = new Map<string, number>();
for (const r of rows) bySource.set(r.source, (bySource.get(r.source) ?? 0) + 1);
const top = [...bySource.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
console.log(\`\${rows.length} rows\`, summary.length);
function label(n: number): string {
  return n > 10 ? "many" : n > 0 ? "some" : "none";
}
export default {
  rows: rows.length,
  top: top.map(([source, n]) => ({ source, n, label: label(n) })),
  next: third.next ?? null,
};`;
}
if (program(0).split("\n").length !== 30) throw new Error("the program must be 30 lines");

const checker = new TypeChecker();
await checker.warmUp();
for (let i = 0; i < 20; i++) {
  const r = await checker.check(program(i), { files: tree });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
}

const libDir = ts.getDefaultLibFilePath({}).replace(/[^/]+$/, "");
const libs = new Map<string, string>();
for (const e of Deno.readDirSync(libDir)) {
  if (/^lib\.(es5|es20|decorators)/.test(e.name)) {
    libs.set(e.name, Deno.readTextFileSync(libDir + e.name));
  }
}
const inProcess = new TreeChecker(ts, libs);
for (let i = 0; i < 20; i++) inProcess.check({ treeId: 1, tree, code: program(i) });

const sandbox = await Sandbox.create({ workers: { minWorkers: 1, maxWorkers: 1 } });
const answer = (server: string, tool: string) =>
  Promise.resolve(
    tool.startsWith("write")
      ? { ok: true as const, value: [{ type: "text", text: "saved" }] }
      : { ok: true as const, value: { items: [{ id: server + tool }], next: "n" } },
  );
for (let i = 0; i < 20; i++) {
  const r = await sandbox.execute(program(i), { files: tree, callTool: answer });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
}

let n = 1_000;
Deno.bench({
  name: "run the program in the warm sandbox (no check)",
  group: "30-line program, 100-tool tree",
  baseline: true,
  n: 50,
  warmup: 5,
}, async () => {
  const r = await sandbox.execute(program(n++), { files: tree, callTool: answer });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
});

Deno.bench({
  name: "type-check in the warm checker process (TypeChecker.check)",
  group: "30-line program, 100-tool tree",
  n: 50,
  warmup: 5,
}, async () => {
  const r = await checker.check(program(n++), { files: tree });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
});

Deno.bench({
  name: "type-check on the host thread, no process (TreeChecker.check)",
  group: "30-line program, 100-tool tree",
  n: 50,
  warmup: 5,
}, () => {
  const r = inProcess.check({ treeId: 1, code: program(n++) });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
});

let version = 0;
Deno.bench({
  name: "type-check after the tree changed (tools/list_changed)",
  group: "30-line program, 100-tool tree",
  n: 10,
  warmup: 1,
}, async () => {
  // Same tools, new tree: every module's text differs by its header.
  const changed = treeOf(100, "synthetic");
  changed.set("/README.md", `version ${version++}`);
  for (const [p, c] of changed) if (p.endsWith(".ts")) changed.set(p, `// v${version}\n${c}`);
  const r = await checker.check(program(n++), { files: changed });
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
});

globalThis.addEventListener("unload", () => {
  inProcess.dispose();
  checker.close();
  sandbox.close();
});
