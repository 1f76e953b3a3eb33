import assert from "node:assert/strict";
import { ArgValidator } from "./arg_validator.ts";

const tool = {
  inputSchema: {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties: {
      a: { type: "number" },
      mode: { type: "string", enum: ["fast", "slow"] },
      list: { type: "array", items: { type: "integer", minimum: 3 } },
      opts: { type: "object", properties: { x: { type: "boolean" } }, additionalProperties: false },
    },
    required: ["a"],
  },
};

Deno.test("ArgValidator accepts valid arguments", () => {
  const v = new ArgValidator();
  assert.deepEqual(v.validate(tool, { a: 1, mode: "fast", list: [3, 4], opts: { x: true } }), []);
});

Deno.test("ArgValidator explains what is wrong, where", () => {
  const v = new ArgValidator({ maxErrors: 10 });
  assert.deepEqual(v.validate(tool, { a: "1" }), ["/a: expected number, got string"]);
  assert.deepEqual(v.validate(tool, {}), [`missing required property "a"`]);
  assert.deepEqual(v.validate(tool, { a: 1, mode: "medium" }), [
    `/mode: expected one of ["fast","slow"]`,
  ]);
  assert.deepEqual(v.validate(tool, { a: 1, opts: { y: 1 } }), [`/opts: unexpected property "y"`]);
  assert.deepEqual(v.validate(tool, { a: 1, list: [1] }), ["/list/0: 1 is less than 3"]);
});

Deno.test("ArgValidator caps the number of messages", () => {
  const v = new ArgValidator({ maxErrors: 2 });
  const errors = v.validate(tool, { a: "x", mode: 1, list: ["a"], opts: 3 });
  assert.equal(errors.length, 3);
  assert.match(errors[2], /^and \d+ more$/);
});

Deno.test("ArgValidator uses 2020-12 without $schema and tolerates broken schemas", () => {
  const v = new ArgValidator();
  const modern = {
    inputSchema: {
      type: "object",
      prefixItems: [],
      properties: { t: { type: "array", prefixItems: [{ type: "string" }] } },
    },
  };
  assert.deepEqual(v.validate(modern, { t: [1] }), ["/t/0: expected string, got number"]);
  const broken = { inputSchema: { type: "object", properties: { a: { $ref: "#/nowhere" } } } };
  assert.deepEqual(v.validate(broken, { a: 1 }), []);
});
