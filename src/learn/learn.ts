/**
 * Learned result types: the shapes of real responses of tools that declare
 * no `outputSchema`, kept in the tool's `_meta` (see `LEARNED_META_KEY`) of a
 * server snapshot, from which the generator types the tool's result.
 *
 * Learning never calls a tool that could change anything: {@link learnTools}
 * calls only tools annotated read-only (`readOnlyHint: true`, not
 * `destructiveHint: true`) that take no required arguments, once each, with
 * `{}` and a short deadline. {@link learnFromResult} records a response a
 * program's own call received.
 *
 * @module
 */

import type { CallToolResult, Tool } from "../mcp_types.ts";
import {
  jsonFromText,
  LEARNED_META_KEY,
  type LearnedOutput,
  learnedOutput,
} from "../bridge/result_shape.ts";
import { schemaToTypeScript } from "../codegen/json_schema_to_ts.ts";
import type { Connection } from "../introspect/connect.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { mergeSchemas, schemaOf } from "./infer_schema.ts";

/** Default deadline of one learning call: 3 seconds. */
export const DEFAULT_LEARN_TIMEOUT_MS = 3_000;

/**
 * Why `tool` is not called to learn its result type, or `undefined` when it
 * may be.
 *
 * @example
 * ```ts
 * import { learnRefusal } from "./learn.ts";
 * learnRefusal({ name: "rm", inputSchema: { type: "object" } }); // "it is not annotated read-only"
 * ```
 */
export function learnRefusal(tool: Tool): string | undefined {
  if (tool.outputSchema !== undefined) return "it declares an output schema";
  const a = tool.annotations;
  if (a?.readOnlyHint !== true || a.destructiveHint === true) {
    return "it is not annotated read-only";
  }
  try {
    const { acceptsEmptyObject } = schemaToTypeScript(tool.inputSchema, "Args", {
      description: false,
    });
    if (!acceptsEmptyObject) return "it needs arguments";
  } catch {
    return "its input schema cannot be read";
  }
  return undefined;
}

/**
 * `tool` with the shape of `result` merged into its learned output, or `tool`
 * itself when there is nothing to learn: the tool declares an output schema,
 * the result is an error, or it holds neither `structuredContent` nor JSON
 * text.
 *
 * @example
 * ```ts
 * import { learnFromResult } from "./learn.ts";
 * import { learnedOutput } from "../bridge/result_shape.ts";
 * const tool = learnFromResult(
 *   { name: "stats", inputSchema: { type: "object" } },
 *   { content: [{ type: "text", text: '{"count":3}' }] },
 * );
 * learnedOutput(tool)?.schema; // { type: "object", properties: { count: { type: "integer" } }, required: ["count"] }
 * ```
 */
export function learnFromResult(tool: Tool, result: CallToolResult): Tool {
  if (tool.outputSchema !== undefined || result.isError === true) return tool;
  let value: unknown;
  let from: LearnedOutput["from"];
  const structured = result.structuredContent;
  if (typeof structured === "object" && structured !== null) {
    value = structured;
    from = "structured";
  } else {
    value = jsonFromText(result);
    from = "text";
  }
  if (typeof value !== "object" || value === null) return tool;
  const before = learnedOutput(tool);
  const sample = schemaOf(value);
  const learned: LearnedOutput = before !== undefined && before.from === from
    ? { schema: mergeSchemas(before.schema, sample), from, samples: before.samples + 1 }
    : { schema: sample, from, samples: 1 };
  const meta = (tool as { _meta?: Record<string, unknown> })._meta ?? {};
  return { ...tool, _meta: { ...meta, [LEARNED_META_KEY]: learned } };
}

/**
 * What {@link learnTools} did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function summary(report: LearnReport): string {
 *   return `${report.learned.length} learned, ${report.skipped.length} skipped`;
 * }
 * assert.equal(summary({ snapshot: {} as LearnReport["snapshot"], learned: ["a"], skipped: [] }), "1 learned, 0 skipped");
 * ```
 */
export interface LearnReport {
  /** The snapshot with learned outputs recorded in its tools. */
  snapshot: ServerSnapshot;
  /** Names of the tools whose result type was learned. */
  learned: string[];
  /** Tools that were called but taught nothing, or could not be called, and why. */
  skipped: { tool: string; reason: string }[];
}

/**
 * Calls every tool of `snapshot` that {@link learnRefusal} allows, once,
 * with `{}`, and records the shape of its response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
 * import { connect, introspect } from "@mcpx/cli";
 *
 * // A tool without an output schema that answers with JSON text.
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * server.registerTool("stats", { annotations: { readOnlyHint: true } }, () => ({ content: [{ type: "text", text: '{"files":3}' }] }));
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * await server.connect(serverSide);
 *
 * const config = { name: "demo", transport: "stdio" as const, command: "demo", args: [] };
 * await using conn = await connect(config, { transport: clientSide });
 * const report = await learnTools(conn, await introspect(conn));
 * assert.deepEqual(report.learned, ["stats"]);
 * ```
 */
export async function learnTools(
  conn: Connection,
  snapshot: ServerSnapshot,
  opts: { timeoutMs?: number } = {},
): Promise<LearnReport> {
  const learned: string[] = [];
  const skipped: { tool: string; reason: string }[] = [];
  const tools: Tool[] = [];
  for (const tool of snapshot.tools) {
    if (learnRefusal(tool) !== undefined) {
      tools.push(tool);
      continue;
    }
    let result: CallToolResult;
    try {
      result = await conn.client.callTool({ name: tool.name, arguments: {} }, undefined, {
        timeout: opts.timeoutMs ?? DEFAULT_LEARN_TIMEOUT_MS,
      }) as CallToolResult;
    } catch (error) {
      skipped.push({
        tool: tool.name,
        reason: `the call failed: ${error instanceof Error ? error.message : String(error)}`,
      });
      tools.push(tool);
      continue;
    }
    const next = learnFromResult(tool, result);
    if (next === tool) {
      skipped.push({
        tool: tool.name,
        reason: result.isError === true
          ? "it reported an error"
          : "its response holds neither structuredContent nor JSON text",
      });
    } else learned.push(tool.name);
    tools.push(next);
  }
  return { snapshot: { ...snapshot, tools }, learned, skipped };
}
