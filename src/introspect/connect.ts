/**
 * Connecting an MCP client to one configured server over stdio, Streamable
 * HTTP (falling back to SSE) or SSE, with errors that say why a server did
 * not come up.
 *
 * @module
 */

import { Client, ErrorCode, McpError } from "../_sdk.ts";
import type { ClientCapabilities, McpClient, Transport } from "../mcp_types.ts";
import type { RemoteServerConfig, ServerConfig, StdioServerConfig } from "../config/types.ts";
import { McpxError, ServerConnectionError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { PipedStdioTransport, STDIO_MAX_MESSAGE_BYTES, within } from "./_stdio_transport.ts";
import { boundedFetch } from "./_bounded_fetch.ts";
import { authFailure, type McpxOAuthProvider, oauthProviderFor } from "../auth/oauth_provider.ts";
import type { OAuthStore } from "../auth/oauth_store.ts";
import { outputSchemaValidator } from "../validation/output_schema_validator.ts";
import { describeUpstreamError } from "../bridge/upstream_errors.ts";

/** Default deadline for a server to start and answer `initialize`. */
export const DEFAULT_CONNECT_TIMEOUT_MS: number = 20_000;

/**
 * Options of {@link connect}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ConnectOptions = { timeoutMs: 5_000, clientName: "my-agent" };
 * assert.equal(opts.clientName, "my-agent");
 * ```
 */
export interface ConnectOptions {
  /** Deadline for start-up and `initialize`, in milliseconds (default 20,000). */
  timeoutMs?: number;
  /** `clientInfo.name` sent to the server (default `"mcpx"`). */
  clientName?: string;
  /** `clientInfo.version` sent to the server (default mcpx's version). */
  clientVersion?: string;
  /** Cancels the attempt; the child process, if any, is terminated. */
  signal?: AbortSignal;
  /** Where OAuth logins of remote servers are kept (default: mcpx's config directory). */
  oauthStore?: OAuthStore;
  /**
   * Use this transport instead of the one `server` describes (for example an
   * in-memory transport to an in-process server). `server.name` still names it.
   */
  transport?: Transport;
  /** Capabilities declared to the server (default none). */
  capabilities?: ClientCapabilities;
  /**
   * Called with the SDK client before it connects, to install request and
   * notification handlers (for the capabilities declared).
   */
  setup?: (client: McpClient) => void;
}

/**
 * How a connection ended, given to {@link Connection.onClose} listeners.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function explain(info: CloseInfo): string {
 *   return info.expected ? "closed" : `exited (${info.exitCode ?? info.signal}): ${info.stderrTail.at(-1)}`;
 * }
 * assert.equal(explain({ expected: false, exitCode: 1, stderrTail: ["boom"] }), "exited (1): boom");
 * ```
 */
export interface CloseInfo {
  /** True when {@link Connection.close} was called; false when the server went away. */
  expected: boolean;
  /** Exit code of a stdio server, when it exited. */
  exitCode?: number | null;
  /** Signal that ended a stdio server, when one did. */
  signal?: string | null;
  /** Last lines a stdio server wrote to stderr. */
  stderrTail: string[];
  /**
   * When the connection closed because the server sent a message larger
   * than the transport's limit: that limit, in bytes.
   */
  overLimitBytes?: number;
}

/**
 * A live, initialized MCP client session with one server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * async function toolNames(conn: Connection): Promise<string[]> {
 *   const { tools } = await conn.client.listTools();
 *   return tools.map((t) => t.name);
 * }
 * assert.equal(typeof toolNames, "function");
 * ```
 */
export interface Connection extends AsyncDisposable {
  /** The server this connection talks to. */
  readonly server: ServerConfig;
  /** The initialized SDK client. */
  readonly client: McpClient;
  /** Protocol version negotiated during `initialize`, when known. */
  readonly protocolVersion: string | undefined;
  /** Process id of a stdio server. */
  readonly pid: number | undefined;
  /** True once the connection has closed, for whatever reason. */
  readonly closed: boolean;
  /** How the connection ended, once it has. */
  readonly closeInfo: CloseInfo | undefined;
  /** Last lines a stdio server wrote to stderr (empty for remote servers). */
  stderrTail(): string[];
  /** Closes the session; a stdio server is asked to exit, then terminated. Idempotent. */
  close(): Promise<void>;
  /** Calls `listener` once when the connection closes; returns a function that removes it. */
  onClose(listener: (info: CloseInfo) => void): () => void;
}

/**
 * Starts or reaches `server` and completes the MCP `initialize` handshake.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
 *
 * // A small MCP server in this process; a real one is usually a stdio or HTTP config.
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * server.registerTool("ping", {}, () => ({ content: [{ type: "text", text: "pong" }] }));
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * await server.connect(serverSide);
 *
 * const config = { name: "demo", transport: "stdio" as const, command: "demo", args: [] };
 * await using conn = await connect(config, { transport: clientSide });
 * const { tools } = await conn.client.listTools();
 * assert.deepEqual(tools.map((t) => t.name), ["ping"]);
 * ```
 * @throws {ServerConnectionError} `SERVER_START_FAILED` when the server cannot
 * be started or exits during start-up (with its exit code and stderr tail),
 * `SERVER_TIMEOUT` when it does not answer in time.
 */
export async function connect(
  server: ServerConfig,
  opts: ConnectOptions = {},
): Promise<Connection> {
  opts.signal?.throwIfAborted();
  if (opts.transport !== undefined) return await open(server, opts.transport, opts);
  if (server.transport === "stdio") return await open(server, stdioTransport(server), opts);
  // Remote transports are loaded on first need: a stdio-only run never pays for them.
  const remote = loadedRemote = await import("../_sdk_remote.ts");
  const authProvider = await oauthProviderFor(server, opts.oauthStore);
  const openRemote = (make: (limit: ReplyLimit) => Transport) => {
    const limit = new ReplyLimit();
    return open(server, limit.bind(make(limit)), opts, limit);
  };
  const sse = (limit: ReplyLimit) => sseTransport(remote, server, authProvider, limit);
  if (server.transport === "sse") return await openRemote(sse);
  try {
    return await openRemote((limit) => streamableTransport(remote, server, authProvider, limit));
  } catch (error) {
    // Backwards compatibility (MCP 2025-03-26): a 4xx on the first POST means an
    // older server that only speaks the HTTP+SSE transport.
    const status = httpStatus(error instanceof ServerConnectionError ? error.cause : error);
    if (status === undefined || ![400, 404, 405].includes(status)) throw error;
    try {
      return await openRemote(sse);
    } catch (sseError) {
      throw new ServerConnectionError(
        server.name,
        `Cannot connect to server "${server.name}" at ${server.url}: Streamable HTTP answered HTTP ${status} and SSE failed too (${
          (sseError as Error).message
        })`,
        { code: codeOf(sseError), cause: sseError },
      );
    }
  }
}

/**
 * The size limit of one message from a remote server (the same as over
 * stdio): a reply body, or one event of a stream. A server that passes it has
 * its connection closed, so that pending calls fail at once with a message
 * that names the limit, and the next call reconnects.
 */
class ReplyLimit {
  /** The limit that was passed, once one was. */
  passed?: number;
  #transport?: Transport;

  bind<T extends Transport>(transport: T): T {
    this.#transport = transport;
    return transport;
  }

  fetch(base: typeof fetch): typeof fetch {
    return boundedFetch(base, STDIO_MAX_MESSAGE_BYTES, (limit) => {
      this.passed = limit;
      this.#transport?.close().catch(() => {});
    });
  }
}

function stdioTransport(server: StdioServerConfig): PipedStdioTransport {
  return new PipedStdioTransport({
    command: server.command,
    args: server.args,
    env: server.env,
    cwd: server.cwd,
  });
}

type Remote = typeof import("../_sdk_remote.ts");

function streamableTransport(
  remote: Remote,
  server: RemoteServerConfig,
  authProvider: McpxOAuthProvider | undefined,
  limit: ReplyLimit,
): InstanceType<Remote["StreamableHTTPClientTransport"]> {
  return new remote.StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: server.headers ? { headers: server.headers } : undefined,
    ...(authProvider ? { authProvider } : {}),
    fetch: limit.fetch(authProvider?.fetch ?? fetch),
  });
}

