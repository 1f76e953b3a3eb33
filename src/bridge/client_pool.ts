/**
 * One lazily opened MCP connection per server, shared by concurrent callers,
 * that heals itself:
 *
 * - a connection the server closed, or whose transport broke (reset, HTTP
 *   5xx), is dropped and reopened on the next use;
 * - an HTTP 404 for a known session (the server restarted and forgot it)
 *   reopens the session and retries the request once, as the MCP spec asks;
 * - after a request times out, the server is pinged; a failed ping, or
 *   {@link ClientPoolOptions.maxConsecutiveTimeouts} timeouts in a row,
 *   recycle the connection (a wedged stdio server is terminated and restarted);
 * - idle connections are pinged every {@link ClientPoolOptions.pingIntervalMs};
 * - a {@link CircuitBreaker} per server makes callers fail fast with
 *   `SERVER_UNAVAILABLE` while a server is down, with half-open probes.
 *
 * @module
 */

import type { ServerConfig } from "../config/types.ts";
import { McpxError, quoteList } from "../errors.ts";
import { connect, type Connection, type ConnectOptions } from "../introspect/connect.ts";
import { CircuitBreaker, type CircuitBreakerOptions } from "./circuit_breaker.ts";
import { classifyFailure, describeUpstreamError } from "./upstream_errors.ts";

/** Default number of timeouts in a row after which a connection is recycled. */
export const DEFAULT_MAX_CONSECUTIVE_TIMEOUTS = 3;
/** Default interval of liveness pings to idle connections, in milliseconds. */
export const DEFAULT_PING_INTERVAL_MS = 30_000;
/** Default deadline of a liveness ping, in milliseconds. */
export const DEFAULT_PING_TIMEOUT_MS = 5_000;

interface Health {
  inFlight: number;
  lastActive: number;
  timeouts: number;
  pinging?: Promise<boolean>;
}

/**
 * Opens a connection; {@link connect} unless a test or embedder supplies another.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ConnectOptions, ServerConfig } from "@mcpx/cli";
 *
 * // Log every connection, then open it as usual (`connect` by default).
 * function logged(inner: Connector): Connector {
 *   return (server: ServerConfig, opts: ConnectOptions) => {
 *     console.error(`connecting to ${server.name}`);
 *     return inner(server, opts);
 *   };
 * }
 * assert.equal(typeof logged, "function");
 * ```
 */
export type Connector = (server: ServerConfig, opts: ConnectOptions) => Promise<Connection>;

/**
 * Options of {@link ClientPool}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ClientPoolOptions = { connectTimeoutMs: 5_000, pingIntervalMs: 0, breaker: { failureThreshold: 3 } };
 * assert.equal(opts.breaker?.failureThreshold, 3); // for new ClientPool(servers, opts)
 * ```
 */
export interface ClientPoolOptions {
  /** How to open a connection (default {@link connect}). */
  connect?: Connector;
  /** Deadline for opening a connection, in milliseconds (default `connect`'s 20,000). */
  connectTimeoutMs?: number;
  /** `clientInfo.name` sent to servers. */
  clientName?: string;
  /** Recycle a connection after this many request timeouts in a row (default 3). */
  maxConsecutiveTimeouts?: number;
  /** Ping connections idle this long, at this interval, in ms (default 30,000; 0 turns it off). */
  pingIntervalMs?: number;
  /** Deadline of a liveness ping in ms (default 5,000). */
  pingTimeoutMs?: number;
  /** The circuit breaker's thresholds and cool-downs. */
  breaker?: CircuitBreakerOptions;
}

/**
 * Counters of a {@link ClientPool}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const stats: ClientPoolStats = { connects: 2, connectFailures: 1, live: ["fs"], recycled: 0, sessionRetries: 0 };
 * assert.equal(stats.connects - stats.connectFailures, stats.live.length);
 * ```
 */
export interface ClientPoolStats {
  /** Connections opened successfully so far. */
  connects: number;
  /** Connection attempts that failed. */
  connectFailures: number;
  /** Servers with a live connection now. */
  live: string[];
  /** Connections recycled because they broke, timed out or failed a ping. */
  recycled: number;
  /** Requests retried on a fresh session after an HTTP 404. */
  sessionRetries: number;
}

/**
 * Lazily connected MCP clients, one per server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
 * import { connect } from "@mcpx/cli";
 *
 * // Connections to a small in-process server; by default the pool uses `connect`.
 * const link: Connector = async (config, opts) => {
 *   const server = new McpServer({ name: "demo", version: "1.0.0" });
 *   server.registerTool("ping", {}, () => ({ content: [{ type: "text", text: "pong" }] }));
 *   const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 *   await server.connect(serverSide);
 *   return await connect(config, { ...opts, transport: clientSide });
 * };
 *
 * const demo = { name: "demo", transport: "stdio" as const, command: "demo", args: [] };
 * await using pool = new ClientPool([demo], { connect: link });
 * const conn = await pool.acquire("demo");
 * assert.equal(await pool.acquire("demo"), conn); // reused
 * const result = await conn.client.callTool({ name: "ping", arguments: {} });
 * assert.deepEqual(result.content, [{ type: "text", text: "pong" }]);
 * ```
 */
