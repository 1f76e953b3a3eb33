/**
 * Deadlines of one server, over the defaults (config key `"timeouts"`:
 * `{ "connect": ms, "call": ms, "tools": { "<tool>": ms } }`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const timeouts: ServerTimeouts = { connectMs: 5_000, callMs: 30_000, toolsMs: { slow_tool: 120_000 } };
 * assert.equal(timeouts.toolsMs?.slow_tool, 120_000);
 * ```
 */
export interface ServerTimeouts {
  /** Start-up and `initialize`. */
  connectMs?: number;
  /** Each tool call. */
  callMs?: number;
  /** Each call of the named tools, over `callMs`. */
  toolsMs?: Record<string, number>;
}

/**
 * A stdio server: mcpx spawns `command` with `args`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const fs: StdioServerConfig = {
 *   name: "fs",
 *   transport: "stdio",
 *   command: "npx",
 *   args: ["-y", "@modelcontextprotocol/server-filesystem", "."],
 * };
 * assert.equal(fs.args.length, 3);
 * ```
 */
export interface StdioServerConfig {
  /** Server name, the key in the configuration. */
  name: string;
  /** Always `stdio`. */
  transport: "stdio";
  /** Program to start. */
  command: string;
  /** Its arguments. */
  args: string[];
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
  /** Working directory of the process. */
  cwd?: string;
  /** Per-server timeouts over the defaults. */
  timeouts?: ServerTimeouts;
}

/**
 * A remote server over Streamable HTTP (`http`) or the legacy SSE transport (`sse`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const api: RemoteServerConfig = {
 *   name: "api",
 *   transport: "http",
 *   url: "https://example.com/mcp",
 *   headers: { Authorization: "Bearer token" },
 * };
 * assert.equal(new URL(api.url).pathname, "/mcp");
 * ```
 */
export interface RemoteServerConfig {
  /** Server name, the key in the configuration. */
  name: string;
  /** Streamable HTTP (falling back to SSE) or SSE. */
  transport: "http" | "sse";
  /** Endpoint URL. */
  url: string;
  /** HTTP headers sent with every request. */
  headers?: Record<string, string>;
  /** Per-server timeouts over the defaults. */
  timeouts?: ServerTimeouts;
  /** OAuth client settings, for servers that need a login (`mcpx auth login`). */
  oauth?: OAuthSettings;
}

/**
 * How mcpx identifies itself to a server's authorization server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const oauth: OAuthSettings = { clientId: "mcpx-cli", scope: "read write" };
 * assert.equal(oauth.clientId, "mcpx-cli");
 * ```
 */
export interface OAuthSettings {
  /** A client ID registered beforehand (else dynamic registration is used). */
  clientId?: string;
  /** Its secret, for a confidential pre-registered client. */
  clientSecret?: string;
  /** The URL of a client ID metadata document, used as the client ID where supported. */
  clientMetadataUrl?: string;
  /** The scope to ask for (default: what the server advertises). */
  scope?: string;
}

/**
 * One MCP server mcpx can connect to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function describe(server: ServerConfig): string {
 *   return server.transport === "stdio" ? server.command : server.url;
 * }
 * assert.equal(describe({ name: "fs", transport: "stdio", command: "npx", args: [] }), "npx");
 * ```
 */
export type ServerConfig = StdioServerConfig | RemoteServerConfig;

/**
 * The optional top-level `"mcpx"` block of a configuration file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const settings: McpxSettings = {
 *   policy: { "memory/delete_*": "ask" },
 *   audit: { enabled: true, maxBytes: 1 << 20 },
 * };
 * assert.equal(settings.policy?.["memory/delete_*"], "ask");
 * ```
 */
export interface McpxSettings {
  /** `allow` / `ask` / `deny` by tool pattern, over the annotation defaults. */
  policy?: Record<string, "allow" | "ask" | "deny">;
  /** The audit log. */
  audit?: {
    /** Record calls (default true). */
    enabled?: boolean;
    /** The log file (default `audit.jsonl` in the data directory). */
    path?: string;
    /** Record the arguments, secrets redacted (default false: a digest only). */
    args?: boolean;
    /** Rotate at this size in bytes (default 10 MiB). */
    maxBytes?: number;
    /** Rotated files kept (default 3). */
    keep?: number;
  };
  /** `serve --http` as an OAuth resource server (the `--oauth-*` flags win). */
  resourceServer?: ResourceServerSettings;
  /** Bounds of `mcpx serve` (defaults in src/quotas/serve_limits.ts). */
  serve?: {
    /** Most live HTTP sessions (default 64). */
    maxSessions?: number;
    /** Idle HTTP sessions are closed after this long (default 600,000 ms). */
    sessionIdleTimeoutMs?: number;
    /** A request body must arrive within this long (default 30,000 ms). */
    bodyTimeoutMs?: number;
    /** Bounds of saved skills, in bytes of UTF-8 and in number. */
    skills?: {
      /** Largest skill (default 262,144). */
      maxBytes?: number;
      /** Most bytes of skills one session owns (default 1,048,576). */
      maxSessionBytes?: number;
      /** Most bytes of all skills (default 16,777,216). */
      maxTotalBytes?: number;
      /** Most skills (default 1,000). */
      maxCount?: number;
    };
  };
}

/** The `"mcpx": { "resourceServer": … }` block. */
export interface ResourceServerSettings {
  /** The authorization server whose access tokens are accepted. */
  issuer: string;
  /** This server's resource identifier (default: the URL of `/mcp`). */
  resource?: string;
  /** Scopes every token must carry. */
  scopes?: string[];
  /** Introspect tokens with this client (its secret in `MCPX_OAUTH_CLIENT_SECRET`). */
  introspectionClientId?: string;
}

/**
 * A loaded configuration: servers in file order, and where they came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const config: McpxConfig = {
 *   source: "/home/me/.mcp.json",
 *   servers: [{ name: "fs", transport: "stdio", command: "npx", args: [] }],
 * };
 * assert.equal(config.servers[0].name, "fs");
 * ```
 */
export interface McpxConfig {
  /** Absolute path of the file, or `"<inline>"`. */
  source: string;
  /** The enabled servers, in file order. */
  servers: ServerConfig[];
  /** The `"mcpx"` block, when the file has one. */
  mcpx?: McpxSettings;
}