function sseTransport(
  remote: Remote,
  server: RemoteServerConfig,
  authProvider: McpxOAuthProvider | undefined,
  limit: ReplyLimit,
): InstanceType<Remote["SSEClientTransport"]> {
  const headers = server.headers;
  return new remote.SSEClientTransport(new URL(server.url), {
    requestInit: headers ? { headers } : undefined,
    ...(authProvider ? { authProvider } : {}),
    fetch: limit.fetch(fetch),
    eventSourceInit: headers
      ? {
        fetch: limit.fetch((url, init) =>
          fetch(url, { ...init, headers: { ...(init?.headers ?? {}), ...headers } })
        ),
      }
      : undefined,
  });
}

async function open(
  server: ServerConfig,
  transport: Transport,
  opts: ConnectOptions,
  limit?: ReplyLimit,
): Promise<Connection> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const client = new Client(
    { name: opts.clientName ?? "mcpx", version: opts.clientVersion ?? VERSION },
    // Structured results are checked against output schemas with linear-time patterns.
    {
      capabilities: opts.capabilities ?? {},
      jsonSchemaValidator: outputSchemaValidator({ server: server.name }),
    },
  );
  opts.setup?.(client);
  let protocolVersion: string | undefined;
  const setVersion = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version: string) => {
    protocolVersion = version;
    setVersion?.(version);
  };
  const conn = new McpConnection(server, client, transport, () => protocolVersion, limit);

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline.signal, opts.signal]) : deadline.signal;
  try {
    const connecting = client.connect(transport, { signal, timeout: timeoutMs + 1_000 });
    await untilAborted(connecting, signal);
    return conn;
  } catch (error) {
    const stdio = transport instanceof PipedStdioTransport ? transport : undefined;
    if (stdio !== undefined && !stdio.hasExited && isMcpError(error, ErrorCode.ConnectionClosed)) {
      // The child is exiting right now: give it a moment to report how.
      await within(stdio.exited, 500);
    }
    if (stdio !== undefined) await stdio.kill();
    else await transport.close().catch(() => {});
    await client.close().catch(() => {});
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw await explain(server, error, stdio, deadline.signal.aborted ? timeoutMs : undefined);
  } finally {
    clearTimeout(timer);
  }
}

