/**
 * Reading an HTTP request body with a size cap and a deadline, so that a
 * client that trickles its body (a "slow POST") is cut off instead of holding
 * a request open for ever. `Deno.serve` has no such timeout of its own.
 *
 * @module
 */

/** The outcome of {@link readBodyWithin}. */
export type BodyRead =
  | { kind: "ok"; text: string }
  | { kind: "too-large" }
  | { kind: "timeout" };

/** Options of {@link readBodyWithin}. */
export interface BodyReadOptions {
  /** Largest body, in bytes. */
  maxBytes: number;
  /** The whole body must arrive within this long, in milliseconds. */
  timeoutMs: number;
}

/**
 * Reads `req`'s body as UTF-8 text. Stops (and cancels the body, which closes
 * the connection's request stream) when it grows past `maxBytes` or has not
 * arrived in full within `timeoutMs`.
 *
 * @example
 * ```ts
 * import { readBodyWithin } from "./body_deadline.ts";
 * const req = new Request("http://x/", { method: "POST", body: "{}" });
 * const r = await readBodyWithin(req, { maxBytes: 1024, timeoutMs: 1000 });
 * r.kind; // "ok"
 * ```
 */
export async function readBodyWithin(req: Request, opts: BodyReadOptions): Promise<BodyRead> {
  if (Number(req.headers.get("content-length")) > opts.maxBytes) return { kind: "too-large" };
  if (!req.body) return { kind: "ok", text: "" };
  const reader = req.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), opts.timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "timeout") {
        reader.cancel(new DOMException("The request body was too slow", "TimeoutError"))
          .catch(() => {});
        return { kind: "timeout" };
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > opts.maxBytes) {
        reader.cancel().catch(() => {});
        return { kind: "too-large" };
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return { kind: "ok", text: new TextDecoder().decode(all) };
}
