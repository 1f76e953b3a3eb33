// The hostile corpus: programs an attacker would write, each with the
// containment it must meet (the error code, or what the program may see), and
// after each one a check that the next execution is healthy and sees nothing
// the hostile one left behind. Run against a real server (server-everything)
// through the real sandbox.
import assert from "node:assert/strict";
import { Runtime } from "../src/runtime/runtime.ts";
import { everythingServer } from "./_servers.ts";

interface Case {
  /** What the attacker tries. */
  name: string;
  code: string;
  /** The error code that contains it, or `ok` with a check of what the program could see. */
  expect: { code: string; message?: RegExp } | { ok: (result: unknown) => void };
  /** Limits of this execution. */
  limits?: Record<string, number>;
}

/**
 * A case whose tool call must fail with a catchable `ToolError`: the program
 * runs the call inside a try/catch and returns the error's code.
 */
function toolCase(
  name: string,
  imports: string,
  body: string,
  code: string,
  limits?: Record<string, number>,
): Case {
  return {
    name,
    code: `${imports}
import { ToolError } from "./runtime.ts";
let out: unknown;
try { ${body} } catch (e) { out = e instanceof ToolError ? e.code : "not a ToolError: " + e; }
export default out;`,
    expect: { ok: (r) => assert.equal(r, code) },
    limits,
  };
}

const E = "./servers/everything/index.ts";
const big = "(".repeat(800_000) + "1" + ")".repeat(800_000);

