import assert from "node:assert/strict";
import type { ExecutionResult } from "../sandbox/sandbox.ts";
import { extractContentBlocks, isMediaBlock, richExecution } from "./rich_result.ts";

const stats = { durationMs: 2, toolCalls: 1, outputBytes: 10, truncated: false };
const image = { type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" };
const link = { type: "resource_link", uri: "demo://x/1", name: "One", mimeType: "text/plain" };
const embedded = { type: "resource", resource: { uri: "demo://x/2", text: "hello" } };

function ok(result: unknown): ExecutionResult {
  return { ok: true, result, resultJson: JSON.stringify(result), logs: [], stats };
}

Deno.test("isMediaBlock accepts MCP media blocks and refuses look-alikes", () => {
  assert.ok(isMediaBlock(image));
  assert.ok(isMediaBlock({ type: "audio", data: "AAAA", mimeType: "audio/wav" }));
  assert.ok(isMediaBlock(link));
  assert.ok(isMediaBlock(embedded));
  assert.ok(!isMediaBlock({ type: "text", text: "x" }));
  assert.ok(!isMediaBlock({ type: "image", url: "https://x" }));
  assert.ok(!isMediaBlock({ type: "resource", resource: { uri: "x" } }));
  assert.ok(!isMediaBlock([image]));
});

Deno.test("extractContentBlocks lifts nested blocks and leaves the rest alone", () => {
  const input = { a: 1, list: [image, { inner: link }], plain: { type: "image" } };
  const { value, blocks } = extractContentBlocks(input);
  assert.deepEqual(blocks, [image, link]);
  assert.deepEqual(value, {
    a: 1,
    list: [{ $content: 1, type: "image", mimeType: "image/png" }, {
      inner: {
        $content: 2,
        type: "resource_link",
        mimeType: "text/plain",
        uri: "demo://x/1",
        name: "One",
      },
    }],
    plain: { type: "image" },
  });
  // The input is not modified.
  assert.equal(input.list[0], image);
  const none = { x: [1, 2] };
  assert.equal(extractContentBlocks(none).value, none);
});

Deno.test("richExecution: a result with an image gives an image block, no base64 text", () => {
  const r = richExecution(ok({ chart: image, n: 3 }), 10_000);
  assert.equal(r.isError, undefined);
  const content = r.content as { type: string; text?: string }[];
  assert.deepEqual(content.map((b) => b.type), ["text", "image"]);
  assert.ok(!content[0].text!.includes("iVBOR"));
  assert.match(content[0].text!, /"\$content":1/);
  assert.deepEqual(r.structuredContent, {
    ok: true,
    result: { chart: { $content: 1, type: "image", mimeType: "image/png" }, n: 3 },
    logs: [],
    stats,
    contentBlocks: 1,
  });
});

Deno.test("richExecution: a returned content list keeps its text blocks", () => {
  const r = richExecution(ok([{ type: "text", text: "caption" }, image, embedded]), 10_000);
  const content = r.content as { type: string; text?: string }[];
  assert.deepEqual(content.map((b) => b.type), ["text", "text", "image", "resource"]);
  assert.equal(content[1].text, "caption");
  assert.match(content[0].text!, /3 content blocks follow/);
});

Deno.test("richExecution: plain results and failures keep the envelope", () => {
  const plain = richExecution(ok({ n: 1 }), 10_000);
  assert.equal(plain.content.length, 1);
  assert.deepEqual(plain.structuredContent, { ok: true, result: { n: 1 }, logs: [], stats });
  const failed = richExecution({
    ok: false,
    logs: [{ level: "warn", message: "careful" }],
    error: { name: "ToolError", message: "boom", code: "TOOL_ERROR" },
    stats,
  }, 10_000);
  assert.equal(failed.isError, true);
  assert.deepEqual(failed.structuredContent, {
    ok: false,
    logs: [{ level: "warn", message: "careful" }],
    error: { name: "ToolError", message: "boom", code: "TOOL_ERROR" },
    stats,
  });
  const big = richExecution(ok("x".repeat(500)), 200);
  assert.equal((big.structuredContent as { resultTruncated?: boolean }).resultTruncated, true);
  assert.equal((big.structuredContent as { result?: unknown }).result, undefined);
});
