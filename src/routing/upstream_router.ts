/**
 * Routing of what upstream servers send back toward clients: server-to-client
 * requests (sampling, elicitation, roots), progress and log messages.
 *
 * Upstream connections are shared by every session of `mcpx serve`, and a
 * 2025-era server's request carries nothing that names the call it belongs
 * to. So each connection keeps the calls in flight on it, each with the
 * {@link ExecutionContext} of the execution that made it; a request from the
 * server goes to the client of one of those executions:
 *
 * - one execution in flight on the connection: that one;
 * - several: the oldest call that has not asked anything yet (servers ask
 *   right after a call arrives, in the order the calls were sent on the
 *   connection), else the oldest with no question outstanding, else the
 *   oldest call.
 *
 * A request that arrives with no call in flight (a server asking for roots
 * right after start-up) gets the fallback roots, and a clear refusal for
 * sampling and elicitation.
 *
 * @module
 */

import type { ClientCapabilities, McpClient } from "../mcp_types.ts";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
} from "../_sdk.ts";
import { McpxError } from "../errors.ts";
import type {
  ClientRequestMethod,
  ExecutionContext,
  LogLevel,
  ProgressUpdate,
} from "./execution_context.ts";

/**
 * A root as MCP `roots/list` returns it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const root: Root = { uri: "file:///home/me/project", name: "project" };
 * assert.ok(root.uri.startsWith("file://"));
 * ```
 */
export interface Root {
  /** Root URI, such as `file:///home/me/project`. */
  uri: string;
  /** A name for display. */
  name?: string;
}

/**
 * What mcpx declares toward upstream servers when it can pass requests through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(PASSTHROUGH_CAPABILITIES.sampling);
 * assert.ok(PASSTHROUGH_CAPABILITIES.elicitation);
 * ```
 */
export const PASSTHROUGH_CAPABILITIES: ClientCapabilities = Object.freeze({
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
}) as ClientCapabilities;

/**
 * What `mcpx run` declares upstream: roots only (the working directory and `--root`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(RUN_CAPABILITIES, { roots: { listChanged: true } });
 * ```
 */
export const RUN_CAPABILITIES: ClientCapabilities = Object.freeze({
  roots: { listChanged: true },
}) as ClientCapabilities;

/**
 * Options of {@link routeUpstream}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: RouteOptions = {
 *   capabilities: RUN_CAPABILITIES,
 *   roots: () => [{ uri: "file:///work" }],
 * };
 * assert.deepEqual(opts.roots?.(), [{ uri: "file:///work" }]); // for routeUpstream(server, client, opts)
 * ```
 */
export interface RouteOptions {
  /**
   * The capabilities the client was created with (default
   * {@link PASSTHROUGH_CAPABILITIES}); handlers are installed for these only.
   */
  capabilities?: ClientCapabilities;
  /**
   * Roots answered when no execution is in flight on the connection (or the
   * execution's client cannot list roots); default none.
   */
  roots?: () => readonly Root[];
  /** Log messages that arrive while no execution is in flight on the connection. */
  onLog?: (server: string, level: LogLevel, data: unknown) => void;
}

interface InFlight {
  context: ExecutionContext;
  /** Requests of the server being answered for this call. */
  asking: number;
  /** Requests of the server routed to this call so far. */
  asked: number;
  seq: number;
}

const calls = new WeakMap<object, InFlight[]>();
let seq = 0;

/** The `_meta` key that names a call on the wire, so its place in the send order is known. */
const CALL_MARK = "mcpx/call";
/** Calls by mark, until sent. */
const unsent = new Map<string, InFlight>();
const hooked = new WeakSet<object>();

/**
 * Records a call made on `client` for `context` until the returned function
 * is called. Calls without a context are not recorded.
 *
 * Given the call's `params`, it marks them (`_meta["mcpx/call"]`) and orders
 * the call by the moment its request is written to the server, not by when
 * it was recorded: a server answers requests in the order it receives them,
 * so its questions come in that order too.
 */
export function trackUpstreamCall(
  client: object,
  context?: ExecutionContext,
  params?: { _meta?: Record<string, unknown> },
): () => void {
  if (context === undefined) return () => {};
  let list = calls.get(client);
  if (list === undefined) calls.set(client, list = []);
  const entry: InFlight = { context, asking: 0, asked: 0, seq: ++seq };
  list.push(entry);
  let mark: string | undefined;
  const transport = (client as { transport?: { send: (m: unknown, o?: unknown) => Promise<void> } })
    .transport;
  // Only calls whose execution has a client can be asked anything.
  if (params !== undefined && transport !== undefined && context.client !== undefined) {
    hookSend(transport);
    mark = `${entry.seq}`;
    params._meta = { ...params._meta, [CALL_MARK]: mark };
    unsent.set(mark, entry);
  }
  return () => {
    if (mark !== undefined) unsent.delete(mark);
    const l = calls.get(client);
    const i = l?.indexOf(entry) ?? -1;
    if (i >= 0) l!.splice(i, 1);
  };
}

/** Re-sequences marked calls as their requests go out on `transport`. */
function hookSend(transport: { send: (m: unknown, o?: unknown) => Promise<void> }): void {
  if (hooked.has(transport)) return;
  hooked.add(transport);
  const send = transport.send.bind(transport);
  transport.send = (message: unknown, options?: unknown) => {
    const mark = (message as { params?: { _meta?: Record<string, unknown> } })?.params?._meta
      ?.[CALL_MARK];
    if (typeof mark === "string") {
      const entry = unsent.get(mark);
      if (entry !== undefined) {
        entry.seq = ++seq;
        unsent.delete(mark);
      }
    }
    return send(message, options);
  };
}

