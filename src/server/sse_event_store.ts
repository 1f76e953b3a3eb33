/**
 * A bounded in-memory store of the SSE events of one HTTP session, so a
 * client that lost a stream can resume it with `Last-Event-ID`. Having a
 * store is also what makes the Streamable HTTP transport send a priming event
 * (an event id with empty data, and a `retry:` field) at the start of each
 * stream to clients of protocol 2025-11-25 and later.
 *
 * Plain JSON values in and out; no SDK types.
 *
 * @module
 */

/** Limits of a {@link SseEventStore}. */
export interface SseEventStoreLimits {
  /** Most events kept; the oldest go first (default 1,000). */
  maxEvents?: number;
  /** Most bytes of JSON kept (default 8 MiB). */
  maxBytes?: number;
}

interface StoredEvent {
  streamId: string;
  message: unknown;
  bytes: number;
}

/**
 * Keeps the latest events of a session, evicting the oldest past the limits.
 * Event ids are `<streamId>:<sequence>`.
 *
 * @example
 * ```ts
 * import { SseEventStore } from "./sse_event_store.ts";
 * const store = new SseEventStore({ maxEvents: 2 });
 * const first = await store.storeEvent("s1", { jsonrpc: "2.0", method: "a" });
 * await store.storeEvent("s1", { jsonrpc: "2.0", method: "b" });
 * const sent: unknown[] = [];
 * await store.replayEventsAfter(first, { send: async (_id, m) => void sent.push(m) });
 * sent.length; // 1
 * ```
 */
export class SseEventStore {
  readonly #events = new Map<string, StoredEvent>();
  readonly #maxEvents: number;
  readonly #maxBytes: number;
  #bytes = 0;
  #seq = 0;

  /** An empty store with the given caps. */
  constructor(limits: SseEventStoreLimits = {}) {
    this.#maxEvents = limits.maxEvents ?? 1_000;
    this.#maxBytes = limits.maxBytes ?? 8 * 1024 * 1024;
  }

  /** Number of events kept. */
  get size(): number {
    return this.#events.size;
  }

  /** Stores `message` of stream `streamId`; returns its event id. */
  storeEvent(streamId: string, message: unknown): Promise<string> {
    const id = `${streamId}:${++this.#seq}`;
    const bytes = JSON.stringify(message ?? null).length;
    this.#events.set(id, { streamId, message, bytes });
    this.#bytes += bytes;
    for (const [old, e] of this.#events) {
      if (this.#events.size <= this.#maxEvents && this.#bytes <= this.#maxBytes) break;
      if (old === id) break;
      this.#events.delete(old);
      this.#bytes -= e.bytes;
    }
    return Promise.resolve(id);
  }

  /** The stream of event `eventId`, or `undefined` when it is unknown or evicted. */
  getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return Promise.resolve(this.#events.get(eventId)?.streamId);
  }

  /**
   * Sends the events of `lastEventId`'s stream that came after it, in order,
   * and returns that stream's id.
   *
   * @throws {RangeError} when `lastEventId` is unknown or was evicted.
   */
  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: never) => Promise<void> },
  ): Promise<string> {
    const last = this.#events.get(lastEventId);
    if (last === undefined) {
      throw new RangeError(`Unknown event "${lastEventId}": it expired or never existed`);
    }
    let after = false;
    for (const [id, e] of [...this.#events]) {
      if (id === lastEventId) {
        after = true;
        continue;
      }
      // Priming events hold no message.
      if (after && e.streamId === last.streamId && isMessage(e.message)) {
        await send(id, e.message as never);
      }
    }
    return last.streamId;
  }
}

function isMessage(m: unknown): boolean {
  return typeof m === "object" && m !== null && (m as { jsonrpc?: unknown }).jsonrpc === "2.0";
}
