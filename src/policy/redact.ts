/**
 * Removes secrets from what mcpx writes down (audit entries, approval forms):
 * values under keys that name a secret, and strings shaped like well-known
 * tokens.
 *
 * @module
 */

/** What replaces a secret. */
export const REDACTED = "[redacted]";

const SECRET_KEY =
  /pass(word|wd|phrase)?|secret|token|api[-_]?key|auth(orization)?|cookie|credential|private[-_]?key|session[-_]?id|bearer/i;

const SECRET_TEXT = new RegExp(
  [
    /\bBearer\s+[A-Za-z0-9._~+\/-]{8,}=*/.source,
    /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}/.source,
    /\bgh[pousr]_[A-Za-z0-9]{20,}/.source,
    /\bgithub_pat_[A-Za-z0-9_]{20,}/.source,
    /\bxox[abprs]-[A-Za-z0-9-]{10,}/.source,
    /\bAKIA[0-9A-Z]{16}\b/.source,
    /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/.source,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/.source,
  ].join("|"),
  "g",
);

/**
 * `text` with token-shaped substrings replaced.
 *
 * @example
 * ```ts
 * import { redactText } from "./redact.ts";
 * redactText("Authorization: Bearer abcdefghijklmnop"); // "Authorization: [redacted]"
 * ```
 */
export function redactText(text: string): string {
  return text.replace(SECRET_TEXT, REDACTED);
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
