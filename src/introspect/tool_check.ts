/**
 * Checking a server's tool list tool by tool, so that one tool whose shape a
 * client cannot use (an input schema that is not an object schema, a name
 * that is not a string, an output schema no validator compiles) is skipped
 * with a reason instead of failing the whole list.
 *
 * @module
 */

import { ToolSchema } from "../_sdk.ts";
import type { Tool } from "../mcp_types.ts";

/** A tool left out of a server's list, and why. */
export interface SkippedTool {
  /** The tool's name as shown in messages: shortened, control characters escaped. */
  name: string;
  /** Why it cannot be used, as a phrase (`its input schema …`). */
  reason: string;
}

/** Result of {@link checkTools}. */
export interface CheckedTools {
  /** The usable tools, in the order listed. */
  tools: Tool[];
  /** The tools left out, in the order listed. */
  skipped: SkippedTool[];
}

/** Longest tool name shown whole in messages; longer ones are shortened. */
export const SHOWN_NAME_CHARS = 100;

/**
 * Splits a raw `tools` array, as a server sent it, into the tools that match
 * the MCP schema of a tool and those that do not.
 *
 * @example
 * ```ts
 * import { checkTools } from "./tool_check.ts";
 * const { tools, skipped } = checkTools([
 *   { name: "ok", inputSchema: { type: "object" } },
 *   { name: "bad", inputSchema: { type: "string" } },
 * ]);
 * console.log(tools.length, skipped[0].reason);
 * // 1 "its input schema is not an object schema: type: Invalid input: expected \"object\""
 * ```
 */
export function checkTools(raw: readonly unknown[]): CheckedTools {
  const out: CheckedTools = { tools: [], skipped: [] };
  raw.forEach((item, i) => {
    const parsed = ToolSchema.safeParse(item);
    if (parsed.success) out.tools.push(parsed.data as Tool);
    else {
      out.skipped.push({
        name: nameOf(item, i),
        reason: reasonOf(item, parsed.error.issues),
      });
    }
  });
  return out;
}

/**
 * A tool name as messages show it: quoted, with control characters, bidi
 * overrides and invisible characters escaped, and shortened to its first 60
 * and last 20 characters when longer than {@link SHOWN_NAME_CHARS}.
 */
export function showToolName(name: string): string {
  const short = name.length > SHOWN_NAME_CHARS
    ? `${name.slice(0, 60)}…${name.slice(-20)} (${name.length} characters)`
    : name;
  return JSON.stringify(short).replace(
    /[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The message that names a skipped tool of `server`. */
export function skippedToolMessage(server: string, skipped: SkippedTool): string {
  return `Skipped tool ${skipped.name} of server "${server}": ${skipped.reason}`;
}

function nameOf(item: unknown, index: number): string {
  const name = isRecord(item) ? item.name : undefined;
  if (typeof name === "string") return showToolName(name);
  return `#${index + 1}`;
}

interface Issue {
  path: PropertyKey[];
  message: string;
}

function reasonOf(item: unknown, issues: readonly Issue[]): string {
  if (!isRecord(item)) {
    return `it is ${
      item === null ? "null" : Array.isArray(item) ? "an array" : `a ${typeof item}`
    }, not an object`;
  }
  const issue = issues[0];
  if (issue === undefined) return "it does not match the MCP schema of a tool";
  const [head, ...rest] = issue.path.map(String);
  const where = rest.length > 0 ? `${rest.join(".")}: ` : "";
  switch (head) {
    case "name":
      return item.name === undefined
        ? "it has no name"
        : `its name is not a string (${describe(item.name)})`;
    case "inputSchema":
      return item.inputSchema === undefined
        ? "it has no input schema"
        : `its input schema is not an object schema: ${where}${issue.message}`;
    case "outputSchema":
      return `its output schema is not an object schema: ${where}${issue.message}`;
    default:
      return `${issue.path.map(String).join(".") || "the tool"}: ${issue.message}`;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
