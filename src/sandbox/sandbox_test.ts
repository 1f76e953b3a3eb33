import assert from "node:assert/strict";
import { McpxError } from "../errors.ts";
import type { CallEnvelope } from "./engine.ts";
import { type ExecutionResult, Sandbox, toMcpxError, type ToolCallback } from "./sandbox.ts";

const runtimeSource = await Deno.readTextFile(
  new URL("../../templates/runtime.eta", import.meta.url),
);

/** A tree like the generated one: a runtime and one server with one tool. */
function tree(): Map<string, string> {
  return new Map([
    ["/runtime.ts", runtimeSource],
    [
      "/servers/x/echo.ts",
      `import { callTool } from "../../runtime.ts";

/** Arguments of echo. */
export interface EchoArgs {
  message: string;
}

export function echo(args: EchoArgs): Promise<unknown> {
  return callTool("x", "echo", args);
}
`,
    ],
    [
      "/servers/x/index.ts",
      `export { echo } from "./echo.ts";\nexport type { EchoArgs } from "./echo.ts";\n`,
    ],
  ]);
}

const echoTool: ToolCallback = (server, tool, args) => {
  if (tool === "fail") {
    return Promise.resolve({
      ok: false,
      error: { code: "TOOL_DENIED", message: `Tool "${server}/${tool}" is not allowed` },
    });
  }
  return Promise.resolve({ ok: true, value: { server, tool, args } });
};

function ok(r: ExecutionResult): void {
  assert.equal(r.ok, true, `expected success, got ${JSON.stringify(r.error)}`);
}

function failedWith(r: ExecutionResult, code: string): void {
  assert.equal(r.ok, false, `expected ${code}, got success ${r.resultJson}`);
  assert.equal(r.error?.code, code, `expected ${code}, got ${JSON.stringify(r.error)}`);
}

