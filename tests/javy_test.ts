// The Javy engine end to end, against a real server-everything over stdio.
//
// Without a javy binary, the fixture plugin (testdata/fixture_plugin.ts)
// stands in for Javy: it has Javy's plugin ABI but interprets `//! `
// operations instead of JavaScript, so these tests drive the whole host side
// (CLI, runtime, bridge, worker, WASI host, JSPI, `mcpx build`) with programs
// written in those operations. The guest-script suite in real TypeScript
// runs on the default engine always and on Javy when a javy binary is found
// (MCPX_JAVY or PATH); otherwise its Javy half is reported as ignored.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client, StdioClientTransport } from "../src/_sdk.ts";
import { Runtime } from "../src/runtime/runtime.ts";
import { stopBundler } from "../src/sandbox/javy/bundle.ts";
import { findJavy, JavyPlugin } from "../src/sandbox/javy/plugin.ts";
import { fixturePluginBytes } from "../src/sandbox/javy/testdata/fixture_plugin.ts";
import { readDynamicModule } from "../src/sandbox/javy/wasm_binary.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer } from "./_servers.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const JAVY = findJavy(Deno.env.toObject());
const NO_JAVY = "skipped: no javy binary (set MCPX_JAVY or put javy on the PATH)";
// A real, third-party Javy plugin from npm (see below); MCPX_JAVY_PLUGIN overrides it.
const REAL_PLUGIN = Deno.env.get("MCPX_JAVY_PLUGIN") ??
  new URL(
    "../node_modules/@chainlink/cre-sdk-javy-plugin/dist/javy-chainlink-sdk.plugin.wasm",
    import.meta.url,
  ).pathname;
const HAS_REAL_PLUGIN = (() => {
  try {
    return Deno.statSync(REAL_PLUGIN).isFile;
  } catch {
    return false;
  }
})();

const ops = (...lines: string[]) => lines.map((l) => `//! ${l}`).join("\n") + "\nexport {};\n";
const call = (id: number, tool: string, args: unknown) =>
  `bridge ${JSON.stringify({ t: "call", id, server: "everything", tool, args })}`;
const done = (value: unknown) =>
  `bridge ${JSON.stringify({ t: "done", json: JSON.stringify(value) })}`;
const replies = (logs: { message: string }[]) =>
  logs.filter((l) => l.message.startsWith('{"id"')).map((l) => JSON.parse(l.message));

// ---------------------------------------------------------------------------
// The same guest scripts on both engines.

interface GuestCase {
  name: string;
  code: string;
  /** Whether it calls tools (a plugin without `Javy.IO` cannot). */
  tools: boolean;
  check(r: Awaited<ReturnType<Runtime["execute"]>>): void;
}

const SUITE: GuestCase[] = [
  {
    name: "console output and a computed default export",
    tools: false,
    code: `console.log("hi", 1 + 1);\nexport default { n: [1, 2, 3].map((x) => x * 2) };`,
    check(r) {
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.deepEqual(r.logs.map((l) => l.message), ["hi 2"]);
      assert.deepEqual(r.result, { n: [2, 4, 6] });
    },
  },
  {
    name: "one tool call through a generated module",
    tools: true,
    code: `import { getSum } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await getSum({ a: 2, b: 3 }));`,
    check(r) {
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.match(String(r.result), /5/);
      assert.equal(r.stats.toolCalls, 1);
    },
  },
  {
    name: "parallel tool calls",
    tools: true,
    code: `import { echo } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
const out = await Promise.all(["a", "b", "c"].map((m) => echo({ message: m })));
export default out.map(text);`,
    check(r) {
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.deepEqual((r.result as string[]).map((t) => t.replace(/^Echo: /, "")), [
        "a",
        "b",
        "c",
      ]);
      assert.equal(r.stats.toolCalls, 3);
    },
  },
  {
    name: "a failing tool call is a ToolError the program can catch",
    tools: true,
    code: `import { callTool } from "./runtime.ts";
try {
  await callTool("everything", "no-such-tool", {});
} catch (e) {
  console.log((e as Error).name, (e as { code: string }).code);
  console.log((e as Error).message);
}
export default "caught";`,
    check(r) {
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.result, "caught");
      assert.match(r.logs[0].message, /^ToolError [A-Z_]+$/);
    },
  },
  {
    name: "an uncaught error fails the execution",
    tools: false,
    code: `throw new TypeError("bad input");`,
    check(r) {
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, "SANDBOX_RUNTIME");
      assert.equal(r.error?.name, "TypeError");
      assert.equal(r.error?.message, "bad input");
    },
  },
];