/** The call a server request on `client` belongs to (see the module notes). */
export function callFor(client: object): InFlight | undefined {
  const list = calls.get(client);
  if (list === undefined || list.length === 0) return undefined;
  const fresh = list.filter((c) => c.asked === 0);
  const idle = list.filter((c) => c.asking === 0);
  const pool = fresh.length > 0 ? fresh : idle.length > 0 ? idle : list;
  return pool.reduce((a, b) => (a.seq <= b.seq ? a : b));
}

/**
 * Progress callback for an upstream call of `context`, when its client takes
 * progress.
 */
export function progressFor(
  context: ExecutionContext | undefined,
): ((p: ProgressUpdate) => void) | undefined {
  const client = context?.client;
  if (client === undefined || client.era === "terminal") return undefined;
  return (p) => client.progress(p);
}

/**
 * Installs, on the SDK client of server `server`, the handlers that pass its
 * sampling, elicitation and roots requests and its log messages to the
 * client of the execution that caused them. The client must have been
 * created with {@link PASSTHROUGH_CAPABILITIES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
 * import { connect } from "@mcpx/cli";
 *
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * await server.connect(serverSide);
 *
 * const config = { name: "demo", transport: "stdio" as const, command: "demo", args: [] };
 * await using _conn = await connect(config, {
 *   transport: clientSide,
 *   capabilities: RUN_CAPABILITIES,
 *   setup: (client) =>
 *     routeUpstream("demo", client, {
 *       capabilities: RUN_CAPABILITIES,
 *       roots: () => [{ uri: "file:///work" }],
 *     }),
 * });
 * // The server asks for roots; with no call in flight it gets the fallback roots.
 * const { roots } = await server.server.listRoots();
 * assert.deepEqual(roots, [{ uri: "file:///work" }]);
 * ```
 */
export function routeUpstream(server: string, client: McpClient, opts: RouteOptions = {}): void {
  const forward = async (
    method: ClientRequestMethod,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> => {
    const call = callFor(client);
    const channel = call?.context.client;
    if (method === "roots/list" && (channel === undefined || !channel.abilities.roots)) {
      return { roots: [...(opts.roots?.() ?? [])] };
    }
    if (call === undefined || channel === undefined) {
      throw new McpError(
        ErrorCode.InvalidRequest,
        `mcpx cannot forward "${method}" from server "${server}": no client is waiting on a call to it`,
      );
    }
    if (!allowed(method, params, channel.abilities)) {
      throw new McpError(
        ErrorCode.InvalidRequest,
        channel.era === "terminal"
          ? `mcpx run cannot answer "${method}" from server "${server}": there is no MCP client to ask`
          : `The client of this mcpx session does not support "${method}"${
            method === "elicitation/create" ? ` in ${modeOf(params)} mode` : ""
          } (asked by server "${server}")`,
      );
    }
    call.asking++;
    call.asked++;
    try {
      return await channel.request(method, params, signal);
    } catch (e) {
      if (e instanceof McpError) throw e;
      if (e instanceof McpxError && e.code === "CLIENT_UNSUPPORTED") {
        throw new McpError(ErrorCode.InvalidRequest, e.message);
      }
      throw new McpError(
        ErrorCode.InternalError,
        `The client did not answer "${method}" from server "${server}": ${
          (e as Error).message ?? e
        }`,
      );
    } finally {
      call.asking--;
    }
  };
  const caps = opts.capabilities ?? PASSTHROUGH_CAPABILITIES;
  if (caps.elicitation !== undefined) {
    client.setRequestHandler(
      ElicitRequestSchema,
      (req, extra) => forward("elicitation/create", req.params, extra.signal) as never,
    );
  }
  if (caps.sampling !== undefined) {
    client.setRequestHandler(
      CreateMessageRequestSchema,
      (req, extra) => forward("sampling/createMessage", req.params, extra.signal) as never,
    );
  }
  if (caps.roots !== undefined) {
    client.setRequestHandler(
      ListRootsRequestSchema,
      (req, extra) => forward("roots/list", req.params ?? {}, extra.signal) as never,
    );
  }
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    const { level, data } = n.params;
    const targets = new Set((calls.get(client) ?? []).map((c) => c.context.client));
    targets.delete(undefined);
    if (targets.size === 0) {
      opts.onLog?.(server, level, data);
      return;
    }
    for (const t of targets) t!.log(level, server, data);
  });
}

function modeOf(params: Record<string, unknown>): "form" | "url" {
  return params.mode === "url" ? "url" : "form";
}

function allowed(
  method: ClientRequestMethod,
  params: Record<string, unknown>,
  a: { sampling: boolean; elicitationForm: boolean; elicitationUrl: boolean; roots: boolean },
): boolean {
  switch (method) {
    case "sampling/createMessage":
      return a.sampling;
    case "roots/list":
      return a.roots;
    case "elicitation/create":
      return modeOf(params) === "url" ? a.elicitationUrl : a.elicitationForm;
  }
}

/** What a client can answer, from the capabilities it declared. */
export function abilitiesOf(caps: ClientCapabilities | undefined): {
  sampling: boolean;
  elicitationForm: boolean;
  elicitationUrl: boolean;
  roots: boolean;
} {
  const e = caps?.elicitation as { form?: unknown; url?: unknown } | undefined;
  return {
    sampling: caps?.sampling !== undefined,
    // An empty elicitation capability means form mode (2025-06-18).
    elicitationForm: e !== undefined && (e.form !== undefined || e.url === undefined),
    elicitationUrl: e?.url !== undefined,
    roots: caps?.roots !== undefined,
  };
}
