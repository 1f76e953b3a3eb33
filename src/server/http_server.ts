/**
 * `mcpx serve --http`: Streamable HTTP on `Deno.serve`, in both protocol eras.
 *
 * - 2026-07-28 requests (they carry the `_meta` envelope) go to the SDK's
 *   stateless `createMcpHandler`: each request gets a fresh SDK server of one
 *   stateless session. `execute_code` returns a workspace handle and accepts
 *   it back, since that era has no sessions.
 * - 2025-era traffic keeps sessions: each `initialize` opens one (its own SDK
 *   transport, server and workspace) keyed by the `mcp-session-id` it
 *   returns; DELETE, an idle timeout or shutdown close it. At most
 *   `maxSessions` live at once: a further `initialize` gets 503. The JSON-RPC ids of
 *   each POST are mapped to the HTTP request's signal, so a client that
 *   disconnects mid-request cancels the executions it started.
 *
 * 2026-07-28 clients get list changes and resource updates on
 * `subscriptions/listen` streams, which the SDK handler keeps; mcpx publishes
 * to them and holds the upstream subscriptions they name (listen_streams.ts).
 *
 * A POST body must arrive within `bodyTimeoutMs` (else 408). `Deno.serve`
 * has no deadline for request headers: a client that trickles them holds one
 * connection, not a request, and the others are served meanwhile.
 *
 * `GET /health` answers with the host's figures.
 *
 * @module
 */
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
} from "../_sdk_server.ts";
import type { ServeHost } from "./serve_host.ts";
import type { ServeSession } from "./serve_session.ts";
import { guardHttp } from "./http_guard.ts";
import { BearerGuard } from "../auth/bearer_token.ts";
import {
  type AuthInfo,
  ResourceServer,
  type ResourceServerOptions,
} from "../auth/resource_server.ts";
import { SseEventStore } from "./sse_event_store.ts";
import { HEADER_MISMATCH, paramHeadersOf, refuseParamHeaders } from "./param_headers.ts";
import { mcpxTools } from "./tool_definitions.ts";
import { readBodyWithin } from "../quotas/body_deadline.ts";
import { HttpListenStreams, listenResourceUris } from "./listen_streams.ts";
import { DEFAULT_HTTP_LIMITS } from "../quotas/serve_limits.ts";

/** The `Mcp-Param-*` headers each of mcpx's tools declares over stateless HTTP. */
const PARAM_HEADERS = new Map(
  mcpxTools(undefined, { paramHeaders: true }).map((t) => [t.name, paramHeadersOf(t)]),
);

/**
 * Options of {@link serveHttp}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: HttpServeOptions = { port: 8080, hostname: "127.0.0.1", allowOrigins: ["https://app.example.com"] };
 * assert.equal(opts.port, 8080); // for serveHttp(host, opts)
 * ```
 */
export interface HttpServeOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to listen on (default `127.0.0.1`). */
  hostname?: string;
  /** Largest request body, in bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** Sessions without a request for this long are closed, with their workspaces (default 10 minutes). */
  sessionIdleMs?: number;
  /** Most live sessions; `initialize` beyond it is answered 503 (default 64). */
  maxSessions?: number;
  /** A request body must arrive in full within this long, else 408 (default 30,000 ms). */
  bodyTimeoutMs?: number;
  /** Stops the server. */
  signal?: AbortSignal;
  /** Called once listening, with the address. */
  onListen?: (addr: { hostname: string; port: number }) => void;
  /** Browser origins allowed besides loopback ones; `"*"` for any (see http_guard.ts). */
  allowOrigins?: readonly string[];
  /** The `retry:` of SSE priming events, in milliseconds (default 1,000). */
  sseRetryMs?: number;
  /** When set, every request to `/mcp` must carry `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * When set, mcpx is an OAuth resource server: requests to `/mcp` need an
   * access token from this issuer (see src/auth/resource_server.ts). The
   * resource defaults to the URL of `/mcp`. Not together with `token`.
   */
  oauth?: Omit<ResourceServerOptions, "resource"> & { resource?: URL };
}

/**
 * A running HTTP server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * async function stop(server: HttpServer): Promise<void> {
 *   console.error(`stopping ${server.url} with ${server.sessions} sessions`);
 *   await server.shutdown();
 * }
 * assert.equal(typeof stop, "function");
 * ```
 */
