/**
 * What one execution knows about the client it runs for. `mcpx serve` makes
 * one per `execute_code` request; `mcpx run` makes one for the terminal. The
 * bridge passes it with every upstream call, so that server-to-client requests
 * (sampling, elicitation, roots), progress, logs and approvals reach the
 * client whose program caused them, even when upstream connections are shared
 * between sessions.
 *
 * @module
 */

/**
 * A form the client shows its user (`elicitation/create`, form mode).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const form: ElicitForm = {
 *   message: "Delete 3 entities?",
 *   requestedSchema: { type: "object", properties: { confirm: { type: "boolean" } } },
 * };
 * assert.match(form.message, /Delete/);
 * ```
 */
export interface ElicitForm {
  /** What the user is asked. */
  message: string;
  /** A flat JSON Schema object of the fields asked for. */
  requestedSchema: Record<string, unknown>;
}

/**
 * The user's answer to an {@link ElicitForm}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const answer: ElicitAnswer = { action: "accept", content: { confirm: true } };
 * assert.equal(answer.content?.confirm, true);
 * ```
 */
export interface ElicitAnswer {
  /** What the user did with the form. */
  action: "accept" | "decline" | "cancel";
  /** The fields, when accepted. */
  content?: Record<string, unknown>;
}

/**
 * Server-to-client requests an upstream server may send.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const method: ClientRequestMethod = "roots/list";
 * assert.equal(method, "roots/list");
 * ```
 */
export type ClientRequestMethod = "sampling/createMessage" | "elicitation/create" | "roots/list";

/**
 * What the client of an execution can be asked, from its declared capabilities.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const abilities: ClientAbilities = { sampling: false, elicitationForm: true, elicitationUrl: false, roots: true };
 * assert.ok(abilities.elicitationForm);
 * ```
 */
export interface ClientAbilities {
  /** Sampling (`sampling/createMessage`). */
  sampling: boolean;
  /** Form elicitation. */
  elicitationForm: boolean;
  /** URL elicitation. */
  elicitationUrl: boolean;
  /** `roots/list`. */
  roots: boolean;
}

/**
 * Progress of an execution, as MCP `notifications/progress` carries it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const update: ProgressUpdate = { progress: 3, total: 10, message: "indexing" };
 * assert.equal(Math.round((update.progress / update.total!) * 100), 30);
 * ```
 */
export interface ProgressUpdate {
  /** Progress so far. */
  progress: number;
  /** Total, when known. */
  total?: number;
  /** A line for the user. */
  message?: string;
}

/**
 * MCP log levels, least to most severe.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const level: LogLevel = "warning";
 * assert.notEqual(level, "warn"); // MCP levels, not console levels
 * ```
 */
export type LogLevel =
  | "debug"
  | "info"
  | "notice"
  | "warning"
  | "error"
  | "critical"
  | "alert"
  | "emergency";

/**
 * The way back to the client of one execution: server-to-client requests,
 * progress and log messages, in whichever form the client's protocol era
 * allows (a server-initiated request on a 2025-era session, an
 * `InputRequiredResult` round trip in the 2026-07-28 era).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // A channel whose user accepts every form, as a test double of a real client.
 * const channel: ClientChannel = {
 *   era: "modern",
 *   abilities: { sampling: false, elicitationForm: true, elicitationUrl: false, roots: false },
 *   request: () => Promise.resolve({ action: "accept", content: { ok: true } }),
 *   progress: () => {},
 *   log: () => {},
 * };
 * const context = executionContext("s1", channel);
 * const answer = await context.elicit?.({ message: "Proceed?", requestedSchema: { type: "object", properties: {} } });
 * assert.equal(answer?.action, "accept");
 * ```
 */
export interface ClientChannel {
  /** `"legacy"` (2025 revisions), `"modern"` (2026-07-28), or `"terminal"` (`mcpx run`). */
  readonly era: "legacy" | "modern" | "terminal";
  /** What the client declared it can answer. */
  readonly abilities: ClientAbilities;
  /**
   * Sends `method` to the client and resolves with its result.
   *
   * @throws {McpxError} `CLIENT_UNSUPPORTED` when the client cannot answer it.
   */
  request(
    method: ClientRequestMethod,
    params: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>>;
  /** Reports progress on the execution's request (dropped when the client gave no token). */
  progress(update: ProgressUpdate): void;
  /** Sends a log message to the client (filtered by its `logging/setLevel`). */
  log(level: LogLevel, logger: string, data: unknown): void;
}

/**
 * Identity and client channel of one execution.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const context: ExecutionContext = executionContext("session-1");
 * assert.equal(context.sessionId, "session-1");
 * assert.ok(context.executionId.length > 0);
 * ```
 */
export interface ExecutionContext {
  /** Unique id of this execution. */
  readonly executionId: string;
  /** The MCP session (or the terminal run) the execution belongs to. */
  readonly sessionId: string;
  /**
   * Asks the client's user through a form, in whichever way the client's
   * protocol era allows; absent when the client cannot be asked.
   */
  readonly elicit?: (form: ElicitForm, signal?: AbortSignal) => Promise<ElicitAnswer>;
  /** The way back to the client, for server-to-client requests, progress and logs. */
  readonly client?: ClientChannel;
}

/**
 * An {@link ExecutionContext} whose `elicit` goes through `client`
 * (form-mode `elicitation/create`); without a client, or when the client
 * cannot show forms, it has no `elicit`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Without a client channel, nothing can be asked of the user.
 * const context = executionContext("session-1");
 * assert.equal(context.sessionId, "session-1");
 * assert.equal(context.elicit, undefined);
 * ```
 */
export function executionContext(sessionId: string, client?: ClientChannel): ExecutionContext {
  const executionId = newExecutionId();
  if (client === undefined) return { executionId, sessionId };
  const elicit = client.abilities.elicitationForm
    ? async (form: ElicitForm, signal?: AbortSignal): Promise<ElicitAnswer> => {
      const r = await client.request(
        "elicitation/create",
        { mode: "form", message: form.message, requestedSchema: form.requestedSchema },
        signal,
      );
      const action = r.action === "accept" || r.action === "decline" ? r.action : "cancel";
      const content = r.content;
      return action === "accept" && content !== null && typeof content === "object"
        ? { action, content: content as Record<string, unknown> }
        : { action };
    }
    : undefined;
  return { executionId, sessionId, client, ...(elicit ? { elicit } : {}) };
}

let counter = 0;

/**
 * A fresh execution id: time-ordered, unique within the process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const a = newExecutionId();
 * const b = newExecutionId();
 * assert.notEqual(a, b);
 * ```
 */
export function newExecutionId(): string {
  counter = (counter + 1) % 1_000_000;
  return `${Date.now().toString(36)}-${counter.toString(36)}-${
    crypto.getRandomValues(new Uint32Array(1))[0].toString(36)
  }`;
}
