// `mcpx run` approvals end to end: the real CLI in-process with a scripted
// terminal, the real sandbox and a real server-memory over stdio.
import assert from "node:assert/strict";
import { join } from "node:path";
import { memoryIo } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { tempDir } from "./_helpers.ts";
import { memoryServer } from "./_servers.ts";

const PROGRAM = `import * as memory from "./servers/memory/index.ts";
await memory.createEntities({ entities: [{ name: "e", entityType: "t", observations: [] }] });
await memory.deleteEntities({ entityNames: ["e"] });
await memory.deleteEntities({ entityNames: ["e"] });
export default (await memory.readGraph({})).entities.length;
`;

Deno.test("mcpx run: terminal prompt, --yes, --policy, config policy, dry run, mcpx log", async (t) => {
  await using tmp = await tempDir("mcpx-run-approvals-");
  const m = memoryServer(join(tmp.path, "memory.jsonl"));
  const config = join(tmp.path, "mcpx.json");
  const write = (mcpx?: unknown) =>
    Deno.writeTextFile(
      config,
      JSON.stringify({
        mcpServers: { memory: { command: m.command, args: m.args, env: m.env } },
        ...(mcpx ? { mcpx } : {}),
      }),
    );
  await write();
  const program = join(tmp.path, "prog.ts");
  await Deno.writeTextFile(program, PROGRAM);
  const env = { MCPX_DATA_DIR: join(tmp.path, "data") };
  const run = async (args: string[], answers?: string[]) => {
    const io = memoryIo({ env, ...(answers ? { answers } : {}) });
    const code = await main(["run", "-c", config, ...args], io);
    return { code, stdout: io.stdout, stderr: io.stderr, left: answers };
  };

  await t.step("no terminal: refused with APPROVAL_REQUIRED and how to approve", async () => {
    const r = await run([program]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ToolError: Tool "memory\/delete_entities" needs the user's approval/);
    assert.match(r.stderr, /no terminal to ask on: re-run with --yes/);
    assert.match(r.stderr, /--policy "memory\/delete_entities=allow"/);
  });

  await t.step("terminal: n declines, y approves once, a approves the rest", async () => {
    const no = await run([program], ["n"]);
    assert.equal(no.code, 1);
    assert.match(no.stderr, /Allow "memory\/delete_entities"\?/);
    assert.match(no.stderr, /Called from: line 3 of the program/);
    assert.match(
      no.stderr,
      /ToolError: The user declined the call to "memory\/delete_entities" \(line 3\)/,
    );
    const yes = await run([program], ["y", "y"]);
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal(yes.stdout.trim(), "0");
    assert.equal(yes.stderr.match(/Allow\? \[y\]/g)?.length, 2);
    const all = await run([program], ["a"]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stderr.match(/Allow\? \[y\]/g)?.length, 1);
  });

  await t.step("time spent answering does not count against --timeout", async () => {
    const io = memoryIo({ env, answers: [] });
    io.prompt = {
      write: (text) => void (io.stderr += text),
      readLine: () => new Promise((r) => setTimeout(() => r("a"), 2_500)),
    };
    const code = await main(["run", "-c", config, program, "--timeout", "1500"], io);
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stdout.trim(), "0");
  });

  await t.step("--yes, --policy and the config's policy", async () => {
    assert.equal((await run([program, "--yes"])).code, 0);
    assert.equal((await run([program, "--policy", "memory=allow"])).code, 0);
    const denied = await run([program, "--yes", "--policy", "memory/delete_*=deny"]);
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /Tool "memory\/delete_entities" is denied by the policy \(rule "memory\/delete_\*"\)/,
    );
    const bad = await run([program, "--policy", "memory"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid --policy "memory": expected PATTERN=allow\|ask\|deny/);
    await write({ policy: { "memory/delete_entities": "allow" } });
    assert.equal((await run([program])).code, 0);
    // A flag wins over the config.
    assert.equal((await run([program, "--policy", "memory/delete_entities=ask"])).code, 1);
    await write();
  });

  await t.step("--dry-run prints the plan; --approve runs exactly it", async () => {
    const dry = await run([program, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Dry run: 2 calls were recorded, not made:/);
    assert.match(dry.stdout, /1\. memory\/delete_entities \(line 3\): needs approval/);
    assert.match(dry.stdout, /2\. memory\/delete_entities \(line 4\): needs approval/);
    const token = /Approval token: (\S+)/.exec(dry.stdout)![1];
    const json = await run([program, "--dry-run", "--json"]);
    assert.equal(JSON.parse(json.stdout).plan.calls.length, 2);
    const approved = await run([program, "--approve", token]);
    assert.equal(approved.code, 0, approved.stderr);
    await Deno.writeTextFile(program, PROGRAM.replace(`["e"] });\nexport`, `["x"] });\nexport`));
    const dry2 = await run([program, "--dry-run", "--json"]);
    await Deno.writeTextFile(program, PROGRAM);
    const strayed = await run([program, "--approve", JSON.parse(dry2.stdout).plan.token]);
    assert.equal(strayed.code, 1);
    assert.match(strayed.stderr, /differs from the approved plan: call 2 of the plan/);
    const both = await run([program, "--dry-run", "--approve", token]);
    assert.equal(both.code, 2);
  });

  await t.step("mcpx log shows and filters the calls", async () => {
    const io = memoryIo({ env });
    assert.equal(await main(["log", "--tool", "memory/delete_entities", "--json"], io), 0);
    const entries = io.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const seen = new Set(entries.map((e) => e.approval));
    for (
      const d of [
        "required",
        "declined",
        "approved",
        "approved-session",
        "approved-yes",
        "allow",
        "deny",
        "planned",
        "approved-plan",
        "strayed",
      ]
    ) {
      assert.ok(seen.has(d), `no "${d}" entry: ${[...seen].join(", ")}`);
    }
    assert.ok(entries.every((e) => e.server === "memory" && e.tool === "delete_entities"));
    const text = memoryIo({ env });
    assert.equal(await main(["log", "--since", "1h", "--tool", "read_graph"], text), 0);
    assert.match(text.stdout, /memory\/read_graph {2}ok {2}allow {2}\d+ms {2}line 5 {2}exec /);
    const none = memoryIo({ env });
    assert.equal(await main(["log", "--since", "2030-01-01"], none), 0);
    assert.equal(none.stdout, "");
    const bad = memoryIo({ env });
    assert.equal(await main(["log", "--since", "yesterday"], bad), 2);
    assert.match(bad.stderr, /Invalid --since "yesterday"/);
  });
});
