import assert from "node:assert/strict";
import { coalescedStream, listenResourceUris, ListenSubscriptions } from "./listen_streams.ts";
import { PassthroughError, type PassthroughListener } from "./passthrough.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A source stream and its controller, recording why it was cancelled. */
function source() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const state: { cancelled?: unknown } = {};
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: (reason) => void (state.cancelled = reason ?? "cancelled"),
  });
  return { body, controller, state };
}

Deno.test("coalescedStream keeps one copy of a frame repeated while the reader waits", async () => {
  const { body, controller } = source();
  let ended = 0;
  const out = coalescedStream(body, { maxQueued: 4, onEnd: () => void ended++ });
  const changed = 'event: message\ndata: {"method":"notifications/prompts/list_changed"}\n\n';
  const updated = 'event: message\ndata: {"method":"notifications/resources/updated"}\n\n';
  // 10,000 changes while nobody reads: two distinct frames wait, not 10,001.
  for (let i = 0; i < 10_000; i++) controller.enqueue(encode(changed));
  controller.enqueue(encode(updated));
  await tick();
  const reader = out.getReader();
  const text = (v?: Uint8Array) => new TextDecoder().decode(v);
  assert.equal(text((await reader.read()).value), changed);
  assert.equal(text((await reader.read()).value), updated);
  // Once read, the same change is news again.
  controller.enqueue(encode(changed));
  assert.equal(text((await reader.read()).value), changed);
  controller.close();
  assert.equal((await reader.read()).done, true);
  assert.equal(ended, 1);
});

Deno.test("coalescedStream closes a stream when too many distinct frames wait", async () => {
  const { body, controller, state } = source();
  let ended = 0;
  let stalled = 0;
  const out = coalescedStream(body, {
    maxQueued: 4,
    onEnd: () => void ended++,
    onStalled: () => void stalled++,
  });
  for (let i = 0; i < 10; i++) {
    try {
      controller.enqueue(encode(`data: ${i}\n\n`));
    } catch { /* cancelled */ }
    await tick();
  }
  assert.equal(stalled, 1);
  assert.match(String(state.cancelled), /does not read its listen stream/);
  await assert.rejects(out.getReader().read(), /left more than 4 notifications unread/);
  assert.equal(ended, 1);
});

Deno.test("coalescedStream passes frames in order to a reader that keeps up", async () => {
  const { body, controller, state } = source();
  let ended = 0;
  const out = coalescedStream(body, { maxQueued: 2, onEnd: () => void ended++ });
  const reader = out.getReader();
  for (let i = 0; i < 20; i++) {
    controller.enqueue(new Uint8Array([i]));
    assert.deepEqual((await reader.read()).value, new Uint8Array([i]));
  }
  await reader.cancel("client gone");
  assert.equal(ended, 1);
  assert.equal(state.cancelled, "client gone");
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
