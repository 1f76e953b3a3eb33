import assert from "node:assert/strict";
import type { Tool } from "../_sdk.ts";
import { argumentHints, callAdvice, callSignature } from "./call_hints.ts";

Deno.test("call signatures read like the generated function", () => {
  assert.equal(
    callSignature({
      name: "read_file",
      inputSchema: {
        type: "object",
        properties: { path: { type: "string" }, head: { type: "number" } },
        required: ["path"],
      },
    }),
    "readFile(args: { path: string; head?: number })",
  );
  // Nothing required: the argument is optional.
  assert.equal(
    callSignature({ name: "list", inputSchema: { type: "object", properties: {} } }),
    "list(args?: Record<string, never>)",
  );
  // Required behind a root $ref stays required.
  const viaRef = {
    name: "get",
    inputSchema: {
      $ref: "#/$defs/A",
      $defs: { A: { type: "object", required: ["id"], properties: { id: { type: "string" } } } },
    },
  } as unknown as Tool;
  assert.equal(callSignature(viaRef), "get(args: { id: string })");
  // Very large schemas are cut.
  const wide = {
    name: "wide",
    inputSchema: {
      type: "object",
      properties: Object.fromEntries(
        Array.from({ length: 200 }, (_, i) => [`p${i}`, { type: "string" }]),
      ),
    },
  } as Tool;
  assert.ok(callSignature(wide).length <= 400);
});

Deno.test("misspelt argument names get a suggestion", () => {
  const tool: Tool = {
    name: "echo",
    inputSchema: {
      type: "object",
      properties: { message: { type: "string" } },
      required: ["message"],
    },
  };
  assert.deepEqual(argumentHints(tool, { mesage: "x" }), [
    'Unknown argument "mesage": did you mean "message"?',
  ]);
  assert.deepEqual(argumentHints(tool, { zzz: 1 }), []);
  assert.equal(
    callAdvice(tool, { Message: "x" }),
    ' Unknown argument "Message": did you mean "message"? Call it as echo(args: { message: string }).',
  );
});
