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

Deno.test("ArgValidator accepts valid arguments", async () => {
  const v = new ArgValidator();
  assert.deepEqual(
    await v.validate(tool, { a: 1, mode: "fast", list: [3, 4], opts: { x: true } }),
    [],
  );
});

Deno.test("ArgValidator explains what is wrong, where", async () => {
  const v = new ArgValidator({ maxErrors: 10 });
  assert.deepEqual(await v.validate(tool, { a: "1" }), ["/a: expected number, got string"]);
  assert.deepEqual(await v.validate(tool, {}), [`missing required property "a"`]);
  assert.deepEqual(await v.validate(tool, { a: 1, mode: "medium" }), [
    `/mode: expected one of ["fast","slow"]`,
  ]);
  assert.deepEqual(await v.validate(tool, { a: 1, opts: { y: 1 } }), [
    `/opts: unexpected property "y"`,
  ]);
  assert.deepEqual(await v.validate(tool, { a: 1, list: [1] }), ["/list/0: 1 is less than 3"]);
});

Deno.test("ArgValidator caps the number of messages", async () => {
  const v = new ArgValidator({ maxErrors: 2 });
  const errors = await v.validate(tool, { a: "x", mode: 1, list: ["a"], opts: 3 });
  assert.equal(errors.length, 3);
  assert.match(errors[2], /^and \d+ more$/);
});

Deno.test("ArgValidator uses 2020-12 without $schema and tolerates broken schemas", async () => {
  const warnings: string[] = [];
  const v = new ArgValidator({ onWarning: (m) => warnings.push(m) });
  const modern = {
    inputSchema: {
      type: "object",
      prefixItems: [],
      properties: { t: { type: "array", prefixItems: [{ type: "string" }] } },
    },
  };
  assert.deepEqual(await v.validate(modern, { t: [1] }), ["/t/0: expected string, got number"]);
  const broken = { inputSchema: { type: "object", properties: { a: { $ref: "#/nowhere" } } } };
  assert.deepEqual(await v.validate(broken, { a: 1 }), []);
  assert.equal(warnings.length, 1);
});

Deno.test("ArgValidator treats format as an annotation in 2020-12 and asserts it in draft-07", async () => {
  const v = new ArgValidator();
  const properties = { when: { type: "string", format: "date-time" } };
  const modern = { inputSchema: { type: "object", properties } };
  const draft7 = {
    inputSchema: { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties },
  };
  assert.deepEqual(await v.validate(modern, { when: "2024-01-01" }), []);
  assert.deepEqual(await v.validate(draft7, { when: "2024-01-01" }), [
    `/when: is not a valid "date-time"`,
  ]);
  assert.deepEqual(await v.validate(draft7, { when: "2024-01-01T10:00:00Z" }), []);
});

Deno.test("ArgValidator enforces patterns JavaScript cannot compile, such as (?i)", async () => {
  const v = new ArgValidator({ onWarning: (m) => assert.fail(`unexpected warning: ${m}`) });
  const tool = {
    name: "lookup",
    inputSchema: {
      type: "object",
      properties: { code: { type: "string", pattern: "(?i)^[a-z]{3}$" } },
      required: ["code", "id"],
    },
  };
  assert.deepEqual(await v.validate(tool, { code: "AbC", id: 1 }), []);
  assert.deepEqual(await v.validate(tool, { code: "AbCd", id: 1 }), [
    `/code: does not match the pattern "(?i)^[a-z]{3}$"`,
  ]);
  // Before, the uncompilable pattern switched validation off: the missing "id" passed.
  assert.deepEqual(await v.validate(tool, { code: "abc" }), [`missing required property "id"`]);
});

Deno.test("ArgValidator warns once about an untranslatable pattern and checks the rest", async () => {
  const warnings: string[] = [];
  const v = new ArgValidator({ onWarning: (m) => warnings.push(m) });
  const tool = {
    name: "search",
    inputSchema: {
      type: "object",
      properties: { q: { type: "string", pattern: "^(?!admin).*$" }, n: { type: "integer" } },
      required: ["q", "n"],
    },
  };
  assert.deepEqual(await v.validate(tool, { q: "admin" }, "srv/search"), [
    `missing required property "n"`,
  ]);
  assert.deepEqual(await v.validate(tool, { q: "x", n: "1" }, "srv/search"), [
    "/n: expected integer, got string",
  ]);
  assert.deepEqual(await v.validate(tool, { q: "x", n: 1 }, "srv/search"), []);
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0],
    /^Tool "srv\/search": pattern "\^\(\?!admin\)\.\*\$" at \/properties\/q\/pattern/,
  );
});

Deno.test("ArgValidator matches hostile patterns in linear time", async () => {
  const v = new ArgValidator();
  const tool = {
    inputSchema: {
      type: "object",
      properties: { s: { type: "string", pattern: "^(a+)+$" } },
      patternProperties: { "^(x+x+)+y$": { type: "number" } },
    },
  };
  const hostile = "a".repeat(30) + "!";
  // With a backtracking engine each of these takes seconds to hours (2^30 paths).
  const t0 = performance.now();
  assert.deepEqual(await v.validate(tool, { s: hostile }), [
    `/s: does not match the pattern "^(a+)+$"`,
  ]);
  assert.deepEqual(await v.validate(tool, { ["x".repeat(30)]: "z" }), []);
  assert.deepEqual(await v.validate(tool, { s: "a".repeat(100_000) }), []);
  const ms = performance.now() - t0;
  assert.ok(ms < 1_000, `took ${ms.toFixed(0)} ms`);
});

Deno.test("ArgValidator resolves no remote $ref", async () => {
  const warnings: string[] = [];
  const v = new ArgValidator({ onWarning: (m) => warnings.push(m) });
  const tool = {
    name: "t",
    inputSchema: { type: "object", properties: { a: { $ref: "http://127.0.0.1:9/x.json" } } },
  };
  assert.deepEqual(await v.validate(tool, { a: 1 }), []);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Tool "t": its inputSchema is not usable JSON Schema/);
});
