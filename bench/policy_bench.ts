// What the policy step and the audit log add to one tool call: a bridge call
// to server-everything's echo over stdio with and without the audit log, and
// the policy check + argument digest + audit append on their own.
//
//   deno bench -A bench/policy_bench.ts

import { join } from "node:path";
import { Bridge } from "../src/bridge/bridge.ts";
import { ClientPool } from "../src/bridge/client_pool.ts";
import { connect } from "../src/introspect/connect.ts";
import { ApprovalGate } from "../src/policy/approval_gate.ts";
import { argDigest } from "../src/policy/arg_digest.ts";
import { AuditLog } from "../src/policy/audit_log.ts";
import type { ExecutionContext } from "../src/routing/execution_context.ts";
import { everythingServer } from "../tests/_servers.ts";

const dir = await Deno.makeTempDir({ prefix: "mcpx-policy-bench-" });
const server = everythingServer();
const direct = await connect(server);
const pool = new ClientPool([server], { connect: () => Promise.resolve(direct) });
const rules = { "everything/get-*": "allow", "memory/delete_*": "ask" } as const;
const plain = new Bridge({
  servers: [server],
  pool,
  policy: { cache: false },
  approvals: { rules },
});
const audit = new AuditLog({ path: join(dir, "audit.jsonl") });
const audited = new Bridge({
  servers: [server],
  pool,
  policy: { cache: false },
  approvals: { rules },
  audit,
});
const context: ExecutionContext = { executionId: "bench", sessionId: "bench" };
const args = { message: "hi" };
for (let i = 0; i < 2_000; i++) {
  await plain.callTool("everything", "echo", args, undefined, context, { line: 3 });
  await audited.callTool("everything", "echo", args, undefined, context, { line: 3 });
}
await audit.flush();

Deno.bench({
  name: "bridge.callTool(echo), no audit log",
  group: "tool call",
  baseline: true,
  async fn() {
    await plain.callTool("everything", "echo", args, undefined, context, { line: 3 });
  },
});

Deno.bench({
  name: "bridge.callTool(echo) with the audit log",
  group: "tool call",
  async fn() {
    await audited.callTool("everything", "echo", args, undefined, context, { line: 3 });
  },
});

// The policy step and the audit write alone, as the bridge makes them per call.
const gate = new ApprovalGate({ rules });
const echo = {
  name: "echo",
  inputSchema: { type: "object" as const },
  annotations: { readOnlyHint: true },
};
const sink = new AuditLog({ path: join(dir, "alone.jsonl") });
Deno.bench({
  name: "policy check + argument digest + audit append",
  group: "tool call",
  async fn() {
    const r = await gate.check({ server: "everything", tool: "echo", args, def: echo, context });
    sink.append({
      time: new Date().toISOString(),
      session: context.sessionId,
      execution: context.executionId,
      server: "everything",
      tool: "echo",
      digest: argDigest(args),
      ms: 0.5,
      outcome: "ok",
      approval: r.decision,
    });
  },
});

globalThis.addEventListener("unload", () => {
  direct.close().catch(() => {});
  Deno.removeSync(dir, { recursive: true });
});
