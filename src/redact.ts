/**
 * Keeping secrets out of messages and logs: passwords in URLs, bearer tokens,
 * well-known token shapes, and the values of `env` entries and headers from
 * the user's config.
 *
 * @module
 */
import type { ServerConfig } from "./config/types.ts";

/** What replaces a secret. */
export const REDACTED = "[redacted]";

/** Query parameters whose values are secrets. */
const SECRET_PARAMS =
  /([?&](?:access_token|token|api[_-]?key|apikey|key|secret|client_secret|password|passwd|pwd|sig|signature|auth)=)[^&#\s"']+/gi;
/** `scheme://user:password@` in URLs. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@"']+):([^\s/@"']+)@/gi;
/** `Bearer <token>` and `Basic <credentials>` in headers or messages. */
const AUTH_SCHEMES = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
/** Token shapes issued by common providers (GitHub, Slack, OpenAI/Anthropic-style, AWS, JWT). */
const TOKEN_SHAPES =
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})\b/g;
/** PEM private keys. */
const PRIVATE_KEYS = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/** Shortest config value treated as a secret (shorter ones are too common to replace). */
const MIN_SECRET_LENGTH = 6;

/**
 * Replaces secrets in text with {@link REDACTED}.
 *
 * @example
 * ```ts
 * import { Redactor } from "./redact.ts";
 * const r = new Redactor(["hunter2-secret"]);
 * r.redact("https://me:pw@example.com/mcp?token=abc, key hunter2-secret");
 * // "https://me:[redacted]@example.com/mcp?token=[redacted], key [redacted]"
 * ```
 */
export class Redactor {
  readonly #secrets: string[];

  /** @param secrets Values to remove wherever they appear (such as `env` values). */
  constructor(secrets: Iterable<string> = []) {
    this.#secrets = [...new Set([...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH))]
      .sort((a, b) => b.length - a.length);
  }

  /** A redactor for the secrets in `servers`' `env` values, header values and URLs. */
  static forServers(servers: readonly ServerConfig[]): Redactor {
    const secrets: string[] = [];
    for (const s of servers) {
      if (s.transport === "stdio") {
        secrets.push(...Object.values(s.env ?? {}));
      } else {
        for (const v of Object.values(s.headers ?? {})) {
          secrets.push(v, v.replace(/^(?:Bearer|Basic|Token)\s+/i, ""));
        }
        try {
          const url = new URL(s.url);
          if (url.password) secrets.push(decodeURIComponent(url.password));
        } catch { /* not a URL: nothing to take */ }
      }
    }
    return new Redactor(secrets);
  }

  /** `text` with every secret replaced. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    }
    return redactPatterns(out);
  }
}

/**
 * Removes what looks like a secret whatever the config: URL passwords,
 * secret query parameters, bearer and basic credentials, and well-known
 * token shapes.
 */
export function redactPatterns(text: string): string {
  return text
    .replace(PRIVATE_KEYS, REDACTED)
    .replace(USERINFO, `$1$2:${REDACTED}@`)
    .replace(SECRET_PARAMS, `$1${REDACTED}`)
    .replace(AUTH_SCHEMES, `$1 ${REDACTED}`)
    .replace(TOKEN_SHAPES, REDACTED);
}
