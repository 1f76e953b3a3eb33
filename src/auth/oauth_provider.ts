/**
 * mcpx as an OAuth client of a remote MCP server, following the MCP
 * authorization spec through the SDK's client-side support: the SDK discovers
 * the protected-resource and authorization-server metadata, registers the
 * client (dynamically, unless the config gives a client ID or a client ID
 * metadata document URL), runs authorization code with PKCE, refreshes
 * tokens and asks for more scope on `insufficient_scope`. This provider keeps
 * the state in an {@link OAuthStore} and decides what a redirect means: during
 * `mcpx auth login` the browser opens; anywhere else it is an
 * {@link AuthRequiredError} that tells which command the user must run.
 *
 * @module
 */
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthTokens,
} from "../_sdk_remote.ts";
import type { OAuthSettings, RemoteServerConfig } from "../config/types.ts";
import { McpxError } from "../errors.ts";
import { mcpxConfigDir } from "../config/user_dirs.ts";
import { OAuthStore } from "./oauth_store.ts";

/** A remote server needs a login (or a new one) before it can be used. */
export class AuthRequiredError extends McpxError {
  /** The server's config name. */
  readonly server: string;

  constructor(server: string, why = "needs a login") {
    super(
      "AUTH_REQUIRED",
      `Server "${server}" ${why}: ask the user to run "mcpx auth login ${server}", then try again`,
    );
    this.name = "AuthRequiredError";
    this.server = server;
  }
}

/** Where the authorization server sends the browser back when no login is running. */
const DEFAULT_REDIRECT = "http://127.0.0.1/callback";

/** Options of {@link McpxOAuthProvider}. */
export interface McpxOAuthProviderOptions {
  /** The remote server (its `oauth` settings, if any, are used). */
  server: RemoteServerConfig;
  /** Where the state is kept. */
  store: OAuthStore;
  /** The loopback redirect URL of a login in progress. */
  redirectUrl?: string;
  /**
   * Sends the user to the authorization URL (a login in progress); without
   * it, a needed redirect throws {@link AuthRequiredError}.
   */
  onRedirect?: (url: URL) => void | Promise<void>;
}

/** The SDK's `OAuthClientProvider`, backed by an {@link OAuthStore}. */
export class McpxOAuthProvider implements OAuthClientProvider {
  readonly #server: RemoteServerConfig;
  readonly #settings: OAuthSettings;
  readonly #store: OAuthStore;
  readonly #redirect: string;
  readonly #onRedirect?: (url: URL) => void | Promise<void>;
  #state?: string;
  /** The `fetch` the server's transport should use (see {@link stepUpFetch}). */
  readonly fetch: typeof fetch;

  constructor(opts: McpxOAuthProviderOptions) {
    this.#server = opts.server;
    this.#settings = opts.server.oauth ?? {};
    this.#store = opts.store;
    this.#redirect = opts.redirectUrl ?? DEFAULT_REDIRECT;
    this.#onRedirect = opts.onRedirect;
    this.fetch = stepUpFetch(opts.server, opts.store);
  }

  get redirectUrl(): string {
    return this.#redirect;
  }

  get clientMetadataUrl(): string | undefined {
    return this.#settings.clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "mcpx",
      redirect_uris: [this.#redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: this.#settings.clientSecret ? "client_secret_post" : "none",
      // A CLI is a native app: loopback redirects on any port (RFC 8252).
      application_type: "native",
      ...(this.#settings.scope ? { scope: this.#settings.scope } : {}),
    } as OAuthClientMetadata;
  }

  /** The `state` of the authorization request, checked on the way back. */
  state(): string {
    return this.#state ??= crypto.randomUUID();
  }

  /** The state sent with the last authorization request. */
  get expectedState(): string | undefined {
    return this.#state;
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    if (this.#settings.clientId) {
      return {
        client_id: this.#settings.clientId,
        ...(this.#settings.clientSecret ? { client_secret: this.#settings.clientSecret } : {}),
      };
    }
    const info = (await this.#store.read(this.#server.url))?.clientInformation;
    // A client registered for another redirect URL cannot finish this login: register anew.
    const uris = (info as { redirect_uris?: string[] } | undefined)?.redirect_uris;
    if (this.#onRedirect !== undefined && uris !== undefined && !uris.includes(this.#redirect)) {
      return undefined;
    }
    return info;
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    await this.#store.update(this.#server.url, {
      serverName: this.#server.name,
      clientInformation: info,
    });
  }

  async tokens(): Promise<OAuthTokens | undefined> {
    return (await this.#store.read(this.#server.url))?.tokens;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    await this.#store.update(this.#server.url, {
      serverName: this.#server.name,
      tokens,
      tokensSavedAt: Date.now(),
    });
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    if (this.#onRedirect === undefined) {
      const had = await this.#store.read(this.#server.url);
      throw new AuthRequiredError(
        this.#server.name,
        had?.tokens
          ? "needs a new login (its tokens expired or were revoked, or more scope is needed)"
          : "needs a login",
      );
    }
    await this.#onRedirect(url);
  }