/** Rejects as soon as `signal` aborts, even if `promise` never settles. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function explain(
  server: ServerConfig,
  error: unknown,
  stdio: PipedStdioTransport | undefined,
  timedOutAfter: number | undefined,
): Promise<ServerConnectionError> {
  if (error instanceof ServerConnectionError) return error;
  const name = server.name;
  let tail: string[] = [];
  if (stdio !== undefined) {
    await stdio.drainStderr();
    tail = stdio.stderrTail();
  }
  const stderrPart = tail.length > 0
    ? `. Last stderr lines:\n${tail.map((l) => `  ${l}`).join("\n")}`
    : "";
  const base = { cause: error, stderrTail: tail.length > 0 ? tail.join("\n") : undefined };

  if (timedOutAfter !== undefined || isMcpError(error, ErrorCode.RequestTimeout)) {
    const ms = timedOutAfter ?? "the allowed time";
    return new ServerConnectionError(
      name,
      `Server "${name}" did not answer initialize within ${ms} ms${stderrPart}`,
      { ...base, code: "SERVER_TIMEOUT" },
    );
  }

  if (server.transport === "stdio" && stdio !== undefined) {
    const spawnCode = (error as { code?: unknown }).code;
    if (spawnCode === "ENOENT") {
      const where = server.cwd !== undefined ? ` (cwd "${server.cwd}")` : "";
      return new ServerConnectionError(
        name,
        `Cannot start server "${name}": command "${server.command}" was not found${where}; check that it is installed and on PATH`,
        base,
      );
    }
    if (spawnCode === "EACCES") {
      return new ServerConnectionError(
        name,
        `Cannot start server "${name}": command "${server.command}" is not executable`,
        base,
      );
    }
    const exit = stdio.exitInfo;
    if (exit !== undefined) {
      const how = exit.signal !== null && exit.code === null
        ? `was killed by ${exit.signal}`
        : `exited with code ${exit.code}`;
      const rest = tail.length > 0 ? stderrPart : " and wrote nothing to stderr";
      return new ServerConnectionError(name, `Server "${name}" ${how} during start-up${rest}`, {
        ...base,
        exitCode: exit.code,
      });
    }
    return new ServerConnectionError(
      name,
      `Server "${name}" failed to initialize: ${messageOf(error)}${stderrPart}`,
      base,
    );
  }

  if (server.transport !== "stdio") {
    const auth = authFailure(server, error);
    if (auth !== undefined) {
      return new ServerConnectionError(name, auth, { ...base, code: "AUTH_REQUIRED" });
    }
    const status = httpStatus(error);
    if (status === 401 || status === 403) {
      return new ServerConnectionError(
        name,
        `Server "${name}" at ${server.url} refused the connection with HTTP ${status}; check the "headers" (such as Authorization) of server "${name}"`,
        base,
      );
    }
    if (status !== undefined) {
      return new ServerConnectionError(
        name,
        `Server "${name}" at ${server.url} answered HTTP ${status}: ${messageOf(error)}`,
        base,
      );
    }
    if (error instanceof TypeError) {
      return new ServerConnectionError(
        name,
        `Cannot reach server "${name}" at ${server.url}: ${
          describeUpstreamError(error)
        }; check that it is running`,
        base,
      );
    }
  }
  return new ServerConnectionError(
    name,
    `Server "${name}" failed to initialize: ${messageOf(error)}`,
    base,
  );
}

function isMcpError(error: unknown, code: number): boolean {
  return error instanceof McpError && error.code === code;
}

/** The remote transports, once a remote server was connected. */
let loadedRemote: Remote | undefined;

