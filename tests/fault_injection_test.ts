// Fault injection over stdio: a real MCP server (tests/fixtures/faulty_server.ts,
// built with the MCP SDK) that crashes, exits at start, hangs, wedges its event
// loop, corrupts its replies, prints stray lines, starts slowly or ignores
// SIGTERM; and what mcpx's tool path makes of each.
import assert from "node:assert/strict";
import process from "node:process";
import { Bridge } from "../src/bridge/bridge.ts";
import { ClientPool } from "../src/bridge/client_pool.ts";
import type { CallEnvelope } from "../src/bridge/envelope.ts";
import { faultyServer } from "./_faulty.ts";

function errorOf(reply: CallEnvelope): { code: string; message: string } {
  assert.equal(reply.ok, false, `expected an error, got ${JSON.stringify(reply)}`);
  return (reply as { error: { code: string; message: string } }).error;
}

function textOf(reply: CallEnvelope): string {
  assert.equal(reply.ok, true, `expected success, got ${JSON.stringify(reply)}`);
  return (reply as { value: { text: string }[] }).value[0].text;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function setup(
  server = faultyServer(),
  opts: { callTimeoutMs?: number; pingTimeoutMs?: number; maxTimeouts?: number } = {},
) {
  const pool = new ClientPool([server], {
    pingTimeoutMs: opts.pingTimeoutMs ?? 500,
    maxConsecutiveTimeouts: opts.maxTimeouts,
    breaker: { cooldownMs: 300 },
  });
  const bridge = new Bridge({
    servers: [server],
    pool,
    policy: { callTimeoutMs: opts.callTimeoutMs ?? 10_000 },
  });
  return {
    pool,
    bridge,
    call: (tool: string, args: Record<string, unknown> = {}) =>
      bridge.callTool(server.name, tool, args),
    [Symbol.asyncDispose]: async () => {
      await bridge.close();
      await pool.close();
    },
  };
}

Deno.test("a wedged server is recycled after a timeout and a failed ping; later calls work (defect 4)", async () => {
  await using s = setup(undefined, { callTimeoutMs: 800 });
  const pid1 = Number(textOf(await s.call("pid")));
  const t0 = performance.now();
  assert.equal(errorOf(await s.call("wedge")).code, "TOOL_TIMEOUT");
  assert.ok(performance.now() - t0 < 3_000);
  // The liveness ping fails, the connection is recycled, a new server starts.
  let pid2 = pid1;
  for (let i = 0; i < 40 && pid2 === pid1; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const reply = await s.call("pid");
    if (reply.ok) pid2 = Number(textOf(reply));
  }
  assert.notEqual(pid2, pid1, "the wedged server was never replaced");
  assert.ok(s.pool.stats().recycled >= 1);
  // The wedged process is terminated, not orphaned.
  for (let i = 0; i < 40 && alive(pid1); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(pid1), false, `wedged server ${pid1} still runs`);
});

Deno.test("a hung tool times out with TOOL_TIMEOUT; after the limit of timeouts in a row the connection is recycled", async () => {
  await using s = setup(undefined, { callTimeoutMs: 300, maxTimeouts: 2 });
  const pid1 = Number(textOf(await s.call("pid")));
  const e1 = errorOf(await s.call("hang"));
  assert.equal(e1.code, "TOOL_TIMEOUT");
  assert.match(e1.message, /did not answer within 300 ms/);
  // The server still answers pings: one timeout does not recycle it.
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(Number(textOf(await s.call("pid"))), pid1);
  errorOf(await s.call("hang"));
  errorOf(await s.call("hang"));
  // Two in a row: recycled.
  assert.notEqual(Number(textOf(await s.call("pid"))), pid1);
});

Deno.test("a corrupt reply fails its call at once with a protocol error; the connection recovers (defect 9)", async () => {
  await using s = setup(undefined, { callTimeoutMs: 20_000 });
  const pid = Number(textOf(await s.call("pid")));
  const t0 = performance.now();
  const e = errorOf(await s.call("garbage"));
  const ms = performance.now() - t0;
  assert.equal(e.code, "SERVER_PROTOCOL_ERROR");
  assert.match(
    e.message,
    /Server "faulty" sent a corrupt reply to "garbage": the reply is not valid JSON-RPC/,
  );
  assert.ok(ms < 1_000, `took ${ms} ms`);
  // Same connection, still working.
  assert.equal(textOf(await s.call("echo", { message: "after" })), "Echo: after");
  assert.equal(Number(textOf(await s.call("pid"))), pid);
});

Deno.test("a stray line on stdout fails nothing", async () => {
  await using s = setup();
  assert.equal(textOf(await s.call("stray", { message: "a" })), "Echo: a");
  assert.equal(textOf(await s.call("echo", { message: "b" })), "Echo: b");
});

Deno.test("a crash mid-call names the exit code and stderr; the next call restarts the server", async () => {
  await using s = setup();
  const pid1 = Number(textOf(await s.call("pid")));
  const e = errorOf(await s.call("crash"));
  assert.equal(e.code, "SERVER_ERROR");
  assert.match(e.message, /exit code 7/);
  assert.match(e.message, /faulty: crashing as asked/);
  assert.notEqual(Number(textOf(await s.call("pid"))), pid1);
});

Deno.test("a server that exits at start fails fast with SERVER_UNAVAILABLE, then is probed again", async () => {
  await using s = setup(faultyServer({ faults: ["exit-at-start"] }));
  const e1 = errorOf(await s.call("echo"));
  assert.equal(e1.code, "SERVER_START_FAILED");
  assert.match(e1.message, /exited with code 3/);
  // The breaker is open: no new process, an answer at once.
  const t0 = performance.now();
  const e2 = errorOf(await s.call("echo"));
  assert.ok(performance.now() - t0 < 100);
  assert.equal(e2.code, "SERVER_UNAVAILABLE");
  assert.match(e2.message, /Server "faulty" is unavailable: .*exited with code 3/);
  assert.equal(s.pool.stats().connectFailures, 1);
  // After the cool-down, one probe goes through (and fails again).
  await new Promise((r) => setTimeout(r, 350));
  assert.equal(errorOf(await s.call("echo")).code, "SERVER_START_FAILED");
  assert.equal(s.pool.stats().connectFailures, 2);
});

Deno.test("a slow start past the configured connect timeout is SERVER_TIMEOUT, then SERVER_UNAVAILABLE at once", async () => {
  const server = { ...faultyServer({ startDelayMs: 5_000 }), timeouts: { connectMs: 1_500 } };
  await using s = setup(server);
  const t0 = performance.now();
  const e1 = errorOf(await s.call("echo"));
  assert.equal(e1.code, "SERVER_TIMEOUT");
  assert.match(e1.message, /did not answer initialize within 1500 ms/);
  assert.ok(performance.now() - t0 < 4_000);
  const t1 = performance.now();
  assert.equal(errorOf(await s.call("echo")).code, "SERVER_UNAVAILABLE");
  assert.ok(performance.now() - t1 < 100);
});

Deno.test("per-tool timeouts from the configuration apply", async () => {
  const server = { ...faultyServer(), timeouts: { callMs: 5_000, toolsMs: { sleep: 200 } } };
  await using s = setup(server);
  const e = errorOf(await s.call("sleep", { ms: 2_000 }));
  assert.equal(e.code, "TOOL_TIMEOUT");
  assert.match(e.message, /within 200 ms/);
  assert.equal(textOf(await s.call("echo", { message: "x" })), "Echo: x");
});

Deno.test("a server that ignores SIGTERM and stdin EOF is killed on close, not orphaned", async () => {
  const s = setup(faultyServer({ faults: ["ignore-sigterm"] }));
  const pid = Number(textOf(await s.call("pid")));
  assert.equal(alive(pid), true);
  const t0 = performance.now();
  await s[Symbol.asyncDispose]();
  assert.equal(alive(pid), false, `server ${pid} survived close`);
  assert.ok(performance.now() - t0 < 8_000);
});

Deno.test("an idle connection whose server wedged is found by the interval ping and recycled", async () => {
  const server = faultyServer();
  await using pool = new ClientPool([server], { pingIntervalMs: 300, pingTimeoutMs: 300 });
  await using bridge = new Bridge({ servers: [server], pool });
  const pid1 = Number(textOf(await bridge.callTool("faulty", "pid", {})));
  textOf(await bridge.callTool("faulty", "wedge-soon", { ms: 50 }));
  // No call is made: only the interval ping can notice.
  for (let i = 0; i < 50 && pool.stats().recycled === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(pool.stats().recycled, 1);
  assert.notEqual(Number(textOf(await bridge.callTool("faulty", "pid", {}))), pid1);
  for (let i = 0; i < 40 && alive(pid1); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(pid1), false);
});
