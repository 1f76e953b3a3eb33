// The hostile corpus: programs an attacker would write, each with the
// containment it must meet (the error code, or what the program may see), and
// after each one a check that the next execution is healthy and sees nothing
// the hostile one left behind. Run against a real server (server-everything)
// through the real sandbox.
import assert from "node:assert/strict";
import { Runtime } from "../src/runtime/runtime.ts";
import { everythingServer } from "./_servers.ts";
// Quota cases (the block at the end).
import { fileURLToPath } from "node:url";
import { Client } from "../src/_sdk.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
import { SkillStore } from "../src/plugin_store/skill_store.ts";
import type { SkillLimits } from "../src/quotas/serve_limits.ts";
import { type HttpServeOptions, type HttpServer, serveHttp } from "../src/server/http_server.ts";
import { ServeHost } from "../src/server/serve_host.ts";
import { tempDir } from "./_helpers.ts";

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

// ---- Quotas: hostile HTTP clients, skill floods, list_changed floods -------
// Each case states what contains it and the error the attacker gets; after
// each one a new client runs a program through the same server, which must
// work. One runtime (server-everything and a server that floods
// notifications) is shared; each case gets its own host (with a fresh skills
// folder) and HTTP server with the limits it tests.

interface QuotaCase {
  /** What the attacker tries. */
  name: string;
  /** The containment and the error it must meet. */
  expect: string;
  /** HTTP bounds and skill limits of this case's server. */
  http?: Partial<HttpServeOptions>;
  skills?: Partial<SkillLimits>;
  run(env: QuotaEnv): Promise<void>;
}

interface QuotaEnv {
  server: HttpServer;
  host: ServeHost;
  runtime: Runtime;
  /** The plugin directory of this case's host. */
  dir: string;
}

const FLOODING = fileURLToPath(new URL("./fixtures/flooding_server.ts", import.meta.url));
const JSON_AND_SSE = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};
const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "hostile", version: "1.0.0" },
  },
});

/** A raw `initialize` POST: the session id, or the refusal. */
async function rawInitialize(
  url: string,
): Promise<{ status: number; sid?: string; error?: string; retryAfter?: string }> {
  const res = await fetch(url, { method: "POST", headers: JSON_AND_SSE, body: INITIALIZE });
  const sid = res.headers.get("mcp-session-id") ?? undefined;
  if (res.ok) {
    await res.body?.cancel();
    return { status: res.status, sid };
  }
  const body = await res.json();
  return {
    status: res.status,
    error: body.error?.message,
    retryAfter: res.headers.get("retry-after") ?? undefined,
  };
}

async function rawDelete(url: string, sid: string): Promise<number> {
  const res = await fetch(url, { method: "DELETE", headers: { "mcp-session-id": sid } });
  await res.body?.cancel();
  return res.status;
}

/** An SDK client session over HTTP; disposing it ends the session (DELETE). */
async function httpClient(url: string): Promise<Client & AsyncDisposable> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: "corpus", version: "1.0.0" });
  await client.connect(transport);
  return Object.assign(client, {
    async [Symbol.asyncDispose]() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  });
}

