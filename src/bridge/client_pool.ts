/**
 * One lazily opened MCP connection per server, shared by concurrent callers
 * and reopened on the next use after the server goes away.
 *
 * @module
 */

import type { ServerConfig } from "../config/types.ts";
import { McpxError, quoteList } from "../errors.ts";
import { connect, type Connection, type ConnectOptions } from "../introspect/connect.ts";

/** Opens a connection; {@link connect} unless a test or embedder supplies another. */
export type Connector = (server: ServerConfig, opts: ConnectOptions) => Promise<Connection>;

/** Options of {@link ClientPool}. */
export interface ClientPoolOptions {
  /** How to open a connection (default {@link connect}). */
  connect?: Connector;
  /** Deadline for opening a connection, in milliseconds (default `connect`'s 20,000). */
  connectTimeoutMs?: number;
  /** `clientInfo.name` sent to servers. */
  clientName?: string;
}

/** Counters of a {@link ClientPool}. */
export interface ClientPoolStats {
  /** Connections opened successfully so far. */
  connects: number;
  /** Connection attempts that failed. */
  connectFailures: number;
  /** Servers with a live connection now. */
  live: string[];
}

/**
 * Lazily connected MCP clients, one per server.
 *
 * @example
 * ```ts ignore
 * await using pool = new ClientPool([{ name: "fs", transport: "stdio", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "."] }]);
 * const conn = await pool.acquire("fs");
 * await conn.client.callTool({ name: "list_allowed_directories", arguments: {} });
 * ```
 */
export class ClientPool implements AsyncDisposable {
  readonly #servers: Map<string, ServerConfig>;
  readonly #connect: Connector;
  readonly #connectOpts: ConnectOptions;
  readonly #entries = new Map<string, Promise<Connection>>();
  readonly #live = new Map<string, Connection>();
  #closed = false;
  #connects = 0;
  #connectFailures = 0;

  /** @throws {TypeError} when two servers share a name. */
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
    };
  }

  /** Closes every connection; later {@link acquire} calls fail. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = [...this.#entries.values()];
    this.#entries.clear();
    this.#live.clear();
    await Promise.allSettled(pending.map(async (p) => (await p).close()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #open(server: ServerConfig): Promise<Connection> {
    const name = server.name;
    let conn: Connection;
    try {
      conn = await this.#connect(server, this.#connectOpts);
    } catch (error) {
      this.#connectFailures++;
      this.#entries.delete(name);
      throw error;
    }
    this.#connects++;
    if (this.#closed) {
      await conn.close();
      throw new McpxError("SERVER_ERROR", "The client pool is closed");
    }
    this.#live.set(name, conn);
    conn.onClose(() => {
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
