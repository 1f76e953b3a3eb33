// A `fetch` for the remote transports that bounds what one message may cost:
// a reply body (JSON) or one server-sent event may hold at most `maxBytes`.
// A server that sends more, by mistake or on purpose, would otherwise be read
// into memory whole. Past the limit the body errors with a
// `MessageTooLargeError` and `onOverLimit` runs (the connection closes it, so
// that pending calls fail at once rather than at their deadline).

import { formatBytes } from "../_bytes.ts";

/** A reply, or one event of a stream, larger than the transport's limit. */
export class MessageTooLargeError extends Error {
  /** The limit, in bytes. */
  readonly limit: number;

  constructor(url: string, limit: number) {
    super(`The reply from ${url} is larger than the size limit of ${formatBytes(limit)}`);
    this.name = "MessageTooLargeError";
    this.limit = limit;
  }
}

/** Wraps `base` so that every response body is read through the limit. */
export function boundedFetch(
  base: typeof fetch,
  maxBytes: number,
  onOverLimit: (limit: number) => void,
): typeof fetch {
  return async (input, init) => {
    const res = await base(input, init);
    if (res.body === null) return res;
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const length = Number(res.headers.get("content-length") ?? NaN);
    if (length > maxBytes) {
      await res.body.cancel().catch(() => {});
      onOverLimit(maxBytes);
      throw new MessageTooLargeError(url, maxBytes);
    }
    const stream = /^\s*text\/event-stream/i.test(res.headers.get("content-type") ?? "")
      ? eventLimit(maxBytes)
      : bodyLimit(maxBytes);
    const body = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (stream.add(chunk)) {
            controller.enqueue(chunk);
            return;
          }
          onOverLimit(maxBytes);
          controller.error(new MessageTooLargeError(url, maxBytes));
        },
      }),
    );
    return new Response(body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
}

interface Meter {
  /** Counts `chunk`; false once the limit is passed. */
  add(chunk: Uint8Array): boolean;
}

/** The whole body counts. */
function bodyLimit(max: number): Meter {
  let total = 0;
  return { add: (chunk) => (total += chunk.length) <= max };
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Each event counts on its own: the count restarts at every blank line (two
 * line ends in a row, where a line end is LF, CR or CR LF), so a stream that
 * stays open for hours is never cut for its total.
 */
function eventLimit(max: number): Meter {
  let size = 0;
  let ends = 0;
  let afterCr = false;
  return {
    add(chunk) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === LF) {
          if (!afterCr) ends++;
          afterCr = false;
        } else if (b === CR) {
          ends++;
          afterCr = true;
        } else {
          ends = 0;
          afterCr = false;
        }
        if (ends >= 2) {
          size = 0;
          ends = 0;
          continue;
        }
        if (++size > max) return false;
      }
      return true;
    },
  };
}
