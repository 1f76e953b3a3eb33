/**
 * Small helpers of mcpx's tool handlers: reading a call's arguments and
 * building its `CallToolResult`s.
 *
 * @module
 */
import type { CallToolResult } from "../mcp_types.ts";
import { McpxError } from "../errors.ts";

/** The arguments of a tool call. */
export type Args = Record<string, unknown>;

/** A result of one text block. */
export function text(t: string): CallToolResult {
  return { content: [{ type: "text", text: t }] };
}

/** An `isError` result of one text block. */
export function errorText(t: string): CallToolResult {
  return { content: [{ type: "text", text: t }], isError: true };
}

/** Invalid arguments: an `isError` result the model can read and fix, not a JSON-RPC error. */
export function invalid(message: string): McpxError {
  return new McpxError("TOOL_INVALID_ARGS", message);
}

/** The string argument `key` of `args` (undefined when absent and not `required`). */
export function stringArg(args: Args, key: string, required = false): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) {
    if (required) throw invalid(`Missing argument "${key}"`);
    return undefined;
  }
  if (typeof v !== "string") {
    throw invalid(
      `Invalid argument "${key}": expected a string, got ${Array.isArray(v) ? "array" : typeof v}`,
    );
  }
  return v;
}

/** The first line of `s`. */
export function firstLine(s: string): string {
  const i = s.indexOf("\n");
  return i < 0 ? s : s.slice(0, i);
}

/** The first sentence of `s`, on one line, at most 160 characters. */
export function firstSentence(s: string): string {
  const clean = s.replace(/\s+/g, " ").trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(clean);
  const one = m ? m[1] : clean;
  return one.length > 160 ? `${one.slice(0, 159)}…` : one;
}
