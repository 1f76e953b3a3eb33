// Fault injection over Streamable HTTP: a real MCP server
// (tests/fixtures/faulty_http_server.ts) that restarts and loses its sessions,
// answers 500 or 503, resets connections or hangs.
import assert from "node:assert/strict";
import { Bridge } from "../src/bridge/bridge.ts";
import { ClientPool } from "../src/bridge/client_pool.ts";
import type { CallEnvelope } from "../src/bridge/envelope.ts";
import type { RemoteServerConfig } from "../src/config/types.ts";
import { startFaultyHttp } from "./fixtures/faulty_http_server.ts";

function errorOf(reply: CallEnvelope): { code: string; message: string } {
  assert.equal(reply.ok, false, `expected an error, got ${JSON.stringify(reply)}`);
  return (reply as { error: { code: string; message: string } }).error;
}

function textOf(reply: CallEnvelope): string {
  assert.equal(reply.ok, true, `expected success, got ${JSON.stringify(reply)}`);
  return (reply as { value: { text: string }[] }).value[0].text;
}

function setup(url: string, callTimeoutMs = 5_000) {
  const server: RemoteServerConfig = { name: "web", transport: "http", url };
  const pool = new ClientPool([server], {
    pingTimeoutMs: 500,
    connectTimeoutMs: 2_000,
    breaker: { cooldownMs: 200 },
  });
  const bridge = new Bridge({ servers: [server], pool, policy: { callTimeoutMs } });
  return {
    pool,
    call: (message: string) => bridge.callTool("web", "echo", { message }),
    [Symbol.asyncDispose]: async () => {
      await bridge.close();
      await pool.close();
    },
  };
}

Deno.test("an HTTP server that restarts and loses its sessions is reconnected (defect 1)", async () => {
  await using http = await startFaultyHttp();
  await using s = setup(http.url);
  assert.equal(textOf(await s.call("a")), "Echo: a");
  http.restart();
  // The old session answers 404: mcpx starts a new one and retries.
  assert.equal(textOf(await s.call("b")), "Echo: b");
  assert.equal(textOf(await s.call("c")), "Echo: c");
  assert.equal(http.initialized, 2);
  assert.equal(s.pool.stats().sessionRetries, 1);
});

Deno.test("HTTP 500 and 503 during a call name the status code (defect 10)", async () => {
  await using http = await startFaultyHttp();
  await using s = setup(http.url);
  assert.equal(textOf(await s.call("a")), "Echo: a");
  http.fault = "503";
  const e503 = errorOf(await s.call("b"));
  assert.equal(e503.code, "SERVER_ERROR");
  assert.match(e503.message, /HTTP 503 \(Service Unavailable\): .*overloaded/);
  http.fault = "none";
  // The broken connection was recycled: a new session works.
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(textOf(await s.call("c")), "Echo: c");
  http.fault = "500";
  assert.match(errorOf(await s.call("d")).message, /HTTP 500 \(Internal Server Error\): .*boom/);
});

Deno.test("a reset connection is named, and the next call reconnects (defect 10)", async () => {
  await using http = await startFaultyHttp();
  await using s = setup(http.url);
  assert.equal(textOf(await s.call("a")), "Echo: a");
  http.fault = "reset";
  const e = errorOf(await s.call("b"));
  assert.equal(e.code, "SERVER_ERROR");
  assert.match(e.message, /connection was (reset|closed in the middle of the reply)/);
  assert.doesNotMatch(e.message, /: fetch failed$/);
  http.fault = "none";
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(textOf(await s.call("c")), "Echo: c");
});

Deno.test("a hanging HTTP server gives TOOL_TIMEOUT at the call deadline", async () => {
  await using http = await startFaultyHttp();
  await using s = setup(http.url, 500);
  assert.equal(textOf(await s.call("a")), "Echo: a");
  http.fault = "hang";
  const t0 = performance.now();
  assert.equal(errorOf(await s.call("b")).code, "TOOL_TIMEOUT");
  assert.ok(performance.now() - t0 < 2_000);
});

Deno.test("an unresolvable host is named as a DNS failure (defect 10)", async () => {
  await using s = setup("http://mcpx-no-such-host.invalid/mcp");
  const e = errorOf(await s.call("a"));
  assert.match(e.message, /DNS lookup failed|failed to lookup|dns/i);
});

for (
  const [fault, how] of [
    ["huge-json", "a JSON body streamed without a length"],
    ["huge-declared", "a declared content-length"],
    ["huge-event", "one event of a stream"],
  ] as const
) {
  Deno.test(`a reply over the 10 MiB message limit (${how}) fails the call at once, and the next call reconnects`, async () => {
    await using http = await startFaultyHttp();
    // The call deadline is far away: the failure must not wait for it.
    await using s = setup(http.url, 20_000);
    assert.equal(textOf(await s.call("a")), "Echo: a");
    http.fault = fault;
    const t0 = performance.now();
    const e = errorOf(await s.call("b"));
    assert.ok(performance.now() - t0 < 5_000, `took ${performance.now() - t0} ms`);
    assert.equal(e.code, "SERVER_ERROR");
    assert.match(e.message, /Server "web" sent a message larger than the size limit of 10 MiB/);
    http.fault = "none";
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(textOf(await s.call("c")), "Echo: c");
    assert.equal(http.initialized, 2);
  });
}

Deno.test("a stream is limited per event, not in total: 12.5 MiB of log messages pass", async () => {
  await using http = await startFaultyHttp();
  await using s = setup(http.url, 20_000);
  assert.equal(textOf(await s.call("a")), "Echo: a");
  http.fault = "many-events";
  assert.equal(textOf(await s.call("b")), "Echo: after the logs");
  assert.equal(http.initialized, 1);
});
