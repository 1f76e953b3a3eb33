import assert from "node:assert/strict";
import ts from "typescript";
import { generate } from "../codegen/generate.ts";
import { formatTypeErrors } from "./diagnostics.ts";
import { TreeChecker } from "./tree_checker.ts";

const libDir = ts.getDefaultLibFilePath({}).replace(/[^/]+$/, "");
const libs = new Map<string, string>();
for (const e of Deno.readDirSync(libDir)) {
  if (/^lib\.(es5|es20|decorators)/.test(e.name)) {
    libs.set(e.name, Deno.readTextFileSync(libDir + e.name));
  }
}

const tree = new Map(
  generate([{
    name: "calc",
    serverInfo: { name: "calc", version: "1" },
    capabilities: {},
    tools: [
      {
        name: "add",
        description: "Adds a and b",
        inputSchema: {
          type: "object",
          properties: { a: { type: "number" }, b: { type: "number" } },
          required: ["a", "b"],
        },
        outputSchema: {
          type: "object",
          properties: { sum: { type: "number" } },
          required: ["sum"],
        },
      },
    ],
    resources: [],
    resourceTemplates: [],
    prompts: [],
  }]).files.map((f) => [`/${f.path}`, f.content]),
);

Deno.test("TreeChecker: errors against the generated tree name line, column and expected type", () => {
  const checker = new TreeChecker(ts, libs);
  const ok = checker.check({
    treeId: 1,
    tree,
    code: `import { add } from "./servers/calc/index.ts";
const r = await add({ a: 1, b: 2 });
console.log(r.sum.toFixed(1));
export default r.sum;`,
  });
  assert.equal(ok.ok, true, JSON.stringify(ok.diagnostics));

  const wrongArg = checker.check({
    treeId: 1,
    code: `import { add } from "./servers/calc/index.ts";\nawait add({ a: "1", b: 2 });`,
  });
  assert.equal(wrongArg.ok, false);
  assert.equal(wrongArg.diagnostics[0].line, 2);
  assert.equal(wrongArg.diagnostics[0].column, 13);
  assert.match(wrongArg.diagnostics[0].message, /'string' is not assignable to type 'number'/);
  assert.match(wrongArg.diagnostics[0].message, /expected type comes from property 'a'/);
  assert.equal(wrongArg.diagnostics[0].source, `await add({ a: "1", b: 2 });`);

  const misspelt = checker.check({
    treeId: 1,
    code:
      `import { add } from "./servers/calc/index.ts";\nconst r = await add({ a: 1, b: 2 });\nexport default r.summ;`,
  });
  assert.equal(misspelt.diagnostics[0].line, 3);
  assert.match(
    misspelt.diagnostics[0].message,
    /Property 'summ' does not exist.*Did you mean 'sum'/,
  );

  const wrongType = checker.check({
    treeId: 1,
    code:
      `import { add } from "./servers/calc/index.ts";\nconst s: string = (await add({ a: 1, b: 2 })).sum;`,
  });
  assert.match(
    wrongType.diagnostics[0].message,
    /Type 'number' is not assignable to type 'string'/,
  );
  checker.dispose();
});

Deno.test("TreeChecker: sandbox globals only, lenient on null, syntax left to the sandbox", () => {
  const checker = new TreeChecker(ts, libs);
  const check = (code: string) => checker.check({ treeId: 0, code });
  assert.equal(check(`console.debug([1, 2].findLast((x) => x > 1));`).ok, true);
  // No DOM or Deno globals in the sandbox.
  assert.match(check(`document.title;`).diagnostics[0].message, /Cannot find name 'document'/);
  assert.match(check(`Deno.exit(1);`).diagnostics[0].message, /Cannot find name 'Deno'/);
  // Possibly-undefined values and implicit any are accepted: they run fine.
  assert.equal(
    check(`const m = new Map<string, { n: number }>();\nexport default m.get("x").n;`).ok,
    true,
  );
  assert.equal(check(`export function f(x) { return x.y; }`).ok, true);
  // Syntax errors are the sandbox compiler's to report.
  assert.equal(check(`const = 1;`).ok, true);
  // Unresolvable imports are left to the sandbox's linker, which names the missing file.
  assert.equal(check(`import { x } from "./servers/nope/index.ts";\nexport default x;`).ok, true);
  checker.dispose();
});

Deno.test("TreeChecker: extra files shadow the tree, a new tree replaces the old", () => {
  const checker = new TreeChecker(ts, libs);
  const code = `import { twice } from "./skills/twice.ts";\nconst n: number = twice(2);`;
  const v1 = new Map([["/skills/twice.ts", `export const twice = (n: number): number => n * 2;`]]);
  assert.equal(checker.check({ treeId: 1, tree, extra: v1, code }).ok, true);
  // The skill was saved again with another signature: the next check sees it.
  const v2 = new Map([["/skills/twice.ts", `export const twice = (n: number): string => "" + n;`]]);
  const r = checker.check({ treeId: 1, extra: v2, code });
  assert.equal(r.ok, false);
  assert.match(r.diagnostics[0].message, /'string' is not assignable to type 'number'/);
  // Another tree: the old tree's server is gone (left to the sandbox), the new one is checked.
  const other = new Map([
    ["/runtime.ts", tree.get("/runtime.ts")!],
    ["/servers/x/index.ts", `export const k: "a" | "b" = "a";`],
  ]);
  const r2 = checker.check({
    treeId: 2,
    tree: other,
    code: `import { k } from "./servers/x/index.ts";\nconst z: "c" = k;`,
  });
  assert.match(r2.diagnostics[0].message, /Type '"a" \| "b"' is not assignable to type '"c"'/);
  checker.dispose();
});

Deno.test("TreeChecker: caps the diagnostics and counts them all", () => {
  const checker = new TreeChecker(ts, libs);
  const code = Array.from({ length: 12 }, (_, i) => `const v${i}: number = "${i}";`).join("\n");
  const r = checker.check({ treeId: 0, code, max: 5 });
  assert.equal(r.total, 12);
  assert.equal(r.diagnostics.length, 5);
  assert.deepEqual(r.diagnostics.map((d) => d.line), [1, 2, 3, 4, 5]);
  const text = formatTypeErrors(r);
  assert.match(
    text,
    /^The program does not type-check, so it was not run \(12 errors, first 5 shown\):\n/,
  );
  assert.match(
    text,
    /\nmain\.ts:1:7 - TS2322: Type 'string' is not assignable to type 'number'\.\n {2}1 \| const v0: number = "0";/,
  );
  assert.equal(text.split("\n").length, 11);
  checker.dispose();
});
