/**
 * `mcpx auth login`: authorization code with PKCE through a loopback
 * redirect (RFC 8252), with the SDK's `auth()` doing discovery, registration
 * and the token exchange.
 *
 * @module
 */
import type { OAuthTokens } from "../_sdk_remote.ts";
import type { RemoteServerConfig } from "../config/types.ts";
import { McpxError } from "../errors.ts";
import { McpxOAuthProvider } from "./oauth_provider.ts";
import type { OAuthRecord, OAuthStore } from "./oauth_store.ts";

/** Options of {@link oauthLogin}. */
export interface LoginOptions {
  /** Where the tokens are kept. */
  store: OAuthStore;
  /** Sends the user to the authorization URL (opens a browser, or prints it). */
  openUrl: (url: URL) => void | Promise<void>;
  /** How long to wait for the user, in ms (default 5 minutes). */
  timeoutMs?: number;
  /** Cancels the login. */
  signal?: AbortSignal;
}

/**
 * Logs in to `server`: a fresh authorization, whatever tokens were stored.
 * Resolves with the new tokens once the authorization server has sent the
 * browser back to the loopback address and the code was exchanged.
 *
 * @throws {McpxError} `AUTH_FAILED` naming the server and the reason (the
 * user refused, a state mismatch, a timeout, or the server's error).
 */
export async function oauthLogin(
  server: RemoteServerConfig,
  opts: LoginOptions,
): Promise<OAuthTokens> {
  const { auth } = await import("../_sdk_remote.ts");
  const fail = (why: string, cause?: unknown): never => {
    throw new McpxError("AUTH_FAILED", `Login to server "${server.name}" failed: ${why}`, {
      cause,
    });
  };
  const back = Promise.withResolvers<URLSearchParams>();
  const stop = new AbortController();
  const listener = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: stop.signal, onListen: () => {} },
    (req) => {
      const url = new URL(req.url);
      if (url.pathname !== "/callback") return new Response("Not found", { status: 404 });
      back.resolve(url.searchParams);
      const error = url.searchParams.get("error");
      return new Response(
        error
          ? `mcpx: the login to "${server.name}" failed (${error}). You can close this window.`
          : `mcpx is logged in to "${server.name}". You can close this window.`,
        { headers: { "content-type": "text/plain; charset=utf-8" } },
      );
    },
  );
  const redirectUrl = `http://127.0.0.1:${listener.addr.port}/callback`;
  const provider = new McpxOAuthProvider({
    server,
    store: opts.store,
    redirectUrl,
    onRedirect: opts.openUrl,
  });
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await provider.invalidateCredentials("tokens");
    const scope = joinScopes(server.oauth?.scope, (await opts.store.read(server.url))?.scope);
    let first: string;
    try {
      first = await auth(provider, { serverUrl: server.url, ...(scope ? { scope } : {}) });
    } catch (e) {
      return fail(
        `cannot start the authorization (${
          (e as Error).message
        }); is ${server.url} an MCP server that supports OAuth?`,
        e,
      );
    }
    if (first === "AUTHORIZED") return (await opts.store.read(server.url))!.tokens!;
    const waited = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new McpxError("AUTH_FAILED", "")),
        timeoutMs,
      );
      opts.signal?.addEventListener("abort", () => reject(opts.signal!.reason), { once: true });
    });
    let params: URLSearchParams;
    try {
      params = await Promise.race([back.promise, waited]);
    } catch (e) {
      return fail(
        opts.signal?.aborted
          ? "cancelled"
          : `no answer from the browser within ${timeoutMs / 1000} s`,
        e,
      );
    }
    const error = params.get("error");
    if (error !== null) {
      return fail(
        `${error}${params.get("error_description") ? `: ${params.get("error_description")}` : ""}`,
      );
    }
    if (params.get("state") !== provider.expectedState) {
      return fail("the answer's state does not match the request (a forged or stale redirect)");
    }
    const code = params.get("code");
    if (!code) return fail("the answer carries no authorization code");
    let second: string;
    try {
      second = await auth(provider, {
        serverUrl: server.url,
        authorizationCode: code,
        ...(scope ? { scope } : {}),
      });
    } catch (e) {
      return fail(`the token exchange failed (${(e as Error).message})`, e);
    }
    const tokens = (await opts.store.read(server.url))?.tokens;
    if (second !== "AUTHORIZED" || tokens === undefined) return fail("no tokens were issued");
    await opts.store.update(server.url, { codeVerifier: undefined, scope: undefined });
    return tokens;
  } finally {
    clearTimeout(timer);
    stop.abort();
    await listener.finished;
  }
}

/** What `mcpx auth status` tells of one server. */
export interface LoginStatus {
  /** `logged-in`, `expired` (a refresh token may renew it), or `logged-out`. */
  state: "logged-in" | "expired" | "logged-out";
  /** When the access token expires (ms since the epoch), if the server said. */
  expiresAt?: number;
  /** Whether a refresh token is kept (tokens renew without a new login). */
  refreshable: boolean;
  /** The granted scope, if known. */
  scope?: string;
}

/** The login state of a stored record. */
export function loginStatus(record: OAuthRecord | undefined, now = Date.now()): LoginStatus {
  const tokens = record?.tokens;
  if (tokens === undefined) return { state: "logged-out", refreshable: false };
  const expiresAt = tokens.expires_in !== undefined && record?.tokensSavedAt !== undefined
    ? record.tokensSavedAt + tokens.expires_in * 1000
    : undefined;
  return {
    state: expiresAt !== undefined && expiresAt <= now ? "expired" : "logged-in",
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    refreshable: tokens.refresh_token !== undefined,
    ...(tokens.scope ? { scope: tokens.scope } : {}),
  };
}

function joinScopes(...scopes: (string | undefined)[]): string | undefined {
  const all = new Set(scopes.flatMap((s) => s?.split(/\s+/).filter(Boolean) ?? []));
  return all.size > 0 ? [...all].join(" ") : undefined;
}
