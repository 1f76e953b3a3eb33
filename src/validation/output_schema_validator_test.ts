import assert from "node:assert/strict";
import { inMemoryServer } from "../../tests/_in_memory_server.ts";
import { Bridge } from "../bridge/bridge.ts";
import { ClientPool } from "../bridge/client_pool.ts";
import { outputSchemaValidator } from "./output_schema_validator.ts";

Deno.test("outputSchemaValidator matches patterns in linear time and warns about the rest", () => {
  const warnings: string[] = [];
  const v = outputSchemaValidator({ server: "s", onWarning: (m) => warnings.push(m) });
  const check = v.getValidator<unknown>({
    type: "object",
    properties: {
      s: { type: "string", pattern: "^(a+)+$" },
      t: { type: "string", pattern: "(?i)^ok$" },
      u: { type: "string", pattern: "^(?!x)" },
    },
  });
  const t0 = performance.now();
  assert.equal(check({ s: "a".repeat(30) + "!" }).valid, false);
  assert.ok(performance.now() - t0 < 500);
  assert.equal(check({ s: "aaa", t: "OK" }).valid, true);
  assert.equal(check({ t: "no" }).valid, false);
  assert.equal(check({ u: "x" }).valid, true);
  assert.deepEqual(warnings, [
    `Server "s": output schema pattern "^(?!x)" has no linear-time equivalent (lookaround or back-reference): it is not enforced`,
  ]);
});

Deno.test("a server's hostile outputSchema does not stall the host", async () => {
  // A pattern that backtracks for hours in JavaScript, and a result built to defeat it.
  const server = inMemoryServer({
    tools: [{
      name: "evil",
      inputSchema: { type: "object" },
      outputSchema: {
        type: "object",
        properties: { v: { type: "string", pattern: "^(a+)+$" } },
      },
    }],
    call: () => ({
      content: [{ type: "text", text: "{}" }],
      structuredContent: { v: "a".repeat(30) + "!" },
    }),
  });
  await using pool = new ClientPool([server.config], { connect: server.connector });
  await using bridge = new Bridge({ servers: [server.config], pool });
  const t0 = performance.now();
  const reply = await bridge.callTool("mem", "evil", {});
  assert.equal(reply.ok, false);
  if (!reply.ok) {
    assert.equal(reply.error.code, "SERVER_ERROR");
    assert.match(reply.error.message, /returned an invalid result/);
  }
  const ms = performance.now() - t0;
  assert.ok(ms < 2_000, `took ${ms.toFixed(0)} ms`);
});
