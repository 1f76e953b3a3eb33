import assert from "node:assert/strict";
import { executeCodeAnnotations, MCPX_TOOLS, mcpxTools } from "./tool_definitions.ts";

Deno.test("mcpx's tools: titles, read-only search and reading, an output schema", () => {
  for (const t of MCPX_TOOLS) assert.ok(t.title && t.annotations, t.name);
  const by = new Map(MCPX_TOOLS.map((t) => [t.name, t]));
  for (const n of ["search_tools", "list_files", "read_file"]) {
    assert.equal(by.get(n)!.annotations!.readOnlyHint, true);
  }
  assert.notEqual(by.get("save_skill")!.annotations!.readOnlyHint, true);
  assert.equal(by.get("execute_code")!.outputSchema!.type, "object");
});

Deno.test("executeCodeAnnotations follows the allowed upstream tools", () => {
  const ro = { annotations: { readOnlyHint: true, openWorldHint: false } };
  const additive = { annotations: { readOnlyHint: false, destructiveHint: false } };
  const bare = {};
  assert.deepEqual(executeCodeAnnotations([ro, ro]), {
    readOnlyHint: true,
    destructiveHint: false,
    openWorldHint: false,
  });
  const mixed = executeCodeAnnotations([ro, additive]);
  assert.equal(mixed.readOnlyHint, false);
  assert.equal(mixed.destructiveHint, false);
  assert.equal(mixed.openWorldHint, undefined); // MCP's default: open world
  // A tool without hints has MCP's defaults: destructive, open world.
  assert.equal(executeCodeAnnotations([ro, bare]).destructiveHint, true);
  assert.equal(executeCodeAnnotations(undefined).destructiveHint, true);
  assert.equal(executeCodeAnnotations(undefined).readOnlyHint, false);
  const listed = mcpxTools([ro]);
  assert.equal(listed.find((t) => t.name === "execute_code")!.annotations!.readOnlyHint, true);
  assert.equal(MCPX_TOOLS.find((t) => t.name === "execute_code")!.annotations!.readOnlyHint, false);
});
