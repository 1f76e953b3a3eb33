import assert from "node:assert/strict";
import { McpxError } from "../errors.ts";
import { CircuitBreaker } from "./circuit_breaker.ts";

Deno.test("CircuitBreaker: a failed connect opens at once; half-open lets one probe through", () => {
  let now = 0;
  const b = new CircuitBreaker({ cooldownMs: 1_000, maxCooldownMs: 3_000, now: () => now });
  b.admit("s");
  b.failure("s", "exited with code 3", true);
  assert.equal(b.state("s"), "open");
  assert.throws(() => b.admit("s"), (e: unknown) => {
    assert.ok(e instanceof McpxError);
    assert.equal(e.code, "SERVER_UNAVAILABLE");
    assert.equal(
      e.message,
      `Server "s" is unavailable: exited with code 3; it is tried again in 1 s`,
    );
    return true;
  });
  now = 1_000;
  assert.equal(b.state("s"), "half-open");
  b.admit("s"); // the probe
  assert.throws(() => b.admit("s"), /a reconnection is under way/);
  // The probe fails: open again, for twice as long.
  b.failure("s", "still down", true);
  now = 2_500;
  assert.throws(() => b.admit("s"), /tried again in 1 s/);
  now = 3_000;
  b.admit("s");
  b.failure("s", "still down", true);
  now = 5_999;
  assert.throws(() => b.admit("s")); // capped at 3 s
  now = 6_000;
  b.admit("s");
  b.success("s");
  assert.equal(b.state("s"), "closed");
  b.admit("s");
  b.admit("s");
});

Deno.test("CircuitBreaker: call failures open it only after the threshold in a row", () => {
  const b = new CircuitBreaker({ failureThreshold: 3 });
  b.failure("s", "reset");
  b.failure("s", "reset");
  b.success("s");
  b.failure("s", "reset");
  b.failure("s", "reset");
  assert.equal(b.state("s"), "closed");
  b.failure("s", "reset");
  assert.equal(b.state("s"), "open");
  // Other servers are not affected.
  b.admit("other");
});
