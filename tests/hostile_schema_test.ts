// A server whose input schema holds a pattern that backtracks exponentially in
// JavaScript: a guest's hostile argument is refused quickly, as the caller's error,
// and an execution running beside it is not held up.
import assert from "node:assert/strict";
import { Runtime } from "../src/runtime/runtime.ts";
import { inMemoryServer } from "./_in_memory_server.ts";

Deno.test("a ReDoS pattern in a tool schema stalls neither the host nor other executions", async () => {
  const server = inMemoryServer({
    tools: [{
      name: "lookup",
      inputSchema: {
        type: "object",
        properties: { key: { type: "string", pattern: "^(a+)+$" } },
        required: ["key"],
      },
    }],
  });
  await using runtime = await Runtime.create({
    servers: [server.config],
    connect: server.connector,
    limits: { timeoutMs: 3_000 },
  });
  const hostile = `import { lookup } from "./servers/mem/index.ts";
let code = "accepted";
try {
  await lookup({ key: "a".repeat(30) + "!" });
} catch (e) {
  code = (e as { code: string }).code;
}
export default code;`;
  const t0 = performance.now();
  let otherMs = 0;
  const [bad, other] = await Promise.all([
    runtime.execute(hostile),
    runtime.execute("export default 6 * 7;").then((r) => {
      otherMs = performance.now() - t0;
      return r;
    }),
  ]);
  const badMs = performance.now() - t0;
  assert.equal(bad.ok, true, JSON.stringify(bad.error));
  assert.equal(bad.result, "TOOL_INVALID_ARGS");
  assert.equal(other.result, 42);
  assert.ok(badMs < 2_000, `hostile execution took ${badMs.toFixed(0)} ms`);
  assert.ok(otherMs < 2_000, `other execution took ${otherMs.toFixed(0)} ms`);
  assert.equal(server.calls, 0); // refused before reaching the server
  // The host is still responsive: a valid call goes through.
  const good = await runtime.execute(`import { lookup } from "./servers/mem/index.ts";
export default await lookup({ key: "aaa" });`);
  assert.equal(good.ok, true, JSON.stringify(good.error));
  assert.equal(server.calls, 1);
});
