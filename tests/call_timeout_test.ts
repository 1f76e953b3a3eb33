// A hung tool call is catchable in the guest under the default limits
// (defect 5): the per-call deadline stays below the execution limit.
import assert from "node:assert/strict";
import { DEFAULT_CALL_TIMEOUT_MS } from "../src/bridge/bridge.ts";
import { callTimeoutFor, Runtime } from "../src/runtime/runtime.ts";
import { DEFAULT_LIMITS } from "../src/sandbox/limits.ts";
import { faultyServer } from "./_faulty.ts";

Deno.test("the default per-call deadline is below the execution limit, whatever the limit", () => {
  assert.ok(DEFAULT_CALL_TIMEOUT_MS < DEFAULT_LIMITS.timeoutMs);
  assert.equal(callTimeoutFor({}), 25_000);
  assert.equal(callTimeoutFor({ limits: { timeoutMs: 3_000 } }), 2_500);
  assert.equal(callTimeoutFor({ limits: { timeoutMs: 600_000 } }), 25_000);
  // An explicit setting wins.
  assert.equal(callTimeoutFor({ policy: { callTimeoutMs: 90_000 } }), 90_000);
});

Deno.test("a guest catches TOOL_TIMEOUT from a hung tool before its own time runs out", async () => {
  // The same proportions as the defaults (call 25 s within 30 s), scaled down.
  await using rt = await Runtime.create({
    servers: [faultyServer()],
    limits: { timeoutMs: 3_000 },
  });
  const r = await rt.execute(`
    import { hang } from "./servers/faulty/index.ts";
    let outcome;
    try {
      await hang({});
      outcome = "answered";
    } catch (e) {
      outcome = { caught: e.code };
    }
    export default outcome;`);
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(r.result, { caught: "TOOL_TIMEOUT" });
});
