/**
 * HTTP hygiene for `mcpx serve --http`, as a wrapper around any web-standard
 * fetch handler:
 *
 * - `Origin` is checked (DNS-rebinding defence): requests without one (not
 *   from a browser) and from loopback origins pass; other origins only when
 *   listed (`--allow-origin`, `*` for any). A refused one gets 403.
 * - CORS for browser clients: preflight `OPTIONS` answers, and allowed origins
 *   get `Access-Control-Allow-Origin` with `Mcp-Session-Id` and
 *   `Mcp-Protocol-Version` exposed.
 * - A JSON-RPC error that answers a request whose id is known carries that id
 *   instead of `null`.
 *
 * @module
 */
import { type BodyRead, readBodyWithin } from "../quotas/body_deadline.ts";

/**
 * A web-standard fetch handler, such as `Deno.serve`'s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const handler: FetchHandler = () => new Response("ok");
 * const guarded: FetchHandler = guardHttp(handler);
 * assert.equal((await guarded(new Request("http://127.0.0.1/mcp"))).status, 200);
 * ```
 */
export type FetchHandler = (req: Request) => Response | Promise<Response>;

/**
 * Options of {@link guardHttp}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: HttpGuardOptions = { allowOrigins: ["*"] };
 * const guarded = guardHttp(() => new Response("ok"), opts);
 * const res = await guarded(new Request("http://127.0.0.1/mcp", { headers: { origin: "https://any.example" } }));
 * assert.equal(res.status, 200);
 * ```
 */
export interface HttpGuardOptions {
  /**
   * Browser origins allowed besides loopback ones, exactly as browsers send
   * them (`https://app.example.com`); `"*"` allows any origin.
   */
  allowOrigins?: readonly string[];
  /** Largest request body read to find a JSON-RPC id (default 1 MiB). */
  maxIdScanBytes?: number;
  /** Longest wait for that body, in milliseconds (default 30,000). */
  idScanTimeoutMs?: number;
}

/** Headers a browser client may read from responses. */
export const EXPOSED_HEADERS = "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate";

/** Headers a browser client may send. */
export const ALLOWED_HEADERS =
  "Content-Type, Accept, Authorization, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name, Mcp-Param-Workspace";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** True when `origin` is a loopback origin (`http://localhost:6274`, `http://127.0.0.1`). */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

/**
 * Validates `--allow-origin` values: `*` or `scheme://host[:port]`.
 *
 * @throws {TypeError} naming the first invalid origin.
 */
export function validateOrigins(origins: readonly string[]): string[] {
  return origins.map((o) => {
    if (o === "*") return o;
    let u: URL | undefined;
    try {
      u = new URL(o);
    } catch { /* reported below */ }
    if (!u || u.origin === "null" || u.origin !== o.replace(/\/$/, "")) {
      throw new TypeError(
        `Invalid origin "${o}": expected "*" or scheme://host[:port], such as "https://app.example.com"`,
      );
    }
    return u.origin;
  });
}

/**
 * Wraps `handler` with the origin check, CORS and JSON-RPC error ids.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const handler = guardHttp(() => new Response("ok"), { allowOrigins: ["https://app.example.com"] });
 * const allowed = await handler(
 *   new Request("http://127.0.0.1/mcp", { headers: { origin: "https://app.example.com" } }),
 * );
 * assert.equal(allowed.status, 200);
 * const refused = await handler(
 *   new Request("http://127.0.0.1/mcp", { headers: { origin: "https://evil.example" } }),
 * );
 * assert.equal(refused.status, 403);
 * ```
 */
export function guardHttp(handler: FetchHandler, opts: HttpGuardOptions = {}): FetchHandler {
  const listed = new Set(opts.allowOrigins ?? []);
  const any = listed.has("*");
  const maxScan = opts.maxIdScanBytes ?? 1024 * 1024;
  const scanMs = opts.idScanTimeoutMs ?? 30_000;
  const allowed = (origin: string) => any || listed.has(origin) || isLoopbackOrigin(origin);

  return async (req) => {
    const origin = req.headers.get("origin");
    if (origin !== null && !allowed(origin)) {
      const id = req.method === "POST" ? await requestId(req, maxScan, scanMs) : null;
      return Response.json({
        jsonrpc: "2.0",
        error: {
          code: -32000,
          message:
            `Forbidden: origin "${origin}" is not allowed; start mcpx serve with --allow-origin ${origin}`,
        },
        id,
      }, { status: 403 });
    }
    if (req.method === "OPTIONS") {
      const headers = new Headers({
        "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": req.headers.get("access-control-request-headers") ??
          ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600",
        Vary: "Origin",
      });
      if (origin !== null) headers.set("Access-Control-Allow-Origin", origin);
      return new Response(null, { status: 204, headers });
    }
    const copy = req.method === "POST" && req.body ? req.clone() : undefined;
    let res = await handler(req);
    if (copy) res = await withRequestId(res, copy, maxScan, scanMs);
    if (origin === null) return res;
    const headers = new Headers(res.headers);
    headers.set("Access-Control-Allow-Origin", origin);
    headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    headers.append("Vary", "Origin");
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}

/** `res` with the id of the request in `copy` when it is a JSON-RPC error with id `null`. */
async function withRequestId(
  res: Response,
  copy: Request,
  maxScan: number,
  scanMs: number,
): Promise<Response> {
  const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
  // 408 and 413: the body did not arrive in time, or is too large to scan.
  if (res.status < 400 || !isJson || res.status === 408 || res.status === 413) {
    void copy.body?.cancel().catch(() => {});
    return res;
  }
  const text = await res.text();
  let body: { error?: unknown; id?: unknown } | undefined;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON after all */ }
  if (body && typeof body === "object" && body.error !== undefined && body.id === null) {
    const id = await requestId(copy, maxScan, scanMs);
    if (id !== null) body.id = id;
    else void copy.body?.cancel().catch(() => {});
    return new Response(JSON.stringify(body), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  }
  void copy.body?.cancel().catch(() => {});
  return new Response(text, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/**
 * The id of the single JSON-RPC request in `req`'s body, or `null` when the
 * body is not one request with a string or number id, is over `max` bytes, or
 * has not arrived within `timeoutMs`.
 */
export async function requestId(
  req: Request,
  max: number,
  timeoutMs = 30_000,
): Promise<string | number | null> {
  if (!req.body || req.bodyUsed) return null;
  let body: BodyRead;
  try {
    body = await readBodyWithin(req, { maxBytes: max, timeoutMs });
  } catch {
    return null;
  }
  if (body.kind !== "ok") return null;
  try {
    const msg = JSON.parse(body.text);
    const id = msg && typeof msg === "object" && !Array.isArray(msg) ? msg.id : undefined;
    return typeof id === "string" || typeof id === "number" ? id : null;
  } catch {
    return null;
  }
}
