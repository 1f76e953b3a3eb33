import assert from "node:assert/strict";
import { boundedFetch, MessageTooLargeError } from "./_bounded_fetch.ts";

/** A `fetch` that answers every request with `body` and `headers`. */
function answering(body: string, headers: Record<string, string>): typeof fetch {
  return () => Promise.resolve(new Response(body, { headers }));
}

const SSE = { "content-type": "text/event-stream" };

Deno.test("boundedFetch: a JSON body over the limit errors while it is read", async () => {
  let passed: number | undefined;
  const f = boundedFetch(answering("x".repeat(101), {}), 100, (n) => passed = n);
  const res = await f("http://127.0.0.1/mcp");
  await assert.rejects(res.text(), (e: unknown) => {
    assert.ok(e instanceof MessageTooLargeError);
    assert.match(
      e.message,
      /reply from http:\/\/127\.0\.0\.1\/mcp is larger than the size limit of 100 bytes/,
    );
    return true;
  });
  assert.equal(passed, 100);
  assert.equal(await (await f("http://127.0.0.1/mcp")).text().catch(() => "error"), "error");
  const exact = boundedFetch(
    answering("x".repeat(100), {}),
    100,
    () => assert.fail("at the limit"),
  );
  assert.equal((await (await exact("http://a/")).text()).length, 100);
});

Deno.test("boundedFetch: a declared length over the limit fails before the body is read", async () => {
  let passed = 0;
  const base = () => Promise.resolve(new Response("{}", { headers: { "content-length": "2048" } }));
  const f = boundedFetch(base, 1024, () => passed++);
  await assert.rejects(f("http://a/"), /larger than the size limit of 1 KiB/);
  assert.equal(passed, 1);
});

Deno.test("boundedFetch: an event stream is limited per event, with LF, CR LF and CR line ends", async () => {
  for (const eol of ["\n", "\r\n", "\r"]) {
    const event = `data: ${"y".repeat(80)}${eol}${eol}`;
    const f = boundedFetch(answering(event.repeat(50), SSE), 100, () => assert.fail(eol));
    assert.equal((await (await f("http://a/")).text()).length, event.length * 50);
    const big = `data: ${"y".repeat(120)}${eol}${eol}`;
    const g = boundedFetch(answering(event + big, SSE), 100, () => {});
    await assert.rejects((await g("http://a/")).text(), MessageTooLargeError, JSON.stringify(eol));
  }
});

Deno.test("boundedFetch: one line end is not the end of an event", async () => {
  // Two data lines of 60 bytes each are one event of 120 bytes.
  const event = `data: ${"y".repeat(54)}\r\ndata: ${"y".repeat(54)}\r\n\r\n`;
  const f = boundedFetch(answering(event, SSE), 100, () => {});
  await assert.rejects((await f("http://a/")).text(), MessageTooLargeError);
});