export class ClientPool implements AsyncDisposable {
  readonly #servers: Map<string, ServerConfig>;
  readonly #connect: Connector;
  readonly #connectOpts: ConnectOptions;
  readonly #entries = new Map<string, Promise<Connection>>();
  readonly #live = new Map<string, Connection>();
  readonly #health = new WeakMap<Connection, Health>();
  readonly #breaker: CircuitBreaker;
  readonly #maxTimeouts: number;
  readonly #pingTimeoutMs: number;
  readonly #pingTimer: ReturnType<typeof setInterval> | undefined;
  readonly #closing = new AbortController();
  #closed = false;
  #connects = 0;
  #connectFailures = 0;
  #recycled = 0;
  #sessionRetries = 0;

  /**
   * A pool that connects lazily, on the first call to a server.
   *
   * @param servers The servers connections may be opened to.
   * @param opts Connecting, health checks and the circuit breaker.
   * @throws {TypeError} when two servers share a name.
   */
  constructor(servers: readonly ServerConfig[], opts: ClientPoolOptions = {}) {
    this.#servers = new Map();
    for (const server of servers) {
      if (this.#servers.has(server.name)) {
        throw new TypeError(`Duplicate server name "${server.name}"`);
      }
      this.#servers.set(server.name, server);
    }
    this.#connect = opts.connect ?? connect;
    this.#connectOpts = {
      ...(opts.connectTimeoutMs !== undefined ? { timeoutMs: opts.connectTimeoutMs } : {}),
      ...(opts.clientName !== undefined ? { clientName: opts.clientName } : {}),
    };
    this.#breaker = new CircuitBreaker(opts.breaker);
    this.#maxTimeouts = opts.maxConsecutiveTimeouts ?? DEFAULT_MAX_CONSECUTIVE_TIMEOUTS;
    this.#pingTimeoutMs = opts.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    const every = opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    if (every > 0) {
      const timer = setInterval(() => this.#pingIdle(every), every);
      Deno.unrefTimer(timer);
      this.#pingTimer = timer;
    }
  }

  /** The circuit breaker of this pool's servers. */
  get breaker(): CircuitBreaker {
    return this.#breaker;
  }

  /**
   * Runs `request` on the connection to `name`, healing the connection when
   * the request fails: an HTTP 404 for the session reconnects and retries
   * once; a broken transport recycles the connection; a timeout checks
   * liveness (see the module documentation). The request's error is thrown
   * as it was.
   *
   * @throws {McpxError} `SERVER_UNAVAILABLE` at once while the server's breaker is open.
   */
  async run<T>(
    name: string,
    request: (conn: Connection) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 0;; attempt++) {
      const conn = await this.acquire(name, signal);
      const health = this.#healthOf(conn);
      health.inFlight++;
      health.lastActive = Date.now();
      try {
        const result = await request(conn);
        health.timeouts = 0;
        this.#breaker.success(name);
        return result;
      } catch (error) {
        if (signal?.aborted) throw error;
        const kind = classifyFailure(error);
        if (kind === "session-lost") {
          this.#recycle(name, conn);
          if (attempt === 0) {
            this.#sessionRetries++;
            continue;
          }
        } else if (kind === "transport") {
          this.#recycle(name, conn);
          this.#breaker.failure(name, describeUpstreamError(error));
        } else if (kind === "timeout") {
          if (++health.timeouts >= this.#maxTimeouts) this.#recycle(name, conn);
          else void this.#checkLiveness(name, conn);
        } else {
          health.timeouts = 0;
          this.#breaker.success(name);
        }
        throw error;
      } finally {
        health.inFlight--;
        health.lastActive = Date.now();
      }
    }
  }

  /**
   * Drops the connection to `name` (if `conn` is still the current one) and
   * closes it in the background; the next use opens a new one.
   */
  recycle(name: string, conn?: Connection): void {
    const current = conn ?? this.#live.get(name);
    if (current !== undefined) this.#recycle(name, current);
  }

  #recycle(name: string, conn: Connection): void {
    if (this.#live.get(name) === conn) {
      this.#live.delete(name);
      this.#entries.delete(name);
    }
    if (!conn.closed) {
      this.#recycled++;
      conn.close().catch(() => {});
    }
  }

  #healthOf(conn: Connection): Health {
    let h = this.#health.get(conn);
    if (h === undefined) {
      h = { inFlight: 0, lastActive: Date.now(), timeouts: 0 };
      this.#health.set(conn, h);
    }
    return h;
  }

  /** Pings `conn`; recycles it when the ping fails. Resolves to whether it is alive. */
  #checkLiveness(name: string, conn: Connection): Promise<boolean> {
    const health = this.#healthOf(conn);
    return health.pinging ??= (async () => {
      try {
        await conn.client.ping({ timeout: this.#pingTimeoutMs });
        return true;
      } catch (error) {
        if (!conn.closed) {
          this.#recycle(name, conn);
          this.#breaker.failure(name, `it did not answer a ping: ${describeUpstreamError(error)}`);
        }
        return false;
      } finally {
        health.pinging = undefined;
      }
    })();
  }

  #pingIdle(every: number): void {
    const now = Date.now();
    for (const [name, conn] of this.#live) {
      if (conn.closed) continue;
      const h = this.#healthOf(conn);
      if (h.inFlight === 0 && now - h.lastActive >= every) {
        h.lastActive = now;
        void this.#checkLiveness(name, conn);
      }
    }
  }

  /** The configured servers, in order. */
  get servers(): ServerConfig[] {
    return [...this.#servers.values()];
  }

  /** True when a server of that name is configured. */
  has(name: string): boolean {
    return this.#servers.has(name);
  }

  /** The live connection to `name`, if there is one now. */
  peek(name: string): Connection | undefined {
    const conn = this.#live.get(name);
    return conn !== undefined && !conn.closed ? conn : undefined;
  }

  /**
   * The connection to `name`, opening it on first use or after the previous
   * one closed. Concurrent callers share one attempt; `signal` only stops this
   * caller's wait, not the shared attempt.
   *
   * @throws {McpxError} `UNKNOWN_SERVER`, or `SERVER_ERROR` once the pool is closed.
   * @throws {ServerConnectionError} when the server cannot be reached.
   */
  acquire(name: string, signal?: AbortSignal): Promise<Connection> {
    if (this.#closed) {
      return Promise.reject(new McpxError("SERVER_ERROR", "The client pool is closed"));
    }
    const live = this.#live.get(name);
    if (live !== undefined && !live.closed) return Promise.resolve(live);
    let entry = this.#entries.get(name);
    if (entry === undefined) {
      const server = this.#servers.get(name);
      if (server === undefined) {
        return Promise.reject(
          new McpxError(
            "UNKNOWN_SERVER",
            `Unknown server "${name}": known servers are ${quoteList([...this.#servers.keys()])}`,
          ),
        );
      }
      try {
        this.#breaker.admit(name);
      } catch (error) {
        return Promise.reject(error);
      }
      entry = this.#open(server);
      this.#entries.set(name, entry);
    }
    if (signal === undefined) return entry;
    return abortable(entry, signal);
  }

  /** Counters for monitoring. */
  stats(): ClientPoolStats {
    return {
      connects: this.#connects,
      connectFailures: this.#connectFailures,
      live: [...this.#live.entries()].filter(([, c]) => !c.closed).map(([n]) => n),
      recycled: this.#recycled,
      sessionRetries: this.#sessionRetries,
    };
  }

  /** Closes every connection; later {@link acquire} calls fail. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pingTimer);
    // Connections still being opened are abandoned (their processes stopped), not awaited.
    this.#closing.abort(new McpxError("SERVER_ERROR", "The client pool is closed"));
    const pending = [...this.#entries.values()];
    this.#entries.clear();
    this.#live.clear();
    await Promise.allSettled(pending.map(async (p) => (await p).close()));
  }

  /** Same as {@link ClientPool.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #open(server: ServerConfig): Promise<Connection> {
    const name = server.name;
    let conn: Connection;
    const timeoutMs = server.timeouts?.connectMs;
    try {
      conn = await this.#connect(server, {
        ...this.#connectOpts,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        signal: this.#closing.signal,
      });
    } catch (error) {
      if (this.#closed) throw error;
      this.#connectFailures++;
      this.#entries.delete(name);
      this.#breaker.failure(name, (error as Error).message ?? String(error), true);
      throw error;
    }
    this.#connects++;
    this.#breaker.success(name);
    if (this.#closed) {
      await conn.close();
      throw new McpxError("SERVER_ERROR", "The client pool is closed");
    }
    this.#live.set(name, conn);
    conn.onClose((info) => {
      if (!info.expected && !this.#closed) {
        this.#breaker.failure(name, "it closed the connection");
      }
      if (this.#live.get(name) === conn) {
        this.#live.delete(name);
        this.#entries.delete(name);
      }
    });
    return conn;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
