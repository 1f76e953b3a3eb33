import assert from "node:assert/strict";
import { DEFAULT_LIMITS, resolveLimits } from "./limits.ts";

Deno.test("DEFAULT_LIMITS are the documented safe defaults", () => {
  assert.deepEqual({ ...DEFAULT_LIMITS }, {
    memoryBytes: 128 * 1024 * 1024,
    stackBytes: 256 * 1024,
    timeoutMs: 30_000,
    maxToolCalls: 1_000,
    maxConcurrentToolCalls: 16,
    maxOutputBytes: 1024 * 1024,
  });
  assert.ok(Object.isFrozen(DEFAULT_LIMITS));
});

Deno.test("resolveLimits overlays and validates", () => {
  const limits = resolveLimits({ timeoutMs: 5_000, memoryBytes: undefined });
  assert.equal(limits.timeoutMs, 5_000);
  assert.equal(limits.memoryBytes, DEFAULT_LIMITS.memoryBytes);
  assert.equal(resolveLimits({ maxToolCalls: 3 }, limits).timeoutMs, 5_000);
  assert.throws(() => resolveLimits({ memoryBytes: 1024 }), RangeError);
  assert.throws(() => resolveLimits({ memoryBytes: 2048 * 1024 * 1024 }), RangeError);
  assert.throws(() => resolveLimits({ timeoutMs: 1.5 }), /Invalid sandbox limit timeoutMs 1.5/);
  assert.throws(() => resolveLimits({ maxConcurrentToolCalls: 0 }), RangeError);
  assert.throws(() => resolveLimits({ nope: 1 } as never), /Unknown sandbox limit "nope"/);
});