function httpStatus(error: unknown): number | undefined {
  const remote = loadedRemote;
  if (remote === undefined) return undefined;
  if (error instanceof remote.StreamableHTTPError || error instanceof remote.SseError) {
    const code = error.code;
    if (typeof code === "number" && code >= 100 && code < 600) return code;
  }
  return undefined;
}

function codeOf(error: unknown): McpxError["code"] {
  return error instanceof McpxError ? error.code : "SERVER_START_FAILED";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class McpConnection implements Connection {
  readonly server: ServerConfig;
  readonly client: Client;
  readonly #transport: Transport;
  readonly #version: () => string | undefined;
  readonly #limit?: ReplyLimit;
  readonly #listeners = new Set<(info: CloseInfo) => void>();
  #closing?: Promise<void>;
  #closed = false;
  #closeInfo?: CloseInfo;

  constructor(
    server: ServerConfig,
    client: Client,
    transport: Transport,
    version: () => string | undefined,
    limit?: ReplyLimit,
  ) {
    this.server = server;
    this.client = client;
    this.#transport = transport;
    this.#version = version;
    this.#limit = limit;
    client.onclose = () => this.#onClosed();
  }

  get protocolVersion(): string | undefined {
    return this.#version();
  }

  get pid(): number | undefined {
    return this.#transport instanceof PipedStdioTransport
      ? this.#transport.pid ?? undefined
      : undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get closeInfo(): CloseInfo | undefined {
    return this.#closeInfo;
  }

  stderrTail(): string[] {
    return this.#transport instanceof PipedStdioTransport ? this.#transport.stderrTail() : [];
  }

  close(): Promise<void> {
    return this.#closing ??= this.#shutdown();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  onClose(listener: (info: CloseInfo) => void): () => void {
    if (this.#closed) {
      const info = this.#closeInfo!;
      queueMicrotask(() => listener(info));
      return () => {};
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #shutdown(): Promise<void> {
    const transport = this.#transport;
    // A Streamable HTTP session: ask the server to drop it (best effort, bounded).
    const session = transport as Partial<{ sessionId: string; terminateSession(): Promise<void> }>;
    if (
      typeof session.terminateSession === "function" && session.sessionId !== undefined
    ) {
      await within(session.terminateSession().catch(() => {}), 1_000);
    }
    await this.client.close().catch(() => {});
    if (transport instanceof PipedStdioTransport) await transport.close();
    this.#onClosed();
  }

  #info(): CloseInfo {
    const stdio = this.#transport instanceof PipedStdioTransport ? this.#transport : undefined;
    return {
      expected: this.#closing !== undefined,
      exitCode: stdio?.exitInfo?.code,
      signal: stdio?.exitInfo?.signal,
      stderrTail: stdio?.stderrTail() ?? [],
      ...(stdio?.overLimit !== undefined ? { overLimitBytes: stdio.overLimit } : {}),
      ...(this.#limit?.passed !== undefined ? { overLimitBytes: this.#limit.passed } : {}),
    };
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    const info = this.#closeInfo = this.#info();
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) {
      try {
        listener(info);
      } catch { /* a listener's failure is its own */ }
    }
  }
}