  async saveCodeVerifier(codeVerifier: string): Promise<void> {
    await this.#store.update(this.#server.url, { codeVerifier });
  }

  async codeVerifier(): Promise<string> {
    const verifier = (await this.#store.read(this.#server.url))?.codeVerifier;
    if (verifier === undefined) throw new AuthRequiredError(this.#server.name);
    return verifier;
  }

  async invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier"): Promise<void> {
    const patch: Record<string, undefined> = {};
    if (scope === "all" || scope === "client") patch.clientInformation = undefined;
    if (scope === "all" || scope === "tokens") patch.tokens = undefined;
    if (scope === "all" || scope === "verifier") patch.codeVerifier = undefined;
    await this.#store.update(this.#server.url, patch);
  }
}

/**
 * The provider for `server` when it has a stored login and no
 * `Authorization` header of its own. Without a login there is nothing to
 * send: the server's 401 then becomes an {@link AuthRequiredError} (see
 * {@link authFailure}), and nothing is registered behind the user's back.
 */
export async function oauthProviderFor(
  server: RemoteServerConfig,
  store?: OAuthStore,
): Promise<McpxOAuthProvider | undefined> {
  if (Object.keys(server.headers ?? {}).some((k) => k.toLowerCase() === "authorization")) {
    return undefined;
  }
  store ??= defaultOAuthStore();
  if ((await store.read(server.url))?.tokens === undefined) return undefined;
  return new McpxOAuthProvider({ server, store });
}

/** The store in mcpx's config directory, from the process environment. */
export function defaultOAuthStore(): OAuthStore {
  return new OAuthStore(mcpxConfigDir({ os: Deno.build.os, env: Deno.env.toObject() }));
}

/**
 * The store in the config directory that `env` names, or `undefined` when it
 * names none (no home directory): a remote server that needs a login then
 * says so when it is reached, and no other server is affected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(oauthStoreFor({ MCPX_CONFIG_DIR: "/tmp/mcpx-config" }) !== undefined);
 * ```
 */
export function oauthStoreFor(env: Record<string, string | undefined>): OAuthStore | undefined {
  try {
    return new OAuthStore(mcpxConfigDir({ os: Deno.build.os, env }));
  } catch {
    return undefined;
  }
}

/**
 * The message of a connection failure that a login would fix, if it is one:
 * a login is needed or was refused, or the server asked for a bearer token
 * (HTTP 401 with `WWW-Authenticate: Bearer`) and none is configured.
 */
export function authFailure(server: RemoteServerConfig, error: unknown): string | undefined {
  const bearerConfigured = Object.keys(server.headers ?? {}).some((k) =>
    k.toLowerCase() === "authorization"
  );
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof AuthRequiredError) return e.message;
    const { name, code, cause } = e as { name?: string; code?: unknown; cause?: unknown };
    if (name === "UnauthorizedError") return new AuthRequiredError(server.name).message;
    if (code === 401 && !bearerConfigured) return new AuthRequiredError(server.name).message;
    e = cause;
  }
  return undefined;
}

/**
 * A `fetch` for a server's transport that turns `403 insufficient_scope` into
 * an {@link AuthRequiredError}: more scope needs the user's consent, which
 * only `mcpx auth login` can ask for. The scope asked for is remembered for
 * that login.
 */
export function stepUpFetch(server: RemoteServerConfig, store: OAuthStore): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (res.status !== 403) return res;
    const header = res.headers.get("www-authenticate") ?? "";
    if (!/error="?insufficient_scope/i.test(header)) return res;
    const scope = /scope="([^"]*)"/i.exec(header)?.[1];
    await res.body?.cancel();
    if (scope) await store.update(server.url, { scope });
    throw new AuthRequiredError(
      server.name,
      `needs a new login with more scope${scope ? ` ("${scope}")` : ""}`,
    );
  };
}
