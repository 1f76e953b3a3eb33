/**
 * A circuit breaker per upstream server: after a server fails to connect (or
 * its calls keep breaking the connection), callers fail fast with
 * `SERVER_UNAVAILABLE` for a cool-down period instead of each waiting for a
 * timeout. After the cool-down one caller is let through as a probe
 * (half-open); its success closes the breaker, its failure opens it again for
 * twice as long (up to a limit).
 *
 * @module
 */
import { McpxError } from "../errors.ts";

/**
 * Options of {@link CircuitBreaker}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: CircuitBreakerOptions = { failureThreshold: 1, cooldownMs: 10_000 };
 * const breaker = new CircuitBreaker(opts);
 * breaker.failure("fs", "refused");
 * assert.equal(breaker.state("fs"), "open");
 * ```
 */
export interface CircuitBreakerOptions {
  /** Consecutive call failures that open the breaker (default 3). A failed connect opens it at once. */
  failureThreshold?: number;
  /** First cool-down in milliseconds (default 2,000); doubles on each failed probe. */
  cooldownMs?: number;
  /** Longest cool-down in milliseconds (default 30,000). */
  maxCooldownMs?: number;
  /** The clock (for tests). */
  now?: () => number;
}

/**
 * State of one server's breaker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const state: BreakerState = new CircuitBreaker().state("fs");
 * assert.equal(state, "closed");
 * ```
 */
export type BreakerState = "closed" | "open" | "half-open";

interface ServerBreaker {
  state: BreakerState;
  failures: number;
  cooldownMs: number;
  openedAt: number;
  lastError?: string;
  probing: boolean;
}

/**
 * One breaker per server name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1_000 });
 * breaker.failure("fs", "connection refused");
 * assert.equal(breaker.state("fs"), "closed");
 * breaker.failure("fs", "connection refused");
 * assert.equal(breaker.state("fs"), "open");
 * assert.throws(() => breaker.admit("fs"));
 * ```
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldown: number;
  readonly #maxCooldown: number;
  readonly #now: () => number;
  readonly #servers = new Map<string, ServerBreaker>();

  /**
   * A breaker with no server tripped.
   *
   * @param opts Thresholds and cool-downs.
   */
  constructor(opts: CircuitBreakerOptions = {}) {
    this.#threshold = opts.failureThreshold ?? 3;
    this.#cooldown = opts.cooldownMs ?? 2_000;
    this.#maxCooldown = opts.maxCooldownMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
  }

  #get(name: string): ServerBreaker {
    let b = this.#servers.get(name);
    if (b === undefined) {
      b = { state: "closed", failures: 0, cooldownMs: this.#cooldown, openedAt: 0, probing: false };
      this.#servers.set(name, b);
    }
    return b;
  }

  /** The state of `name`'s breaker now. */
  state(name: string): BreakerState {
    const b = this.#servers.get(name);
    if (b === undefined || b.state === "closed") return "closed";
    if (b.state === "open" && this.#now() - b.openedAt >= b.cooldownMs) return "half-open";
    return b.state;
  }

  /**
   * Lets a request to `name` through, or throws at once while the breaker is
   * open. In the half-open state the first caller becomes the probe; others
   * fail fast until it reports.
   *
   * @throws {McpxError} `SERVER_UNAVAILABLE` naming the server, the last error and when it is tried again.
   */
  admit(name: string): void {
    const b = this.#servers.get(name);
    if (b === undefined || b.state === "closed") return;
    const waited = this.#now() - b.openedAt;
    if (b.state === "open" && waited >= b.cooldownMs && !b.probing) {
      b.state = "half-open";
      b.probing = true;
      return;
    }
    const left = Math.max(0, b.cooldownMs - waited);
    throw new McpxError(
      "SERVER_UNAVAILABLE",
      `Server "${name}" is unavailable${b.lastError ? `: ${b.lastError}` : ""}; ${
        b.probing
          ? "a reconnection is under way"
          : `it is tried again in ${Math.ceil(left / 1000)} s`
      }`,
    );
  }

  /** Records a success: the breaker closes. */
  success(name: string): void {
    const b = this.#servers.get(name);
    if (b === undefined) return;
    b.state = "closed";
    b.failures = 0;
    b.cooldownMs = this.#cooldown;
    b.probing = false;
    b.lastError = undefined;
  }

  /**
   * Records a failure. `fatal` (a failed connect, a failed probe) opens the
   * breaker at once; other failures open it after the threshold.
   */
  failure(name: string, error: string, fatal = false): void {
    const b = this.#get(name);
    b.lastError = error;
    b.failures++;
    const wasProbe = b.probing || b.state === "half-open";
    if (!fatal && !wasProbe && b.failures < this.#threshold) return;
    if (wasProbe || b.state === "open") {
      b.cooldownMs = Math.min(b.cooldownMs * 2, this.#maxCooldown);
    }
    b.state = "open";
    b.openedAt = this.#now();
    b.probing = false;
  }
}
