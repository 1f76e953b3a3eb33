/**
 * Digests of tool arguments: SHA-256 of canonical JSON (object keys sorted),
 * so that the same arguments give the same digest whatever their key order.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./arg_digest.ts";
 * canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }); // '{"a":[{"c":3,"d":2}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * The hex SHA-256 digest of the canonical JSON of `args`.
 *
 * @example
 * ```ts
 * import { argDigest } from "./arg_digest.ts";
 * argDigest({ a: 1, b: 2 }) === argDigest({ b: 2, a: 1 }); // true
 * ```
 */
export function argDigest(args: unknown): string {
  return createHash("sha256").update(canonicalJson(args ?? {})).digest("hex");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      out[k] = sortKeys((value as Record<string, unknown>)[k]);
    }
    return out;
  }
  return value;
}
