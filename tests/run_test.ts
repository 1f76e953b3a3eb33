// End to end: `mcpx run` and the Runtime against real MCP servers, through the
// real QuickJS WebAssembly sandbox.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Runtime } from "../src/runtime/runtime.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, filesystemServer, memoryServer } from "./_servers.ts";

Deno.test("mcpx run chains two tools, keeping the big intermediate result in the sandbox", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "root");
  await Deno.mkdir(root);
  // A large file: 20,000 lines the model never needs to see.
  const lines = Array.from(
    { length: 20_000 },
    (_, i) => `${i % 7 === 0 ? "ERROR" : "INFO"} event ${i}`,
  );
  await Deno.writeTextFile(join(root, "app.log"), lines.join("\n"));
  const config = await writeConfig(dir.path, [filesystemServer(root, "fs"), everythingServer()]);
  const program = join(dir.path, "summary.ts");
  await Deno.writeTextFile(
    program,
    `import { readTextFile } from "./servers/fs/index.ts";
import { getSum } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";

const log: string = (await readTextFile({ path: ${
      JSON.stringify(join(root, "app.log"))
    } })).content;
const errors = log.split("\\n").filter((l) => l.startsWith("ERROR")).length;
const total = text(await getSum({ a: errors, b: 1 }));
console.log("errors:", errors);
export default { bytesRead: log.length, errors, total };
`,
  );
  const r = await cli(["run", program, "--config", config]);
  assert.equal(r.code, 0, r.stderr);
  const expectedErrors = lines.filter((l) => l.startsWith("ERROR")).length;
  assert.match(r.stdout, new RegExp(`^errors: ${expectedErrors}\n`));
  const result = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  assert.equal(result.errors, expectedErrors);
  assert.equal(result.bytesRead, lines.join("\n").length);
  assert.match(result.total, new RegExp(`${expectedErrors + 1}`));
  // Only the summary reaches stdout, not the log.
  assert.ok(r.stdout.length < 400, `stdout is ${r.stdout.length} bytes`);

  const j = await cli(["run", program, "--config", config, "--json"]);
  const out = JSON.parse(j.stdout);
  assert.equal(out.result.errors, expectedErrors);
  assert.deepEqual(out.logs, [{ level: "log", message: `errors: ${expectedErrors}` }]);
  assert.equal(out.stats.toolCalls, 2);
  assert.equal(typeof out.stats.durationMs, "number");
  assert.equal(out.error, undefined);
});

