// A linear-time replacement for the SDK stdio transport's read buffer. The
// SDK's concatenates the whole pending buffer on every chunk and searches it
// from the start for a newline, so one large message costs time quadratic in
// its size on the main thread (5 MiB took about 9 s). This one keeps the
// pieces of the current line and looks for newlines in each new chunk only.
// It has the same limit and message when a line grows past the maximum,
// after which it drops the rest of the stream (the transport closes).

import { JSONRPCMessageSchema } from "../_sdk.ts";

const NEWLINE = 10;
const decoder = new TextDecoder();

/** Splits a byte stream into JSON-RPC messages, one per line, in linear time. */
export class LineBuffer {
  readonly maxBufferSize: number;
  #pieces: Uint8Array[] = [];
  #size = 0;
  readonly #lines: string[] = [];
  // After a line over the limit the stream is out of step: drop the rest.
  #broken = false;

  constructor(maxBufferSize: number) {
    this.maxBufferSize = maxBufferSize;
  }

  /** Adds a chunk; throws once the current line is longer than the maximum. */
  append(chunk: Uint8Array): void {
    if (this.#broken) return;
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
      this.#pieces.push(chunk.subarray(start, i));
      this.#lines.push(decoder.decode(join(this.#pieces, this.#size + i - start)));
      this.#pieces = [];
      this.#size = 0;
      start = i + 1;
    }
    const rest = chunk.length - start;
    if (rest === 0) return;
    if (this.#size + rest > this.maxBufferSize) {
      this.clear();
      this.#broken = true;
      throw new Error(`ReadBuffer exceeded maximum size of ${this.maxBufferSize} bytes`);
    }
    this.#pieces.push(chunk.subarray(start));
    this.#size += rest;
  }

  /** The next complete line, without taking it. */
  peekLine(): string | undefined {
    return this.#lines[0]?.replace(/\r$/, "");
  }

  /** Takes the next complete line as a JSON-RPC message; null when there is none. */
  readMessage(): unknown {
    const line = this.#lines.shift();
    if (line === undefined) return null;
    return JSONRPCMessageSchema.parse(JSON.parse(line.replace(/\r$/, "")));
  }

  /** Drops everything buffered. */
  clear(): void {
    this.#pieces = [];
    this.#size = 0;
    this.#lines.length = 0;
  }
}

function join(pieces: Uint8Array[], size: number): Uint8Array {
  if (pieces.length === 1) return pieces[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
