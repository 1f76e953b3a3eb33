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

/** A form the client shows its user (`elicitation/create`, form mode). */
export interface ElicitForm {
  /** What the user is asked. */
  message: string;
  /** A flat JSON Schema object of the fields asked for. */
  requestedSchema: Record<string, unknown>;
}

/** The user's answer to an {@link ElicitForm}. */
export interface ElicitAnswer {
  action: "accept" | "decline" | "cancel";
  /** The fields, when accepted. */
  content?: Record<string, unknown>;
}

/** Identity and client channel of one execution. */
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
}

let counter = 0;

/** A fresh execution id: time-ordered, unique within the process. */
export function newExecutionId(): string {
  counter = (counter + 1) % 1_000_000;
  return `${Date.now().toString(36)}-${counter.toString(36)}-${
    crypto.getRandomValues(new Uint32Array(1))[0].toString(36)
  }`;
}
