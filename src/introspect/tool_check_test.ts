import assert from "node:assert/strict";
import { checkTools, showToolName, skippedToolMessage } from "./tool_check.ts";

Deno.test("checkTools keeps valid tools and names the reason for each one left out", () => {
  const { tools, skipped } = checkTools([
    { name: "ok", inputSchema: { type: "object", properties: { a: { type: "string" } } } },
    { name: "str", inputSchema: { type: "string" } },
    { name: 7, inputSchema: { type: "object" } },
    { name: "none" },
    { name: "out", inputSchema: { type: "object" }, outputSchema: { type: "array" } },
    "text",
    null,
    [1],
  ]);
  assert.deepEqual(tools.map((t) => t.name), ["ok"]);
  assert.deepEqual(skipped.map((s) => [s.name, s.reason.replace(/:.*/, "")]), [
    ['"str"', "its input schema is not an object schema"],
    ["#3", "its name is not a string (a number)"],
    ['"none"', "it has no input schema"],
    ['"out"', "its output schema is not an object schema"],
    ["#6", "it is a string, not an object"],
    ["#7", "it is null, not an object"],
    ["#8", "it is an array, not an object"],
  ]);
});

Deno.test("showToolName shortens long names and escapes control and bidi characters", () => {
  const long = "a".repeat(2_000) + "z";
  const shown = showToolName(long);
  assert.ok(shown.length < 110, shown);
  assert.match(shown, /^"a{60}…a{19}z \(2001 characters\)"$/);
  assert.equal(showToolName(long), shown);
  assert.equal(showToolName("x\u001b[2J\u009b\u202ey"), '"x\\u001b[2J\\u009b\\u202ey"');
  assert.equal(
    skippedToolMessage("s", { name: '"t"', reason: "why" }),
    'Skipped tool "t" of server "s": why',
  );
});
