/**
 * The engine seam of the sandbox: one interface that every backend (QuickJS
 * in WebAssembly today) implements, so backends can be swapped without
 * touching the host side.
 *
 * An engine runs plain JavaScript modules (already transpiled) from a virtual
 * file tree, forwards the guest's tool calls to the host as JSON text, and
 * reports the outcome as plain data. Guest-caused failures are part of the
 * outcome; `execute` rejects only when the engine itself is misused.
 *
 * @module
 */

import type { McpxErrorCode } from "../errors.ts";

/**
 * Resource limits of one execution.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const limits: EngineLimits = {
 *   memoryBytes: 64 * 1024 * 1024,
 *   stackBytes: 256 * 1024,
 *   timeoutMs: 2_000,
 *   maxToolCalls: 100,
 *   maxConcurrentToolCalls: 8,
 *   maxOutputBytes: 1024 * 1024,
 * };
 * assert.equal(limits.timeoutMs, 2_000);
 * ```
 */
export interface EngineLimits {
  /** Heap the guest may use, in bytes. */
  memoryBytes: number;
  /** Native stack the guest may use, in bytes. */
  stackBytes: number;
  /** Wall-clock deadline of the whole execution, tool calls included, in milliseconds. */
  timeoutMs: number;
  /** Tool calls one execution may make; later calls fail with `TOOL_LIMIT`. */
  maxToolCalls: number;
  /** Tool calls in flight at once; extra calls wait in a queue. */
  maxConcurrentToolCalls: number;
  /** Bytes of console output and result kept; the rest is cut with a marker. */
  maxOutputBytes: number;
}

/**
 * What the guest asks the engine to run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EngineLimits } from "@mcpx/cli";
 *
 * const limits: EngineLimits = {
 *   memoryBytes: 64 << 20,
 *   stackBytes: 256 << 10,
 *   timeoutMs: 2_000,
 *   maxToolCalls: 100,
 *   maxConcurrentToolCalls: 8,
 *   maxOutputBytes: 1 << 20,
 * };
 *
 * const request: ExecuteRequest = {
 *   entry: "/main.js",
 *   files: new Map([["/main.js", "export default 1;"]]),
 *   limits,
 * };
 * assert.ok(request.files.has(request.entry));
 * ```
 */
export interface ExecuteRequest {
  /** Path of the entry module inside `files`, such as `/main.ts`. */
  entry: string;
  /**
   * The virtual tree: absolute path → JavaScript source (already transpiled).
   * Together with `treeId`, it is sent to a worker only when that worker does
   * not hold this tree yet.
   */
  files: ReadonlyMap<string, string>;
  /** Identity of `files`: the same id promises the same contents. */
  treeId?: number;
  /**
   * Files of this execution only, over the tree: the entry module and any
   * session files. Sent with every execution.
   */
  extraFiles?: ReadonlyMap<string, string>;
  /** Limits of this execution. */
  limits: EngineLimits;
  /** Aborting it cancels the execution (`SANDBOX_CANCELLED`). */
  signal?: AbortSignal;
}

/**
 * The host side of an execution: where the guest's tool calls go.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const host: EngineHost = {
 *   callTool: (server, tool, argsJson) =>
 *     Promise.resolve(JSON.stringify({ ok: true, value: { server, tool, args: JSON.parse(argsJson) } })),
 * };
 * const reply = JSON.parse(await host.callTool("calc", "add", '{"a":1}', new AbortController().signal));
 * assert.deepEqual(reply.value.args, { a: 1 });
 * ```
 */
export interface EngineHost {
  /**
   * Calls `tool` on `server` with the JSON text of the guest's arguments and
   * returns the JSON text of a {@link CallEnvelope}. `signal` aborts when the
   * execution ends before the call does. `line` is the line of the entry
   * program that made the call, when the engine knows it. `pauseClock`, when
   * the engine offers it, stops the execution's time limit until the function
   * it returns is called.
   */
  callTool(
    server: string,
    tool: string,
    argsJson: string,
    signal: AbortSignal,
    line?: number,
    pauseClock?: () => () => void,
  ): Promise<string>;
}

/**
 * The reply to one tool call, as the guest's runtime module receives it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EngineCallEnvelope } from "@mcpx/cli";
 *
 * const reply: EngineCallEnvelope = { ok: true, value: { sum: 3 } };
 * assert.deepEqual(JSON.parse(JSON.stringify(reply)), reply);
 * ```
 */
export type CallEnvelope =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string; content?: unknown } };

/**
 * Console levels the guest can write to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ConsoleLevel } from "@mcpx/cli";
 *
 * const levels: ConsoleLevel[] = ["log", "info", "warn", "error", "debug"];
 * assert.equal(levels.length, 5);
 * ```
 */
export type LogLevel = "log" | "info" | "warn" | "error" | "debug";

