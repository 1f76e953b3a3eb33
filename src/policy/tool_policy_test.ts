import assert from "node:assert/strict";
import { defaultDecision, parsePolicyFlag, ToolPolicy } from "./tool_policy.ts";

Deno.test("defaults from annotations", () => {
  assert.equal(defaultDecision({ readOnlyHint: true }).decision, "allow");
  assert.equal(defaultDecision({ readOnlyHint: true, destructiveHint: true }).decision, "allow");
  assert.equal(defaultDecision({ destructiveHint: true }).decision, "ask");
  assert.equal(defaultDecision({ readOnlyHint: false }).decision, "ask");
  assert.equal(defaultDecision({ readOnlyHint: false, destructiveHint: false }).decision, "allow");
  assert.equal(defaultDecision(undefined).decision, "allow");
  assert.equal(defaultDecision({}).decision, "allow");
  assert.equal(defaultDecision({ openWorldHint: true }).decision, "allow");
  assert.equal(defaultDecision({ openWorldHint: true, destructiveHint: true }).decision, "ask");
});

Deno.test("rules win over annotations; the last matching rule wins", () => {
  const p = new ToolPolicy({
    "memory": "allow",
    "memory/delete_*": "ask",
    "github/*": "deny",
    "github/get_*": "allow",
  });
  assert.deepEqual(p.decide("memory", "delete_entities", { destructiveHint: true }), {
    decision: "ask",
    reason: 'rule "memory/delete_*"',
  });
  assert.equal(p.decide("memory", "create_entities", { readOnlyHint: false }).decision, "allow");
  assert.equal(p.decide("github", "get_issue", undefined).decision, "allow");
  assert.equal(p.decide("github", "create_issue", { readOnlyHint: true }).decision, "deny");
  assert.equal(p.decide("fs", "write_file", { destructiveHint: true }).reason, "destructiveHint");
  assert.equal(
    new ToolPolicy({ "*": "ask" }).decide("x", "y", { readOnlyHint: true }).decision,
    "ask",
  );
});

Deno.test("bad rules and flags are named", () => {
  assert.throws(
    () => new ToolPolicy({ "fs/*": "maybe" as "allow" }),
    /Invalid policy "maybe" for "fs\/\*": use "allow", "ask" or "deny"/,
  );
  assert.throws(() => new ToolPolicy({ "": "allow" }), /Invalid policy pattern ""/);
  assert.deepEqual(parsePolicyFlag("github/delete_*=ask"), ["github/delete_*", "ask"]);
  assert.throws(() => parsePolicyFlag("memory"), /Invalid policy "memory": expected PATTERN=/);
  assert.throws(() => parsePolicyFlag("memory=yes"), /Invalid policy "memory=yes"/);
});
