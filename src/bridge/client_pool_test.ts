import assert from "node:assert/strict";
import { inMemoryServer } from "../../tests/_in_memory_server.ts";
import { McpxError } from "../errors.ts";
import { ClientPool } from "./client_pool.ts";

const tools = [{ name: "t", inputSchema: { type: "object" as const } }];

Deno.test("ClientPool: concurrent acquires share one lazy connection", async () => {
  const server = inMemoryServer({ tools });
  await using pool = new ClientPool([server.config], { connect: server.connector });
  assert.equal(server.instances, 0, "nothing connects before first use");
  const [a, b, c] = await Promise.all([
    pool.acquire("mem"),
    pool.acquire("mem"),
    pool.acquire("mem"),
  ]);
  assert.equal(a, b);
  assert.equal(b, c);
  assert.equal(server.instances, 1);
  assert.deepEqual(pool.stats(), {
    connects: 1,
    connectFailures: 0,
    live: ["mem"],
    recycled: 0,
    sessionRetries: 0,
  });
});

Deno.test("ClientPool: reconnects after the connection closes", async () => {
  const server = inMemoryServer({ tools });
  await using pool = new ClientPool([server.config], { connect: server.connector });
  const first = await pool.acquire("mem");
  await server.crash();
  assert.equal(first.closed, true);
  assert.equal(pool.peek("mem"), undefined);
  const second = await pool.acquire("mem");
  assert.notEqual(second, first);
  assert.equal(server.instances, 2);
});

Deno.test("ClientPool: unknown servers and a closed pool are refused", async () => {
  const server = inMemoryServer({ tools });
  const pool = new ClientPool([server.config], { connect: server.connector });
  await assert.rejects(pool.acquire("nope"), (e: unknown) => {
    assert.ok(e instanceof McpxError);
    assert.equal(e.code, "UNKNOWN_SERVER");
    assert.equal(e.message, `Unknown server "nope": known servers are "mem"`);
    return true;
  });
  const conn = await pool.acquire("mem");
  await pool.close();
  assert.equal(conn.closed, true);
  await assert.rejects(pool.acquire("mem"), /The client pool is closed/);
  assert.throws(
    () => new ClientPool([server.config, server.config]),
    /Duplicate server name "mem"/,
  );
});
