// Cost of the bridge over a direct SDK call, against server-everything over stdio.
//
//   deno bench -A bench/bridge_bench.ts

import { Bridge } from "../src/bridge/bridge.ts";
import { connect } from "../src/introspect/connect.ts";
import { everythingServer } from "../tests/_servers.ts";

const direct = await connect(everythingServer());
const bridge = new Bridge({ servers: [everythingServer()], policy: { cache: false } });
// Warm both paths: connection, tool list, compiled validator.
await direct.client.callTool({ name: "echo", arguments: { message: "hi" } });
const warm = await bridge.callTool("everything", "echo", { message: "hi" });
if (!warm.ok) throw new Error(`bridge warm-up failed: ${warm.error.message}`);

Deno.bench({
  name: "direct SDK client.callTool(echo)",
  group: "tool call",
  baseline: true,
  async fn() {
    await direct.client.callTool({ name: "echo", arguments: { message: "hi" } });
  },
});

Deno.bench({
  name: "bridge.callTool(everything, echo), cache off",
  group: "tool call",
  async fn() {
    const reply = await bridge.callTool("everything", "echo", { message: "hi" });
    if (!reply.ok) throw new Error(reply.error.message);
  },
});

// Closes both servers once the last bench has run.
Deno.bench({
  name: "teardown",
  group: "zz teardown",
  n: 1,
  warmup: 0,
  async fn() {
    await Promise.all([direct.close(), bridge.close()]);
  },
});
