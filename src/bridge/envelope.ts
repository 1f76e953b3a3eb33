/**
 * The reply of one bridged tool call, as the generated runtime module
 * (`runtime.ts`) expects it from the host hook.
 *
 * @module
 */

import type { McpxErrorCode } from "../errors.ts";

/** Error codes an envelope may carry. */
export type CallErrorCode = McpxErrorCode;

/**
 * The error half of a {@link CallEnvelope}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error: CallEnvelopeError = { code: "TOOL_ERROR", message: 'Tool "fs/read_file" failed' };
 * assert.equal(error.code, "TOOL_ERROR");
 * ```
 */
export interface CallEnvelopeError {
  /** Stable code such as `TOOL_DENIED`, `TOOL_ERROR` or `SERVER_ERROR`. */
  code: string;
  /** Human-readable message naming the server and tool. */
  message: string;
  /** The tool's own content blocks, when the tool reported the error. */
  content?: unknown;
}

/**
 * `{ ok: true, value }` with the tool's `structuredContent` (or its `content`
 * blocks), or `{ ok: false, error }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function show(reply: CallEnvelope): unknown {
 *   return reply.ok ? reply.value : `${reply.error.code}: ${reply.error.message}`;
 * }
 * assert.equal(show({ ok: true, value: 3 }), 3);
 * assert.equal(show({ ok: false, error: { code: "TOOL_DENIED", message: "no" } }), "TOOL_DENIED: no");
 * ```
 */
export type CallEnvelope =
  | { ok: true; value: unknown }
  | { ok: false; error: CallEnvelopeError };

/** Builds a successful envelope. */
export function okEnvelope(value: unknown): CallEnvelope {
  return { ok: true, value };
}

/** Builds a failed envelope. */
export function errorEnvelope(
  code: CallErrorCode,
  message: string,
  content?: unknown,
): CallEnvelope {
  return content === undefined
    ? { ok: false, error: { code, message } }
    : { ok: false, error: { code, message, content } };
}