Deno.test("mcpx run: stdin, failures, ToolError, and plugins", async (t) => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [everythingServer()]);

  await t.step("program from stdin", async () => {
    const r = await cli(["run", "-", "--config", config], {
      stdin:
        `import { echo } from "./servers/everything/echo.ts"; export default await echo({ message: "hi" });`,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Echo: hi/);
  });

  await t.step("terminal escapes in tool text are shown, not obeyed", async () => {
    const r = await cli(["run", "-", "--config", config], {
      stdin: `import { echo } from "./servers/everything/echo.ts";
import { text } from "./runtime.ts";
console.log(text(await echo({ message: "\x1b[2J\x1b]0;owned\x07" })));
throw new Error("bad \x1b[31m");`,
    });
    assert.equal(r.code, 1);
    assert.ok(!r.stdout.includes("\x1b") && !r.stderr.includes("\x1b"), JSON.stringify(r));
    assert.match(r.stdout, /Echo: \\x1b\[2J\\x1b\]0;owned\\x07/);
    assert.match(r.stderr, /bad \\x1b\[31m/);
  });

  await t.step(
    "a failing program exits 1 with its stack pointing into the TypeScript",
    async () => {
      const r = await cli(["run", "-", "--config", config, "--json"], {
        stdin:
          `type A = { x: number };\ninterface B { y: string }\nconst a: A = { x: 1 };\nthrow new RangeError("bad " + a.x);\n`,
      });
      assert.equal(r.code, 1);
      const out = JSON.parse(r.stdout);
      assert.equal(out.error.name, "RangeError");
      assert.equal(out.error.message, "bad 1");
      assert.match(out.error.stack, /main\.ts:4/);
    },
  );

  await t.step("errors name the file that was run, not the sandbox's main.ts", async () => {
    const typo = join(dir.path, "sum_check.ts");
    await Deno.writeTextFile(typo, `const n: number = "one";\nexport default n;\n`);
    const typed = await cli(["run", typo, "--config", config]);
    assert.equal(typed.code, 1);
    assert.match(typed.stderr, /sum_check\.ts:1:7 - TS2322/);
    assert.doesNotMatch(typed.stderr, /main\.ts/);
    const thrower = join(dir.path, "thrower.ts");
    await Deno.writeTextFile(thrower, `const x = 1;\nthrow new Error("stop " + x);\n`);
    const thrown = await cli(["run", thrower, "--config", config, "--json"]);
    assert.equal(thrown.code, 1);
    assert.match(JSON.parse(thrown.stdout).error.stack, /thrower\.ts:2/);
    // A file named like a file of the tree keeps the sandbox's name.
    const shadow = join(dir.path, "runtime.ts");
    await Deno.writeTextFile(
      shadow,
      `import { text } from "./runtime.ts";\nexport default typeof text;\n`,
    );
    const shadowed = await cli(["run", shadow, "--config", config, "--json"]);
    assert.equal(shadowed.code, 0, shadowed.stdout + shadowed.stderr);
    assert.equal(JSON.parse(shadowed.stdout).result, "function");
  });

  await t.step(
    "a tool error is catchable as ToolError; invalid arguments are refused",
    async () => {
      const r = await cli(["run", "-", "--config", config, "--json"], {
        stdin: `import { getSum } from "./servers/everything/index.ts";
import { ToolError } from "./runtime.ts";
const out: string[] = [];
try { await getSum({ a: "one" as unknown as number, b: 2 }); } catch (e) { out.push(e instanceof ToolError ? e.code : "other"); }
try { await (globalThis as any)[Symbol.for("mcpx.host")].callTool("everything", "no-such-tool", {}).then((r: any) => { if (!r.ok) throw new ToolError(r.error.message, { ...r.error, server: "everything", tool: "x" }); }); } catch (e) { out.push((e as ToolError).code); }
export default out;`,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).result, ["TOOL_INVALID_ARGS", "UNKNOWN_TOOL"]);
    },
  );

  await t.step("types imported by name, without `import type`, just work", async () => {
    const r = await cli(["run", "-", "--config", config, "--json"], {
      stdin: `import { getSum, GetSumInput, GetSumOutput } from "./servers/everything/index.ts";
const input: GetSumInput = { a: 4, b: 5 };
const out: GetSumOutput = await getSum(input);
export default out;`,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(JSON.stringify(JSON.parse(r.stdout).result), /The sum of 4 and 5 is 9/);
  });

  await t.step("servers from a saved plugin, and a tampered plugin is skipped", async () => {
    const plugins = join(dir.path, "plugins");
    assert.equal(
      (await cli(["generate", "--config", config, "--save-plugin", "--plugin-dir", plugins])).code,
      0,
    );
    const ok = await cli(["run", "-", "--plugin-dir", plugins], {
      stdin:
        `import { getSum } from "./servers/everything/index.ts"; export default await getSum({ a: 2, b: 3 });`,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /5/);
    await Deno.writeTextFile(join(plugins, "everything", "runtime.ts"), "export const evil = 1;\n");
    const bad = await cli(["run", "-", "--plugin-dir", plugins], { stdin: `export default 1;` });
    assert.match(bad.stderr, /skipping plugin "everything": .*"runtime\.ts" was modified/);
  });

  await t.step("--allow and --deny limit which tools the program may call", async () => {
    const program = `import { echo, getSum } from "./servers/everything/index.ts";
import { ToolError } from "./runtime.ts";
const codes: string[] = [];
for (const call of [() => echo({ message: "x" }), () => getSum({ a: 1, b: 2 })]) {
  try { await call(); codes.push("ok"); } catch (e) { codes.push(e instanceof ToolError ? e.code : String(e)); }
}
export default codes;`;
    const allow = await cli([
      "run",
      "-",
      "--config",
      config,
      "--json",
      "--allow",
      "everything/echo",
    ], {
      stdin: program,
    });
    assert.deepEqual(JSON.parse(allow.stdout).result, ["ok", "TOOL_DENIED"]);
    const deny = await cli(["run", "-", "--config", config, "--json", "--deny", "everything/e*"], {
      stdin: program,
    });
    assert.deepEqual(JSON.parse(deny.stdout).result, ["TOOL_DENIED", "ok"]);
  });

  await t.step("usage errors", async () => {
    assert.equal((await cli(["run"])).code, 2);
    assert.equal((await cli(["run", "-", "--memory", "5000"])).code, 2);
    const missing = await cli(["run", join(dir.path, "nope.ts"), "--config", config]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read program ".*nope\.ts"/);
    const unknown = await cli(["run", "-", "--config", config, "--server", "gdrive"], {
      stdin: "export default 1",
    });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Unknown server "gdrive": known servers are "everything"/);
  });
});

Deno.test("Runtime: reused for many executions, parallel calls, two servers, clean state", async () => {
  await using dir = await tempDir();
  await using runtime = await Runtime.create({
    servers: [everythingServer(), memoryServer(join(dir.path, "memory.jsonl"))],
  });
  const parallel = await runtime.execute(`
    import { getSum } from "./servers/everything/index.ts";
    import { createEntities, readGraph } from "./servers/memory/index.ts";
    import { text } from "./runtime.ts";
    const sums = await Promise.all(Array.from({ length: 10 }, (_, i) => getSum({ a: i, b: i })));
    await createEntities({ entities: [{ name: "mcpx", entityType: "project", observations: ["runs code"] }] });
    const graph = await readGraph();
    (globalThis as any).leak = "x";
    export default { sums: sums.map(text), entities: graph.entities.map((e) => e.name) };
  `);
  assert.equal(parallel.ok, true, JSON.stringify(parallel.error));
  const res = parallel.result as { sums: string[]; entities: string[] };
  assert.equal(res.sums.length, 10);
  assert.match(res.sums[9], /18/);
  assert.deepEqual(res.entities, ["mcpx"]);
  assert.equal(parallel.stats.toolCalls, 12);

  // No state leaks between executions.
  const next = await runtime.execute(`export default typeof (globalThis as any).leak;`);
  assert.equal(next.result, "undefined");

  // The same runtime keeps serving after a guest failure.
  const bad = await runtime.execute(`while (true) {}`, { limits: { timeoutMs: 200 } });
  assert.equal(bad.ok, false);
  assert.equal(bad.error?.code, "SANDBOX_TIMEOUT");
  const after = await runtime.execute(`export default 40 + 2;`);
  assert.equal(after.result, 42);
});

Deno.test("Runtime: an upstream server that dies mid-call gives a catchable error, and it comes back", async () => {
  await using runtime = await Runtime.create({ servers: [everythingServer()] });
  const warm = await runtime.execute(
    `import { echo } from "./servers/everything/index.ts"; export default await echo({ message: "up" });`,
  );
  assert.equal(warm.ok, true);
  const pid = runtime.bridge.pool.peek("everything")?.pid;
  assert.ok(pid);
  const dying = runtime.execute(
    `
    import { triggerLongRunningOperation } from "./servers/everything/index.ts";
    import { ToolError } from "./runtime.ts";
    let outcome = "finished";
    try {
      await triggerLongRunningOperation({ duration: 5, steps: 5 });
    } catch (e) {
      outcome = e instanceof ToolError ? e.code : String(e);
    }
    export default outcome;
  `,
    { check: false },
  ); // Unchecked: the call must be in flight within the 300 ms below.
  await new Promise((r) => setTimeout(r, 300));
  Deno.kill(pid, "SIGKILL");
  const r = await dying;
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.result, "SERVER_ERROR");
  const again = await runtime.execute(
    `import { echo } from "./servers/everything/index.ts"; export default await echo({ message: "back" });`,
  );
  assert.equal(again.ok, true, JSON.stringify(again.error));
  assert.notEqual(runtime.bridge.pool.peek("everything")?.pid, pid);
});

Deno.test("mcpx run: a program that crashes the type stripper gets a clean error, then runs work", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, []);
  const deep = join(dir.path, "deep.ts");
  await Deno.writeTextFile(
    deep,
    "export default " + "(".repeat(800_000) + "1" + ")".repeat(800_000) + ";\n",
  );
  // The type-checker refuses it cleanly first; unchecked, the stripper does.
  const checked = await cli(["run", deep, "--config", config]);
  assert.equal(checked.code, 1);
  assert.match(checked.stderr, /Type-checking failed: .*--no-check/);
  const bad = await cli(["run", deep, "--config", config, "--no-check"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Cannot compile: the type stripper crashed \(RuntimeError: /);
  assert.doesNotMatch(bad.stderr, /^\s+at /m); // no stack trace
  const good = await cli(["run", "-", "--config", config], {
    stdin: "const n: number = 2;\nexport default n * 21;",
  });
  assert.equal(good.code, 0, good.stderr);
  assert.equal(good.stdout.trim(), "42");
});
