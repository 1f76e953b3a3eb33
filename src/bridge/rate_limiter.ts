/**
 * Per-tool rate limits as token buckets.
 *
 * @module
 */

/**
 * A rate: `callsPerSecond` on average, with bursts of up to `burst` calls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const spec: RateSpec = { callsPerSecond: 5, burst: 10 };
 * assert.ok(spec.burst! >= spec.callsPerSecond);
 * ```
 */
export interface RateSpec {
  /** Sustained calls per second; must be positive. */
  callsPerSecond: number;
  /** Calls allowed at once after a quiet period (default `max(1, callsPerSecond)`). */
  burst?: number;
}

/** A token bucket: `capacity` tokens, refilled at `ratePerSecond`. */
export class TokenBucket {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /**
   * @param ratePerSecond Tokens added per second.
   * @param capacity Most tokens held.
   * @param now Clock in milliseconds (default `performance.now`).
   * @throws {RangeError} for a rate or capacity that is not positive.
   */
  constructor(
    ratePerSecond: number,
    capacity: number,
    now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`Invalid rate ${ratePerSecond}: expected a positive number`);
    }
    if (!(capacity >= 1) || !Number.isFinite(capacity)) {
      throw new RangeError(`Invalid burst ${capacity}: expected a number of at least 1`);
    }
    this.#rate = ratePerSecond;
    this.#capacity = capacity;
    this.#now = now;
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Takes one token; false when none is left. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(
      this.#capacity,
      this.#tokens + ((now - this.#last) / 1000) * this.#rate,
    );
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * Rate limits keyed by tool pattern (`"*"`, `"fs"`, `"fs/*"`, `"fs/write_file"`).
 * An exact `server/tool` key wins; otherwise the first matching pattern in
 * insertion order applies. Every tool gets its own bucket.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ "*": { callsPerSecond: 10 }, "fs/write_file": { callsPerSecond: 1 } });
 * limiter.take("fs", "write_file"); // undefined: allowed
 * limiter.take("fs", "write_file"); // { callsPerSecond: 1 }: refused
 * ```
 */
export class RateLimiter {
  readonly #rules: [RegExp, RateSpec][];
  readonly #exact: Map<string, RateSpec>;
  readonly #buckets = new Map<string, { bucket: TokenBucket; spec: RateSpec } | null>();
  readonly #now: () => number;

  /**
   * @param rules Rates by tool pattern.
   * @param now Clock in milliseconds (default `performance.now`).
   */
  constructor(
    rules: Readonly<Record<string, RateSpec>>,
    now: () => number = () => performance.now(),
  ) {
    this.#now = now;
    this.#exact = new Map();
    this.#rules = [];
    for (const [pattern, spec] of Object.entries(rules)) {
      // Validate eagerly so a bad rate fails at construction.
      new TokenBucket(spec.callsPerSecond, spec.burst ?? Math.max(1, spec.callsPerSecond), now);
      if (pattern.includes("/") && !pattern.includes("*")) this.#exact.set(pattern, spec);
      else this.#rules.push([patternToRegExp(pattern), spec]);
    }
  }

  /** Takes a call's token; returns the exceeded rate when the call must be refused. */
  take(server: string, tool: string): RateSpec | undefined {
    const key = `${server}/${tool}`;
    let entry = this.#buckets.get(key);
    if (entry === undefined) {
      const spec = this.#exact.get(key) ?? this.#rules.find(([re]) => re.test(key))?.[1];
      entry = spec === undefined ? null : {
        spec,
        bucket: new TokenBucket(
          spec.callsPerSecond,
          spec.burst ?? Math.max(1, spec.callsPerSecond),
          this.#now,
        ),
      };
      this.#buckets.set(key, entry);
    }
    if (entry === null || entry.bucket.take()) return undefined;
    return entry.spec;
  }
}

function patternToRegExp(pattern: string): RegExp {
  const full = pattern === "*" ? "*/*" : pattern.includes("/") ? pattern : `${pattern}/*`;
  const body = full.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join(".*");
  return new RegExp(`^${body}$`, "s");
}
