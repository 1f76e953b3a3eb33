/**
 * Static bearer-token authentication for `mcpx serve --http`: where the token
 * comes from (`--token`, `--token-file`, `MCPX_TOKEN`), a constant-time check
 * of `Authorization: Bearer …`, and the rule that an HTTP server reachable
 * beyond loopback must authenticate its clients.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { McpxError } from "../errors.ts";

/** The environment variable that carries the serve token. */
export const TOKEN_ENV = "MCPX_TOKEN";

/** Shortest token accepted, in characters. */
export const MIN_TOKEN_LENGTH = 16;

/** Where {@link resolveServeToken} looks. */
export interface TokenSources {
  /** `--token`. */
  token?: string;
  /** `--token-file`: the file's first line is the token. */
  tokenFile?: string;
  /** Environment (`MCPX_TOKEN`). */
  env?: Record<string, string | undefined>;
}

/**
 * The serve token from the first source given: `--token`, then
 * `--token-file`, then `MCPX_TOKEN`; `undefined` when none is.
 *
 * @example
 * ```ts
 * import { resolveServeToken } from "./bearer_token.ts";
 * resolveServeToken({ env: { MCPX_TOKEN: "0123456789abcdef0123" } }); // "0123456789abcdef0123"
 * ```
 * @throws {McpxError} `CONFIG_INVALID` naming the source when the token is
 * shorter than {@link MIN_TOKEN_LENGTH} or the file cannot be read.
 */
export function resolveServeToken(sources: TokenSources): string | undefined {
  let token: string | undefined;
  let from: string;
  if (sources.token !== undefined) {
    token = sources.token;
    from = "--token";
  } else if (sources.tokenFile !== undefined) {
    from = `--token-file "${sources.tokenFile}"`;
    try {
      token = Deno.readTextFileSync(sources.tokenFile).split(/\r?\n/)[0];
    } catch (e) {
      throw new McpxError("CONFIG_INVALID", `Cannot read ${from}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  } else {
    token = sources.env?.[TOKEN_ENV];
    from = TOKEN_ENV;
    if (token === undefined || token === "") return undefined;
  }
  token = token.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new McpxError(
      "CONFIG_INVALID",
      `The token from ${from} must be at least ${MIN_TOKEN_LENGTH} characters without spaces (try: openssl rand -hex 32)`,
    );
  }
  return token;
}

/**
 * Checks requests' `Authorization: Bearer <token>` in constant time.
 *
 * @example
 * ```ts
 * import { BearerGuard } from "./bearer_token.ts";
 * const guard = new BearerGuard("0123456789abcdef0123");
 * guard.check(new Request("http://127.0.0.1/mcp"))?.status; // 401
 * ```
 */
export class BearerGuard {
  readonly #expected: Uint8Array;

  /** @param token The secret clients must present. */
  constructor(token: string) {
    this.#expected = new TextEncoder().encode(token);
  }

  /** `undefined` when the request may pass, else the 401 answer to send. */
  check(req: Request): Response | undefined {
    const header = req.headers.get("authorization") ?? "";
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match !== null && this.#matches(match[1])) return undefined;
    const error = match === null ? "invalid_request" : "invalid_token";
    return new Response(
      JSON.stringify({
        jsonrpc: "2.0",
        id: null,
        error: {
          code: -32001,
          message: match === null
            ? "Unauthorized: send Authorization: Bearer <token>"
            : "Unauthorized: the bearer token is not valid",
        },
      }),
      {
        status: 401,
        headers: {
          "content-type": "application/json",
          "www-authenticate": `Bearer realm="mcpx", error="${error}"`,
        },
      },
    );
  }

  #matches(presented: string): boolean {
    const given = new TextEncoder().encode(presented);
    // Equal lengths for timingSafeEqual; the length check itself leaks only the length.
    const padded = new Uint8Array(this.#expected.length);
    padded.set(given.subarray(0, padded.length));
    return timingSafeEqual(padded, this.#expected) && given.length === this.#expected.length;
  }
}

const LOOPBACK_NAMES = new Set(["localhost", "::1", "[::1]"]);

/** Whether `hostname` only accepts connections from this machine. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Refuses to serve beyond loopback without authentication, unless the user
 * opted in with `--allow-unauthenticated`; returns the warning to print then.
 *
 * @throws {McpxError} `USAGE` naming the address and the ways out.
 */
export function checkBind(
  hostname: string,
  authenticated: boolean,
  allowUnauthenticated: boolean,
): string | undefined {
  if (isLoopback(hostname) || authenticated) return undefined;
  if (!allowUnauthenticated) {
    throw new McpxError(
      "USAGE",
      `Refusing to serve on "${hostname}" without authentication: anyone who can reach it could run code with your servers' tools. Set --token, --token-file or ${TOKEN_ENV}, or --oauth-issuer URL (or --allow-unauthenticated, at your own risk)`,
    );
  }
  return `WARNING: serving on "${hostname}" WITHOUT AUTHENTICATION. Anyone who can reach this address can run code with every upstream tool.`;
}
