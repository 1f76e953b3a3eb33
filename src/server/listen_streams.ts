/**
 * `subscriptions/listen` streams of 2026-07-28 clients: the list changes and
 * resource updates that 2025-era sessions get unsolicited, published to the
 * streams that asked for them.
 *
 * The SDK serves the streams themselves: `createMcpHandler` keeps the open
 * streams over HTTP (its `notify` publishes to every stream whose filter
 * accepts the event), `serveStdio` keeps those of its connection. What the
 * SDK cannot know is that a stream's `resourceSubscriptions` name upstream
 * resources: {@link ListenSubscriptions} subscribes mcpx to them upstream
 * while a stream holds them. {@link HttpListenStreams} ties the two together
 * over HTTP, where a client that reads slowly gets repeated changes coalesced.
 *
 * @module
 */
import type { McpHttpHandler, ServerTransport } from "../_sdk_server.ts";
import { type Passthrough, PassthroughError, type PassthroughListener } from "./passthrough.ts";

/** The SDK handler's publisher of change events to its listen streams. */
type ServerNotifier = McpHttpHandler["notify"];

/** JSON-RPC method of the 2026-07-28 stream request. */
export const LISTEN_METHOD = "subscriptions/listen";

/**
 * Most distinct notifications (SSE frames) waiting for the client of one
 * stream; the stream is closed beyond that (default of
 * {@link HttpListenStreamsOptions.maxQueued}). Equal frames count once.
 */
export const DEFAULT_MAX_QUEUED_FRAMES = 256;

/**
 * The resource URIs a `subscriptions/listen` request subscribes to, or
 * `undefined` when `message` is no such request. Entries that are not
 * strings are left to the SDK's validation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const uris = listenResourceUris({
 *   jsonrpc: "2.0",
 *   id: 1,
 *   method: "subscriptions/listen",
 *   params: { notifications: { resourceSubscriptions: ["mcpx://docs/a"] } },
 * });
 * assert.deepEqual(uris, ["mcpx://docs/a"]);
 * assert.equal(listenResourceUris({ jsonrpc: "2.0", id: 2, method: "tools/list" }), undefined);
 * ```
 */
export function listenResourceUris(message: unknown): string[] | undefined {
  const m = message as {
    method?: unknown;
    id?: unknown;
    params?: { notifications?: { resourceSubscriptions?: unknown } };
  } | null;
  if (m === null || typeof m !== "object" || m.method !== LISTEN_METHOD || m.id === undefined) {
    return undefined;
  }
  const list = m.params?.notifications?.resourceSubscriptions;
  if (!Array.isArray(list)) return [];
  return [...new Set(list.filter((u): u is string => typeof u === "string"))];
}

/**
 * Upstream resource subscriptions held for listen streams, counted per URI:
 * the upstream is subscribed when the first stream names a URI and
 * unsubscribed when the last one that named it ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Passthrough } from "./passthrough.ts";
 *
 * const passthrough = new Passthrough({ servers: () => [], client: () => Promise.reject(new Error("offline")) });
 * const held = new ListenSubscriptions(passthrough, { resourceUpdated: () => {} });
 * const release = await held.acquire([]);
 * release();
 * await assert.rejects(held.acquire(["mcpx://nope/x"]), /Unknown server "nope"/);
 * assert.equal(held.size, 0);
 * ```
 */
export class ListenSubscriptions {
  readonly #passthrough: Pick<Passthrough, "subscribe" | "unsubscribe">;
  readonly #listener: PassthroughListener;
  /** Namespaced URI → streams holding it (and the upstream subscription, once made). */
  readonly #held = new Map<string, { count: number; ready: Promise<void> }>();

  /** Subscriptions made for `listener`, which receives their updates. */
  constructor(
    passthrough: Pick<Passthrough, "subscribe" | "unsubscribe">,
    listener: PassthroughListener,
  ) {
    this.#passthrough = passthrough;
    this.#listener = listener;
  }

  /** Number of URIs held. */
  get size(): number {
    return this.#held.size;
  }

