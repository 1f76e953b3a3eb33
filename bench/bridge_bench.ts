// Cost of the bridge over a direct SDK call, against server-everything over stdio.
//
//   deno bench -A bench/bridge_bench.ts

import { Bridge } from "../src/bridge/bridge.ts";
import { ClientPool } from "../src/bridge/client_pool.ts";
import { connect } from "../src/introspect/connect.ts";
import { inMemoryServer } from "../tests/_in_memory_server.ts";
import { everythingServer } from "../tests/_servers.ts";

// Both paths talk to the same server process, so the difference is the bridge.
const server = everythingServer();
const direct = await connect(server);
const pool = new ClientPool([server], { connect: () => Promise.resolve(direct) });
const bridge = new Bridge({ servers: [server], pool, policy: { cache: false } });
// Warm both paths (tool list, compiled validator, and the JIT on both sides of
// the pipe): whichever bench ran first was otherwise measured cold.
for (let i = 0; i < 2_000; i++) {
  await direct.client.callTool({ name: "echo", arguments: { message: "hi" } });
  const warm = await bridge.callTool("everything", "echo", { message: "hi" });
  if (!warm.ok) throw new Error(`bridge warm-up failed: ${warm.error.message}`);
}

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

// The same comparison without a process boundary: what the bridge itself costs.
const mem = inMemoryServer({
  tools: [{
    name: "echo",
    inputSchema: {
      type: "object",
      properties: { message: { type: "string" } },
      required: ["message"],
    },
    annotations: { readOnlyHint: true },
  }],
});
const memDirect = await mem.connect();
const memPool = new ClientPool([mem.config], { connect: () => Promise.resolve(memDirect) });
const memBridge = new Bridge({ servers: [mem.config], pool: memPool, policy: { cache: false } });
for (let i = 0; i < 2_000; i++) {
  await memDirect.client.callTool({ name: "echo", arguments: { message: "hi" } });
  await memBridge.callTool("mem", "echo", { message: "hi" });
}

Deno.bench({
  name: "direct SDK client.callTool(echo), in-process server",
  group: "tool call, in-process server",
  baseline: true,
  async fn() {
    await memDirect.client.callTool({ name: "echo", arguments: { message: "hi" } });
  },
});

Deno.bench({
  name: "bridge.callTool(mem, echo), in-process server, cache off",
  group: "tool call, in-process server",
  async fn() {
    const reply = await memBridge.callTool("mem", "echo", { message: "hi" });
    if (!reply.ok) throw new Error(reply.error.message);
  },
});

// Stops the servers once the last bench has run.
Deno.bench({
  name: "teardown",
  group: "zz teardown",
  n: 1,
  warmup: 0,
  async fn() {
    await Promise.all([bridge.close(), memBridge.close()]);
    await Promise.all([pool.close(), memPool.close()]);
  },
});