/**
 * One line the guest wrote with `console.*`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const entry: LogEntry = { level: "warn", message: "slow server" };
 * assert.equal(`[${entry.level}] ${entry.message}`, "[warn] slow server");
 * ```
 */
export interface LogEntry {
  /** The console method used. */
  level: LogLevel;
  /** The formatted arguments, joined with spaces. */
  message: string;
}

/**
 * Why an execution failed, as plain data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error: ExecutionError = { code: "SANDBOX_RUNTIME", name: "TypeError", message: "x is not a function" };
 * assert.equal(error.code, "SANDBOX_RUNTIME");
 * ```
 */
export interface ExecutionError {
  /**
   * `SANDBOX_RUNTIME` for an uncaught guest exception, `SANDBOX_COMPILE` for
   * code that cannot be parsed or linked, or the limit that stopped it:
   * `SANDBOX_TIMEOUT`, `SANDBOX_MEMORY`, `SANDBOX_STACK`, `SANDBOX_CANCELLED`,
   * `SANDBOX_CRASHED`.
   */
  code: McpxErrorCode;
  /** The guest error's name (`TypeError`, `ToolError`…) or the mcpx error's name. */
  name: string;
  /** Human-readable message. */
  message: string;
  /** Guest stack, `Name: message` then `    at fn (/main.ts:4:13)` lines, when known. */
  stack?: string;
  /** The `code` property of the guest error, such as a `ToolError`'s `TOOL_DENIED`. */
  guestCode?: string;
}

/**
 * Figures about one execution.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const stats: ExecutionStats = { durationMs: 12, toolCalls: 2, outputBytes: 40, truncated: false };
 * assert.equal(stats.toolCalls, 2);
 * ```
 */
export interface ExecutionStats {
  /** Wall-clock time from the call to `execute` to its outcome, in milliseconds. */
  durationMs: number;
  /** Tool calls forwarded to the host (calls refused by `maxToolCalls` not included). */
  toolCalls: number;
  /** UTF-8 bytes of console output and result kept. */
  outputBytes: number;
  /** Whether output or result was cut to `maxOutputBytes`. */
  truncated: boolean;
}

/**
 * The outcome of one execution.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const outcome: ExecuteOutcome = {
 *   ok: true,
 *   resultJson: '{"n":1}',
 *   logs: [{ level: "log", message: "hi" }],
 *   stats: { durationMs: 3, toolCalls: 0, outputBytes: 9, truncated: false },
 * };
 * assert.deepEqual(JSON.parse(outcome.resultJson!), { n: 1 });
 * ```
 */
export interface ExecuteOutcome {
  /** True when the program finished without an uncaught error. */
  ok: boolean;
  /**
   * JSON text of the awaited `export default` of the entry module; absent when
   * it is `undefined`. When `stats.truncated` cut it, it ends with a
   * `…[truncated N bytes]` marker and is no longer valid JSON.
   */
  resultJson?: string;
  /** True when `resultJson` was cut to `maxOutputBytes`. */
  resultTruncated?: boolean;
  /** Console output, in order. */
  logs: LogEntry[];
  /** Why it failed, when `ok` is false. */
  error?: ExecutionError;
  /** Figures about the execution. */
  stats: ExecutionStats;
}

/**
 * A backend able to run guest modules.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EngineLimits } from "@mcpx/cli";
 *
 * const limits: EngineLimits = {
 *   memoryBytes: 64 << 20,
 *   stackBytes: 256 << 10,
 *   timeoutMs: 2_000,
 *   maxToolCalls: 100,
 *   maxConcurrentToolCalls: 8,
 *   maxOutputBytes: 1 << 20,
 * };
 *
 * // An engine that answers every program with 42 (a Sandbox can run on any engine).
 * const engine: Engine = {
 *   name: "constant",
 *   execute: () =>
 *     Promise.resolve({
 *       ok: true,
 *       resultJson: "42",
 *       logs: [],
 *       stats: { durationMs: 0, toolCalls: 0, outputBytes: 2, truncated: false },
 *     }),
 *   dispose: () => Promise.resolve(),
 * };
 * const outcome = await engine.execute(
 *   { entry: "/main.js", files: new Map([["/main.js", "export default 1;"]]), limits },
 *   { callTool: () => Promise.resolve('{"ok":true,"value":null}') },
 * );
 * assert.equal(outcome.resultJson, "42");
 * await engine.dispose();
 * ```
 */
export interface Engine {
  /** Short name of the backend, such as `quickjs`. */
  readonly name: string;
  /**
   * Runs `req.entry` from `req.files` and resolves with the outcome. Resolves
   * (never rejects) for anything the guest does; rejects only when the engine
   * is closed or the request is malformed.
   */
  execute(req: ExecuteRequest, host: EngineHost): Promise<ExecuteOutcome>;
  /** Stops the engine; executions still running or queued end as `SANDBOX_CANCELLED`. */
  dispose(): Promise<void>;
}
