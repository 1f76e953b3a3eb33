/** A stdio server: mcpx spawns `command` with `args`. */
export interface StdioServerConfig {
  /** Server name, the key in the configuration. */
  name: string;
  transport: "stdio";
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** A remote server over Streamable HTTP (`http`) or the legacy SSE transport (`sse`). */
export interface RemoteServerConfig {
  /** Server name, the key in the configuration. */
  name: string;
  transport: "http" | "sse";
  url: string;
  headers?: Record<string, string>;
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
}

/** A loaded configuration: servers in file order, and where they came from. */
export interface McpxConfig {
  /** Absolute path of the file, or `"<inline>"`. */
  source: string;
  servers: ServerConfig[];
  /** The `"mcpx"` block, when the file has one. */
  mcpx?: McpxSettings;
}
