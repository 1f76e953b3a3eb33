/**
 * One MCP session of `mcpx serve`: a {@link ServeSession} holds the session's
 * workspace and the SDK `Server`s speaking for it, and hands every tool call
 * to its {@link ServeHost}.
 *
 * @module
 */
import type { CallToolResult, McpServer, ServerContext, Tool } from "../mcp_types.ts";
import { ProtocolError, Server } from "../_sdk_server.ts";
import { McpxError } from "../errors.ts";
import type { LogLevel } from "../routing/execution_context.ts";
import type { SuspendState } from "../routing/suspended_executions.ts";
import type { Root } from "../routing/upstream_router.ts";
import { VERSION } from "../version.ts";
import { type Passthrough, RESOURCE_CAPABILITIES } from "./passthrough.ts";
import { servePassthrough } from "./_passthrough_sdk.ts";
import { ListenSubscriptions } from "./listen_streams.ts";
import { isModern } from "./_protocol_era.ts";
import { type Args, errorText } from "./_tool_results.ts";
import { SERVER_INSTRUCTIONS } from "./tool_definitions.ts";
import type { Workspace } from "./workspace.ts";

/**
 * Options of {@link ServeHost.createSession}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: SessionOptions = { stateless: true };
 * assert.ok(opts.stateless); // for host.createSession(opts)
 * ```
 */
export interface SessionOptions {
  /**
   * The signal of the transport request that carried JSON-RPC request `id`,
   * if any (Streamable HTTP), aborted when that client disconnects.
   */
  requestSignal?: (id: string | number) => AbortSignal | undefined;
  /**
   * A session of stateless (2026-07-28) HTTP requests: each call names its
   * workspace with a `workspace` handle instead of keeping one.
   */
  stateless?: boolean;
  /**
   * Called when `execute_code`'s hints change, for a stateless session (whose
   * servers live for one request): publishes `notifications/tools/list_changed`
   * to the `subscriptions/listen` streams that asked for it.
   */
  onToolListChanged?: () => void;
}

/**
 * A call's protocol context: the SDK server and request it came through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function sessionOf(origin: CallOrigin): string | undefined {
 *   return origin.ctx.sessionId;
 * }
 * assert.equal(typeof sessionOf, "function");
 * ```
 */
export interface CallOrigin {
  /** The SDK server the call came through. */
  server: McpServer;
  /** The SDK's context of the request. */
  ctx: ServerContext;
}

/**
 * What a {@link ServeSession} needs of its host: the `ServeHost` that
 * created it.
 *
 * @example
 * ```ts
 * import { ServeHost } from "./serve_host.ts";
 *
 * await using host = await ServeHost.create({ runtime: { servers: [] } });
 * const needs: SessionHost = host;
 * needs.log("a line of diagnostics");
 * ```
 */
export interface SessionHost {
  /** Upstream resources, prompts and completions, for every session. */
  readonly passthrough: Passthrough;
  /** Writes a diagnostic line (never to stdout). */
  log(line: string): void;
  /** @internal Verifies a sealed `requestState`. */
  _verifyState(state: string, ctx: ServerContext): Promise<SuspendState>;
  /** @internal The tools the session lists. */
  _tools(stateless?: boolean): Tool[];
  /** @internal Runs one tool call of `session`. */
  _call(
    session: ServeSession,
    name: string,
    args: Args,
    signal: AbortSignal,
    origin?: CallOrigin,
  ): Promise<CallToolResult>;
  /** @internal Records the roots a session's client listed. */
  _setClientRoots(session: ServeSession, roots: readonly Root[] | undefined): void;
  /** @internal Forgets a closed session. */
  _forget(session: ServeSession): void;
  /** @internal Drops a closed session's "approve all" answers. */
  _forgetApprovals(sessionKey: string): void;
}

/**
 * One MCP session of a {@link ServeHost}: a workspace and the SDK servers
 * speaking for it (one per connection, or per request over stateless HTTP).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
 * import { ServeHost } from "./serve_host.ts";
 *
 * await using host = await ServeHost.create({ runtime: { servers: [] } });
 * await using session = host.createSession();
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * await session.server.connect(serverSide);
 * const client = new Client({ name: "example", version: "1.0.0" });
 * await client.connect(clientSide);
 * const { tools } = await client.listTools();
 * assert.ok(tools.some((t) => t.name === "search_tools"));
 * session.workspace.write("notes.txt", "kept across executions");
 * assert.equal(session.workspace.size, 1);
 * await client.close();
 * ```
 */
export class ServeSession implements AsyncDisposable {
  /** Files kept across the executions of this session. */
  readonly workspace: Workspace;
  /** Unique key of the session, bound into sealed `requestState`s. */
  readonly key: string = crypto.randomUUID();
  /** True for the session of stateless (2026-07-28) HTTP requests. */
  readonly stateless: boolean;
  readonly #host: SessionHost;
  readonly #opts: SessionOptions;
  readonly #servers = new Set<Server>();
  #server?: Server;
  /** Stops the passthrough's notifications to each server of the session. */
  readonly #stopPassthrough = new Set<() => void>();
  #closed = false;
  #listenSubscriptions?: ListenSubscriptions;
  /** Called once when the session closes. */
  onclose?: () => void;

