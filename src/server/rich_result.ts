/**
 * The full reply of `execute_code`: MCP content blocks found in the program's
 * result (images, audio, resource links, embedded resources) become content
 * blocks of the reply instead of base64 text, and the envelope (result, logs,
 * figures, error) is `structuredContent` matching
 * {@link EXECUTE_OUTPUT_SCHEMA}, beside a readable text block.
 *
 * Pure functions over plain values: no SDK, no I/O.
 *
 * @module
 */
import type { CallToolResult, ContentBlock } from "../mcp_types.ts";
import type { ExecutionResult } from "../sandbox/sandbox.ts";
import { formatExecution } from "./format_execution.ts";

/** Most content blocks lifted out of one result; further ones stay JSON. */
export const MAX_CONTENT_BLOCKS = 64;

/** Deepest nesting searched for content blocks. */
const MAX_DEPTH = 24;

/**
 * The result with its content blocks lifted out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const extracted: ExtractedBlocks = extractContentBlocks({ image: { type: "image", data: "AA==", mimeType: "image/png" } });
 * assert.equal(extracted.blocks.length, 1);
 * ```
 */
export interface ExtractedBlocks {
  /** The value with each lifted block replaced by a reference `{ $content: n, … }`. */
  value: unknown;
  /** The lifted blocks; reference `n` is `blocks[n - 1]`. */
  blocks: ContentBlock[];
}

/**
 * True when `v` is an MCP content block that is not text: an image or audio
 * (`data` and `mimeType`), a `resource_link` (`uri`, `name`) or an embedded
 * `resource` (`resource.uri` with `text` or `blob`).
 */
export function isMediaBlock(v: unknown): v is ContentBlock {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const b = v as Record<string, unknown>;
  switch (b.type) {
    case "image":
    case "audio":
      return typeof b.data === "string" && typeof b.mimeType === "string";
    case "resource_link":
      return typeof b.uri === "string" && typeof b.name === "string";
    case "resource": {
      const r = b.resource as Record<string, unknown> | undefined;
      return typeof r === "object" && r !== null && typeof r.uri === "string" &&
        (typeof r.text === "string" || typeof r.blob === "string");
    }
    default:
      return false;
  }
}

function isTextBlock(v: unknown): v is ContentBlock {
  return typeof v === "object" && v !== null && (v as { type?: unknown }).type === "text" &&
    typeof (v as { text?: unknown }).text === "string";
}

/** What a reference to lifted block `n` says about it. */
function reference(block: ContentBlock, n: number): Record<string, unknown> {
  const ref: Record<string, unknown> = { $content: n, type: block.type };
  if ("mimeType" in block && block.mimeType) ref.mimeType = block.mimeType;
  if (block.type === "resource_link") {
    ref.uri = block.uri;
    ref.name = block.name;
  }
  if (block.type === "resource") {
    ref.uri = block.resource.uri;
    if (block.resource.mimeType) ref.mimeType = block.resource.mimeType;
  }
  return ref;
}

/**
 * Finds the non-text content blocks in `value` (at most
 * {@link MAX_CONTENT_BLOCKS}, nested at most 24 deep) and replaces each with
 * a reference `{ $content: n, type, mimeType?, uri? }`.
 *
 * @example
 * ```ts
 * import { extractContentBlocks } from "./rich_result.ts";
 * const { value, blocks } = extractContentBlocks({
 *   chart: { type: "image", data: "iVBOR…", mimeType: "image/png" },
 * });
 * blocks.length; // 1
 * value; // { chart: { $content: 1, type: "image", mimeType: "image/png" } }
 * ```
 */
export function extractContentBlocks(value: unknown): ExtractedBlocks {
  const blocks: ContentBlock[] = [];
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v !== "object" || v === null || depth > MAX_DEPTH) return v;
    if (isMediaBlock(v) && blocks.length < MAX_CONTENT_BLOCKS) {
      blocks.push(v);
      return reference(v, blocks.length);
    }
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((x) => {
        const y = walk(x, depth + 1);
        if (y !== x) changed = true;
        return y;
      });
      return changed ? out : v;
    }
    let out: Record<string, unknown> | undefined;
    for (const [k, x] of Object.entries(v)) {
      const y = walk(x, depth + 1);
      if (y !== x) (out ??= { ...(v as Record<string, unknown>) })[k] = y;
    }
    return out ?? v;
  };
  return { value: walk(value, 0), blocks };
}

/**
 * The reply of `execute_code` for `r`: a text block (console output, result
 * and figures, cut to `maxChars`), then the content blocks of the result, and
 * the envelope as `structuredContent`.
 *
 * A result that is a list of content blocks (such as a tool's `content`
 * returned as is) keeps its text blocks as text blocks; otherwise only images,
 * audio and resources are lifted, and the JSON shows a reference to each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const reply = richExecution({
 *   ok: true,
 *   result: 3,
 *   resultJson: "3",
 *   logs: [],
 *   stats: { durationMs: 1, toolCalls: 0, outputBytes: 1, truncated: false },
 * }, 10_000);
 * assert.equal(reply.content[0].type, "text");
 * assert.equal((reply.structuredContent as { result: unknown }).result, 3);
 * ```
 */
export function richExecution(r: ExecutionResult, maxChars: number): CallToolResult {
  let blocks: ContentBlock[] = [];
  let shown = r;
  let structuredResult: unknown = r.result;
  if (r.ok && r.result !== undefined && typeof r.result === "object" && r.result !== null) {
    const whole = Array.isArray(r.result) && r.result.length > 0 &&
      r.result.length <= MAX_CONTENT_BLOCKS &&
      r.result.every((b) => isTextBlock(b) || isMediaBlock(b)) &&
      r.result.some((b) => isMediaBlock(b));
    if (whole) {
      blocks = r.result as ContentBlock[];
      structuredResult = blocks.map((b, i) => isTextBlock(b) ? b : reference(b, i + 1));
      const note = `[${blocks.length} content block${blocks.length === 1 ? "" : "s"} follow]`;
      shown = { ...r, result: note, resultJson: JSON.stringify(note) };
    } else {
      const lifted = extractContentBlocks(r.result);
      if (lifted.blocks.length > 0) {
        blocks = lifted.blocks;
        structuredResult = lifted.value;
        shown = { ...r, result: lifted.value, resultJson: JSON.stringify(lifted.value) };
      }
    }
  }
  const formatted = formatExecution(shown, maxChars);
  const structured: Record<string, unknown> = { ok: r.ok };
  if (structuredResult !== undefined) {
    const json = blocks.length > 0 ? shown.resultJson : r.resultJson;
    if (json !== undefined && json.length > maxChars) structured.resultTruncated = true;
    else structured.result = structuredResult;
  }
  if (r.resultTruncated) structured.resultTruncated = true;
  structured.logs = r.logs.map((l) => ({ level: l.level, message: l.message }));
  if (r.error) {
    const e = r.error;
    structured.error = {
      name: e.name,
      message: e.message,
      ...(e.code ? { code: e.code } : {}),
      ...(e.stack ? { stack: e.stack } : {}),
    };
  }
  structured.stats = { ...r.stats };
  if (blocks.length > 0) structured.contentBlocks = blocks.length;
  const reply: CallToolResult = {
    content: [{ type: "text", text: formatted.text }, ...blocks],
    structuredContent: structured,
  };
  if (formatted.isError) reply.isError = true;
  return reply;
}
