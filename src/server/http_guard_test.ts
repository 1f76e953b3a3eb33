import assert from "node:assert/strict";
import { Client } from "../_sdk.ts";
import { StreamableHTTPClientTransport } from "../_sdk_remote.ts";
import { guardHttp, isLoopbackOrigin, validateOrigins } from "./http_guard.ts";
import { serveHttp } from "./http_server.ts";
import { ServeHost } from "./serve_host.ts";
import { SseEventStore } from "./sse_event_store.ts";

const INIT = {
  jsonrpc: "2.0",
  id: "init-7",
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "guard-test", version: "1" },
  },
};
const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

Deno.test("isLoopbackOrigin and validateOrigins", () => {
  assert.ok(isLoopbackOrigin("http://localhost:6274"));
  assert.ok(isLoopbackOrigin("http://127.0.0.1"));
  assert.ok(isLoopbackOrigin("http://[::1]:8080"));
  assert.ok(!isLoopbackOrigin("http://localhost.evil.example"));
  assert.ok(!isLoopbackOrigin("null"));
  assert.deepEqual(validateOrigins(["https://app.example.com/", "*"]), [
    "https://app.example.com",
    "*",
  ]);
  assert.throws(() => validateOrigins(["app.example.com"]), /Invalid origin "app.example.com"/);
  assert.throws(() => validateOrigins(["https://a.example/path"]), /Invalid origin/);
});

Deno.test("guardHttp keeps the id of the request in an error that has none", async () => {
  const inner = () =>
    Response.json({
      jsonrpc: "2.0",
      error: { code: -32001, message: "Session not found" },
      id: null,
    }, {
      status: 404,
    });
  const guarded = guardHttp(inner);
  const res = await guarded(
    new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify({ jsonrpc: "2.0", id: 42, method: "tools/list" }),
    }),
  );
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), {
    jsonrpc: "2.0",
    error: { code: -32001, message: "Session not found" },
    id: 42,
  });
  // A batch or a notification has no single id: null stays.
  const batch = await guarded(
    new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "ping" }]),
    }),
  );
  assert.equal((await batch.json()).id, null);
});

Deno.test("mcpx serve --http: origins, CORS, error ids, SSE priming with retry", async (t) => {
  await using host = await ServeHost.create({});
  await using server = serveHttp(host, {
    port: 0,
    allowOrigins: ["https://app.example.com"],
    sseRetryMs: 1500,
  });
  const url = server.url;

  await t.step("a foreign origin is refused with 403 and the request's id", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: { ...HEADERS, origin: "https://evil.example" },
      body: JSON.stringify(INIT),
    });
    assert.equal(res.status, 403);
    const body = await res.json();
    assert.equal(body.id, "init-7");
    assert.match(body.error.message, /origin "https:\/\/evil\.example" is not allowed/);
    assert.equal(server.sessions, 0);
  });

  await t.step("preflight of an allowed origin", async () => {
    const res = await fetch(url, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, mcp-session-id",
      },
    });
    await res.body?.cancel();
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(res.headers.get("access-control-allow-methods")!, /POST/);
    assert.equal(res.headers.get("access-control-allow-headers"), "content-type, mcp-session-id");
  });

  let session = "";
  await t.step(
    "an allowed origin gets CORS headers; the stream starts with a priming event",
    async () => {
      const res = await fetch(url, {
        method: "POST",
        headers: { ...HEADERS, origin: "https://app.example.com" },
        body: JSON.stringify(INIT),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example.com");
      assert.match(res.headers.get("access-control-expose-headers")!, /Mcp-Session-Id/);
      assert.match(res.headers.get("access-control-expose-headers")!, /Mcp-Protocol-Version/);
      session = res.headers.get("mcp-session-id")!;
      assert.ok(session);
      const text = await res.text();
      assert.match(text, /^id: [^\n]+\nretry: 1500\ndata: \n\n/);
      assert.match(text, /"id":"init-7"/);
    },
  );

  await t.step("loopback origins pass without being listed", async () => {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        ...HEADERS,
        origin: "http://localhost:6274",
        "mcp-session-id": session,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "http://localhost:6274");
    await res.body?.cancel();
  });

  await t.step("errors answering a known request carry its id", async () => {
    const noSession = await fetch(url, {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify({ jsonrpc: "2.0", id: "q-1", method: "tools/list" }),
    });
    assert.equal(noSession.status, 400);
    assert.equal((await noSession.json()).id, "q-1");
    const gone = await fetch(url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": "no-such-session" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list" }),
    });
    assert.equal(gone.status, 404);
    assert.equal((await gone.json()).id, 9);
  });

  await t.step("the SDK client works through the guard", async () => {
    const client = new Client({ name: "guard-sdk", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    assert.equal((await client.listTools()).tools.length, 5);
    await client.close();
  });
});

Deno.test("SseEventStore replays a stream after an id and forgets the oldest", async () => {
  const store = new SseEventStore({ maxEvents: 3 });
  const prime = await store.storeEvent("a", {});
  const one = await store.storeEvent("a", { jsonrpc: "2.0", method: "one" });
  await store.storeEvent("b", { jsonrpc: "2.0", method: "other" });
  await store.storeEvent("a", { jsonrpc: "2.0", method: "two" });
  assert.equal(store.size, 3);
  assert.equal(await store.getStreamIdForEventId(prime), undefined);
  const sent: string[] = [];
  const stream = await store.replayEventsAfter(one, {
    send: (_id, m) => Promise.resolve(void sent.push((m as { method: string }).method)),
  });
  assert.equal(stream, "a");
  assert.deepEqual(sent, ["two"]);
  await assert.rejects(
    store.replayEventsAfter(prime, { send: () => Promise.resolve() }),
    /expired/,
  );
});
