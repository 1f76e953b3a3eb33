/**
 * Default limits of a sandbox execution and their validation.
 *
 * @module
 */

import type { EngineLimits } from "./engine.ts";

const KiB = 1024;
const MiB = 1024 * 1024;

/**
 * Safe defaults: 128 MiB of heap, 256 KiB of stack, 30 s, 1,000 tool calls,
 * 16 in flight, 1 MiB of output.
 *
 * The stack default is below the 1 MiB one might expect on purpose: QuickJS
 * runs on the thread's native stack inside WebAssembly, and past about
 * 350 KiB of guest stack the native stack of the worker overflows before
 * QuickJS's own check fires. That case is still contained (the worker is
 * replaced and the execution reports `SANDBOX_STACK`), but a guest-visible
 * `RangeError` is nicer, so the default stays well inside the safe range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(DEFAULT_LIMITS.memoryBytes, 128 * 1024 * 1024);
 * assert.ok(DEFAULT_LIMITS.timeoutMs > 0);
 * ```
 */
export const DEFAULT_LIMITS: Readonly<EngineLimits> = Object.freeze({
  memoryBytes: 128 * MiB,
  stackBytes: 256 * KiB,
  timeoutMs: 30_000,
  maxToolCalls: 1_000,
  maxConcurrentToolCalls: 16,
  maxOutputBytes: 1 * MiB,
});

/** Accepted range of each limit, inclusive. */
export const LIMIT_RANGES: Readonly<Record<keyof EngineLimits, readonly [number, number]>> = Object
  .freeze({
    memoryBytes: [16 * MiB, 1024 * MiB],
    stackBytes: [32 * KiB, 1 * MiB],
    timeoutMs: [10, 3_600_000],
    maxToolCalls: [0, 1_000_000],
    maxConcurrentToolCalls: [1, 1_024],
    maxOutputBytes: [1 * KiB, 256 * MiB],
  });

/**
 * Overlays `overrides` on `base` and checks every value.
 *
 * @throws {RangeError} When a value is not an integer inside {@link LIMIT_RANGES}.
 * @example
 * ```ts
 * import { DEFAULT_LIMITS, resolveLimits } from "./limits.ts";
 * const limits = resolveLimits({ timeoutMs: 5_000 }, DEFAULT_LIMITS);
 * if (limits.timeoutMs !== 5_000) throw new Error("not applied");
 * ```
 */
export function resolveLimits(
  overrides: Partial<EngineLimits> | undefined,
  base: Readonly<EngineLimits> = DEFAULT_LIMITS,
): EngineLimits {
  const out: EngineLimits = { ...base };
  if (overrides === undefined) return out;
  for (const key of Object.keys(overrides) as (keyof EngineLimits)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    const range = LIMIT_RANGES[key];
    if (range === undefined) throw new RangeError(`Unknown sandbox limit "${key}"`);
    if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
      throw new RangeError(
        `Invalid sandbox limit ${key} ${JSON.stringify(value)}: expected an integer from ${
          range[0]
        } to ${range[1]}`,
      );
    }
    out[key] = value;
  }
  return out;
}
