// Splitting one large stdio reply into a message: the SDK's read buffer
// (concatenates and rescans the whole buffer on every chunk) against mcpx's
// linear LineBuffer. One 4 MiB JSON-RPC reply arriving in 64 KiB chunks.
//
//   deno bench -A bench/stdio_read_buffer_bench.ts
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/shared/stdio"
import { ReadBuffer } from "@modelcontextprotocol/sdk/shared/stdio.js";
import { Buffer } from "node:buffer";
import { LineBuffer } from "../src/introspect/_line_buffer.ts";

const reply = new TextEncoder().encode(
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    result: { content: [{ type: "text", text: "h".repeat(4 * 1024 * 1024) }] },
  }) + "\n",
);
const CHUNK = 64 * 1024;
const chunks: Uint8Array[] = [];
for (let i = 0; i < reply.length; i += CHUNK) chunks.push(reply.subarray(i, i + CHUNK));
const buffers = chunks.map((c) => Buffer.from(c));

Deno.bench({ name: "SDK ReadBuffer", group: "4 MiB reply in 64 KiB chunks", n: 5 }, () => {
  const rb = new ReadBuffer();
  for (const c of buffers) {
    rb.append(c);
    while (rb.readMessage() !== null) { /* drain */ }
  }
});

Deno.bench(
  { name: "LineBuffer", group: "4 MiB reply in 64 KiB chunks", baseline: true, n: 5 },
  () => {
    const lb = new LineBuffer(10 * 1024 * 1024);
    for (const c of chunks) {
      lb.append(c);
      while (lb.readMessage() !== null) { /* drain */ }
    }
  },
);