export const GUEST_CASES: Case[] = [
  // Reaching the host.
  {
    name: "read a host file through Deno",
    code: `export default await Deno.readTextFile("/etc/passwd");`,
    expect: { code: "SANDBOX_RUNTIME", message: /Deno is not defined/ },
  },
  {
    name: "read the environment",
    code: `export default Deno.env.get("HOME");`,
    expect: { code: "SANDBOX_RUNTIME", message: /Deno is not defined/ },
  },
  {
    name: "fetch the network",
    code: `export default await fetch("http://127.0.0.1:1/");`,
    expect: { code: "SANDBOX_RUNTIME", message: /fetch is not defined/ },
  },
  {
    name: "require a Node module",
    code: `export default require("fs");`,
    expect: { code: "SANDBOX_RUNTIME", message: /require is not defined/ },
  },
  {
    name: "process.env",
    code: `export default process.env;`,
    expect: { code: "SANDBOX_RUNTIME", message: /process is not defined/ },
  },
  {
    name: "import a remote module",
    code: `import x from "https://example.com/x.js"; export default x;`,
    expect: { code: "SANDBOX_COMPILE" },
  },
  {
    name: "import npm:",
    code: `import x from "npm:left-pad"; export default x;`,
    expect: { code: "SANDBOX_COMPILE" },
  },
  {
    name: "import node:fs",
    code: `import fs from "node:fs"; export default fs;`,
    expect: { code: "SANDBOX_COMPILE" },
  },
  {
    name: "import a bare specifier",
    code: `import x from "lodash"; export default x;`,
    expect: { code: "SANDBOX_COMPILE" },
  },
  {
    name: "import a path that climbs out of the tree",
    code: `import x from "../../../etc/passwd"; export default x;`,
    expect: { code: "SANDBOX_COMPILE" },
  },
  {
    name: "import an absolute host path",
    code: `import x from "file:///etc/passwd"; export default x;`,
    expect: { code: "SANDBOX_COMPILE" },
  },
  {
    name: "dynamic import of a remote module",
    code: `export default await import("https://example.com/x.js");`,
    expect: { code: "SANDBOX_RUNTIME" },
  },
  {
    name: "globalThis has no host objects",
    code:
      `export default Object.getOwnPropertyNames(globalThis).filter((k) => ["Deno", "fetch", "process", "require", "setTimeout", "WebSocket", "XMLHttpRequest", "Worker", "navigator"].includes(k));`,
    expect: { ok: (r) => assert.deepEqual(r, []) },
  },
  {
    name: "escape through the Function constructor",
    code: `export default typeof Function("return this")().Deno;`,
    expect: { ok: (r) => assert.equal(r, "undefined") },
  },
  {
    name: "escape through eval",
    code: `export default typeof (0, eval)("globalThis").fetch;`,
    expect: { ok: (r) => assert.equal(r, "undefined") },
  },
  {
    name: "escape through a constructor chain",
    code: `export default typeof ({}).constructor.constructor("return globalThis")().Deno;`,
    expect: { ok: (r) => assert.equal(r, "undefined") },
  },
  {
    name: "host paths in an error's stack",
    code:
      `let s = ""; try { (null as any).x } catch (e) { s = String((e as Error).stack); } export default ["file:", "/work/", "deno:", "ext:"].some((p) => s.includes(p));`,
    expect: { ok: (r) => assert.equal(r, false) },
  },

  // Exhausting the host.
  {
    name: "an endless loop",
    code: `while (true) {}`,
    expect: { code: "SANDBOX_TIMEOUT" },
    limits: { timeoutMs: 500 },
  },
  {
    name: "an endless chain of promise jobs",
    code:
      `const f = (): Promise<void> => Promise.resolve().then(f); f(); await new Promise(() => {});`,
    expect: { code: "SANDBOX_TIMEOUT" },
    limits: { timeoutMs: 500 },
  },
  {
    name: "a promise that never settles",
    code: `export default await new Promise(() => {});`,
    expect: { code: "SANDBOX_RUNTIME", message: /awaits a promise that nothing can settle/ },
  },
  {
    name: "a memory bomb of arrays",
    code: `const a = []; while (true) a.push(new Array(100000).fill(1));`,
    expect: { code: "SANDBOX_MEMORY" },
    limits: { memoryBytes: 32 * 1024 * 1024 },
  },
  {
    name: "a memory bomb of strings",
    code: `let s = "x"; while (true) s += s;`,
    expect: { code: "SANDBOX_RUNTIME", message: /string too long/ },
    limits: { memoryBytes: 32 * 1024 * 1024 },
  },
  {
    name: "a giant ArrayBuffer",
    code: `export default new ArrayBuffer(2 ** 31).byteLength;`,
    expect: { code: "SANDBOX_RUNTIME", message: /invalid array buffer length/ },
    limits: { memoryBytes: 32 * 1024 * 1024 },
  },
  {
    name: "deep recursion",
    code: `const f = (n: number): number => f(n + 1) + 1; export default f(0);`,
    expect: { code: "SANDBOX_STACK" },
  },
  {
    name: "deep recursion through JSON",
    code:
      `let o: any = {}; for (let i = 0; i < 1e6; i++) o = { o }; export default JSON.stringify(o).length;`,
    expect: { code: "SANDBOX_STACK" },
  },
  {
    name: "100 MB of console output",
    code: `const line = "x".repeat(1 << 20); for (let i = 0; i < 100; i++) console.log(line);`,
    expect: { ok: () => {} },
  },
  {
    name: "a result of 100 MB",
    code: `export default "x".repeat(100 * 1024 * 1024);`,
    expect: { code: "SANDBOX_MEMORY" },
    limits: { memoryBytes: 64 * 1024 * 1024 },
  },
  {
    name: "800,000 nested parentheses",
    code: `export default ${big};`,
    expect: { code: "SANDBOX_COMPILE" },
  },
  {
    name: "a megabyte comment of import/export braces",
    code: `/* ${"import{export{".repeat(80_000)} */ export default 1;`,
    expect: { ok: (r) => assert.equal(r, 1) },
  },
  toolCase(
    "a flood of tool calls",
    `import { echo } from "${E}";`,
    `for (let i = 0; i < 100; i++) await echo({ message: "x" });`,
    "TOOL_LIMIT",
    { maxToolCalls: 10 },
  ),
  toolCase(
    "thousands of calls in flight",
    `import { echo } from "${E}";`,
    `await Promise.all(Array.from({ length: 5000 }, () => echo({ message: "x" })));`,
    "TOOL_LIMIT",
    { maxToolCalls: 100 },
  ),

  // Poisoning the bridge.
  toolCase(
    "an unknown server",
    `import { callTool } from "./runtime.ts";`,
    `await callTool("nope", "x", {});`,
    "UNKNOWN_SERVER",
  ),
  toolCase(
    "an unknown tool",
    `import { callTool } from "./runtime.ts";`,
    `await callTool("everything", "rm-rf", {});`,
    "UNKNOWN_TOOL",
  ),
  toolCase(
    "arguments of the wrong type",
    `import { getSum } from "${E}";`,
    `await getSum({ a: "1", b: [] } as any);`,
    "TOOL_INVALID_ARGS",
  ),
  toolCase(
    "arguments over the size cap",
    `import { echo } from "${E}";`,
    `await echo({ message: "x".repeat(2 * 1024 * 1024) });`,
    "TOOL_LIMIT",
  ),
  toolCase(
    "a server name that is not a string",
    `import { callTool } from "./runtime.ts";`,
    `await callTool({ toString() { return "everything"; } } as any, "echo", {});`,
    "TOOL_INVALID_ARGS",
  ),
  {
    name: "arguments with a cycle",
    code:
      `import { echo } from "${E}"; const a: any = { message: "x" }; a.self = a; export default await echo(a);`,
    expect: { code: "SANDBOX_RUNTIME", message: /circular reference/ },
  },
  {
    name: "arguments with a BigInt",
    code: `import { echo } from "${E}"; export default await echo({ message: 1n } as any);`,
    expect: { code: "SANDBOX_RUNTIME", message: /BigInt/ },
  },
  {
    name: "arguments with a throwing getter",
    code:
      `import { echo } from "${E}"; export default await echo({ get message(): string { throw new Error("boom"); } });`,
    expect: { code: "SANDBOX_RUNTIME", message: /boom/ },
  },
  {
    name: "arguments that are a Proxy with a throwing trap",
    code:
      `import { echo } from "${E}"; export default await echo(new Proxy({ message: "x" }, { ownKeys() { throw new Error("trap"); } }));`,
    expect: { code: "SANDBOX_RUNTIME", message: /trap/ },
  },
  {
    name: "a __proto__ key in arguments",
    code:
      `import { echo } from "${E}"; export default await echo(JSON.parse('{"message":"x","__proto__":{"polluted":1}}'));`,
    expect: { ok: () => {} },
  },

  // Leaving something behind for the next execution.
  {
    name: "pollute Object.prototype",
    code: `(Object.prototype as any).polluted = "yes"; export default 1;`,
    expect: { ok: () => {} },
  },
  {
    name: "replace JSON.stringify",
    code: `JSON.stringify = () => "hijacked"; export default { a: 1 };`,
    expect: { ok: () => {} },
  },
  {
    name: "replace Promise.prototype.then",
    code:
      `Promise.prototype.then = function () { throw new Error("hijacked"); } as any; export default 1;`,
    expect: { ok: () => {} },
  },
  {
    name: "freeze every intrinsic",
    code:
      `for (const k of Object.getOwnPropertyNames(globalThis)) try { Object.freeze((globalThis as any)[k]); } catch { /* */ } export default 1;`,
    expect: { ok: () => {} },
  },
  {
    name: "a result with a getter that throws",
    code: `export default { get x() { throw new Error("getter"); } };`,
    expect: { code: "SANDBOX_RUNTIME" },
  },
  {
    name: "a result with a cycle",
    code: `const a: any = {}; a.a = a; export default a;`,
    expect: { code: "SANDBOX_RUNTIME" },
  },
  {
    name: "throw something that is not an Error",
    code: `throw { toString() { throw new Error("no"); } };`,
    expect: { code: "SANDBOX_RUNTIME" },
  },
  {
    name: "an unhandled rejection after the result",
    code: `Promise.reject(new Error("late")); export default 1;`,
    expect: { ok: (r) => assert.equal(r, 1) },
  },
  {
    name: "console.log of a throwing getter",
    code: `console.log({ get x() { throw new Error("g"); } }); export default 1;`,
    expect: { ok: (r) => assert.equal(r, 1) },
  },
];