for (const engine of ["quickjs", "javy"] as const) {
  const skip = engine === "javy" && JAVY === undefined;
  Deno.test({
    name: `guest-script suite on the ${engine} engine against server-everything${
      skip ? ` (${NO_JAVY})` : ""
    }`,
    ignore: skip,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn(t) {
      await using runtime = await Runtime.create({
        servers: [everythingServer()],
        engine,
        workers: 1,
      });
      for (const c of SUITE) {
        await t.step(c.name, async () => c.check(await runtime.execute(c.code)));
      }
      if (engine === "javy") await stopBundler();
    },
  });
}

Deno.test({
  name:
    `guest-script suite on the javy engine with a real plugin from npm (no Javy.IO: tool cases must fail saying so)${
      HAS_REAL_PLUGIN ? "" : ` (skipped: no plugin at ${REAL_PLUGIN}; run deno install)`
    }`,
  ignore: !HAS_REAL_PLUGIN,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using runtime = await Runtime.create({
      servers: [everythingServer()],
      engine: "javy",
      javy: { plugin: REAL_PLUGIN },
    });
    for (const c of SUITE) {
      await t.step(c.name, async () => {
        const r = await runtime.execute(c.code);
        if (!c.tools) return c.check(r);
        // Uncaught, the refusal fails the program; caught, the program logs it.
        const message = r.error?.message ?? r.logs[1]?.message;
        assert.match(message, /lacks stream I\/O \(Javy\.IO\)/);
        if (r.error !== undefined) assert.equal(r.error.guestCode, "TOOL_DENIED");
        else assert.equal(r.logs[0].message, "ToolError TOOL_DENIED");
      });
    }
    await stopBundler();
  },
});

Deno.test({
  name: `the plugin of javy emit-plugin runs a console-only program${
    JAVY === undefined ? ` (${NO_JAVY})` : ""
  }`,
  ignore: JAVY === undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const plugin = join(dir.path, "plugin.wasm");
    const emitted = await new Deno.Command(JAVY!, { args: ["emit-plugin", "-o", plugin] }).output();
    assert.ok(emitted.success, new TextDecoder().decode(emitted.stderr));
    const prog = join(dir.path, "hello.ts");
    await Deno.writeTextFile(prog, `console.log("hello from javy");\nexport default 42;`);
    const r = await cli(["run", prog, "--engine", "javy", "--javy-plugin", plugin, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.logs.map((l: { message: string }) => l.message), ["hello from javy"]);
    assert.equal(out.result, 42);
    await stopBundler();
  },
});

// ---------------------------------------------------------------------------
// A real, third-party Javy plugin from npm (@chainlink/cre-sdk-javy-plugin,
// used unmodified; MCPX_JAVY_PLUGIN overrides it). It has no `Javy.IO` and
// imports host functions of its own (`env.*`), which mcpx links as traps.

