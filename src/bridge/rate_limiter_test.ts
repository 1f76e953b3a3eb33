import assert from "node:assert/strict";
import { RateLimiter, TokenBucket } from "./rate_limiter.ts";

Deno.test("TokenBucket: bursts, then refills at the rate", () => {
  let now = 0;
  const bucket = new TokenBucket(2, 3, () => now);
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [
    true,
    true,
    true,
    false,
  ]);
  now = 400; // 0.8 token
  assert.equal(bucket.take(), false);
  now = 500; // 1 token
  assert.equal(bucket.take(), true);
  now = 10_000; // refills to capacity, not beyond
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [
    true,
    true,
    true,
    false,
  ]);
  assert.throws(() => new TokenBucket(0, 1), RangeError);
});

Deno.test("RateLimiter: exact keys win, patterns apply per tool", () => {
  let now = 0;
  const limiter = new RateLimiter({
    "*": { callsPerSecond: 100, burst: 2 },
    "fs/write_file": { callsPerSecond: 1 },
  }, () => now);
  assert.equal(limiter.take("fs", "write_file"), undefined);
  assert.deepEqual(limiter.take("fs", "write_file"), { callsPerSecond: 1 });
  // Each tool has its own bucket under the same pattern.
  assert.equal(limiter.take("fs", "read"), undefined);
  assert.equal(limiter.take("fs", "read"), undefined);
  assert.deepEqual(limiter.take("fs", "read"), { callsPerSecond: 100, burst: 2 });
  assert.equal(limiter.take("mem", "read"), undefined);
  now = 1_000;
  assert.equal(limiter.take("fs", "write_file"), undefined);
});

Deno.test("RateLimiter: tools without a rule are not limited", () => {
  const limiter = new RateLimiter({ "fs/*": { callsPerSecond: 1 } });
  for (let i = 0; i < 100; i++) assert.equal(limiter.take("mem", "x"), undefined);
});