function replyText(r: unknown): string {
  return ((r as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((b) => b.text ?? "").join("\n");
}

async function saveSkill(client: Client, name: string, bytes: number) {
  const code = `export const ${name.replace(/-/g, "_")} = ${
    JSON.stringify("x".repeat(Math.max(0, bytes - name.length - 20)))
  };\n`;
  const r = await client.callTool({
    name: "save_skill",
    arguments: { name, code, description: `${bytes} bytes` },
  });
  return { isError: r.isError === true, text: replyText(r) };
}

/** A new client runs a program that calls a tool, and gets its answer. */
async function assertHealthy(url: string, label: string): Promise<void> {
  await using client = await httpClient(url);
  const r = await client.callTool({
    name: "execute_code",
    arguments: {
      code:
        `import { getSum } from "${E}";\nimport { text } from "./runtime.ts";\nexport default text(await getSum({ a: 2, b: 3 }) as never);`,
    },
  });
  assert.notEqual(r.isError, true, `unhealthy after "${label}": ${replyText(r)}`);
  assert.match(replyText(r), /5/, `unhealthy after "${label}"`);
}

/** Opens a TCP connection to `server` and writes `text`. */
async function rawConnection(server: HttpServer, text: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode(text));
  return conn;
}

/** What `conn` receives until a whole JSON reply, its end, or `limitMs` (then it is closed). */
async function readAll(conn: Deno.Conn, limitMs: number): Promise<string> {
  const buf = new Uint8Array(4096);
  let out = "";
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    while (true) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      out += new TextDecoder().decode(buf.subarray(0, n));
      if (/\r\n\r\n[\s\S]*\}$/.test(out)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

export const QUOTA_CASES: QuotaCase[] = [
  // Hostile HTTP clients.
  {
    name: "open sessions past the cap",
    expect: "initialize beyond maxSessions gets 503 naming the limit and --max-sessions",
    http: { maxSessions: 3 },
    async run({ server }) {
      const sids: string[] = [];
      for (let i = 0; i < 3; i++) sids.push((await rawInitialize(server.url)).sid!);
      assert.equal(server.sessions, 3);
      const refused = await rawInitialize(server.url);
      assert.equal(refused.status, 503);
      assert.match(
        refused.error!,
        /^Too many sessions: 3 are open and the limit is 3 \(--max-sessions\)/,
      );
      assert.ok(Number(refused.retryAfter) >= 1);
      // Ending one session makes room for another.
      assert.equal(await rawDelete(server.url, sids.pop()!), 200);
      sids.push((await rawInitialize(server.url)).sid!);
      for (const sid of sids) await rawDelete(server.url, sid);
      assert.equal(server.sessions, 0);
    },
  },
  {
    name: "a burst of 40 initializes at once",
    expect: "exactly maxSessions are opened, the rest get 503; none is left half-open",
    http: { maxSessions: 5 },
    async run({ server, host }) {
      const before = host.stats().sessions;
      const all = await Promise.all(Array.from({ length: 40 }, () => rawInitialize(server.url)));
      const opened = all.filter((r) => r.sid !== undefined);
      assert.equal(opened.length, 5);
      assert.equal(all.filter((r) => r.status === 503).length, 35);
      assert.equal(host.stats().sessions, before + 5);
      for (const r of opened) await rawDelete(server.url, r.sid!);
      assert.equal(host.stats().sessions, before);
    },
  },
  {
    name: "leave sessions idle",
    expect: "closed with their workspaces after sessionIdleMs; their id then gets 404",
    http: { sessionIdleMs: 300 },
    async run({ server, host }) {
      const before = host.stats().sessions;
      const a = await rawInitialize(server.url);
      const b = await rawInitialize(server.url);
      assert.equal(host.stats().sessions, before + 2);
      const deadline = Date.now() + 5_000;
      while (server.sessions > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(server.sessions, 0, "idle sessions were not closed");
      assert.equal(host.stats().sessions, before);
      for (const sid of [a.sid!, b.sid!]) {
        const res = await fetch(server.url, {
          method: "POST",
          headers: { ...JSON_AND_SSE, "mcp-session-id": sid },
          body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
        });
        assert.equal(res.status, 404);
        assert.match((await res.json()).error.message, /Session not found/);
      }
    },
  },
  {
    name: "trickle the request body",
    expect: "cut off after bodyTimeoutMs with 408 naming --body-timeout; others served meanwhile",
    http: { bodyTimeoutMs: 600 },
    async run({ server }) {
      const conn = await rawConnection(
        server,
        `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: 10000\r\n\r\n{"jsonrpc":`,
      );
      const started = performance.now();
      let trickling = true;
      const trickle = (async () => {
        while (trickling) {
          await new Promise((r) => setTimeout(r, 100));
          if (trickling) {
            await conn.write(new TextEncoder().encode(" ")).catch(() => trickling = false);
          }
        }
      })();
      // Served while the slow body is pending.
      const other = assertHealthy(server.url, "a slow body (concurrent)");
      const reply = await readAll(conn, 10_000);
      const took = performance.now() - started;
      trickling = false;
      await trickle;
      try {
        conn.close();
      } catch { /* closed at the deadline */ }
      await other;
      assert.match(reply, /^HTTP\/1\.1 408/);
      assert.match(reply, /the body did not arrive within 600 ms \(--body-timeout\)/);
      assert.ok(took >= 550 && took < 5_000, `answered after ${Math.round(took)} ms`);
    },
  },
  {
    name: "hold 100 connections with unfinished headers (slowloris)",
    expect: "Deno.serve keeps each connection (no header deadline) but serves everyone else",
    async run({ server }) {
      const conns: Deno.TcpConn[] = [];
      for (let i = 0; i < 100; i++) {
        conns.push(
          await rawConnection(server, `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nx-slow: `),
        );
      }
      try {
        const t0 = performance.now();
        await assertHealthy(server.url, "slowloris (concurrent)");
        assert.ok(performance.now() - t0 < 10_000);
      } finally {
        for (const c of conns) c.close();
      }
    },
  },
  // Skill floods.
  {
    name: "save a 900 KB skill",
    expect: "refused before it is compiled or written, naming the skill and skills.maxBytes",
    skills: { maxBytes: 64 * 1024 },
    async run({ server, dir }) {
      await using client = await httpClient(server.url);
      const r = await saveSkill(client, "huge", 900_000);
      assert.equal(r.isError, true);
      assert.match(
        r.text,
        /^Cannot save skill "huge": it is 900,000 bytes; the limit is 65,536 bytes \(64 KiB\) a skill \(skills\.maxBytes\)/,
      );
      await assert.rejects(Deno.stat(`${dir}/skills/huge.ts`), Deno.errors.NotFound);
    },
  },
  {
    name: "one session saves skills until its share is full",
    expect: "the save that passes skills.maxSessionBytes is refused; another session still saves",
    skills: { maxBytes: 64 * 1024, maxSessionBytes: 128 * 1024 },
    async run({ server, host }) {
      await using greedy = await httpClient(server.url);
      assert.equal((await saveSkill(greedy, "s1", 60_000)).isError, false);
      assert.equal((await saveSkill(greedy, "s2", 60_000)).isError, false);
      const r = await saveSkill(greedy, "s3", 60_000);
      assert.equal(r.isError, true);
      assert.match(
        r.text,
        /^Cannot save skill "s3": this session's skills would take 180,000 bytes; the limit is 131,072 bytes \(128 KiB\) a session \(skills\.maxSessionBytes\)/,
      );
      assert.deepEqual(host.skills, ["s1", "s2"]);
      await using other = await httpClient(server.url);
      assert.equal((await saveSkill(other, "o1", 60_000)).isError, false);
    },
  },
  {
    name: "many sessions together fill the skills folder",
    expect: "the save that passes skills.maxTotalBytes is refused, whichever session sends it",
    skills: { maxBytes: 64 * 1024, maxTotalBytes: 200_000 },
    async run({ server, host }) {
      for (const name of ["a1", "a2", "a3"]) {
        await using c = await httpClient(server.url);
        assert.equal((await saveSkill(c, name, 60_000)).isError, false);
      }
      await using late = await httpClient(server.url);
      const r = await saveSkill(late, "a4", 60_000);
      assert.equal(r.isError, true);
      assert.match(
        r.text,
        /^Cannot save skill "a4": all saved skills would take 240,000 bytes; the limit is 200,000 bytes in all \(skills\.maxTotalBytes\)/,
      );
      assert.equal(host.skillUsage().bytes, 180_000);
    },
  },
  {
    name: "save more skills than the count allows",
    expect: "a new skill past skills.maxCount is refused; replacing one still works",
    skills: { maxCount: 3 },
    async run({ server }) {
      await using c = await httpClient(server.url);
      for (const name of ["k1", "k2", "k3"]) {
        assert.equal((await saveSkill(c, name, 50)).isError, false);
      }
      const r = await saveSkill(c, "k4", 50);
      assert.equal(r.isError, true);
      assert.match(
        r.text,
        /^Cannot save skill "k4": there are already 3 saved skills; the limit is 3 \(skills\.maxCount\)/,
      );
      assert.equal((await saveSkill(c, "k2", 60)).isError, false);
    },
  },
  // Hostile servers.
  {
    name: "an upstream floods 20,000 notifications/tools/list_changed",
    expect: "coalesced into a few tools/list calls (not 20,001); the catalog ends current",
    async run({ server, runtime }) {
      await using client = await httpClient(server.url);
      const r = await client.callTool({
        name: "execute_code",
        arguments: {
          code:
            `import { flood } from "./servers/flooding/index.ts";\nimport { text } from "./runtime.ts";\nexport default text(await flood({ count: 20000 }) as never);`,
        },
      });
      assert.match(replyText(r), /v1: sent 20000 notifications/, replyText(r));
      const current = () =>
        runtime.catalog.snapshot("flooding")?.tools.some((t) => t.name === "v1") ?? false;
      const deadline = Date.now() + 10_000;
      while (!current() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(current(), "the catalog never saw the new tool list");
      // Late notifications may still be in the pipe: let the refreshes settle.
      await new Promise((r) => setTimeout(r, 300));
      const calls = await runtime.bridge.callTool("flooding", "list_calls", {});
      assert.equal(calls.ok, true);
      const value = calls.ok ? calls.value : undefined;
      const count = Number(
        typeof value === "string"
          ? value
          : Array.isArray(value)
          ? replyText({ content: value })
          : replyText(value),
      );
      assert.ok(count >= 2 && count <= 20, `${count} tools/list calls for 20,000 notifications`);
      assert.ok(runtime.catalog.refreshCount("flooding") <= 20);
      assert.ok(current());
    },
  },
];

Deno.test({
  name: "hostile HTTP clients, skill floods and notification floods are bounded",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using runtime = await Runtime.create({
      servers: [
        everythingServer(),
        {
          name: "flooding",
          transport: "stdio",
          command: Deno.execPath(),
          args: ["run", "-A", "--quiet", FLOODING],
        },
      ],
      typeCheck: false,
      eager: true,
    });
    for (const c of QUOTA_CASES) {
      await t.step(`${c.name}: ${c.expect}`, async () => {
        await using dir = await tempDir();
        await using host = await ServeHost.create({
          runtimeInstance: runtime,
          skills: new SkillStore(dir.path),
          ...(c.skills ? { skillLimits: c.skills } : {}),
        });
        await using server = serveHttp(host, { port: 0, ...c.http });
        await c.run({ server, host, runtime, dir: dir.path });
        await assertHealthy(server.url, c.name);
      });
    }
  },
});
