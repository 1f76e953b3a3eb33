import assert from "node:assert/strict";
import { boundedStream, listenResourceUris, ListenSubscriptions } from "./listen_streams.ts";
import { PassthroughError, type PassthroughListener } from "./passthrough.ts";

Deno.test("boundedStream drops a stream whose reader stalls, and frees the source", async () => {
  let source!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (source = c),
    cancel: (reason) => void (cancelled = reason),
  });
  let ended = 0;
  let stalled = 0;
  const out = boundedStream(body, {
    maxQueued: 4,
    onEnd: () => void ended++,
    onStalled: () => void stalled++,
  });
  const frame = new TextEncoder().encode("data: {}\n\n");
  // Nobody reads `out`: the fifth frame is one too many.
  for (let i = 0; i < 10; i++) {
    try {
      source.enqueue(frame);
    } catch { /* cancelled */ }
    await new Promise((r) => setTimeout(r, 0));
  }
  assert.equal(stalled, 1);
  assert.equal(ended, 1);
  assert.match(String(cancelled), /does not read its listen stream/);
  const reader = out.getReader();
  await assert.rejects(reader.read(), /left more than 4 notifications unread/);
});

Deno.test("boundedStream passes frames to a reader that keeps up; cancel ends it once", async () => {
  let source!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (source = c),
    cancel: () => void (cancelled = true),
  });
  let ended = 0;
  const out = boundedStream(body, { maxQueued: 2, onEnd: () => void ended++ });
  const reader = out.getReader();
  for (let i = 0; i < 20; i++) {
    source.enqueue(new Uint8Array([i]));
    const { value } = await reader.read();
    assert.deepEqual(value, new Uint8Array([i]));
  }
  await reader.cancel("client gone");
  assert.equal(ended, 1);
  assert.ok(cancelled);
});

/** A record of what is subscribed upstream, at the passthrough's seam. */
function recorder(fail: Set<string> = new Set()) {
  const log: string[] = [];
  return {
    log,
    subscribe(_l: PassthroughListener, uri: string): Promise<void> {
      if (fail.has(uri)) {
        return Promise.reject(new PassthroughError(-32602, `Unknown server in resource "${uri}"`));
      }
      log.push(`+${uri}`);
      return Promise.resolve();
    },
    unsubscribe(_l: PassthroughListener, uri: string): Promise<void> {
      log.push(`-${uri}`);
      return Promise.resolve();
    },
  };
}

Deno.test("ListenSubscriptions subscribes a URI upstream once while any stream holds it", async () => {
  const upstream = recorder();
  const held = new ListenSubscriptions(upstream, {});
  const one = await held.acquire(["mcpx://a/x", "mcpx://a/y"]);
  const two = await held.acquire(["mcpx://a/x"]);
  assert.deepEqual(upstream.log, ["+mcpx://a/x", "+mcpx://a/y"]);
  one();
  one(); // a second release changes nothing
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(upstream.log, ["+mcpx://a/x", "+mcpx://a/y", "-mcpx://a/y"]);
  assert.equal(held.size, 1);
  two();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(upstream.log.at(-1), "-mcpx://a/x");
  assert.equal(held.size, 0);
});

Deno.test("ListenSubscriptions lets the others go when one URI cannot be subscribed", async () => {
  const upstream = recorder(new Set(["mcpx://nope/z"]));
  const held = new ListenSubscriptions(upstream, {});
  await assert.rejects(
    held.acquire(["mcpx://a/x", "mcpx://nope/z"]),
    /Unknown server in resource "mcpx:\/\/nope\/z"/,
  );
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(upstream.log, ["+mcpx://a/x", "-mcpx://a/x"]);
  assert.equal(held.size, 0);
});

Deno.test("listenResourceUris reads the filter of listen requests only", () => {
  const listen = (notifications: unknown) => ({
    jsonrpc: "2.0",
    id: "listen:0",
    method: "subscriptions/listen",
    params: { notifications },
  });
  assert.deepEqual(listenResourceUris(listen({ toolsListChanged: true })), []);
  assert.deepEqual(
    listenResourceUris(listen({ resourceSubscriptions: ["a", "a", 3, "b"] })),
    ["a", "b"],
  );
  assert.equal(listenResourceUris({ jsonrpc: "2.0", method: "subscriptions/listen" }), undefined);
  assert.equal(listenResourceUris(null), undefined);
  assert.equal(listenResourceUris([listen({})]), undefined);
});