export interface HttpServer extends AsyncDisposable {
  /** The port it listens on. */
  readonly port: number;
  /** URL of the MCP endpoint. */
  readonly url: string;
  /** With `oauth`: the resource server (its metadata and where it is served). */
  readonly resourceServer?: ResourceServer;
  /** Number of open sessions. */
  readonly sessions: number;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
  /** Stops listening and closes every session. */
  shutdown(): Promise<void>;
}

interface Entry {
  session: ServeSession;
  transport: WebStandardStreamableHTTPServerTransport;
  /** JSON-RPC request id → signal of the HTTP request that carried it. */
  signals: Map<string | number, AbortSignal>;
  lastSeen: number;
  /** With OAuth: who opened the session (the token's subject, else its client). */
  owner?: string;
  /** Stops counting it as being opened. */
  settle: () => void;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Serves `host` over Streamable HTTP at `/mcp`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
 * import { ServeHost } from "@mcpx/cli";
 *
 * await using host = await ServeHost.create({ runtime: { servers: [] } });
 * await using http = serveHttp(host, { port: 0 }); // any free port on 127.0.0.1
 * const client = new Client({ name: "example", version: "1.0.0" });
 * await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
 * const { tools } = await client.listTools();
 * assert.ok(tools.some((t) => t.name === "execute_code"));
 * await client.close();
 * ```
 */
export function serveHttp(host: ServeHost, opts: HttpServeOptions): HttpServer {
  const hostname = opts.hostname ?? "127.0.0.1";
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  const idleMs = opts.sessionIdleMs ?? DEFAULT_HTTP_LIMITS.sessionIdleMs;
  const maxSessions = opts.maxSessions ?? DEFAULT_HTTP_LIMITS.maxSessions;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? DEFAULT_HTTP_LIMITS.bodyTimeoutMs;
  if (opts.token !== undefined && opts.oauth !== undefined) {
    throw new TypeError("serveHttp: token and oauth are alternatives, give one");
  }
  const bearer = opts.token !== undefined ? new BearerGuard(opts.token) : undefined;
  const urlOf = (port: number) =>
    `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/mcp`;
  const newResourceServer = (port: number) =>
    opts.oauth &&
    new ResourceServer({ ...opts.oauth, resource: opts.oauth.resource ?? new URL(urlOf(port)) });
  // Built before listening when the resource is known, so a bad issuer URL
  // fails before anything starts; with port 0 and no resource, once bound.
  let resourceServer: ResourceServer | undefined = opts.oauth?.resource !== undefined ||
      opts.port !== 0
    ? newResourceServer(opts.port)
    : undefined;
  const sessions = new Map<string, Entry>();
  /** Sessions being initialized, not yet in `sessions`. */
  let opening = 0;
  let allowedHosts: string[] | undefined;
  const stateless = host.createSession({
    stateless: true,
    onToolListChanged: () => listenStreams.toolsChanged(),
  });
  const modern = createMcpHandler(() => stateless.newServer(), {
    legacy: "reject",
    maxRequestBodySize: maxBody,
    onerror: (e) => host.log(`error: HTTP: ${e.message}`),
  });
  // What 2025-era sessions get unsolicited, for 2026-07-28 listen streams.
  const listenStreams = new HttpListenStreams(host.passthrough, () => modern.notify, {
    log: (line) => host.log(line),
  });

  /** Closes the sessions idle for longer than `idleMs` (none with a call in flight). */
  function sweepIdle(): void {
    const now = Date.now();
    for (const [id, e] of sessions) {
      if (now - e.lastSeen > idleMs && e.signals.size === 0) void closeEntry(id);
    }
  }

  const closeEntry = async (id: string) => {
    const entry = sessions.get(id);
    if (!entry) return;
    sessions.delete(id);
    await entry.session.close();
  };

  /** Counts a session being opened until it is initialized or has failed. */
  const open = async (owner: string | undefined): Promise<Entry> => {
    opening++;
    let counted = true;
    const settle = () => {
      if (counted) opening--;
      counted = false;
    };
    const signals = new Map<string | number, AbortSignal>();
    let session: ServeSession;
    try {
      session = host.createSession({ requestSignal: (id) => signals.get(id) });
    } catch (e) {
      settle();
      throw e;
    }
    const entry: Entry = {
      session,
      signals,
      lastSeen: Date.now(),
      ...(owner !== undefined ? { owner } : {}),
      settle,
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, entry);
          settle();
        },
        onsessionclosed: (id) => closeEntry(id),
        ...(allowedHosts ? { enableDnsRebindingProtection: true, allowedHosts } : {}),
        // Resumable streams: priming events with `retry:` (sse_event_store.ts).
        eventStore: new SseEventStore(),
        retryInterval: opts.sseRetryMs ?? 1_000,
      }),
    };
    session.onclose = () => {
      const id = entry.transport.sessionId;
      if (id !== undefined && sessions.get(id) === entry) sessions.delete(id);
    };
    try {
      await session.server.connect(entry.transport);
    } catch (e) {
      settle();
      throw e;
    }
    return entry;
  };

  const handle = async (req: Request, authInfo?: AuthInfo): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname === "/health" && req.method === "GET") {
      return Response.json({ ok: true, ...host.stats() });
    }
    if (url.pathname !== "/mcp") return rpcError(404, -32000, `Not found: use ${url.origin}/mcp`);
    if (allowedHosts) {
      const refused = hostHeaderValidationResponse(req, ["127.0.0.1", "localhost", "[::1]"]);
      if (refused) return refused;
    }
    const sid = req.headers.get("mcp-session-id");
    const owner = authInfo === undefined ? undefined : ownerOf(authInfo);
    let known = sid ? sessions.get(sid) : undefined;
    // A session answers only to the identity that opened it.
    if (known && known.owner !== owner) known = undefined;
    if (sid && !known) return rpcError(404, -32001, "Session not found");
    if (known) known.lastSeen = Date.now();

    if (req.method !== "POST") {
      if (!known) return rpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
      return await known.transport.handleRequest(req, authInfo ? { authInfo } : undefined);
    }
    const body = await readBodyWithin(req, { maxBytes: maxBody, timeoutMs: bodyTimeoutMs });
    if (body.kind === "too-large") {
      return rpcError(413, -32000, `Request body is larger than ${maxBody} bytes`);
    }
    if (body.kind === "timeout") {
      return rpcError(
        408,
        -32000,
        `Request timeout: the body did not arrive within ${bodyTimeoutMs} ms (--body-timeout)`,
        null,
        undefined,
        { connection: "close" },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      return rpcError(400, -32700, "Parse error: Invalid JSON");
    }
    if (!known && !(await isLegacyRequest(req, parsed, { maxRequestBodySize: maxBody }))) {
      // The SDK checks `Mcp-Param-*` only for tools of its high-level
      // `McpServer`; mcpx serves a low-level `Server`, so it checks them here.
      const mismatch = refuseParamHeaders(req.headers, parsed, PARAM_HEADERS);
      if (mismatch) {
        return rpcError(400, HEADER_MISMATCH, `Bad Request: ${mismatch.message}`, mismatch.id, {
          header: mismatch.header,
        });
      }
      const serveModern = () =>
        modern.fetch(req, { parsedBody: parsed, ...(authInfo ? { authInfo } : {}) });
      const uris = listenResourceUris(parsed);
      if (uris !== undefined) {
        return await listenStreams.serve(parsed as { id: string | number }, uris, serveModern);
      }
      return await serveModern();
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    let entry = known;
    if (!entry) {
      if (!messages.some((m) => (m as { method?: unknown })?.method === "initialize")) {
        return rpcError(400, -32000, "Bad Request: no session; send initialize first");
      }
      if (sessions.size + opening >= maxSessions) sweepIdle();
      if (sessions.size + opening >= maxSessions) {
        return rpcError(
          503,
          -32000,
          `Too many sessions: ${
            sessions.size + opening
          } are open and the limit is ${maxSessions} (--max-sessions); close one with DELETE /mcp, or wait until an idle one expires after ${
            Math.round(idleMs / 1000)
          } s (--session-idle-timeout)`,
          null,
          undefined,
          { "retry-after": String(Math.max(1, Math.ceil(Math.min(idleMs, 60_000) / 1000))) },
        );
      }
      entry = await open(owner);
    }
    // The executions this POST starts are cancelled when its client goes
    // away: Deno cancels the reply stream then.
    const gone = new AbortController();
    const ids: (string | number)[] = [];
    for (const m of messages) {
      const msg = m as { id?: unknown; method?: unknown };
      if (
        msg?.method === "tools/call" && (typeof msg.id === "string" || typeof msg.id === "number")
      ) {
        ids.push(msg.id);
        entry.signals.set(msg.id, gone.signal);
      }
    }
    let response: Response;
    try {
      response = await entry.transport.handleRequest(req, {
        parsedBody: parsed,
        ...(authInfo ? { authInfo } : {}),
      });
    } finally {
      if (!known) entry.settle();
    }
    if (ids.length > 0) {
      const signals = entry.signals;
      const forget = () => {
        for (const id of ids) if (signals.get(id) === gone.signal) signals.delete(id);
      };
      if (response.body) {
        const reader = response.body.getReader();
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            try {
              const { value, done } = await reader.read();
              if (done) {
                forget();
                controller.close();
              } else controller.enqueue(value);
            } catch (e) {
              forget();
              controller.error(e);
            }
          },
          cancel(reason) {
            gone.abort(reason ?? new DOMException("The client disconnected", "AbortError"));
            forget();
            return reader.cancel(reason);
          },
        });
        return new Response(body, response);
      }
      forget();
    }
    if (!known && entry.transport.sessionId === undefined) {
      // Initialization failed: nothing will ever address this session.
      await entry.session.close();
    }
    return response;
  };

  const controller = new AbortController();
  opts.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  const server = Deno.serve(
    {
      port: opts.port,
      hostname,
      signal: controller.signal,
      onListen: (addr) => opts.onListen?.({ hostname: addr.hostname, port: addr.port }),
    },
    guardHttp(async (req) => {
      const isHealth = new URL(req.url).pathname === "/health";
      const refused = bearer?.check(req);
      if (refused !== undefined && !isHealth) return refused;
      let authInfo: AuthInfo | undefined;
      if (resourceServer !== undefined && !isHealth) {
        const doc = resourceServer.metadataResponse(req);
        if (doc !== undefined) return doc;
        const auth = await resourceServer.authenticate(req);
        if (auth instanceof Response) {
          if (auth.status >= 500) {
            // The issuer failed, not the client: the operator needs to know.
            const why = await auth.clone().json().catch(() => ({}));
            host.log(`error: OAuth: ${why.error_description ?? `HTTP ${auth.status}`}`);
          }
          return auth;
        }
        authInfo = auth;
      }
      try {
        return await handle(req, authInfo);
      } catch (e) {
        return rpcError(500, -32603, `Internal error: ${(e as Error).message}`);
      }
    }, { allowOrigins: opts.allowOrigins, idScanTimeoutMs: bodyTimeoutMs }),
  );
  const port = server.addr.port;
  if (LOOPBACK.has(hostname)) {
    allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  }
  const url = urlOf(port);
  resourceServer ??= newResourceServer(port);

  const sweep = setInterval(sweepIdle, Math.min(idleMs, 60_000));
  Deno.unrefTimer(sweep);

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    stopping ??= (async () => {
      clearInterval(sweep);
      await Promise.allSettled([...sessions.keys()].map(closeEntry));
      listenStreams[Symbol.dispose]();
      await modern.close().catch(() => {});
      await stateless.close();
      controller.abort();
      await server.finished;
    })();
  opts.signal?.addEventListener("abort", () => void shutdown(), { once: true });

  return {
    port,
    url,
    ...(resourceServer ? { resourceServer } : {}),
    get sessions() {
      return sessions.size;
    },
    finished: server.finished,
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}

/** The identity a session is bound to: the token's subject, else its client. */
function ownerOf(auth: AuthInfo): string {
  const sub = auth.extra?.sub;
  return typeof sub === "string" ? `sub:${sub}` : `client:${auth.clientId}`;
}

function rpcError(
  status: number,
  code: number,
  message: string,
  id: string | number | null = null,
  data?: unknown,
  headers?: Record<string, string>,
): Response {
  return Response.json({
    jsonrpc: "2.0",
    error: { code, message, ...(data === undefined ? {} : { data }) },
    id,
  }, { status, ...(headers ? { headers } : {}) });
}
