/**
 * Where the OAuth resource-server settings of `mcpx serve --http` come from:
 * the `--oauth-*` flags over the config's `"mcpx": { "resourceServer": … }`,
 * the client secret for introspection from `MCPX_OAUTH_CLIENT_SECRET`; then
 * the issuer's metadata is discovered.
 *
 * @module
 */
import type { ResourceServerSettings } from "../config/types.ts";
import { McpxError } from "../errors.ts";
import { isLoopback, TOKEN_ENV } from "./bearer_token.ts";
import {
  type AuthorizationServerMetadata,
  CLIENT_SECRET_ENV,
  discoverIssuer,
  type IntrospectionCredentials,
} from "./resource_server.ts";

/** Inputs of {@link resolveResourceServer}. */
export interface ResourceServerSources {
  /** `--oauth-issuer`. */
  issuer?: string;
  /** `--oauth-resource`. */
  resource?: string;
  /** `--oauth-scopes`: space- or comma-separated. */
  scopes?: string;
  /** `--oauth-client-id`: introspect tokens with this client. */
  clientId?: string;
  /** The config's `mcpx.resourceServer`. */
  settings?: ResourceServerSettings;
  /** Environment (`MCPX_OAUTH_CLIENT_SECRET`). */
  env: Record<string, string | undefined>;
  /** The interface `serve --http` listens on. */
  hostname: string;
  /** Whether a static token (`--token`, `--token-file`, `MCPX_TOKEN`) was given. */
  tokenGiven: boolean;
  /** For requests to the issuer. */
  fetch?: typeof fetch;
}

/** What `serveHttp` takes as its `oauth` option. */
export interface ResolvedResourceServer {
  /** The issuer's discovered metadata. */
  issuer: AuthorizationServerMetadata;
  /** The resource identifier; `undefined` means the URL of `/mcp`. */
  resource?: URL;
  /** Scopes every token must carry. */
  scopes: string[];
  /** Introspection credentials, when configured. */
  introspection?: IntrospectionCredentials;
}

/**
 * The resource-server setup, or `undefined` when no issuer is configured.
 *
 * @throws {McpxError} `USAGE` for flags that do not fit together (an
 * `--oauth-*` flag without an issuer, an issuer with a static token, a
 * non-loopback interface without `--oauth-resource`); `CONFIG_INVALID` for
 * a bad URL, a missing client secret or an issuer that cannot be discovered.
 */
export async function resolveResourceServer(
  src: ResourceServerSources,
): Promise<ResolvedResourceServer | undefined> {
  const settings = src.settings;
  const issuer = src.issuer ?? settings?.issuer;
  if (issuer === undefined) {
    const stray = src.resource !== undefined
      ? "--oauth-resource"
      : src.scopes !== undefined
      ? "--oauth-scopes"
      : src.clientId !== undefined
      ? "--oauth-client-id"
      : undefined;
    if (stray !== undefined) {
      throw new McpxError("USAGE", `${stray} needs --oauth-issuer URL`);
    }
    return undefined;
  }
  if (src.tokenGiven) {
    throw new McpxError(
      "USAGE",
      `A static token (--token, --token-file or ${TOKEN_ENV}) and an OAuth issuer ("${issuer}") are alternatives: give one`,
    );
  }
  const resourceText = src.resource ?? settings?.resource;
  let resource: URL | undefined;
  if (resourceText !== undefined) {
    try {
      resource = new URL(resourceText);
    } catch {
      throw new McpxError("CONFIG_INVALID", `Invalid OAuth resource "${resourceText}": not a URL`);
    }
    if (resource.hash !== "") {
      throw new McpxError(
        "CONFIG_INVALID",
        `Invalid OAuth resource "${resourceText}": a resource identifier has no fragment`,
      );
    }
  } else if (!isLoopback(src.hostname)) {
    throw new McpxError(
      "USAGE",
      `Serving OAuth on "${src.hostname}" needs --oauth-resource URL: the public URL of /mcp that clients use and tokens are issued for`,
    );
  }
  const scopes = src.scopes !== undefined
    ? src.scopes.split(/[\s,]+/).filter((s) => s !== "")
    : [...(settings?.scopes ?? [])];
  const clientId = src.clientId ?? settings?.introspectionClientId;
  let introspection: IntrospectionCredentials | undefined;
  if (clientId !== undefined) {
    const clientSecret = src.env[CLIENT_SECRET_ENV];
    if (clientSecret === undefined || clientSecret === "") {
      throw new McpxError(
        "CONFIG_INVALID",
        `Token introspection with client "${clientId}" needs its secret in ${CLIENT_SECRET_ENV}`,
      );
    }
    introspection = { clientId, clientSecret };
  }
  const metadata = await discoverIssuer(issuer, {
    introspection: introspection !== undefined,
    ...(src.fetch ? { fetch: src.fetch } : {}),
  });
  return {
    issuer: metadata,
    ...(resource ? { resource } : {}),
    scopes,
    ...(introspection ? { introspection } : {}),
  };
}