/** What the next execution must find after each case. */
const HEALTH = `import { getSum } from "${E}";
import { text } from "./runtime.ts";
const clean = (Object.prototype as any).polluted === undefined && JSON.stringify({ a: 1 }) === '{"a":1}' && !Object.isFrozen(Array);
const sum = await getSum({ a: 2, b: 3 });
export default { clean, sum: typeof sum === "string" ? sum : text(sum as never) };`;

Deno.test("hostile guest code is contained, and the next execution is healthy", async (t) => {
  await using runtime = await Runtime.create({ servers: [everythingServer()] });
  for (const c of GUEST_CASES) {
    await t.step(c.name, async () => {
      const r = await runtime.execute(c.code, { limits: c.limits, check: false });
      if ("code" in c.expect) {
        assert.equal(
          r.ok,
          false,
          `expected ${c.expect.code}, got ok: ${r.resultJson?.slice(0, 200)}`,
        );
        assert.equal(r.error?.code, c.expect.code, `${r.error?.code}: ${r.error?.message}`);
        if (c.expect.message) assert.match(r.error!.message, c.expect.message);
      } else {
        assert.equal(r.ok, true, `${r.error?.code}: ${r.error?.message}`);
        c.expect.ok(r.result);
      }
      const next = await runtime.execute(HEALTH, { check: false });
      assert.equal(next.ok, true, `unhealthy after "${c.name}": ${next.error?.message}`);
      assert.equal(
        (next.result as { clean: boolean }).clean,
        true,
        `"${c.name}" left something behind`,
      );
      assert.match((next.result as { sum: string }).sum, /5/);
    });
  }
});
