// The Javy engine through the fixture plugin (a WAT plugin with Javy's ABI
// that interprets `//! ` operations instead of JavaScript; see
// testdata/fixture_plugin.ts): WASI host, JSPI bridge, limits, error paths.
import assert from "node:assert/strict";
import { McpxError } from "../../errors.ts";
import type { EngineHost, EngineLimits, ExecuteOutcome } from "../engine.ts";
import { DEFAULT_LIMITS } from "../limits.ts";
import { stopBundler } from "./bundle.ts";
import { JavyEngine } from "./javy_engine.ts";
import { JavyPlugin } from "./plugin.ts";
import { appendCustomSection, fixturePluginBytes } from "./testdata/fixture_plugin.ts";
import { dynamicModule } from "./wasm_binary.ts";

async function rejects(
  fn: () => Promise<unknown>,
  type: new (...args: never[]) => Error,
  includes: string,
): Promise<void> {
  await assert.rejects(fn, (e: Error) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e}`);
    assert.ok(e.message.includes(includes), `"${e.message}" does not include "${includes}"`);
    return true;
  });
}

let shared: Promise<JavyEngine> | undefined;
function engine(): Promise<JavyEngine> {
  shared ??= (async () =>
    JavyEngine.create({
      plugin: await JavyPlugin.fromBytes(await fixturePluginBytes(), "fixture"),
    }))();
  return shared;
}

/** A host whose calls take `delayMs` and echo their arguments; it records concurrency. */
function echoHost(delayMs = 20) {
  const seen: string[] = [];
  let now = 0;
  let max = 0;
  const host: EngineHost & { seen: string[]; maxInFlight: () => number } = {
    seen,
    maxInFlight: () => max,
    async callTool(server, tool, argsJson, _signal) {
      seen.push(`${server}/${tool}`);
      max = Math.max(max, ++now);
      const args = JSON.parse(argsJson);
      await new Promise((r) => setTimeout(r, args.delay ?? delayMs));
      now--;
      if (tool === "fails") {
        return JSON.stringify({ ok: false, error: { code: "TOOL_ERROR", message: "it failed" } });
      }
      if (tool === "throws") throw new Error("host blew up");
      return JSON.stringify({ ok: true, value: { tool, args } });
    },
  };
  return host;
}

async function run(
  program: string,
  limits: Partial<EngineLimits> = {},
  host: EngineHost = echoHost(),
  signal?: AbortSignal,
): Promise<ExecuteOutcome> {
  const e = await engine();
  return await e.execute({
    entry: "/main.ts",
    files: new Map([["/main.ts", program]]),
    limits: { ...DEFAULT_LIMITS, ...limits },
    signal,
  }, host);
}

const ops = (...lines: string[]) => lines.map((l) => `//! ${l}`).join("\n") + "\nexport {};\n";
const call = (id: number, tool: string, args: unknown = {}) =>
  `bridge ${JSON.stringify({ t: "call", id, server: "s", tool, args })}`;
const messages = (o: ExecuteOutcome) => o.logs.map((l) => `${l.level}:${l.message}`);

Deno.test("javy fixture: stdout and stderr become logs, the done frame the result, WASI works", async () => {
  const o = await run(
    ops("out hello", "err oops", "wasi", `bridge {"t":"done","json":"{\\"n\\":42}"}`),
  );
  assert.deepEqual(o.error, undefined);
  assert.ok(o.ok);
  assert.deepEqual(messages(o), ["log:hello", "error:oops", "log:wasi ok"]);
  assert.deepEqual(o.resultJson, '{"n":42}');
  assert.deepEqual(o.stats.toolCalls, 0);
});

Deno.test("javy fixture: a plugin with Javy's shared config is initialized with its event loop on", async () => {
  const o = await run(ops("config"));
  assert.deepEqual(messages(o), ["log:event-loop on"]);
});

Deno.test("javy fixture: several tool calls are in flight at once, replies come back as they finish", async () => {
  const host = echoHost();
  const o = await run(
    ops(
      call(1, "slow", { delay: 150 }),
      call(2, "fast", { delay: 10 }),
      call(3, "mid", { delay: 60 }),
      "read",
      "read",
      "read",
    ),
    {},
    host,
  );
  assert.ok(o.ok, JSON.stringify(o.error));
  assert.deepEqual(host.maxInFlight(), 3);
  const ids = o.logs.map((l) => JSON.parse(l.message).id);
  assert.deepEqual(ids, [2, 3, 1]);
  assert.deepEqual(JSON.parse(o.logs[2].message).reply, {
    ok: true,
    value: { tool: "slow", args: { delay: 150 } },
  });
  assert.deepEqual(o.stats.toolCalls, 3);
});

Deno.test("javy fixture: failing and throwing tool calls come back as error envelopes", async () => {
  const o = await run(ops(call(1, "fails"), "read", call(2, "throws"), "read"));
  assert.ok(o.ok);
  assert.deepEqual(JSON.parse(o.logs[0].message).reply, {
    ok: false,
    error: { code: "TOOL_ERROR", message: "it failed" },
  });
  assert.deepEqual(JSON.parse(o.logs[1].message).reply.error, {
    code: "TOOL_ERROR",
    message: "host blew up",
  });
});

Deno.test("javy fixture: the tool-call limit refuses calls past it, the concurrency limit queues", async () => {
  const limited = await run(ops(call(1, "a"), call(2, "b"), "read", "read"), { maxToolCalls: 1 });
  const replies = limited.logs.map((l) => JSON.parse(l.message));
  const refused = replies.find((r) => r.id === 2);
  assert.deepEqual(refused.reply.error.code, "TOOL_LIMIT");
  assert.deepEqual(limited.stats.toolCalls, 1);

  const host = echoHost(30);
  const queued = await run(
    ops(call(1, "a"), call(2, "b"), call(3, "c"), "read", "read", "read"),
    { maxConcurrentToolCalls: 1 },
    host,
  );
  assert.ok(queued.ok);
  assert.deepEqual(host.maxInFlight(), 1);
  assert.deepEqual(host.seen, ["s/a", "s/b", "s/c"]);
});

Deno.test("javy fixture: reading the bridge with no call pending is end of file, not a hang", async () => {
  const o = await run(ops("read", "out after"));
  assert.deepEqual(messages(o), ["log:eof", "log:after"]);
});

Deno.test("javy fixture: an unknown host import of the plugin traps with an error naming it", async () => {
  const o = await run(ops("out before", "host", "out never"));
  assert.deepEqual(o.ok, false);
  assert.deepEqual(o.error?.code, "SANDBOX_RUNTIME");
  assert.match(o.error!.message, /host function "env\.fixture_host_call"/);
  assert.deepEqual(messages(o), ["log:before"]);
});

Deno.test("javy fixture: memory is capped by the maximum patched onto the plugin's memory", async () => {
  const small = { memoryBytes: 16 * 1024 * 1024 };
  const ok = await run(ops("grow 100", "out grown"), small);
  assert.ok(ok.ok, JSON.stringify(ok.error));
  const over = await run(ops("grow 300", "out never"), small);
  assert.deepEqual(over.error?.code, "SANDBOX_MEMORY");
  assert.match(over.error!.message, /16/);
});

Deno.test("javy fixture: a deadline stops a program that never yields", async () => {
  const t0 = performance.now();
  const o = await run(ops("spin"), { timeoutMs: 300 });
  assert.deepEqual(o.error?.code, "SANDBOX_TIMEOUT");
  assert.ok(performance.now() - t0 < 5_000);
  // The engine is still usable afterwards.
  assert.ok((await run(ops("out alive"))).ok);
});

Deno.test("javy fixture: a deadline also stops a program waiting for a tool", async () => {
  const o = await run(ops(call(1, "slow", { delay: 5_000 }), "read"), { timeoutMs: 300 });
  assert.deepEqual(o.error?.code, "SANDBOX_TIMEOUT");
});

Deno.test("javy fixture: aborting the signal cancels the execution", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const o = await run(ops("spin"), {}, echoHost(), ac.signal);
  assert.deepEqual(o.error?.code, "SANDBOX_CANCELLED");
});

