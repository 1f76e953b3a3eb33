/**
 * The error family of mcpx. Every error a caller is expected to handle is an
 * {@link McpxError} with a stable {@link McpxErrorCode}; subclasses exist for
 * the cases callers commonly catch one by one.
 *
 * @module
 */

/**
 * Stable machine-readable error codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const code: McpxErrorCode = "SANDBOX_TIMEOUT";
 * assert.equal(new SandboxTimeoutError(1).code, code);
 * ```
 */
export type McpxErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_NOT_FOUND"
  | "UNKNOWN_SERVER"
  | "SERVER_START_FAILED"
  | "SERVER_TIMEOUT"
  | "SERVER_ERROR"
  | "SERVER_UNAVAILABLE"
  | "SERVER_PROTOCOL_ERROR"
  | "PLUGIN_INVALID_NAME"
  | "PLUGIN_NOT_FOUND"
  | "PLUGIN_INTEGRITY"
  | "TEMPLATE_ERROR"
  | "JAVY_UNAVAILABLE"
  | "JAVY_PLUGIN_INVALID"
  | "SANDBOX_COMPILE"
  | "SANDBOX_RUNTIME"
  | "SANDBOX_TIMEOUT"
  | "SANDBOX_MEMORY"
  | "SANDBOX_STACK"
  | "SANDBOX_OUTPUT"
  | "SANDBOX_CRASHED"
  | "SANDBOX_CANCELLED"
  | "TOOL_DENIED"
  | "RESOURCE_DENIED"
  | "PROMPT_DENIED"
  | "UNKNOWN_TOOL"
  | "TOOL_INVALID_ARGS"
  | "TOOL_RATE_LIMITED"
  | "TOOL_LIMIT"
  | "TOOL_TIMEOUT"
  | "TOOL_CANCELLED"
  | "TOOL_ERROR"
  | "APPROVAL_DENIED"
  | "APPROVAL_REQUIRED"
  | "APPROVAL_INVALID"
  | "PLAN_MISMATCH"
  | "TYPE_ERROR"
  | "TYPE_CHECK_FAILED"
  | "WORKSPACE_LIMIT"
  | "FILE_NOT_FOUND"
  | "INSTALL"
  | "AUTH_REQUIRED"
  | "AUTH_FAILED"
  | "CLIENT_UNSUPPORTED"
  | "REQUEST_STATE_INVALID"
  | "QUOTA_EXCEEDED"
  | "USAGE";

/**
 * Base class of every error mcpx throws on purpose.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new McpxError("UNKNOWN_SERVER", 'Unknown server "x"');
 * assert.equal(error.code, "UNKNOWN_SERVER");
 * assert.ok(error instanceof Error);
 * ```
 */
export class McpxError extends Error {
  /** Stable code, for programs. */
  readonly code: McpxErrorCode;

  /**
   * An error with a stable `code`.
   *
   * @param code Stable machine-readable code.
   * @param message Human-readable message naming the offending value.
   * @param options Standard error options (`cause`).
   */
  constructor(code: McpxErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "McpxError";
    this.code = code;
  }
}

/**
 * A configuration file or inline server definition is missing or invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new ConfigError('Invalid config "a.json": mcpServers.fs.command: expected a string');
 * assert.equal(error.code, "CONFIG_INVALID");
 * assert.ok(error instanceof McpxError);
 * ```
 */
export class ConfigError extends McpxError {
  /** A configuration error; `code` defaults to `CONFIG_INVALID`. */
  constructor(message: string, options?: ErrorOptions & { code?: McpxErrorCode }) {
    super(options?.code ?? "CONFIG_INVALID", message, options);
    this.name = "ConfigError";
  }
}

/**
 * An MCP server could not be started, reached, or did not answer in time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new ServerConnectionError("fs", 'Server "fs" exited with code 1', { exitCode: 1 });
 * assert.equal(error.code, "SERVER_START_FAILED");
 * assert.equal(error.exitCode, 1);
 * ```
 */
export class ServerConnectionError extends McpxError {
  /** Server name from the configuration. */
  readonly server: string;
  /** Exit code of a stdio server that exited, when known. */
  readonly exitCode?: number | null;
  /** Last lines the server wrote to stderr, when known. */
  readonly stderrTail?: string;

