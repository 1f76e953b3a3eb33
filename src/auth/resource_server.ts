/**
 * `mcpx serve --http` as an OAuth 2 resource server, as the MCP authorization
 * spec describes it: it publishes RFC 9728 protected-resource metadata that
 * names the authorization server (the issuer), answers requests without a
 * valid access token with `401` and `WWW-Authenticate: Bearer
 * resource_metadata="…"` so clients can discover where to log in, and
 * answers `403 insufficient_scope` when a token lacks a required scope.
 *
 * Access tokens are checked against the configured issuer: JWT access tokens
 * (RFC 9068) are verified locally with the keys of the issuer's JWKS
 * (signature, `iss`, `aud` = this resource, `exp`, scope); with client
 * credentials, tokens are instead introspected at the issuer (RFC 7662),
 * which also catches revoked and opaque tokens.
 *
 * The SDK's resource-server helpers do the protocol work:
 * `buildOAuthProtectedResourceMetadata` and
 * `getOAuthProtectedResourceMetadataUrl` for the metadata,
 * `requireBearerAuth` for the header parsing, audience, scope and expiry
 * checks and the challenge answers; `discoverAuthorizationServerMetadata`
 * (client side) finds the issuer's metadata. mcpx supplies the token
 * verifiers.
 *
 * @module
 */
