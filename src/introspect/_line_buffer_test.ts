import assert from "node:assert/strict";
import { LineBuffer } from "./_line_buffer.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const msg = (id: number) => JSON.stringify({ jsonrpc: "2.0", id, result: {} });

function drain(b: LineBuffer): unknown[] {
  const out: unknown[] = [];
  for (let m = b.readMessage(); m !== null; m = b.readMessage()) out.push(m);
  return out;
}

Deno.test("LineBuffer splits messages across and within chunks, with CRLF", () => {
  const b = new LineBuffer(1024);
  const text = `${msg(1)}\n${msg(2)}\r\n${msg(3)}\n`;
  const bytes = enc(text);
  const got: unknown[] = [];
  for (let i = 0; i < bytes.length; i += 7) {
    b.append(bytes.subarray(i, i + 7));
    got.push(...drain(b));
  }
  assert.deepEqual(got.map((m) => (m as { id: number }).id), [1, 2, 3]);
  b.append(enc(msg(4)));
  assert.equal(b.readMessage(), null, "a line without its newline waits");
  b.append(enc("\n"));
  assert.equal(b.peekLine(), msg(4));
  assert.deepEqual((b.readMessage() as { id: number }).id, 4);
});

Deno.test("LineBuffer refuses a line over the limit with the SDK's message, then drops the rest", () => {
  const b = new LineBuffer(100);
  assert.throws(() => b.append(enc("x".repeat(101))), /exceeded maximum size of 100 bytes/);
  b.append(enc(`yyy\n${msg(5)}\n`));
  assert.equal(b.readMessage(), null);
});

Deno.test("LineBuffer: a multi-byte character split between chunks stays whole", () => {
  const b = new LineBuffer(1024);
  const bytes = enc(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { t: "é€😀" } }) + "\n");
  for (const byte of bytes) b.append(new Uint8Array([byte]));
  assert.deepEqual((b.readMessage() as { result: { t: string } }).result.t, "é€😀");
});