Deno.test("Sandbox runs TypeScript in QuickJS", async (t) => {
  await using sandbox = await Sandbox.create({ workers: { minWorkers: 2, maxWorkers: 3 } });
  const healthy = async () => {
    const r = await sandbox.execute("export default 40 + 2");
    ok(r);
    assert.equal(r.result, 42);
  };

  await t.step("the result is the awaited default export, as JSON", async () => {
    const r = await sandbox.execute(
      "const n: number = 2;\nexport default Promise.resolve({ n, list: [1, 'a', null], s: 'é' });",
    );
    ok(r);
    assert.deepEqual(r.result, { n: 2, list: [1, "a", null], s: "é" });
    assert.equal(r.resultJson, '{"n":2,"list":[1,"a",null],"s":"é"}');
    const none = await sandbox.execute("const x = 1;");
    ok(none);
    assert.equal(none.resultJson, undefined);
    assert.equal("result" in none, false);
    const str = await sandbox.execute("export default 'text'");
    assert.equal(str.result, "text");
    const thenable = await sandbox.execute(
      "export default { then(r: (v: number) => void) { r(7); } }",
    );
    assert.equal(thenable.result, 7);
  });

  await t.step("a non-serializable default export is a clear error", async () => {
    const fn = await sandbox.execute("export default () => 1");
    failedWith(fn, "SANDBOX_RUNTIME");
    assert.match(fn.error!.message, /not JSON-serializable: it is a function/);
    const big = await sandbox.execute("export default { n: 1n }");
    failedWith(big, "SANDBOX_RUNTIME");
    assert.match(big.error!.message, /not JSON-serializable/);
    const cyclic = await sandbox.execute("const a: any = {}; a.a = a; export default a;");
    failedWith(cyclic, "SANDBOX_RUNTIME");
    await healthy();
  });

  await t.step("top-level await works", async () => {
    const r = await sandbox.execute(
      "const a = await Promise.resolve(20);\nconst b = await new Promise<number>((r) => r(22));\nexport default a + b;",
    );
    ok(r);
    assert.equal(r.result, 42);
  });

  await t.step("console output is captured with levels", async () => {
    const r = await sandbox.execute(`
console.log("plain", 1, true, undefined, null, 2n, -0);
console.info({ a: [1, "x"], nested: { deep: { deeper: { deepest: {} } } } });
console.warn(new Map([["k", 1]]), new Set([1]));
console.error(new TypeError("bad"));
console.debug(Symbol("s"), function named() {});
export default "done";
`);
    ok(r);
    assert.deepEqual(r.logs.map((l) => l.level), ["log", "info", "warn", "error", "debug"]);
    assert.equal(r.logs[0].message, "plain 1 true undefined null 2n -0");
    assert.equal(
      r.logs[1].message,
      '{ a: [ 1, "x" ], nested: { deep: { deeper: { deepest: [Object] } } } }',
    );
    assert.equal(r.logs[2].message, 'Map(1) { "k" => 1 } Set(1) { 1 }');
    assert.match(r.logs[3].message, /^TypeError: bad\n\s+at .*\/main\.ts:5/);
    assert.equal(r.logs[4].message, "Symbol(s) [Function: named]");
    assert.equal(r.stats.truncated, false);
  });

  await t.step("modules import each other across the virtual tree", async () => {
    const r = await sandbox.execute(
      `import { echo, type EchoArgs } from "./servers/x/index.ts";
import { text } from "/runtime.ts";
const args: EchoArgs = { message: "hi" };
const reply = await echo(args);
export default { reply, joined: text([{ type: "text", text: "a" }, { type: "text", text: "b" }]) };`,
      { files: tree(), callTool: echoTool },
    );
    ok(r);
    assert.deepEqual(r.result, {
      reply: { server: "x", tool: "echo", args: { message: "hi" } },
      joined: "a\nb",
    });
    assert.equal(r.stats.toolCalls, 1);
  });

  await t.step("a refused call is a ToolError the guest can catch", async () => {
    const caught = await sandbox.execute(
      `import { callTool, ToolError } from "./runtime.ts";
let out: unknown;
try {
  await callTool("x", "fail", {});
} catch (e) {
  out = { isToolError: e instanceof ToolError, code: (e as ToolError).code,
    server: (e as ToolError).server, tool: (e as ToolError).tool, message: (e as Error).message };
}
export default out;`,
      { files: tree(), callTool: echoTool },
    );
    ok(caught);
    assert.deepEqual(caught.result, {
      isToolError: true,
      code: "TOOL_DENIED",
      server: "x",
      tool: "fail",
      message: 'Tool "x/fail" is not allowed',
    });
    const uncaught = await sandbox.execute(
      `import { callTool } from "./runtime.ts";\nawait callTool("x", "fail", {});`,
      { files: tree(), callTool: echoTool },
    );
    failedWith(uncaught, "SANDBOX_RUNTIME");
    assert.equal(uncaught.error!.name, "ToolError");
    assert.equal(uncaught.error!.guestCode, "TOOL_DENIED");
    const noBridge = await sandbox.execute(
      `import { callTool } from "./runtime.ts";\nawait callTool("x", "echo", {});`,
      { files: tree() },
    );
    failedWith(noBridge, "SANDBOX_RUNTIME");
    assert.equal(noBridge.error!.guestCode, "TOOL_DENIED");
    const thrown = await sandbox.execute(
      `import { callTool } from "./runtime.ts";\nawait callTool("x", "echo", {});`,
      {
        files: tree(),
        callTool: () => Promise.reject(new McpxError("TOOL_RATE_LIMITED", "Slow down")),
      },
    );
    assert.equal(thrown.error!.guestCode, "TOOL_RATE_LIMITED");
    assert.equal(thrown.error!.message, "Slow down");
  });

  await t.step("syntax errors name the file, line and column", async () => {
    const r = await sandbox.execute("const x: number = 1;\nexport default x +* 2;\n");
    failedWith(r, "SANDBOX_COMPILE");
    assert.match(r.error!.message, /\/main\.ts:2:19/);
    const files = tree();
    files.set("/servers/x/echo.ts", "export const a = 1;\n\nexport const b = (;\n");
    const imported = await sandbox.execute(
      "import { a } from './servers/x/echo.ts';\nexport default a;",
      {
        files,
      },
    );
    failedWith(imported, "SANDBOX_COMPILE");
    assert.match(imported.error!.message, /\/servers\/x\/echo\.ts:3:19/);
  });

  await t.step("type-stripping errors name the file, line and column", async () => {
    const r = await sandbox.execute(
      "const a = 1;\nlet list: number[ = [];\nexport default list;\n",
    );
    failedWith(r, "SANDBOX_COMPILE");
    assert.match(r.error!.message, /\/main\.ts:2:\d+/);
    // Enums need code generation: the transform fallback handles them.
    const e = await sandbox.execute("enum Color { Red, Green }\nexport default Color.Green;");
    ok(e);
    assert.equal(e.result, 1);
  });

  await t.step("a type imported by name works; a missing name is named", async () => {
    const typed = await sandbox.execute(
      `import { EchoArgs } from "./servers/x/echo.ts";\nconst a: EchoArgs = { message: "m" };\nexport default a.message;`,
      { files: tree() },
    );
    ok(typed);
    assert.equal(typed.result, "m");
    const r = await sandbox.execute(
      `import { EchoArgz } from "./servers/x/echo.ts";\nexport default 1;`,
      { files: tree() },
    );
    failedWith(r, "SANDBOX_COMPILE");
    assert.match(r.error!.message, /Could not find export 'EchoArgz'.*import type/);
  });

  await t.step("runtime errors carry a stack with TypeScript line numbers", async () => {
    const r = await sandbox.execute(`type Point = {
  x: number;
  y: number;
};
interface Named { name: string }
function check(p: Point, n: Named): asserts p is Point {
  throw new RangeError(\`bad point \${p.x} for \${n.name}\`);
}
check({ x: 1, y: 2 } as Point, { name: "n" } satisfies Named);
`);
    failedWith(r, "SANDBOX_RUNTIME");
    assert.equal(r.error!.name, "RangeError");
    assert.equal(r.error!.message, "bad point 1 for n");
    assert.match(r.error!.stack!, /^RangeError: bad point 1 for n\n/);
    assert.match(r.error!.stack!, /at check \(\/main\.ts:7:\d+\)/);
    assert.match(r.error!.stack!, /\(\/main\.ts:9:\d+\)/);
    const thrown = await sandbox.execute("throw 'a string';");
    failedWith(thrown, "SANDBOX_RUNTIME");
    assert.equal(thrown.error!.message, "Uncaught a string");
    const imported = await sandbox.execute(
      "import { boom } from './lib.ts';\nexport default boom();",
      {
        files: new Map([[
          "/lib.ts",
          "const pad: string = '';\n\nexport function boom(): never {\n  throw new Error('in lib' + pad);\n}\n",
        ]]),
      },
    );
    assert.match(imported.error!.stack!, /at boom \(\/lib\.ts:4:\d+\)/);
    const mcpx = toMcpxError(r.error!);
    assert.equal(mcpx.code, "SANDBOX_RUNTIME");
    assert.equal(mcpx.message, "RangeError: bad point 1 for n");
  });

  await t.step("an infinite loop times out", async () => {
    const started = performance.now();
    const r = await sandbox.execute("let i = 0;\nwhile (true) { i++; }", {
      limits: { timeoutMs: 300 },
    });
    failedWith(r, "SANDBOX_TIMEOUT");
    assert.equal(r.error!.name, "SandboxTimeoutError");
    assert.equal(r.error!.message, "Execution timed out after 300 ms");
    assert.ok(performance.now() - started < 2_000);
    const loopCatch = await sandbox.execute(
      "for (;;) { try { while (true) {} } catch { /* retry */ } }",
      { limits: { timeoutMs: 200 } },
    );
    failedWith(loopCatch, "SANDBOX_TIMEOUT");
    await healthy();
  });

  await t.step("a catastrophic regular expression times out", async () => {
    const r = await sandbox.execute(
      "export default /^(a+)+$/.test('a'.repeat(40) + 'b');",
      { limits: { timeoutMs: 300 } },
    );
    failedWith(r, "SANDBOX_TIMEOUT");
    await healthy();
  });

  await t.step("a tool call that never answers times out and is aborted", async () => {
    let aborted = false;
    const r = await sandbox.execute(
      `import { echo } from "./servers/x/index.ts";\nexport default await echo({ message: "x" });`,
      {
        files: tree(),
        limits: { timeoutMs: 300 },
        callTool: (_s, _t, _a, signal) =>
          new Promise<CallEnvelope>((resolve) => {
            signal.addEventListener("abort", () => {
              aborted = true;
              resolve({ ok: false, error: { code: "TOOL_TIMEOUT", message: "aborted" } });
            });
          }),
      },
    );
    failedWith(r, "SANDBOX_TIMEOUT");
    assert.equal(aborted, true);
    await healthy();
  });

  await t.step("a memory bomb fails with a memory error", async () => {
    const objects = await sandbox.execute(
      "const a: unknown[] = [];\nfor (;;) a.push({ a: 1, b: [1, 2, 3] });",
      { limits: { memoryBytes: 32 * 1024 * 1024 } },
    );
    failedWith(objects, "SANDBOX_MEMORY");
    assert.equal(objects.error!.name, "SandboxMemoryError");
    await healthy();
    // Large strings escape QuickJS's own accounting; the engine's guard catches them.
    const strings = await sandbox.execute(
      "const a: string[] = [];\nconst s = 'x'.repeat(100_000);\nfor (;;) a.push(s + a.length);",
      { limits: { memoryBytes: 32 * 1024 * 1024 } },
    );
    failedWith(strings, "SANDBOX_MEMORY");
    await healthy();
    const buffers = await sandbox.execute(
      "const a: ArrayBuffer[] = [];\nfor (;;) a.push(new ArrayBuffer(1 << 20));",
      { limits: { memoryBytes: 32 * 1024 * 1024 } },
    );
    failedWith(buffers, "SANDBOX_MEMORY");
    await healthy();
  });

  await t.step("deep recursion fails with a stack error", async () => {
    const r = await sandbox.execute(
      "function down(n: number): number {\n  return down(n + 1) + 1;\n}\nexport default down(0);",
    );
    failedWith(r, "SANDBOX_STACK");
    assert.match(r.error!.stack!, /at down \(\/main\.ts:2:\d+\)/);
    await healthy();
    // Past the worker's native stack the worker itself overflows; it is replaced.
    const native = await sandbox.execute(
      "function down(n: number): number {\n  return down(n + 1) + 1;\n}\nexport default down(0);",
      { limits: { stackBytes: 1024 * 1024 } },
    );
    failedWith(native, "SANDBOX_STACK");
    await healthy();
  });

  await t.step("100 MB of output is truncated with a marker", async () => {
    const max = 64 * 1024;
    const logs = await sandbox.execute(
      "const line = 'x'.repeat(10_000);\nfor (let i = 0; i < 10_000; i++) console.log(line);\nexport default 'finished';",
      { limits: { maxOutputBytes: max, timeoutMs: 20_000 } },
    );
    ok(logs);
    assert.equal(logs.result, "finished");
    assert.equal(logs.stats.truncated, true);
    assert.ok(logs.stats.outputBytes <= max, `${logs.stats.outputBytes} > ${max}`);
    const last = logs.logs.at(-1)!;
    assert.match(last.message, /^…\[truncated [\d,]+ bytes\] of console output$/);
    const dropped = Number(last.message.replace(/[^\d]/g, ""));
    assert.ok(dropped >= 100_000_000 - max, `only ${dropped} dropped`);

    const one = await sandbox.execute("console.log('y'.repeat(10_000_000));", {
      limits: { maxOutputBytes: max },
    });
    ok(one);
    assert.ok(one.stats.outputBytes <= max);
    assert.equal(one.logs[0].message, "y".repeat(max - 1));
    assert.match(one.logs.at(-1)!.message, /truncated 9,9\d\d,\d{3} bytes/);

    const result = await sandbox.execute("export default 'z'.repeat(100_000_000);", {
      limits: { maxOutputBytes: max, memoryBytes: 512 * 1024 * 1024 },
    });
    ok(result);
    assert.equal(result.stats.truncated, true);
    assert.equal(result.resultTruncated, true);
    assert.equal(result.result, undefined);
    assert.ok(result.resultJson!.startsWith('"zzz'));
    assert.match(result.resultJson!, /…\[truncated 99,9\d\d,\d{3} bytes\]$/);
    assert.ok(result.stats.outputBytes <= max);
    await healthy();
  });

  await t.step("a flood of tool calls stops at maxToolCalls", async () => {
    let calls = 0;
    const r = await sandbox.execute(
      `import { callTool, ToolError } from "./runtime.ts";
const results = await Promise.allSettled(
  Array.from({ length: 10_000 }, (_, i) => callTool("x", "echo", { i })),
);
const refused = results.filter((r) => r.status === "rejected" && r.reason instanceof ToolError && r.reason.code === "TOOL_LIMIT");
export default { fulfilled: results.filter((r) => r.status === "fulfilled").length, refused: refused.length };`,
      {
        files: tree(),
        callTool: (server, tool, args) => {
          calls++;
          return echoTool(server, tool, args, new AbortController().signal);
        },
      },
    );
    ok(r);
    assert.deepEqual(r.result, { fulfilled: 1000, refused: 9000 });
    assert.equal(calls, 1000);
    assert.equal(r.stats.toolCalls, 1000);
  });

  await t.step("at most maxConcurrentToolCalls calls are in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const r = await sandbox.execute(
      `import { callTool } from "./runtime.ts";
const all = await Promise.all(Array.from({ length: 50 }, (_, i) => callTool("x", "slow", { i })));
export default all.length;`,
      {
        files: tree(),
        limits: { maxConcurrentToolCalls: 4 },
        callTool: async (_s, _t, args) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          return { ok: true, value: args };
        },
      },
    );
    ok(r);
    assert.equal(r.result, 50);
    assert.equal(peak, 4);
  });

  await t.step("parallel tool calls run in parallel", async () => {
    const started = performance.now();
    const r = await sandbox.execute(
      `import { callTool } from "./runtime.ts";
const all = await Promise.all(Array.from({ length: 10 }, (_, i) => callTool("x", "sleep", { i })));
export default all.map((v: any) => v.i);`,
      {
        files: tree(),
        callTool: async (_s, _t, args) => {
          await new Promise((r) => setTimeout(r, 100));
          return { ok: true, value: args };
        },
      },
    );
    const elapsed = performance.now() - started;
    ok(r);
    assert.deepEqual(r.result, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(elapsed < 500, `took ${elapsed} ms`);
  });

  await t.step("the guest sees no host capabilities", async () => {
    const r = await sandbox.execute(`export default {
  Deno: typeof (globalThis as any).Deno, fetch: typeof (globalThis as any).fetch,
  process: typeof (globalThis as any).process, require: typeof (globalThis as any).require,
  setTimeout: typeof (globalThis as any).setTimeout, setInterval: typeof (globalThis as any).setInterval,
  XMLHttpRequest: typeof (globalThis as any).XMLHttpRequest, WebSocket: typeof (globalThis as any).WebSocket,
};`);
    ok(r);
    assert.deepEqual(r.result, {
      Deno: "undefined",
      fetch: "undefined",
      process: "undefined",
      require: "undefined",
      setTimeout: "undefined",
      setInterval: "undefined",
      XMLHttpRequest: "undefined",
      WebSocket: "undefined",
    });
  });

  await t.step("imports outside the tree fail cleanly", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "import x from 'https://example.com/x.ts';\nexport default x;",
        "SANDBOX_COMPILE",
        /^Cannot import "https:\/\/example\.com\/x\.ts": remote imports are not allowed in the sandbox$/,
      ],
      [
        "import fs from 'node:fs';\nexport default fs;",
        "SANDBOX_COMPILE",
        /"node:" imports are not allowed/,
      ],
      [
        "import z from 'npm:zod';\nexport default z;",
        "SANDBOX_COMPILE",
        /"npm:" imports are not allowed/,
      ],
      [
        "import z from 'zod';\nexport default z;",
        "SANDBOX_COMPILE",
        /bare specifiers are not supported/,
      ],
      [
        "import x from '../../x.ts';\nexport default x;",
        "SANDBOX_COMPILE",
        /^Cannot import "\.\.\/\.\.\/x\.ts" from "\/main\.ts": outside the sandbox tree$/,
      ],
      [
        "import x from './missing.ts';\nexport default x;",
        "SANDBOX_COMPILE",
        /no file "\/missing\.ts"/,
      ],
      [
        "export default await import('https://example.com/x.ts');",
        "SANDBOX_RUNTIME",
        /remote imports are not allowed/,
      ],
      [
        "export default await import('../../etc/passwd');",
        "SANDBOX_RUNTIME",
        /outside the sandbox tree/,
      ],
    ];
    for (const [code, errorCode, message] of cases) {
      const r = await sandbox.execute(code);
      failedWith(r, errorCode);
      assert.match(r.error!.message, message);
    }
    const caught = await sandbox.execute(
      "let m = 'none';\ntry { await import('https://example.com/x.ts'); } catch (e) { m = (e as Error).message; }\nexport default m;",
    );
    ok(caught);
    assert.match(String(caught.result), /remote imports are not allowed/);
  });

  await t.step("a prototype pollution payload pollutes nothing", async () => {
    const r = await sandbox.execute(
      `import { callTool } from "./runtime.ts";
const v: any = await callTool("x", "evil", {});
const probe: any = {};
export default { probe: probe.polluted ?? null, own: Object.keys(v), inner: v["__proto__"].polluted,
  protoIntact: Object.getPrototypeOf(v) === Object.prototype };`,
      {
        files: tree(),
        callTool: () =>
          Promise.resolve(JSON.parse('{"ok":true,"value":{"__proto__":{"polluted":true},"a":1}}')),
      },
    );
    ok(r);
    assert.deepEqual(r.result, {
      probe: null,
      own: ["__proto__", "a"],
      inner: true,
      protoIntact: true,
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const back = await sandbox.execute(
      'export default JSON.parse(\'{"__proto__": {"polluted": true}}\');',
    );
    ok(back);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(back.result), Object.prototype);
  });

  await t.step("getters and proxies reach the host as plain JSON", async () => {
    const r = await sandbox.execute(`const withGetter = { get secret() { return "computed"; } };
const proxy = new Proxy({}, {
  get: (_t, k) => k === "toJSON" ? undefined : "trapped",
  ownKeys: () => ["p"],
  getOwnPropertyDescriptor: () => ({ value: "trapped", enumerable: true, configurable: true }),
});
export default { withGetter, proxy };`);
    ok(r);
    assert.deepEqual(r.result, { withGetter: { secret: "computed" }, proxy: { p: "trapped" } });
    const result = r.result as Record<string, Record<string, unknown>>;
    const descriptor = Object.getOwnPropertyDescriptor(result.withGetter, "secret")!;
    assert.equal(descriptor.get, undefined);
    assert.equal(descriptor.value, "computed");
    assert.equal(Object.getPrototypeOf(result.proxy), Object.prototype);
  });

  await t.step("cancelling stops a running execution", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const busy = await sandbox.execute("while (true) {}", { signal: controller.signal });
    failedWith(busy, "SANDBOX_CANCELLED");
    assert.ok(performance.now() - started < 2_000);
    const waiting = new AbortController();
    let aborted = false;
    const pending = sandbox.execute(
      `import { callTool } from "./runtime.ts";\nawait callTool("x", "hang", {});`,
      {
        files: tree(),
        signal: waiting.signal,
        callTool: (_s, _t, _a, signal) =>
          new Promise((resolve) =>
            signal.addEventListener("abort", () => {
              aborted = true;
              resolve({ ok: true, value: null });
            })
          ),
      },
    );
    setTimeout(() => waiting.abort(), 50);
    failedWith(await pending, "SANDBOX_CANCELLED");
    assert.equal(aborted, true);
    const already = AbortSignal.abort();
    failedWith(await sandbox.execute("export default 1", { signal: already }), "SANDBOX_CANCELLED");
    await healthy();
  });

  await t.step("a program that can never finish is reported", async () => {
    const r = await sandbox.execute("await new Promise(() => {});");
    failedWith(r, "SANDBOX_RUNTIME");
    assert.match(r.error!.message, /cannot finish/);
  });

  await t.step("executions on one sandbox can run concurrently", async () => {
    const results = await Promise.all(
      Array.from(
        { length: 8 },
        (_, i) =>
          sandbox.execute(`const wait = await Promise.resolve(${i});\nexport default wait * 2;`),
      ),
    );
    assert.deepEqual(results.map((r) => r.result), [0, 2, 4, 6, 8, 10, 12, 14]);
    const slow = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        sandbox.execute(
          `import { callTool } from "./runtime.ts";\nexport default await callTool("x", "t", { i: ${i} });`,
          {
            files: tree(),
            callTool: async (_s, _t, args) => {
              await new Promise((r) => setTimeout(r, 50));
              return { ok: true, value: args };
            },
          },
        )),
    );
    assert.deepEqual(slow.map((r) => r.result), [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
  });

  await t.step("state does not leak between executions", async () => {
    ok(
      await sandbox.execute(
        "(globalThis as any).leak = 'secret';\n(Object.prototype as any).bad = 1;",
      ),
    );
    for (let i = 0; i < 4; i++) {
      const r = await sandbox.execute(
        "export default [typeof (globalThis as any).leak, typeof ({} as any).bad];",
      );
      assert.deepEqual(r.result, ["undefined", "undefined"]);
    }
  });

  await t.step("misuse rejects", async () => {
    await assert.rejects(
      sandbox.execute("export default 1", { limits: { memoryBytes: 1024 } }),
      RangeError,
    );
    await assert.rejects(
      sandbox.execute("export default 1", { files: new Map([["relative.ts", ""]]) }),
      TypeError,
    );
  });
});

