/**
 * Removes secrets from what mcpx writes down (audit entries, approval forms):
 * values under keys that name a secret, and strings shaped like well-known
 * tokens.
 *
 * @module
 */

import { REDACTED, redactPatterns } from "../redact.ts";

export { REDACTED };

const SECRET_KEY =
  /pass(word|wd|phrase)?|secret|token|api[-_]?key|auth(orization)?|cookie|credential|private[-_]?key|session[-_]?id|bearer/i;

/**
 * `text` with token-shaped substrings replaced.
 *
 * @example
 * ```ts
 * import { redactText } from "./redact.ts";
 * redactText("Authorization: Bearer abcdefghijklmnop"); // "Authorization: Bearer [redacted]"
 * ```
 */
export function redactText(text: string): string {
  return redactPatterns(text);
}

/**
 * A copy of `value` with secrets replaced: any value under a key such as
 * `password`, `token` or `apiKey`, and token-shaped strings anywhere.
 *
 * @example
 * ```ts
 * import { redact } from "./redact.ts";
 * redact({ user: "ann", apiKey: "123" }); // { user: "ann", apiKey: "[redacted]" }
 * ```
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (depth > 32 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== null && typeof v !== "object"
      ? REDACTED
      : redact(v, depth + 1);
  }
  return out;
}
