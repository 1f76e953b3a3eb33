import assert from "node:assert/strict";
import type { CallToolResult, Tool } from "../_sdk.ts";
import { LEARNED_META_KEY, resultKind, shapeResult } from "./result_shape.ts";

const input = { type: "object" as const };
const plain: Tool = { name: "plain", inputSchema: input };
const declared: Tool = {
  name: "declared",
  inputSchema: input,
  outputSchema: { type: "object", properties: { n: { type: "number" } } },
};
const learned = {
  name: "learned",
  inputSchema: input,
  _meta: { [LEARNED_META_KEY]: { schema: { type: "object" }, from: "text", samples: 2 } },
} as Tool;

const text = (t: string): CallToolResult => ({ content: [{ type: "text", text: t }] });

Deno.test("one rule decides what a call returns, and matches the generated type", async (t) => {
  await t.step("the kind follows the declaration", () => {
    assert.equal(resultKind(plain), "content");
    assert.equal(resultKind(declared), "structured");
    assert.equal(resultKind(learned), "learned");
    // A malformed learned entry is ignored.
    assert.equal(
      resultKind({ ...plain, _meta: { [LEARNED_META_KEY]: { from: "x" } } } as Tool),
      "content",
    );
  });

  await t.step("no output schema: content blocks, even with structuredContent or JSON text", () => {
    const r = { ...text('{"n":1}'), structuredContent: { n: 1 } };
    assert.deepEqual(shapeResult("s", plain, r), { ok: true, value: r.content });
    assert.deepEqual(shapeResult("s", plain, text('{"n":1}')), {
      ok: true,
      value: [{ type: "text", text: '{"n":1}' }],
    });
    assert.deepEqual(shapeResult("s", plain, { content: [] }), { ok: true, value: [] });
  });

  await t.step("an output schema: structuredContent, else the JSON in the text", () => {
    assert.deepEqual(
      shapeResult("s", declared, { ...text("ignored"), structuredContent: { n: 2 } }),
      { ok: true, value: { n: 2 } },
    );
    assert.deepEqual(shapeResult("s", declared, text('{"n":3}')), { ok: true, value: { n: 3 } });
    assert.deepEqual(shapeResult("s", learned, text("[1,2]")), { ok: true, value: [1, 2] });
  });

  await t.step("an output schema but neither: an error that says so", () => {
    const r = shapeResult("s", declared, text("plain words"));
    assert.equal(r.ok, false);
    assert.match(
      (r as { message: string }).message,
      /^Tool "s\/declared" returned no structured result, although it declares an output schema: it sent neither structuredContent nor JSON text\. Its text: "plain words"$/,
    );
    const l = shapeResult("s", learned, text("nope"));
    assert.match((l as { message: string }).message, /learned from 2 earlier responses/);
  });
});