Deno.test("javy fixture: compile errors are SANDBOX_COMPILE, from the plugin and from the bundler", async () => {
  const plugin = await run(ops("out x", "@@compile-error"));
  assert.deepEqual(plugin.error?.code, "SANDBOX_COMPILE");
  assert.match(plugin.error!.message, /unexpected token in the fixture source/);
  const bundler = await run("export default (;");
  assert.deepEqual(bundler.error?.code, "SANDBOX_COMPILE");
  assert.match(bundler.error!.message, /\/main\.ts:1:/);
  const missing = await run(`import { x } from "./nope.ts";\nexport default x;`);
  assert.deepEqual(missing.error?.code, "SANDBOX_COMPILE");
  assert.match(missing.error!.message, /nope\.ts/);
});

Deno.test("javy fixture: exit codes, traps, guest errors and bad frames", async () => {
  const exit0 = await run(ops("out a", "exit 0", "out never"));
  assert.ok(exit0.ok);
  assert.deepEqual(messages(exit0), ["log:a"]);
  const exit3 = await run(ops("err something broke", "exit 3"));
  assert.deepEqual(exit3.error?.code, "SANDBOX_RUNTIME");
  assert.deepEqual(exit3.error?.message, "The program exited with code 3: something broke");
  const trap = await run(ops("err Error: boom", "trap"));
  assert.deepEqual(trap.error?.message, "Error: boom");
  const guest = await run(
    ops(
      `bridge {"t":"error","name":"ToolError","message":"nope","stack":"    at main (/main.ts:1)","code":"TOOL_DENIED"}`,
    ),
  );
  assert.deepEqual(guest.error?.code, "SANDBOX_RUNTIME");
  assert.deepEqual(guest.error?.name, "ToolError");
  assert.deepEqual(guest.error?.guestCode, "TOOL_DENIED");
  assert.deepEqual(guest.error?.stack, "ToolError: nope\n    at main (/main.ts:1)");
  const bad = await run(ops("bridge not json"));
  assert.match(bad.error!.message, /Malformed bridge frame "not json"/);
});

