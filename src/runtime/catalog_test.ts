import assert from "node:assert/strict";
import { ClientPool } from "../bridge/client_pool.ts";
import type { StdioServerConfig } from "../config/types.ts";
import { everythingServer } from "../../tests/_servers.ts";
import { Catalog } from "./catalog.ts";

// A server that is down: it exits as soon as it starts.
const mute: StdioServerConfig = {
  name: "mute",
  transport: "stdio",
  command: "node",
  args: ["-e", "process.exit(3)"],
};

Deno.test("a server that is down does not hold up the catalogue after its first attempt", async () => {
  await using pool = new ClientPool([everythingServer(), mute], {
    connectTimeoutMs: 4_000,
    breaker: { cooldownMs: 0 },
  });
  const catalog = new Catalog({ servers: pool.servers, pool, retryAfterMs: 0 });
  let changes = 0;
  catalog.onChange(() => changes++);

  await catalog.ensure();
  const status = Object.fromEntries(catalog.status().map((s) => [s.name, s]));
  assert.equal(status.everything.state, "ready");
  assert.equal(status.everything.tools, 13);
  assert.equal(status.mute.state, "failed");
  assert.match(status.mute.error!, /mute/);
  assert.equal(changes, 1);
  assert.ok(catalog.files().has("/servers/everything/getSum.ts"));
  assert.ok(![...catalog.files().keys()].some((p) => p.startsWith("/servers/mute/")));

  // The retry runs in the background: this call does not wait for it.
  const started = performance.now();
  await catalog.ensure();
  assert.ok(performance.now() - started < 500, "ensure waited on a retry");
  assert.equal(catalog.status().find((s) => s.name === "mute")!.state, "loading");
  // Asked to, a caller waits for the retry, which fails again.
  await catalog.ensure({ awaitRetries: true });
  assert.equal(catalog.status().find((s) => s.name === "mute")!.state, "failed");
});
