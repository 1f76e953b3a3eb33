// The slow fault cases, for `deno task soak:faults` (MCPX_SOAK=1): many
// cycles of wedge, crash, corrupt reply and HTTP restart, each followed by a
// call that must succeed on a healed connection.
import assert from "node:assert/strict";
import { Bridge } from "../src/bridge/bridge.ts";
import { ClientPool } from "../src/bridge/client_pool.ts";
import type { RemoteServerConfig } from "../src/config/types.ts";
import { faultyServer } from "./_faulty.ts";
import { startFaultyHttp } from "./fixtures/faulty_http_server.ts";

const SOAK = Deno.env.get("MCPX_SOAK") !== undefined;
const CYCLES = Number(Deno.env.get("MCPX_SOAK_CYCLES") ?? 20);

Deno.test({
  name: `stdio: ${CYCLES} cycles of wedge, crash and corrupt reply, each healed`,
  ignore: !SOAK,
  fn: async () => {
    const server = faultyServer();
    await using pool = new ClientPool([server], {
      pingTimeoutMs: 500,
      breaker: { cooldownMs: 50 },
    });
    await using bridge = new Bridge({ servers: [server], pool, policy: { callTimeoutMs: 800 } });
    const echo = async (i: number) => {
      for (let tries = 0; tries < 40; tries++) {
        const r = await bridge.callTool("faulty", "echo", { message: `m${i}` });
        if (r.ok) return;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.fail(`cycle ${i}: the connection never healed`);
    };
    for (let i = 0; i < CYCLES; i++) {
      for (const fault of ["wedge", "crash", "garbage"]) {
        const r = await bridge.callTool("faulty", fault, {});
        assert.equal(r.ok, false);
        await echo(i);
      }
    }
    console.log(`recycled ${pool.stats().recycled}, connects ${pool.stats().connects}`);
  },
});

Deno.test({
  name: `HTTP: ${CYCLES * 5} restarts losing every session, each reconnected on the next call`,
  ignore: !SOAK,
  fn: async () => {
    await using http = await startFaultyHttp();
    const server: RemoteServerConfig = { name: "web", transport: "http", url: http.url };
    await using pool = new ClientPool([server]);
    await using bridge = new Bridge({ servers: [server], pool });
    for (let i = 0; i < CYCLES * 5; i++) {
      const r = await bridge.callTool("web", "echo", { message: `m${i}` });
      assert.equal(r.ok, true, JSON.stringify(r));
      http.restart();
    }
    assert.equal(pool.stats().sessionRetries, CYCLES * 5 - 1);
  },
});