Deno.test("javy fixture: a native stack overflow is SANDBOX_STACK, and the next execution runs", async () => {
  const o = await run(ops("out deep", "recurse"));
  assert.deepEqual(o.error?.code, "SANDBOX_STACK");
  assert.deepEqual(messages(o), ["log:deep"]);
  assert.ok((await run(ops("out after"))).ok);
});

Deno.test("javy fixture: a tree run again (cached bundle and bytecode) gives the same outcome", async () => {
  const e = await engine();
  const files = new Map([["/lib.ts", "export const x = 1;"]]);
  const req = (n: number) => ({
    entry: "/main.ts",
    files,
    treeId: 4242,
    extraFiles: new Map([[
      "/main.ts",
      ops(`out run ${n}`, call(1, "t"), "read") + `import "./lib.ts";`,
    ]]),
    limits: DEFAULT_LIMITS,
  });
  const first = await e.execute(req(1), echoHost());
  const again = await e.execute(req(1), echoHost());
  const other = await e.execute(req(2), echoHost());
  assert.deepEqual(messages(again), messages(first));
  assert.deepEqual(messages(first)[0], "log:run 1");
  assert.deepEqual(messages(other)[0], "log:run 2");
  assert.equal(again.stats.toolCalls, 1);
});

Deno.test("javy fixture: output past the limit is cut with a marker, the result first", async () => {
  const lines = Array.from({ length: 40 }, (_, i) => `out line ${i} ${"x".repeat(40)}`);
  const o = await run(ops(...lines), { maxOutputBytes: 1024 });
  assert.ok(o.ok);
  assert.ok(o.stats.truncated);
  assert.ok(o.stats.outputBytes <= 1024);
  assert.match(o.logs.at(-1)!.message, /^…\[truncated [\d,]+ bytes\] of console output$/);
  const big = JSON.stringify("y".repeat(3000));
  const r = await run(ops(`bridge ${JSON.stringify({ t: "done", json: big })}`), {
    maxOutputBytes: 1024,
  });
  assert.ok(r.resultTruncated);
  assert.match(r.resultJson!, /…\[truncated [\d,]+ bytes\]$/);
});