  /**
   * Holds `uris` for one stream and resolves once each is subscribed upstream,
   * with the function that lets them go. When one cannot be subscribed (an
   * unknown server, a resource the rules deny, a server without
   * subscriptions), the others are let go and the error names that URI.
   */
  async acquire(uris: readonly string[]): Promise<() => void> {
    const taken: string[] = [];
    const release = () => {
      for (const uri of taken.splice(0)) this.#release(uri);
    };
    try {
      for (const uri of uris) {
        let entry = this.#held.get(uri);
        if (entry === undefined) {
          entry = { count: 0, ready: this.#passthrough.subscribe(this.#listener, uri) };
          this.#held.set(uri, entry);
          const mine = entry;
          entry.ready.catch(() => {
            if (this.#held.get(uri) === mine) this.#held.delete(uri);
          });
        }
        entry.count++;
        taken.push(uri);
        await entry.ready;
      }
    } catch (e) {
      release();
      throw e;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  #release(uri: string): void {
    const entry = this.#held.get(uri);
    if (entry === undefined || --entry.count > 0) return;
    this.#held.delete(uri);
    void entry.ready.then(
      () => this.#passthrough.unsubscribe(this.#listener, uri),
      () => {}, // never subscribed
    );
  }
}

/**
 * Passes the SSE frames of `body` on as its reader takes them, holding back
 * at most `maxQueued` distinct frames, and calls `onEnd` once when it ends
 * for any reason. A frame equal to one still waiting is dropped: on a listen
 * stream that is the same `list_changed` (or the same resource's `updated`)
 * again, which says nothing new to a client that has not read the first. So
 * a burst of changes costs a client that reads slowly one frame per kind,
 * and the frames waiting are bounded by what its filter names. Should more
 * than `maxQueued` distinct frames wait all the same, `body` is cancelled
 * (the SDK's stream stops taking events) and the stream ends with an error.
 * Each chunk of `body` must be one whole frame, as the SDK writes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * let ended = 0;
 * const frame = "event: message\ndata: {}\n\n";
 * const body = new ReadableStream<Uint8Array>({
 *   start(c) {
 *     for (const f of [frame, frame, frame]) c.enqueue(new TextEncoder().encode(f));
 *     c.close();
 *   },
 * });
 * const out = coalescedStream(body, { maxQueued: 8, onEnd: () => void ended++ });
 * await new Promise((r) => setTimeout(r, 0)); // the three came before the client reads
 * assert.equal(await new Response(out).text(), frame);
 * assert.equal(ended, 1);
 * ```
 */
export function coalescedStream(
  body: ReadableStream<Uint8Array>,
  opts: { maxQueued: number; onEnd: () => void; onStalled?: () => void },
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  /** Frames waiting for the reader, by their text. */
  const waiting = new Map<string, Uint8Array>();
  let finished = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    opts.onEnd();
  };
  const stop = (error?: Error) => {
    finished = true;
    failure ??= error;
    wake?.();
  };
  void (async () => {
    try {
      while (!finished) {
        const { value, done } = await reader.read();
        if (done) return stop();
        const key = decoder.decode(value);
        if (waiting.has(key)) continue;
        if (waiting.size >= opts.maxQueued) {
          opts.onStalled?.();
          void reader.cancel(new Error("The client does not read its listen stream")).catch(
            () => {},
          );
          return stop(
            new Error(`The client left more than ${opts.maxQueued} notifications unread`),
          );
        }
        waiting.set(key, value);
        wake?.();
      }
    } catch (e) {
      stop(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (waiting.size === 0 && !finished) {
        await new Promise<void>((resolve) => wake = resolve);
        wake = undefined;
      }
      const next = waiting.entries().next();
      if (!next.done && failure === undefined) {
        const [key, bytes] = next.value;
        waiting.delete(key);
        controller.enqueue(bytes);
        return;
      }
      waiting.clear();
      end();
      if (failure !== undefined) controller.error(failure);
      else controller.close();
    },
    cancel(reason) {
      finished = true;
      waiting.clear();
      end();
      return reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/**
 * Options of {@link HttpListenStreams}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: HttpListenStreamsOptions = { maxQueued: 64 };
 * assert.equal(opts.maxQueued, 64);
 * ```
 */
export interface HttpListenStreamsOptions {
  /** Distinct notifications left unread before a stream is closed (default {@link DEFAULT_MAX_QUEUED_FRAMES}). */
  maxQueued?: number;
  /** Where failures are reported. */
  log?: (line: string) => void;
}

/**
 * The listen streams of stateless HTTP: publishes mcpx's list changes and
 * upstream resource updates through the SDK handler's `notify`, and holds the
 * upstream subscriptions the open streams name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Passthrough } from "./passthrough.ts";
 *
 * const published: string[] = [];
 * const notify = {
 *   toolsChanged: () => void published.push("tools"),
 *   promptsChanged: () => void published.push("prompts"),
 *   resourcesChanged: () => void published.push("resources"),
 *   resourceUpdated: (uri: string) => void published.push(uri),
 * };
 * const passthrough = new Passthrough({ servers: () => [], client: () => Promise.reject(new Error("offline")) });
 * using streams = new HttpListenStreams(passthrough, () => notify);
 * streams.toolsChanged();
 * passthrough.upstreamNotification("docs", "notifications/prompts/list_changed");
 * assert.deepEqual(published, ["tools", "prompts"]);
 * ```
 */
export class HttpListenStreams implements Disposable {
  readonly #notify: () => ServerNotifier;
  readonly #subscriptions: ListenSubscriptions;
  readonly #stop: () => void;
  readonly #maxQueued: number;
  readonly #log: (line: string) => void;

  /** Streams published to through `notify` (the SDK handler's), fed by `passthrough`. */
  constructor(
    passthrough: Pick<Passthrough, "listen" | "subscribe" | "unsubscribe">,
    notify: () => ServerNotifier,
    opts: HttpListenStreamsOptions = {},
  ) {
    this.#notify = notify;
    this.#maxQueued = opts.maxQueued ?? DEFAULT_MAX_QUEUED_FRAMES;
    this.#log = opts.log ?? (() => {});
    const sink: PassthroughListener = {
      listChanged: (kind) =>
        kind === "resources" ? this.#notify().resourcesChanged() : this.#notify().promptsChanged(),
      resourceUpdated: (uri) => this.#notify().resourceUpdated(uri),
    };
    this.#subscriptions = new ListenSubscriptions(passthrough, sink);
    this.#stop = passthrough.listen(sink);
  }

  /** `notifications/tools/list_changed` to the streams that asked for it. */
  toolsChanged(): void {
    this.#notify().toolsChanged();
  }

  /** Number of upstream resources held for open streams. */
  get heldResources(): number {
    return this.#subscriptions.size;
  }

  /**
   * Serves one `subscriptions/listen` request: subscribes upstream to the
   * resources it names, lets `serve` (the SDK handler) open the stream, and
   * lets the resources go when the stream ends. A resource that cannot be
   * subscribed is refused with a JSON-RPC error naming it.
   */
  async serve(
    message: { id: string | number },
    uris: readonly string[],
    serve: () => Promise<Response>,
  ): Promise<Response> {
    let release: () => void;
    try {
      release = await this.#subscriptions.acquire(uris);
    } catch (e) {
      const code = e instanceof PassthroughError ? e.code : -32603;
      const message_ = e instanceof PassthroughError
        ? e.message
        : `Cannot subscribe to the resources of the listen request: ${(e as Error).message}`;
      return Response.json({
        jsonrpc: "2.0",
        id: message.id,
        error: { code, message: message_ },
      });
    }
    let res: Response;
    try {
      res = await serve();
    } catch (e) {
      release();
      throw e;
    }
    const sse = res.headers.get("content-type")?.startsWith("text/event-stream") ?? false;
    if (res.body === null || !sse) {
      release();
      return res;
    }
    const body = coalescedStream(res.body, {
      maxQueued: this.#maxQueued,
      onEnd: () => release(),
      onStalled: () =>
        this.#log(
          `warning: closed a subscriptions/listen stream whose client left ${this.#maxQueued} distinct notifications unread`,
        ),
    });
    return new Response(body, { status: res.status, headers: res.headers });
  }

  /** Stops publishing; open streams are closed by the SDK handler's `close`. */
  [Symbol.dispose](): void {
    this.#stop();
  }
}

/**
 * Watches the inbound messages of a stdio connection for
 * `subscriptions/listen` requests (the SDK's `serveStdio` serves them itself)
 * and holds, in `subscriptions`, the upstream resources each names until the
 * client cancels that stream or the connection closes. A listen request is
 * passed on once its resources are subscribed upstream, so its
 * acknowledgement means updates flow; one naming a resource that cannot be
 * subscribed is answered with a JSON-RPC error naming it. Only that request
 * waits: the connection's other messages pass on at once, so a slow upstream
 * subscription delays no call. Returns the transport to hand to `serveStdio`.
 *
 * @example
 * ```ts
 * import { StdioServerTransport } from "../_sdk_server.ts";
 * import { Passthrough } from "./passthrough.ts";
 *
 * const passthrough = new Passthrough({ servers: () => [], client: () => Promise.reject(new Error("offline")) });
 * const held = new ListenSubscriptions(passthrough, { resourceUpdated: () => {} });
 * const transport = watchListenRequests(new StdioServerTransport(), held);
 * // serveStdio(factory, { transport })
 * ```
 */
export function watchListenRequests(
  transport: ServerTransport,
  subscriptions: ListenSubscriptions,
  log: (line: string) => void = () => {},
): ServerTransport {
  /** Listen request id → lets its resources go. */
  const held = new Map<string | number, () => void>();
  /** Listen requests still subscribing upstream, and whether the client cancelled them meanwhile. */
  const pending = new Map<string | number, { cancelled: boolean }>();
  let closed = false;
  const releaseAll = () => {
    closed = true;
    for (const release of held.values()) release();
    held.clear();
    for (const p of pending.values()) p.cancelled = true;
  };
  const refuse = (id: string | number, e: unknown) =>
    transport.send({
      jsonrpc: "2.0",
      id,
      error: {
        code: e instanceof PassthroughError ? e.code : -32603,
        message: e instanceof PassthroughError
          ? e.message
          : `Cannot subscribe to the resources of the listen request: ${(e as Error).message}`,
      },
    });
  /** Passes `message` on now, or once the resources of the listen request it is are held. */
  const observe = (message: unknown, deliver: () => void): void => {
    const uris = listenResourceUris(message);
    const id = (message as { id: string | number }).id;
    if (uris !== undefined && uris.length > 0) {
      const state = { cancelled: false };
      pending.set(id, state);
      subscriptions.acquire(uris).then(
        (release) => {
          pending.delete(id);
          if (state.cancelled) return release();
          held.get(id)?.();
          held.set(id, release);
          deliver();
        },
        (e) => {
          pending.delete(id);
          if (!state.cancelled && !closed) {
            refuse(id, e).catch((err) =>
              log(`error: subscriptions/listen: ${(err as Error).message}`)
            );
          }
        },
      );
      return;
    }
    const m = message as { method?: unknown; params?: { requestId?: unknown } };
    if (m?.method === "notifications/cancelled") {
      const requestId = m.params?.requestId as string | number;
      held.get(requestId)?.();
      held.delete(requestId);
      const waiting = pending.get(requestId);
      if (waiting !== undefined) waiting.cancelled = true;
    }
    deliver();
  };
  return new Proxy(transport, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      return typeof value === "function" && key !== "onmessage" && key !== "onclose"
        ? value.bind(target)
        : value;
    },
    set(target, key, value) {
      if (key === "onmessage" && typeof value === "function") {
        const deliver = value as NonNullable<ServerTransport["onmessage"]>;
        target.onmessage = (message, extra) => observe(message, () => deliver(message, extra));
        return true;
      }
      if (key === "onclose" && typeof value === "function") {
        target.onclose = () => {
          releaseAll();
          (value as () => void)();
        };
        return true;
      }
      return Reflect.set(target, key, value, target);
    },
  });
}