  /** @internal Use {@link ServeHost.createSession}. */
  constructor(host: SessionHost, workspace: Workspace, opts: SessionOptions) {
    this.#host = host;
    this.workspace = workspace;
    this.#opts = opts;
    this.stateless = opts.stateless ?? false;
  }

  /**
   * The session's server for a transport of its own (`server.connect`),
   * which speaks the 2025 revisions. Serving entries that choose the era
   * (`serveStdio`, `createMcpHandler`) take {@link newServer} instead.
   */
  get server(): McpServer {
    if (this.#server === undefined) {
      this.#server = this.newServer();
      this.#server.onclose = () => void this.close();
    }
    return this.#server;
  }

  /** A new SDK server answering for this session: a server factory. */
  newServer(): McpServer {
    const host = this.#host;
    const server = new Server(
      { name: "mcpx", version: VERSION },
      {
        capabilities: { tools: { listChanged: true }, logging: {}, ...RESOURCE_CAPABILITIES },
        instructions: SERVER_INSTRUCTIONS,
        requestState: { verify: (state, ctx) => host._verifyState(state, ctx) },
      },
    );
    // Upstream resources, prompts, subscriptions and completions (passthrough.ts).
    // A stateless server lives for one request: no notifications reach it.
    const stop = servePassthrough(server, host.passthrough, { notifications: !this.stateless });
    if (!this.stateless) this.#stopPassthrough.add(stop);
    server.setRequestHandler(
      "tools/list",
      () => ({ tools: host._tools(this.stateless) }) as never,
    );
    server.setRequestHandler("tools/call", async (request, ctx) => {
      const { name } = request.params;
      const args = request.params.arguments ?? {};
      let signal: AbortSignal = ctx.mcpReq.signal;
      const other = this.#opts.requestSignal?.(ctx.mcpReq.id);
      if (other) signal = AbortSignal.any([signal, other]);
      try {
        return await host._call(this, name, args, signal, { server, ctx }) as never;
      } catch (e) {
        if (e instanceof ProtocolError) throw e;
        if (e instanceof McpxError) return errorText(e.message) as never;
        return errorText(`Internal error: ${(e as Error).message}`) as never;
      }
    });
    // Stateless servers live for one request; the serving entry closes them.
    if (this.stateless) return server;
    // A 2025-era client that lists roots: its roots join those upstream servers get.
    const fetchRoots = async () => {
      if (server.getClientCapabilities()?.roots === undefined) return;
      if (isModern(server.getNegotiatedProtocolVersion())) return;
      try {
        const { roots } = await server.listRoots(undefined, { timeout: 10_000 });
        if (!this.#closed) host._setClientRoots(this, roots);
      } catch (e) {
        host.log(`warning: the client did not list its roots: ${(e as Error).message}`);
      }
    };
    server.oninitialized = () => void fetchRoots();
    server.setNotificationHandler("notifications/roots/list_changed", () => void fetchRoots());
    this.#servers.add(server);
    const onclose = server.onclose;
    server.onclose = () => {
      this.#servers.delete(server);
      onclose?.();
    };
    return server;
  }

  /**
   * @internal Tells the session's clients that the tool list changed: each
   * connected server sends `notifications/tools/list_changed` (in the
   * 2026-07-28 era over stdio, the SDK routes it to the connection's listen
   * streams); a stateless session calls its `onToolListChanged`.
   */
  _toolListChanged(): void {
    if (this.stateless) {
      this.#opts.onToolListChanged?.();
      return;
    }
    for (const server of this.#servers) server.sendToolListChanged().catch(() => {});
  }

  /**
   * @internal The upstream resources the session's `subscriptions/listen`
   * streams hold (over stdio); their updates go to the session's servers,
   * whose serving entry routes them to the streams that named them.
   */
  _listenSubscriptions(): ListenSubscriptions {
    return this.#listenSubscriptions ??= new ListenSubscriptions(this.#host.passthrough, {
      resourceUpdated: (uri) => {
        for (const server of this.#servers) server.sendResourceUpdated({ uri }).catch(() => {});
      },
    });
  }

  /** @internal Sends a log message to this session's 2025-era clients. */
  _log(level: LogLevel, logger: string, data: unknown): void {
    for (const server of this.#servers) {
      if (isModern(server.getNegotiatedProtocolVersion())) continue;
      if (server.getClientCapabilities() === undefined) continue;
      server.sendLoggingMessage({ level, logger, data }).catch(() => {});
    }
  }

  /** Whether the session has closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Frees the workspace and closes its servers; running executions are cancelled. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.workspace.clear();
    for (const stop of this.#stopPassthrough) stop();
    this.#stopPassthrough.clear();
    this.#host._forget(this);
    this.#host._forgetApprovals(this.key);
    // Closing the transport aborts the signals of requests still running.
    await Promise.allSettled([...this.#servers].map((s) => s.close()));
    this.onclose?.();
  }

  /** Same as {@link ServeSession.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
