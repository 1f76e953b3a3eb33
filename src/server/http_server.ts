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
import type { ServeHost, ServeSession } from "./serve_host.ts";
import { guardHttp } from "./http_guard.ts";
import { BearerGuard } from "../auth/bearer_token.ts";
import { SseEventStore } from "./sse_event_store.ts";
import { readBodyWithin } from "../quotas/body_deadline.ts";
import { DEFAULT_HTTP_LIMITS } from "../quotas/serve_limits.ts";

/** Options of {@link serveHttp}. */
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
}

/** A running HTTP server. */
export interface HttpServer extends AsyncDisposable {
  /** The port it listens on. */
  readonly port: number;
  /** URL of the MCP endpoint. */
  readonly url: string;
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
  /** Stops counting it as being opened. */
  settle: () => void;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Serves `host` over Streamable HTTP at `/mcp`. */
export function serveHttp(host: ServeHost, opts: HttpServeOptions): HttpServer {
  const hostname = opts.hostname ?? "127.0.0.1";
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  const idleMs = opts.sessionIdleMs ?? DEFAULT_HTTP_LIMITS.sessionIdleMs;
  const maxSessions = opts.maxSessions ?? DEFAULT_HTTP_LIMITS.maxSessions;
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? DEFAULT_HTTP_LIMITS.bodyTimeoutMs;
  const sessions = new Map<string, Entry>();
  /** Sessions being initialized, not yet in `sessions`. */
  let opening = 0;
  let allowedHosts: string[] | undefined;
  const stateless = host.createSession({ stateless: true });
  const modern = createMcpHandler(() => stateless.newServer(), {
    legacy: "reject",
    maxRequestBodySize: maxBody,
    onerror: (e) => host.log(`error: HTTP: ${e.message}`),
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
  const open = async (): Promise<Entry> => {
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

  const handle = async (req: Request): Promise<Response> => {
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
    const known = sid ? sessions.get(sid) : undefined;
    if (sid && !known) return rpcError(404, -32001, "Session not found");
    if (known) known.lastSeen = Date.now();

    if (req.method !== "POST") {
      if (!known) return rpcError(400, -32000, "Bad Request: Mcp-Session-Id header is required");
      return await known.transport.handleRequest(req);
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
      return await modern.fetch(req, { parsedBody: parsed });
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
          { "retry-after": String(Math.max(1, Math.ceil(Math.min(idleMs, 60_000) / 1000))) },
        );
      }
      entry = await open();
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
      response = await entry.transport.handleRequest(req, { parsedBody: parsed });
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

  const bearer = opts.token !== undefined ? new BearerGuard(opts.token) : undefined;
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
      const refused = bearer?.check(req);
      if (refused !== undefined && new URL(req.url).pathname !== "/health") return refused;
      try {
        return await handle(req);
      } catch (e) {
        return rpcError(500, -32603, `Internal error: ${(e as Error).message}`);
      }
    }, { allowOrigins: opts.allowOrigins, idScanTimeoutMs: bodyTimeoutMs }),
  );
  const port = server.addr.port;
  if (LOOPBACK.has(hostname)) {
    allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  }

  const sweep = setInterval(sweepIdle, Math.min(idleMs, 60_000));
  Deno.unrefTimer(sweep);

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    stopping ??= (async () => {
      clearInterval(sweep);
      await Promise.allSettled([...sessions.keys()].map(closeEntry));
      await modern.close().catch(() => {});
      await stateless.close();
      controller.abort();
      await server.finished;
    })();
  opts.signal?.addEventListener("abort", () => void shutdown(), { once: true });

  return {
    port,
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/mcp`,
    get sessions() {
      return sessions.size;
    },
    finished: server.finished,
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}

function rpcError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, {
    status,
    ...(headers ? { headers } : {}),
  });
}
