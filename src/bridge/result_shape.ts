/**
 * What a successful tool call returns to a program, decided in one place so
 * that the generated result types and the bridge always agree:
 *
 * | the tool                                   | returns                                   | typed as                 |
 * | ------------------------------------------ | ----------------------------------------- | ------------------------ |
 * | declares an `outputSchema`                 | `structuredContent`, else JSON text       | the output schema        |
 * | has a learned shape (`mcpx generate --learn`) | `structuredContent`, else JSON text    | the learned schema       |
 * | neither                                    | its `content` blocks, always              | `ToolContent`            |
 *
 * A tool of the first two kinds that sends neither `structuredContent` nor a
 * text block holding JSON fails the call with a message that says so, rather
 * than handing the program a value of another type. A tool of the last kind
 * that sends `structuredContent` anyway still returns its content blocks, so
 * `text(await tool())` always works.
 *
 * @module
 */

import type { CallToolResult, Tool } from "../mcp_types.ts";

/**
 * How a tool's result reaches a program: see the module documentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const kind: ResultKind = resultKind({ name: "echo", inputSchema: { type: "object" } });
 * assert.equal(kind, "content");
 * ```
 */
export type ResultKind = "structured" | "learned" | "content";

/**
 * Key under a tool's `_meta` where a learned result shape is kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tool = {
 *   name: "list",
 *   inputSchema: { type: "object" as const },
 *   _meta: { [LEARNED_META_KEY]: { schema: { type: "array" }, from: "structured", samples: 2 } },
 * };
 * assert.equal(learnedOutput(tool)?.samples, 2);
 * ```
 */
export const LEARNED_META_KEY = "mcpx/learned";

/**
 * A result shape learned from real responses of a tool without `outputSchema`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const learned: LearnedOutput = { schema: { type: "object" }, from: "text", samples: 1 };
 * const tool = { name: "stats", inputSchema: { type: "object" as const }, _meta: { [LEARNED_META_KEY]: learned } };
 * assert.deepEqual(learnedOutput(tool), learned);
 * ```
 */
export interface LearnedOutput {
  /** JSON Schema inferred from the responses. */
  schema: Record<string, unknown>;
  /** Where the value came from: `structuredContent` or a text block holding JSON. */
  from: "structured" | "text";
  /** How many responses the schema was inferred from. */
  samples: number;
}

/**
 * The learned shape kept in `tool._meta`, when there is a valid one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const plain = { name: "echo", inputSchema: { type: "object" as const } };
 * assert.equal(learnedOutput(plain), undefined);
 * const learned = {
 *   ...plain,
 *   _meta: { [LEARNED_META_KEY]: { schema: { type: "object" }, from: "text", samples: 3 } },
 * };
 * assert.equal(learnedOutput(learned)?.from, "text");
 * ```
 */
export function learnedOutput(tool: Tool): LearnedOutput | undefined {
  const meta = (tool as { _meta?: unknown })._meta;
  if (typeof meta !== "object" || meta === null) return undefined;
  const l = (meta as Record<string, unknown>)[LEARNED_META_KEY];
  if (typeof l !== "object" || l === null) return undefined;
  const { schema, from, samples } = l as Record<string, unknown>;
  if (
    typeof schema !== "object" || schema === null || Array.isArray(schema) ||
    (from !== "structured" && from !== "text") || typeof samples !== "number" || samples < 1
  ) return undefined;
  return { schema: schema as Record<string, unknown>, from, samples };
}

/**
 * How `tool`'s result reaches a program.
 *
 * @example
 * ```ts
 * import { resultKind } from "./result_shape.ts";
 * resultKind({ name: "echo", inputSchema: { type: "object" } }); // "content"
 * ```
 */
export function resultKind(tool: Tool): ResultKind {
  if (tool.outputSchema !== undefined) return "structured";
  return learnedOutput(tool) !== undefined ? "learned" : "content";
}

/**
 * The value a program receives, or why there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tool = { name: "echo", inputSchema: { type: "object" as const } };
 * const shaped: ShapedResult = shapeResult("s", tool, { content: [{ type: "text", text: "hi" }] });
 * assert.ok(shaped.ok);
 * ```
 */
export type ShapedResult = { ok: true; value: unknown } | { ok: false; message: string };

const JSON_START = /^\s*[[{]/;

/**
 * The JSON value in `result`'s first text block that holds a JSON object or
 * array, if any.
 */
export function jsonFromText(result: CallToolResult): unknown {
  for (const block of result.content ?? []) {
    if (block.type !== "text" || !JSON_START.test(block.text)) continue;
    try {
      return JSON.parse(block.text);
    } catch { /* not JSON: look further */ }
  }
  return undefined;
}

/**
 * The value a program receives for a successful `result` of `tool`
 * (`tool` undefined: the tool is not known, its content blocks).
 *
 * @example
 * ```ts
 * import { shapeResult } from "./result_shape.ts";
 * const tool = { name: "t", inputSchema: { type: "object" as const } };
 * shapeResult("s", tool, { content: [{ type: "text", text: "hi" }], structuredContent: { a: 1 } });
 * // { ok: true, value: [{ type: "text", text: "hi" }] }
 * ```
 */
export function shapeResult(
  server: string,
  tool: Tool | undefined,
  result: CallToolResult,
): ShapedResult {
  const kind = tool === undefined ? "content" : resultKind(tool);
  if (kind === "content") return { ok: true, value: result.content ?? [] };
  const structured = result.structuredContent;
  if (typeof structured === "object" && structured !== null) return { ok: true, value: structured };
  const parsed = jsonFromText(result);
  if (parsed !== undefined) return { ok: true, value: parsed };
  const why = kind === "structured"
    ? "it declares an output schema"
    : `its result type was learned from ${learnedOutput(tool!)!.samples} earlier responses`;
  const first = (result.content ?? []).find((b) => b.type === "text");
  const text = first?.type === "text"
    ? ` Its text: ${
      JSON.stringify(first.text.length > 200 ? `${first.text.slice(0, 200)}…` : first.text)
    }`
    : "";
  return {
    ok: false,
    message: `Tool "${server}/${
      tool!.name
    }" returned no structured result, although ${why}: it sent neither structuredContent nor JSON text.${text}`,
  };
}
