import assert from "node:assert/strict";
import type { Tool } from "../_sdk.ts";
import { learnedOutput } from "../bridge/result_shape.ts";
import { learnFromResult, learnRefusal } from "./learn.ts";
import { MAX_LEARNED_PROPERTIES, mergeSchemas, schemaOf } from "./infer_schema.ts";

const readOnly = { readOnlyHint: true };

Deno.test("learning calls only read-only tools that need no arguments", () => {
  const obj = { type: "object" as const, properties: { q: { type: "string" } } };
  assert.equal(learnRefusal({ name: "a", inputSchema: obj, annotations: readOnly }), undefined);
  assert.equal(
    learnRefusal({ name: "b", inputSchema: obj }),
    "it is not annotated read-only",
  );
  assert.equal(
    learnRefusal({
      name: "c",
      inputSchema: obj,
      annotations: { readOnlyHint: true, destructiveHint: true },
    }),
    "it is not annotated read-only",
  );
  assert.equal(
    learnRefusal({ name: "d", inputSchema: { ...obj, required: ["q"] }, annotations: readOnly }),
    "it needs arguments",
  );
  assert.equal(
    learnRefusal({
      name: "e",
      inputSchema: obj,
      outputSchema: { type: "object" },
      annotations: readOnly,
    }),
    "it declares an output schema",
  );
});

Deno.test("responses merge into one learned schema", () => {
  let tool: Tool = { name: "t", inputSchema: { type: "object" } };
  tool = learnFromResult(tool, { content: [], structuredContent: { id: 1, tags: ["a"] } });
  tool = learnFromResult(tool, { content: [], structuredContent: { id: 2.5, note: null } });
  const learned = learnedOutput(tool)!;
  assert.equal(learned.from, "structured");
  assert.equal(learned.samples, 2);
  assert.deepEqual(learned.schema, {
    type: "object",
    properties: {
      id: { type: "number" },
      tags: { type: "array", items: { type: "string" } },
      note: { type: "null" },
    },
    required: ["id"],
  });
  // Errors, plain text and tools with an output schema teach nothing.
  assert.equal(learnFromResult(tool, { content: [], isError: true }), tool);
  assert.equal(learnFromResult(tool, { content: [{ type: "text", text: "hi" }] }), tool);
  const declared = { ...tool, outputSchema: { type: "object" as const } };
  assert.equal(learnFromResult(declared, { content: [], structuredContent: { a: 1 } }), declared);
});

Deno.test("wide objects are learned as maps, mixed values as unions", () => {
  const wide = Object.fromEntries(
    Array.from({ length: MAX_LEARNED_PROPERTIES + 1 }, (_, i) => [`k${i}`, i]),
  );
  assert.deepEqual(schemaOf(wide), {
    type: "object",
    additionalProperties: { type: "integer" },
  });
  assert.deepEqual(mergeSchemas(schemaOf("a"), schemaOf(1)), {
    anyOf: [{ type: "string" }, { type: "integer" }],
  });
  assert.deepEqual(mergeSchemas(schemaOf([]), schemaOf([true])), {
    type: "array",
    items: { type: "boolean" },
  });
});
