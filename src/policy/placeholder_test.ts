import assert from "node:assert/strict";
import { placeholderResult } from "./placeholder.ts";

Deno.test("placeholders have the shape of the tool's output schema", () => {
  assert.deepEqual(placeholderResult("m", "t", undefined), [
    { type: "text", text: "[dry run] m/t was not called" },
  ]);
  assert.deepEqual(
    placeholderResult("m", "t", {
      type: "object",
      properties: {
        success: { type: "boolean" },
        message: { type: "string" },
        count: { type: "integer", minimum: 1 },
        items: { type: "array", items: { $ref: "#/$defs/item" } },
        kind: { enum: ["a", "b"] },
        optional: { type: "string" },
      },
      required: ["success", "message", "count", "items", "kind"],
      $defs: { item: { type: "object" } },
    }),
    { success: false, message: "[dry run] m/t was not called", count: 1, items: [], kind: "a" },
  );
});
