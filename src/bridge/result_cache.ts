/**
 * A bounded, expiring LRU cache of tool results, keyed by tool and canonical
 * JSON of the arguments.
 *
 * @module
 */
import { LRUCache } from "lru-cache";

/** Options of {@link ResultCache}. */
export interface ResultCacheOptions {
  /** Most entries kept (default 256). */
  maxEntries?: number;
  /** Lifetime of an entry in milliseconds (default 60,000). */
  ttlMs?: number;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

/**
 * Least-recently-used cache whose entries expire after a time to live, on
 * `lru-cache`.
 *
 * @example
 * ```ts
 * const cache = new ResultCache<string>({ maxEntries: 2 });
 * cache.set(cacheKey("fs", "read", { path: "a" }), "A");
 * cache.get(cacheKey("fs", "read", { path: "a" })); // "A"
 * ```
 */
export class ResultCache<V> {
  // Values are boxed: lru-cache takes no null or undefined values.
  readonly #entries: LRUCache<string, { value: V }>;

  /** @throws {RangeError} for a size or lifetime that is not positive. */
  constructor(opts: ResultCacheOptions = {}) {
    const max = opts.maxEntries ?? 256;
    const ttl = opts.ttlMs ?? 60_000;
    if (!(max >= 1)) throw new RangeError(`Invalid maxEntries ${max}: expected >= 1`);
    if (!(ttl > 0)) throw new RangeError(`Invalid ttlMs ${ttl}: expected > 0`);
    const now = opts.now;
    this.#entries = new LRUCache({
      max,
      ttl,
      ttlResolution: 0,
      ...(now !== undefined ? { perf: { now } } : {}),
    });
  }

  /** Number of entries held, expired ones included until they are next touched. */
  get size(): number {
    return this.#entries.size;
  }

  /** The live value under `key`, marking it most recently used. */
  get(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /** Stores `value`, evicting the least recently used entry when full. */
  set(key: string, value: V): void {
    this.#entries.set(key, { value });
  }

  /** Removes every entry. */
  clear(): void {
    this.#entries.clear();
  }
}

/** Cache key of a call: `server/tool` and the arguments as canonical JSON. */
export function cacheKey(server: string, tool: string, args: unknown): string {
  return `${server}/${tool}\u0000${canonicalJson(args)}`;
}

/**
 * JSON with object keys sorted at every level, so equal values give equal
 * text whatever their key order.
 *
 * @throws {TypeError} for values JSON cannot represent (cycles, BigInt).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  }) ?? "null";
}