Deno.test("Sandbox rejects after close and validates its limits", async () => {
  await assert.rejects(Sandbox.create({ limits: { timeoutMs: -1 } }), RangeError);
  const sandbox = await Sandbox.create({ workers: { minWorkers: 1, maxWorkers: 1 } });
  assert.equal(sandbox.engineName, "quickjs");
  assert.equal(sandbox.limits.memoryBytes, 128 * 1024 * 1024);
  const pending = sandbox.execute("while (true) {}");
  const queued = sandbox.execute("export default 1");
  await new Promise((r) => setTimeout(r, 50));
  await sandbox.close();
  assert.equal((await pending).error?.code, "SANDBOX_CANCELLED");
  assert.equal((await queued).error?.code, "SANDBOX_CANCELLED");
  await assert.rejects(
    sandbox.execute("export default 1"),
    (e) => e instanceof McpxError && e.code === "USAGE",
  );
});

Deno.test("sandbox: a program that crashes the type stripper fails alone", async () => {
  await using sandbox = await Sandbox.create();
  const deep = "export default " + "(".repeat(800_000) + "1" + ")".repeat(800_000) + ";\n";
  const [bad, good] = await Promise.all([
    sandbox.execute(deep),
    sandbox.execute("const n: number = 41;\nexport default n + 1;"),
  ]);
  assert.equal(bad.ok, false);
  assert.equal(bad.error?.code, "SANDBOX_COMPILE");
  assert.match(bad.error?.message ?? "", /^Cannot compile: the type stripper crashed/);
  assert.equal(good.ok, true);
  assert.equal(good.result, 42);
  const after = await sandbox.execute("export default 'still fine' as string;");
  assert.equal(after.result, "still fine");
});
