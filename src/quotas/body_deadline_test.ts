import assert from "node:assert/strict";
import { readBodyWithin } from "./body_deadline.ts";

function trickle(chunks: number, everyMs: number): ReadableStream<Uint8Array> {
  let sent = 0;
  let cancelled = false;
  return new ReadableStream({
    async pull(c) {
      await new Promise((r) => setTimeout(r, everyMs));
      if (cancelled) return;
      if (sent++ >= chunks) c.close();
      else c.enqueue(new TextEncoder().encode("x"));
    },
    cancel() {
      cancelled = true;
    },
  });
}

Deno.test("readBodyWithin reads a body that arrives in time", async () => {
  const req = new Request("http://x/", { method: "POST", body: trickle(3, 5) });
  assert.deepEqual(await readBodyWithin(req, { maxBytes: 10, timeoutMs: 2_000 }), {
    kind: "ok",
    text: "xxx",
  });
});

Deno.test("readBodyWithin stops a trickled body at its deadline", async () => {
  const req = new Request("http://x/", { method: "POST", body: trickle(1_000, 20) });
  const t0 = performance.now();
  assert.deepEqual(await readBodyWithin(req, { maxBytes: 1 << 20, timeoutMs: 150 }), {
    kind: "timeout",
  });
  const took = performance.now() - t0;
  assert.ok(took >= 140 && took < 1_000, `${took} ms`);
  await new Promise((r) => setTimeout(r, 30)); // the cancelled stream's last pull
});

Deno.test("readBodyWithin refuses a body over the size cap", async () => {
  const declared = new Request("http://x/", {
    method: "POST",
    body: "yy",
    headers: { "content-length": "999" },
  });
  assert.deepEqual(await readBodyWithin(declared, { maxBytes: 10, timeoutMs: 1_000 }), {
    kind: "too-large",
  });
  const streamed = new Request("http://x/", { method: "POST", body: trickle(20, 1) });
  assert.deepEqual(await readBodyWithin(streamed, { maxBytes: 10, timeoutMs: 1_000 }), {
    kind: "too-large",
  });
  await new Promise((r) => setTimeout(r, 10));
});