import type {
  AuthInfo,
  AuthorizationServerMetadata,
  OAuthProtectedResourceMetadata,
} from "../mcp_types.ts";
import {
  buildOAuthProtectedResourceMetadata,
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  type OAuthMetadata,
  oauthMetadataResponse,
  type OAuthTokenVerifier,
  requireBearerAuth,
} from "../_sdk_server.ts";
import {
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { McpxError } from "../errors.ts";

export type { AuthInfo, AuthorizationServerMetadata };

/** The environment variable with the client secret used for token introspection. */
export const CLIENT_SECRET_ENV = "MCPX_OAUTH_CLIENT_SECRET";

/** Deadline of each request to the issuer (discovery, keys, introspection), in milliseconds. */
const ISSUER_TIMEOUT_MS = 10_000;

/** Client credentials for token introspection (RFC 7662). */
export interface IntrospectionCredentials {
  /** The client ID registered at the issuer for this resource server. */
  clientId: string;
  /** Its secret (sent with HTTP Basic authentication). */
  clientSecret: string;
}

/** How `serve --http` checks OAuth access tokens. */
export interface ResourceServerOptions {
  /** The issuer's metadata, from {@link discoverIssuer}. */
  issuer: AuthorizationServerMetadata;
  /**
   * This server's resource identifier: the audience tokens must be issued
   * for, and the `resource` of the metadata document (usually the public URL
   * of `/mcp`).
   */
  resource: URL;
  /** Scopes every request's token must carry (also advertised as `scopes_supported`). */
  scopes?: readonly string[];
  /** Introspect tokens at the issuer instead of verifying JWTs locally. */
  introspection?: IntrospectionCredentials;
  /** For requests to the issuer (default: global `fetch`). */
  fetch?: typeof fetch;
}

/**
 * Finds the issuer's authorization-server metadata (RFC 8414, falling back
 * to OpenID Connect discovery) through the SDK, and checks that it names the
 * same issuer and has what mcpx needs.
 *
 * @throws {McpxError} `CONFIG_INVALID` naming the issuer when it cannot be
 * reached, publishes no metadata, or the metadata does not fit.
 */
export async function discoverIssuer(
  issuer: string,
  opts: { introspection?: boolean; fetch?: typeof fetch } = {},
): Promise<AuthorizationServerMetadata> {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new McpxError("CONFIG_INVALID", `Invalid OAuth issuer "${issuer}": not a URL`);
  }
  const fetchFn = opts.fetch ?? fetch;
  let metadata: AuthorizationServerMetadata | undefined;
  try {
    // Discovery is the SDK's client-side helper; its package loads only when
    // an issuer is configured (it is about 10 MiB of resident memory).
    const { discoverAuthorizationServerMetadata } = await import("@modelcontextprotocol/client");
    metadata = await discoverAuthorizationServerMetadata(url, {
      fetchFn: (input, init) =>
        fetchFn(input, { ...init, signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS) }),
    });
  } catch (e) {
    throw new McpxError(
      "CONFIG_INVALID",
      `Cannot discover the OAuth issuer "${issuer}": ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (metadata === undefined) {
    throw new McpxError(
      "CONFIG_INVALID",
      `Cannot discover the OAuth issuer "${issuer}": it publishes neither /.well-known/oauth-authorization-server nor /.well-known/openid-configuration`,
    );
  }
  if (sameUrl(metadata.issuer, issuer) === false) {
    throw new McpxError(
      "CONFIG_INVALID",
      `The OAuth issuer "${issuer}" calls itself "${metadata.issuer}" in its metadata: use that URL`,
    );
  }
  if (opts.introspection) {
    if (endpoint(metadata, "introspection_endpoint") === undefined) {
      throw new McpxError(
        "CONFIG_INVALID",
        `The OAuth issuer "${issuer}" publishes no introspection_endpoint: drop the introspection client ID to verify JWT access tokens instead`,
      );
    }
  } else if (endpoint(metadata, "jwks_uri") === undefined) {
    throw new McpxError(
      "CONFIG_INVALID",
      `The OAuth issuer "${issuer}" publishes no jwks_uri to verify JWT access tokens with: configure token introspection (--oauth-client-id and ${CLIENT_SECRET_ENV})`,
    );
  }
  return metadata;
}

/**
 * The resource-server side of `serve --http`: the metadata document and the
 * bearer-token gate.
 *
 * @example
 * ```ts ignore
 * import { discoverIssuer, ResourceServer } from "./resource_server.ts";
 * const rs = new ResourceServer({
 *   issuer: await discoverIssuer("https://login.example.com"),
 *   resource: new URL("https://mcp.example.com/mcp"),
 *   scopes: ["mcp:tools"],
 * });
 * Deno.serve(async (req) => {
 *   const doc = rs.metadataResponse(req);
 *   if (doc) return doc;
 *   const auth = await rs.authenticate(req);
 *   if (auth instanceof Response) return auth;
 *   return new Response(`hello ${auth.extra?.sub}`);
 * });
 * ```
 */
export class ResourceServer {
  /** The RFC 9728 document served at {@link ResourceServer.metadataUrl}. */
  readonly metadata: OAuthProtectedResourceMetadata;
  /** Where the metadata document is, as advertised in challenges. */
  readonly metadataUrl: string;
  /** How tokens are checked: `"jwt"` (JWKS) or `"introspection"`. */
  readonly mode: "jwt" | "introspection";
  readonly #paths: Set<string>;
  readonly #issuer: AuthorizationServerMetadata;
  readonly #resource: URL;
  readonly #gate: (req: Request) => Promise<AuthInfo | Response>;

  /**
   * Checks the options and builds the metadata document.
   *
   * @throws {McpxError} `CONFIG_INVALID` when the issuer URL is refused
   * (HTTPS is required outside loopback) or a scope is malformed.
   */
  constructor(opts: ResourceServerOptions) {
    const scopes = [...(opts.scopes ?? [])];
    for (const s of scopes) {
      if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) {
        throw new McpxError("CONFIG_INVALID", `Invalid OAuth scope "${s}"`);
      }
    }
    try {
      this.metadata = {
        ...buildOAuthProtectedResourceMetadata({
          oauthMetadata: opts.issuer as OAuthMetadata,
          resourceServerUrl: opts.resource,
          ...(scopes.length > 0 ? { scopesSupported: scopes } : {}),
          resourceName: "mcpx",
        }),
        bearer_methods_supported: ["header"],
      };
    } catch (e) {
      throw new McpxError(
        "CONFIG_INVALID",
        `Invalid OAuth issuer "${opts.issuer.issuer}": ${(e as Error).message}`,
        { cause: e },
      );
    }
    this.metadataUrl = getOAuthProtectedResourceMetadataUrl(opts.resource);
    this.#issuer = opts.issuer;
    this.#resource = opts.resource;
    // RFC 9728 inserts the well-known segment before the resource's path;
    // the bare form serves clients that probe the origin only.
    this.#paths = new Set([new URL(this.metadataUrl).pathname, WELL_KNOWN]);
    const fetchFn = opts.fetch ?? fetch;
    const jwt = endpoint(opts.issuer, "jwks_uri") !== undefined
      ? new JwtVerifier(opts.issuer, opts.resource, fetchFn)
      : undefined;
    const verifier = opts.introspection
      ? new IntrospectionVerifier(opts.issuer, opts.introspection, fetchFn, jwt)
      : jwt;
    if (verifier === undefined) {
      throw new McpxError(
        "CONFIG_INVALID",
        `The OAuth issuer "${opts.issuer.issuer}" publishes no jwks_uri: configure token introspection`,
      );
    }
    this.mode = opts.introspection ? "introspection" : "jwt";
    this.#gate = requireBearerAuth({
      verifier,
      expectedResource: opts.resource,
      requiredScopes: scopes,
      resourceMetadataUrl: this.metadataUrl,
    });
  }

  /**
   * The metadata document when `req` asks for it, else `undefined`. The
   * issuer's own metadata is mirrored at `/.well-known/oauth-authorization-server`
   * for clients of the 2025-03-26 revision, which look for it there.
   */
  metadataResponse(req: Request): Response | undefined {
    const path = new URL(req.url).pathname.replace(/(.)\/$/, "$1");
    if (path === AS_WELL_KNOWN) {
      return oauthMetadataResponse(req, {
        oauthMetadata: this.#issuer as OAuthMetadata,
        resourceServerUrl: this.#resource,
      });
    }
    if (!this.#paths.has(path)) return undefined;
    const cors = { "access-control-allow-origin": "*" };
    if (req.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: { ...cors, "access-control-allow-methods": "GET, HEAD, OPTIONS" },
      });
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return Response.json(
        { error: "method_not_allowed", error_description: `${req.method} is not allowed here` },
        { status: 405, headers: { ...cors, allow: "GET, HEAD, OPTIONS" } },
      );
    }
    const res = Response.json(this.metadata, { headers: cors });
    return req.method === "HEAD" ? new Response(null, { headers: res.headers }) : res;
  }

  /**
   * The verified token of `req`, or the answer to send instead: `401` with a
   * `WWW-Authenticate` challenge naming the metadata document when the token
   * is missing or not valid, `403 insufficient_scope` when it lacks a scope.
   */
  authenticate(req: Request): Promise<AuthInfo | Response> {
    return this.#gate(req);
  }
}

const WELL_KNOWN = "/.well-known/oauth-protected-resource";
const AS_WELL_KNOWN = "/.well-known/oauth-authorization-server";

/** Verifies JWT access tokens with the issuer's published keys. */
class JwtVerifier implements OAuthTokenVerifier {
  readonly #issuer: string;
  readonly #resource: URL;
  readonly #keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(issuer: AuthorizationServerMetadata, resource: URL, fetchFn: typeof fetch) {
    this.#issuer = issuer.issuer;
    this.#resource = resource;
    this.#keys = createRemoteJWKSet(new URL(endpoint(issuer, "jwks_uri")!), {
      timeoutDuration: ISSUER_TIMEOUT_MS,
      [customFetch]: (url, init) => fetchFn(url, init),
    });
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#issuer,
        requiredClaims: ["exp"],
      }));
    } catch (e) {
      throw jwtError(e);
    }
    return authInfo(token, payload, this.#resource);
  }
}

/** Maps a jose failure to the OAuth error the SDK turns into an answer. */
function jwtError(e: unknown): OAuthError {
  if (e instanceof joseErrors.JWTExpired) {
    return new OAuthError(OAuthErrorCode.InvalidToken, "Token has expired");
  }
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    return new OAuthError(
      OAuthErrorCode.InvalidToken,
      `Token claim "${e.claim}" is not valid: ${e.reason}`,
    );
  }
  if (
    e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid ||
    (e instanceof TypeError && !(e instanceof joseErrors.JOSEError))
  ) {
    // The issuer's keys could not be fetched: not the client's fault.
    return new OAuthError(OAuthErrorCode.ServerError, "Cannot fetch the issuer's keys");
  }
  if (e instanceof joseErrors.JOSEError) {
    return new OAuthError(OAuthErrorCode.InvalidToken, "Token is not a valid JWT from the issuer");
  }
  return new OAuthError(OAuthErrorCode.ServerError, "Token verification failed");
}

/**
 * Checks tokens at the issuer's introspection endpoint (RFC 7662). An issuer
 * that refuses to introspect a JWT (`unsupported_token_type`, as some do for
 * structured tokens) gets it verified with its keys instead.
 */
class IntrospectionVerifier implements OAuthTokenVerifier {
  readonly #issuer: string;
  readonly #endpoint: string;
  readonly #authorization: string;
  readonly #fetch: typeof fetch;
  readonly #jwt: JwtVerifier | undefined;

  constructor(
    issuer: AuthorizationServerMetadata,
    credentials: IntrospectionCredentials,
    fetchFn: typeof fetch,
    jwt: JwtVerifier | undefined,
  ) {
    this.#jwt = jwt;
    this.#issuer = issuer.issuer;
    this.#endpoint = endpoint(issuer, "introspection_endpoint")!;
    // RFC 6749 §2.3.1: form-encode, then Basic.
    const id = encodeURIComponent(credentials.clientId);
    const secret = encodeURIComponent(credentials.clientSecret);
    this.#authorization = `Basic ${btoa(`${id}:${secret}`)}`;
    this.#fetch = fetchFn;
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    let res: Response;
    try {
      res = await this.#fetch(this.#endpoint, {
        method: "POST",
        headers: {
          authorization: this.#authorization,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }),
        signal: AbortSignal.timeout(ISSUER_TIMEOUT_MS),
      });
    } catch {
      throw new OAuthError(OAuthErrorCode.ServerError, "Cannot reach the introspection endpoint");
    }
    const text = await res.text().catch(() => "");
    if (res.status === 400 && /"unsupported_token_type"/.test(text)) {
      if (this.#jwt !== undefined && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
        return await this.#jwt.verifyAccessToken(token);
      }
      throw new OAuthError(OAuthErrorCode.InvalidToken, "The issuer cannot introspect this token");
    }
    if (!res.ok) {
      throw new OAuthError(
        OAuthErrorCode.ServerError,
        `The introspection endpoint answered HTTP ${res.status}`,
      );
    }
    let body: JWTPayload & { active?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw new OAuthError(OAuthErrorCode.ServerError, "The introspection answer is not JSON");
    }
    if (body?.active !== true) {
      throw new OAuthError(OAuthErrorCode.InvalidToken, "Token is not active");
    }
    if (body.iss !== undefined && !sameUrl(String(body.iss), this.#issuer)) {
      throw new OAuthError(OAuthErrorCode.InvalidToken, "Token is from another issuer");
    }
    return authInfo(token, body, undefined);
  }
}

/**
 * The SDK's view of a verified token. `resource` is the audience that names
 * this server when there is one (the SDK compares it), else the first.
 */
function authInfo(token: string, claims: JWTPayload, resource: URL | undefined): AuthInfo {
  const audiences = claims.aud === undefined ? [] : [claims.aud].flat().map(String);
  const mine = resource === undefined
    ? undefined
    : audiences.find((a) => sameUrl(a, resource.href) === true);
  const chosen = mine ?? audiences[0];
  let audience: URL | undefined;
  try {
    audience = chosen === undefined ? undefined : new URL(chosen);
  } catch {
    audience = undefined;
  }
  const scope = claims.scope ?? claims.scp;
  const scopes = Array.isArray(scope)
    ? scope.map(String)
    : typeof scope === "string"
    ? scope.split(" ").filter((s) => s !== "")
    : [];
  return {
    token,
    clientId: String(claims.client_id ?? claims.azp ?? ""),
    scopes,
    ...(typeof claims.exp === "number" ? { expiresAt: claims.exp } : {}),
    ...(audience ? { resource: audience } : {}),
    extra: { ...(claims.sub !== undefined ? { sub: claims.sub } : {}) },
  };
}

/** A URL field of the issuer's metadata, when it has one. */
function endpoint(
  metadata: AuthorizationServerMetadata,
  name: "jwks_uri" | "introspection_endpoint",
): string | undefined {
  const value = (metadata as Record<string, unknown>)[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** URL equality ignoring a fragment and one trailing slash; `undefined` when one is no URL. */
function sameUrl(a: string, b: string): boolean | undefined {
  try {
    const norm = (s: string) => {
      const u = new URL(s);
      u.hash = "";
      return u.href.replace(/\/$/, "");
    };
    return norm(a) === norm(b);
  } catch {
    return undefined;
  }
}
