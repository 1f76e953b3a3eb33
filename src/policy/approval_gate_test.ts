import assert from "node:assert/strict";
import type { Tool } from "../_sdk.ts";
import type { ElicitAnswer, ExecutionContext } from "../routing/execution_context.ts";
import { ApprovalGate, type GateCall } from "./approval_gate.ts";

const del: Tool = {
  name: "delete_entities",
  inputSchema: { type: "object" },
  annotations: { destructiveHint: true },
};
const read: Tool = {
  name: "read_graph",
  inputSchema: { type: "object" },
  annotations: { readOnlyHint: true },
};

function ctx(
  session: string,
  answer?: () => ElicitAnswer | Promise<ElicitAnswer>,
): ExecutionContext & { asked: string[] } {
  const asked: string[] = [];
  return {
    executionId: crypto.randomUUID(),
    sessionId: session,
    asked,
    ...(answer
      ? {
        elicit: (form) => {
          asked.push(form.message);
          return Promise.resolve(answer());
        },
      }
      : {}),
  };
}

function call(
  context: ExecutionContext | undefined,
  args: Record<string, unknown>,
  def = del,
): GateCall {
  return { server: "memory", tool: def.name, args, def, context, line: 3 };
}

Deno.test("allow passes, deny refuses, ask asks the execution's client", async () => {
  const gate = new ApprovalGate({ rules: { "memory/read_*": "deny" } });
  assert.equal(
    (await gate.check(call(undefined, {}, { ...read, name: "open_nodes" }))).decision,
    "allow",
  );
  const denied = await gate.check(call(undefined, {}, read));
  assert.equal(denied.decision, "deny");
  assert.deepEqual(denied.refusal, {
    code: "TOOL_DENIED",
    message: 'Tool "memory/read_graph" is denied by the policy (rule "memory/read_*")',
  });
  const c = ctx("s1", () => ({ action: "accept" }));
  assert.deepEqual(await gate.check(call(c, { entityNames: ["a"] })), { decision: "approved" });
  assert.match(c.asked[0], /Called from: line 3/);
  const no = await gate.check(call(ctx("s1", () => ({ action: "decline" })), {}));
  assert.equal(no.decision, "declined");
  assert.equal(no.refusal?.code, "APPROVAL_DENIED");
  const failing = await gate.check(call(ctx("s1", () => Promise.reject(new Error("gone"))), {}));
  assert.equal(failing.refusal?.code, "APPROVAL_DENIED");
  const nobody = await gate.check(call(ctx("s1"), {}));
  assert.equal(nobody.decision, "required");
  assert.equal(nobody.refusal?.code, "APPROVAL_REQUIRED");
  assert.equal(
    (await new ApprovalGate({ yes: true }).check(call(ctx("s"), {}))).decision,
    "approved-yes",
  );
});

Deno.test("approve all holds for its session only; concurrent asks wait for the first answer", async () => {
  const gate = new ApprovalGate();
  let answers = 0;
  const a = ctx("A", async () => {
    answers++;
    await new Promise((r) => setTimeout(r, 20));
    return { action: "accept", content: { approveAllForSession: true } };
  });
  const results = await Promise.all([1, 2, 3].map((i) => gate.check(call(a, { i }))));
  assert.deepEqual(results.map((r) => r.decision), [
    "approved-session",
    "approved-session",
    "approved-session",
  ]);
  assert.equal(answers, 1);
  const b = ctx("B", () => ({ action: "decline" }));
  assert.equal((await gate.check(call(b, {}))).decision, "declined");
  gate.forgetSession("A");
  assert.equal((await gate.check(call(ctx("A"), {}))).decision, "required");
});

Deno.test("dry run plans ask and deny calls; the token approves exactly that list in order", async () => {
  const gate = new ApprovalGate({ rules: { "memory/forbidden": "deny" } });
  const dry = ctx("s");
  const scope = gate.begin(dry, { dryRun: true });
  const r1 = await gate.check(call(dry, { entityNames: ["a"], token: "secret" }));
  assert.equal(r1.decision, "planned");
  assert.deepEqual(r1.placeholder, {
    value: [{ type: "text", text: "[dry run] memory/delete_entities was not called" }],
  });
  await gate.check(call(dry, {}, { ...read, name: "forbidden" }));
  await gate.check(call(dry, { entityNames: ["b"] }));
  assert.equal((await gate.check(call(dry, {}, read))).decision, "allow");
  const plan = scope.plan();
  scope.end();
  assert.deepEqual(plan.calls.map((c) => [c.tool, c.decision, c.line]), [
    ["delete_entities", "ask", 3],
    ["forbidden", "deny", 3],
    ["delete_entities", "ask", 3],
  ]);
  assert.deepEqual(plan.calls[0].args, { entityNames: ["a"], token: "[redacted]" });

  const real = ctx("s");
  const run = gate.begin(real, { approvalToken: plan.token });
  assert.equal(
    (await gate.check(call(real, { token: "secret", entityNames: ["a"] }))).decision,
    "approved-plan",
  );
  assert.equal((await gate.check(call(real, {}, { ...read, name: "forbidden" }))).decision, "deny");
  const stray = await gate.check(call(real, { entityNames: ["c"] }));
  assert.equal(stray.decision, "strayed");
  assert.match(
    stray.refusal?.message ?? "",
    /differs from the approved plan: call 2 of the plan is "memory\/delete_entities" with other arguments/,
  );
  // Once strayed, even the planned call is refused, and so is an allowed one.
  assert.equal((await gate.check(call(real, { entityNames: ["b"] }))).decision, "strayed");
  assert.equal((await gate.check(call(real, {}, read))).decision, "strayed");
  run.end();
  assert.throws(() => gate.begin(ctx("s"), { approvalToken: plan.token }), /already used/);
  assert.throws(
    () => gate.begin(ctx("s"), { approvalToken: "mcpx1.a.b" }),
    /Invalid approval token/,
  );
});