  /** A connection error for `server`; `code` defaults to `SERVER_START_FAILED`. */
  constructor(
    server: string,
    message: string,
    options?: ErrorOptions & {
      code?: McpxErrorCode;
      exitCode?: number | null;
      stderrTail?: string;
    },
  ) {
    super(options?.code ?? "SERVER_START_FAILED", message, options);
    this.name = "ServerConnectionError";
    this.server = server;
    this.exitCode = options?.exitCode;
    this.stderrTail = options?.stderrTail;
  }
}

/**
 * A saved plugin failed its checksum verification or is incomplete.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new PluginIntegrityError("demo", 'Plugin "demo": checksum mismatch', {
 *   file: "runtime.ts",
 * });
 * assert.equal(error.code, "PLUGIN_INTEGRITY");
 * assert.equal(error.file, "runtime.ts");
 * ```
 */
export class PluginIntegrityError extends McpxError {
  /** Plugin name. */
  readonly plugin: string;
  /** Path, relative to the plugin, of the offending file, when one is at fault. */
  readonly file?: string;

  /** An integrity error for `plugin`, naming the offending `file` when there is one. */
  constructor(plugin: string, message: string, options?: ErrorOptions & { file?: string }) {
    super("PLUGIN_INTEGRITY", message, options);
    this.name = "PluginIntegrityError";
    this.plugin = plugin;
    this.file = options?.file;
  }
}

/**
 * Guest code ran past its wall-clock deadline and was interrupted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new SandboxTimeoutError(5_000);
 * assert.equal(error.code, "SANDBOX_TIMEOUT");
 * assert.equal(error.message, "Execution timed out after 5000 ms");
 * ```
 */
export class SandboxTimeoutError extends McpxError {
  /** The deadline that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /** A timeout after `timeoutMs` milliseconds. */
  constructor(timeoutMs: number, options?: ErrorOptions) {
    super("SANDBOX_TIMEOUT", `Execution timed out after ${timeoutMs} ms`, options);
    this.name = "SandboxTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Guest code exceeded its memory limit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new SandboxMemoryError(64 * 1024 * 1024);
 * assert.equal(error.code, "SANDBOX_MEMORY");
 * assert.match(error.message, /64 MiB/);
 * ```
 */
export class SandboxMemoryError extends McpxError {
  /** The memory limit, in bytes. */
  readonly limitBytes: number;
  /** An out-of-memory error for a limit of `limitBytes`. */
  constructor(limitBytes: number, options?: ErrorOptions) {
    super(
      "SANDBOX_MEMORY",
      `Execution ran out of memory (limit ${Math.round(limitBytes / 1048576)} MiB)`,
      options,
    );
    this.name = "SandboxMemoryError";
    this.limitBytes = limitBytes;
  }
}

/**
 * A tool call was refused by policy or failed upstream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new ToolCallError("TOOL_DENIED", "fs", "write_file", 'Tool "fs/write_file" is not allowed');
 * assert.equal(error.server, "fs");
 * assert.equal(error.tool, "write_file");
 * ```
 */
export class ToolCallError extends McpxError {
  /** Server name. */
  readonly server: string;
  /** Tool name as the server spells it. */
  readonly tool: string;
  /** A refused or failed call of `tool` on `server`. */
  constructor(
    code: McpxErrorCode,
    server: string,
    tool: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = "ToolCallError";
    this.server = server;
    this.tool = tool;
  }
}

/** A bounded resource (sessions, saved skills, request time) is used up. */
export class QuotaExceededError extends McpxError {
  /** Which limit was reached, as its setting is named (`maxSessions`, `skills.maxBytes`, …). */
  readonly limit: string;
  /**
   * An error of code `QUOTA_EXCEEDED`.
   *
   * @param limit The setting of the limit reached.
   * @param message What was refused and why, naming the limit.
   */
  constructor(limit: string, message: string, options?: ErrorOptions) {
    super("QUOTA_EXCEEDED", message, options);
    this.name = "QuotaExceededError";
    this.limit = limit;
  }
}

/** Formats a list of names for a message: `"a", "b"`, or `none`. */
export function quoteList(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.map((n) => `"${n}"`).join(", ");
}
