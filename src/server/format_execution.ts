/**
 * The text `execute_code` answers with: console output, then the result, then
 * one line of figures, cut to a budget of characters.
 *
 * @module
 */
import type { ExecutionResult } from "../sandbox/sandbox.ts";

/** Default budget of a reply, in characters. */
export const DEFAULT_MAX_RESULT_CHARS: number = 20_000;

/** A formatted execution: the reply text and whether it reports a failure. */
export interface FormattedExecution {
  text: string;
  isError: boolean;
}

/**
 * Formats `r` for the model: log lines (levels other than `log`/`info`
 * prefixed), the result (a string as is, anything else as JSON), an error as
 * `Name: message` with the guest stack, and a line such as `[ok · 12 ms · 2
 * tool calls]`. Text over `maxChars` is cut, keeping its start, with a note of
 * how much was cut.
 *
 * @example
 * ```ts
 * import { formatExecution } from "./format_execution.ts";
 * const r = formatExecution({ ok: true, result: 3, resultJson: "3", logs: [],
 *   stats: { durationMs: 1.2, toolCalls: 1, outputBytes: 1, truncated: false } }, 1000);
 * r.text; // "3\n[ok · 1 ms · 1 tool call]"
 * ```
 */
export function formatExecution(r: ExecutionResult, maxChars: number): FormattedExecution {
  const parts: string[] = [];
  for (const l of r.logs) {
    parts.push(l.level === "log" || l.level === "info" ? l.message : `${l.level}: ${l.message}`);
  }
  if (r.ok) {
    if (r.resultJson !== undefined) {
      parts.push(typeof r.result === "string" ? r.result : r.resultJson);
    }
  } else if (r.error) {
    const e = r.error;
    const head = `${e.name}: ${e.message}`;
    let text = e.stack && e.stack.includes(e.message)
      ? e.stack
      : `${head}${e.stack ? `\n${e.stack}` : ""}`;
    if (!text.startsWith(e.name)) text = `${head}\n${text}`;
    parts.push(text.trimEnd());
  }
  const stats = r.stats;
  const figures = [
    r.ok ? "ok" : `failed ${r.error?.code ?? ""}`.trimEnd(),
    `${Math.round(stats.durationMs)} ms`,
    `${stats.toolCalls} tool call${stats.toolCalls === 1 ? "" : "s"}`,
  ];
  if (stats.truncated) figures.push("output truncated by the sandbox");
  const tail = `[${figures.join(" · ")}]`;
  const body = parts.join("\n");
  const text = body === "" ? tail : `${cut(body, maxChars - tail.length - 1)}\n${tail}`;
  return { text, isError: !r.ok };
}

/**
 * `text` cut to at most `max` characters, keeping its start and ending with a
 * note of how many characters were cut.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const noteFor = (kept: number) =>
    `\n…[cut ${(text.length - kept).toLocaleString("en-US")} of ${
      text.length.toLocaleString("en-US")
    } characters: return less, or keep large data in the workspace]`;
  const keep = Math.max(0, max - noteFor(Math.max(0, max - 120)).length);
  const note = noteFor(keep);
  // Do not split a surrogate pair.
  let end = keep;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end) + note;
}