Deno.test({
  name:
    `a real Javy plugin given with --javy-plugin runs console-only programs, built modules and limits${
      HAS_REAL_PLUGIN ? "" : ` (skipped: no plugin at ${REAL_PLUGIN}; run deno install)`
    }`,
  ignore: !HAS_REAL_PLUGIN,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using dir = await tempDir();
    const file = async (name: string, code: string) => {
      const path = join(dir.path, name);
      await Deno.writeTextFile(path, code);
      return path;
    };
    const plugin = ["--javy-plugin", REAL_PLUGIN];
    const json = (r: { stdout: string }) => JSON.parse(r.stdout);
    const hello = await file(
      "hello.ts",
      `const n: number = 1 + 1;\nconsole.log("hello from javy", n);\nconsole.error("to stderr");\nexport default { n: [1, 2, 3].map((x) => x * n) };`,
    );

    await t.step("console output and the default export", async () => {
      const r = await cli(["run", hello, "--engine", "javy", ...plugin, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(json(r).logs, [
        { level: "log", message: "hello from javy 2" },
        { level: "error", message: "to stderr" },
      ]);
      assert.deepEqual(json(r).result, { n: [2, 4, 6] });
    });

    await t.step("mcpx build writes a -C dynamic module that mcpx run runs", async () => {
      const wasm = join(dir.path, "hello.wasm");
      const built = await cli(["build", hello, "-o", wasm, ...plugin]);
      assert.equal(built.code, 0, built.stderr);
      const plugged = await JavyPlugin.fromFile(REAL_PLUGIN);
      assert.equal(readDynamicModule(await Deno.readFile(wasm)).namespace, plugged.namespace);
      const r = await cli(["run", wasm, ...plugin, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(json(r).result, { n: [2, 4, 6] });
    });

    await t.step("without Javy.IO a tool call fails saying so", async () => {
      const code = await file(
        "tool.ts",
        `import { callTool } from "./runtime.ts";\nexport default await callTool("everything", "echo", { message: "x" });`,
      );
      const r = await cli(["run", code, "--engine", "javy", ...plugin, "--json"]);
      assert.equal(r.code, 1);
      assert.match(json(r).error.message, /this Javy plugin lacks stream I\/O \(Javy\.IO\)/);
    });

    await t.step("an uncaught error, the memory limit and the deadline", async () => {
      const thrown = await cli([
        "run",
        await file("throw.ts", `throw new TypeError("bad " + "input");`),
        "--engine",
        "javy",
        ...plugin,
        "--json",
      ]);
      assert.deepEqual(
        [json(thrown).error.code, json(thrown).error.name, json(thrown).error.message],
        ["SANDBOX_RUNTIME", "TypeError", "bad input"],
      );
      // The stack points at the program's line, not the bundle's.
      assert.match(
        json(thrown).error.stack,
        /^TypeError: bad input\n {4}at <anonymous> \(\/throw\.ts:1:\d+\)$/,
      );
      const bomb = await cli([
        "run",
        await file(
          "bomb.ts",
          `const a: number[][] = [];\nfor (;;) a.push(new Array(1e6).fill(1));`,
        ),
        "--engine",
        "javy",
        ...plugin,
        "--memory",
        "32",
        "--json",
      ]);
      assert.equal(json(bomb).error.code, "SANDBOX_MEMORY");
      assert.match(json(bomb).error.message, /32/);
      const spin = await cli([
        "run",
        await file("spin.ts", `for (;;) {}`),
        "--engine",
        "javy",
        ...plugin,
        "--timeout",
        "500",
        "--json",
      ]);
      assert.equal(json(spin).error.code, "SANDBOX_TIMEOUT");
    });
    await stopBundler();
  },
});

// ---------------------------------------------------------------------------
// The fixture plugin through the whole stack.

Deno.test({
  name:
    "javy fixture against server-everything: tool calls through the real bridge, in parallel, failing, denied, over the argument limit",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const plugin = await JavyPlugin.fromBytes(await fixturePluginBytes(), "fixture");
    await using runtime = await Runtime.create({
      servers: [everythingServer()],
      engine: "javy",
      javy: { plugin },
      policy: { deny: ["everything/get-env"], maxArgBytes: 1024 },
    });
    assert.equal(runtime.sandbox.engineName, "javy");
    const r = await runtime.execute(ops(
      call(1, "get-sum", { a: 2, b: 3 }),
      call(2, "echo", { message: "one" }),
      call(3, "echo", { message: "two" }),
      call(4, "no-such-tool", {}),
      call(5, "get-env", {}),
      call(6, "get-sum", { a: "not a number" }),
      call(7, "echo", { message: "x".repeat(2000) }),
      "read",
      "read",
      "read",
      "read",
      "read",
      "read",
      "read",
      "out finished",
      done({ ok: 1 }),
    ));
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.result, { ok: 1 });
    assert.equal(r.logs.at(-1)?.message, "finished");
    const byId = new Map(replies(r.logs).map((m) => [m.id, m.reply]));
    assert.equal(byId.size, 7);
    assert.ok(byId.get(1).ok);
    assert.match(JSON.stringify(byId.get(1).value), /5/);
    assert.match(JSON.stringify(byId.get(2).value), /one/);
    assert.match(JSON.stringify(byId.get(3).value), /two/);
    assert.equal(byId.get(4).ok, false);
    assert.equal(byId.get(4).error.code, "UNKNOWN_TOOL");
    assert.equal(byId.get(5).error.code, "TOOL_DENIED");
    assert.equal(byId.get(6).error.code, "TOOL_INVALID_ARGS");
    assert.equal(byId.get(7).error.code, "TOOL_LIMIT");
    assert.match(byId.get(7).error.message, /over the 1 KiB limit|over the 1,024 B limit|over the/);
    assert.equal(r.stats.toolCalls, 7);
    await stopBundler();
  },
});

Deno.test({
  name: "mcpx run --engine javy, mcpx build and mcpx run out.wasm with the fixture plugin",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const config = await writeConfig(dir.path, [everythingServer()]);
    const plugin = join(dir.path, "fixture.wasm");
    await Deno.writeFile(plugin, await fixturePluginBytes());
    const prog = join(dir.path, "prog.ts");
    await Deno.writeTextFile(
      prog,
      `import { getSum } from "./servers/everything/index.ts";\n` +
        ops(call(1, "get-sum", { a: 20, b: 22 }), "read", "out sum done", done({ sum: 42 })),
    );
    const common = ["--config", config, "--javy-plugin", plugin];
    const run = await cli(["run", prog, "--engine", "javy", ...common, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.deepEqual(out.result, { sum: 42 });
    assert.match(out.logs[0].message, /42/);
    assert.equal(out.logs[1].message, "sum done");

    const wasmPath = join(dir.path, "out.wasm");
    const built = await cli(["build", prog, "-o", wasmPath, ...common]);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, /wrote .*out\.wasm/);
    const wasm = await Deno.readFile(wasmPath);
    const info = readDynamicModule(wasm);
    assert.equal(info.namespace, "mcpx-fixture-v1");
    assert.match(new TextDecoder().decode(info.bytecode), /^FXBC/);

    const again = await cli(["run", wasmPath, ...common, "--json"]);
    assert.equal(again.code, 0, again.stderr);
    const out2 = JSON.parse(again.stdout);
    assert.deepEqual(out2.result, { sum: 42 });
    assert.match(out2.logs[0].message, /42/);

    const wrong = await cli(["run", wasmPath, "--engine", "quickjs", "--config", config]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /needs the javy engine/);
    await stopBundler();
  },
});

Deno.test({
  name: "without javy, --engine javy and mcpx build exit with an install hint",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const prog = join(dir.path, "p.ts");
    await Deno.writeTextFile(prog, "export default 1;");
    const env = { PATH: join(dir.path, "empty") };
    for (
      const args of [
        ["run", prog, "--engine", "javy"],
        ["serve", "--engine", "javy"],
        ["build", prog, "-o", join(dir.path, "p.wasm")],
      ]
    ) {
      const r = await cli(args, { env });
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /no javy was found: install Javy \(https:\/\/github\.com\/bytecodealliance\/javy\/releases\)/,
      );
      assert.match(r.stderr, /--javy-plugin FILE/);
    }
    const bad = await cli(["run", prog, "--engine", "v8"], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid --engine "v8": use "quickjs" or "javy"/);
    const stray = await cli(["run", prog, "--javy-plugin", "x.wasm"], { env });
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--javy-plugin needs --engine javy/);
  },
});

Deno.test({
  name: "mcpx serve --engine javy runs execute_code through the fixture plugin",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const config = await writeConfig(dir.path, [everythingServer()]);
    const plugin = join(dir.path, "fixture.wasm");
    await Deno.writeFile(plugin, await fixturePluginBytes());
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: [
        "run",
        "-A",
        CLI,
        "serve",
        "--config",
        config,
        "--plugin-dir",
        join(dir.path, "plugins"),
        "--engine",
        "javy",
        "--javy-plugin",
        plugin,
      ],
      stderr: "pipe",
    });
    const client = new Client({ name: "javy-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const r = await client.callTool(
        {
          name: "execute_code",
          arguments: {
            code: ops(call(1, "get-sum", { a: 1, b: 2 }), "read", done({ three: 3 })),
          },
        },
        undefined,
        { timeout: 60_000 },
      );
      const text = (r.content as { type: string; text: string }[])[0].text;
      assert.equal(r.isError ?? false, false, text);
      assert.match(text, /"three":\s*3/);
    } finally {
      await client.close();
    }
  },
});
