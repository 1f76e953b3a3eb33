/**
 * Deadlines of one server, over the defaults (config key `"timeouts"`:
 * `{ "connect": ms, "call": ms, "tools": { "<tool>": ms } }`).
 */
export interface ServerTimeouts {
  /** Start-up and `initialize`. */
  connectMs?: number;
  /** Each tool call. */
  callMs?: number;
  /** Each call of the named tools, over `callMs`. */
  toolsMs?: Record<string, number>;
}

/** A stdio server: mcpx spawns `command` with `args`. */
export interface StdioServerConfig {
  /** Server name, the key in the configuration. */
  name: string;
  transport: "stdio";
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  timeouts?: ServerTimeouts;
}

/** A remote server over Streamable HTTP (`http`) or the legacy SSE transport (`sse`). */
export interface RemoteServerConfig {
  /** Server name, the key in the configuration. */
  name: string;
  transport: "http" | "sse";
  url: string;
  headers?: Record<string, string>;
  timeouts?: ServerTimeouts;
  /** OAuth client settings, for servers that need a login (`mcpx auth login`). */
  oauth?: OAuthSettings;
}

/** How mcpx identifies itself to a server's authorization server. */
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

/** One MCP server mcpx can connect to. */
export type ServerConfig = StdioServerConfig | RemoteServerConfig;

/** The optional top-level `"mcpx"` block of a configuration file. */
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

/** A loaded configuration: servers in file order, and where they came from. */
export interface McpxConfig {
  /** Absolute path of the file, or `"<inline>"`. */
  source: string;
  servers: ServerConfig[];
  /** The `"mcpx"` block, when the file has one. */
  mcpx?: McpxSettings;
}