Deno.test("javy fixture: a -C dynamic module runs against the plugin; another namespace is refused", async () => {
  const e = await engine();
  const bytecode = await e.compile(
    ops("out from a dynamic module", `bridge {"t":"done","json":"7"}`),
  );
  const wasm = dynamicModule(e.plugin.namespace, bytecode);
  assert.ok(WebAssembly.validate(wasm as BufferSource));
  const o = await e.executeDynamic(wasm, DEFAULT_LIMITS, echoHost());
  assert.ok(o.ok, JSON.stringify(o.error));
  assert.deepEqual(messages(o), ["log:from a dynamic module"]);
  assert.deepEqual(o.resultJson, "7");
  await rejects(
    () => e.executeDynamic(dynamicModule("other-plugin", bytecode), DEFAULT_LIMITS, echoHost()),
    McpxError,
    'built for the Javy plugin namespace "other-plugin"',
  );
  await rejects(() => e.compile("// @@compile-error"), McpxError, "unexpected token");
});

Deno.test("javy plugin: a module without the ABI is refused, naming what is missing", async () => {
  const bytes = await fixturePluginBytes();
  await rejects(
    () => JavyPlugin.fromBytes(new Uint8Array([1, 2, 3]), "junk.wasm"),
    McpxError,
    'Invalid Javy plugin "junk.wasm": not a WebAssembly module',
  );
  // The same module without its custom section.
  const bare = bytes.slice(0, bytes.length - (2 + 1 + "import_namespace".length + 15));
  await rejects(
    () => JavyPlugin.fromBytes(bare, "bare.wasm"),
    McpxError,
    'no "import_namespace" custom section',
  );
  const empty = appendCustomSection(
    new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
    "import_namespace",
    new TextEncoder().encode("x"),
  );
  await rejects(
    () => JavyPlugin.fromBytes(empty, "empty.wasm"),
    McpxError,
    'it does not export "initialize-runtime", "compile-src", "invoke", "cabi_realloc", "memory"',
  );
  const plugin = await JavyPlugin.fromBytes(bytes, "fixture");
  assert.deepEqual(plugin.namespace, "mcpx-fixture-v1");
  assert.deepEqual(plugin.hostImports, ["env.fixture_host_call"]);
});

Deno.test("javy engine: closing cancels what runs and refuses new work", async () => {
  const e = await JavyEngine.create({
    plugin: await JavyPlugin.fromBytes(await fixturePluginBytes(), "fixture"),
  });
  const running = e.execute({
    entry: "/main.ts",
    files: new Map([["/main.ts", ops("spin")]]),
    limits: DEFAULT_LIMITS,
  }, echoHost());
  await new Promise((r) => setTimeout(r, 300));
  await e.dispose();
  assert.deepEqual((await running).error?.code, "SANDBOX_CANCELLED");
  await rejects(
    () =>
      e.execute(
        { entry: "/main.ts", files: new Map([["/main.ts", ""]]), limits: DEFAULT_LIMITS },
        echoHost(),
      ),
    McpxError,
    "closed",
  );
});

Deno.test("javy engine: executions past maxWorkers wait for a free worker", async () => {
  const e = await JavyEngine.create({
    plugin: await JavyPlugin.fromBytes(await fixturePluginBytes(), "fixture"),
    maxWorkers: 1,
  });
  const host = echoHost(150);
  const one = (n: number) =>
    e.execute({
      entry: "/main.ts",
      files: new Map([["/main.ts", ops(call(1, `t${n}`), "read")]]),
      limits: DEFAULT_LIMITS,
    }, host);
  const outcomes = await Promise.all([one(1), one(2), one(3)]);
  assert.ok(outcomes.every((o) => o.ok));
  assert.equal(host.maxInFlight(), 1);
  await e.dispose();
});

Deno.test("javy fixture: teardown", async () => {
  await (await engine()).dispose();
  await stopBundler();
});
