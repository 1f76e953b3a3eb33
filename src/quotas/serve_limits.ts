/**
 * The bounds `mcpx serve` puts on what network clients and upstream servers
 * can hold: live HTTP sessions and their idle time, how long a request body
 * may take to arrive, and how much the saved skills may weigh. Each has a
 * default here; the CLI flags and the `"mcpx": { "serve": … }` block of the
 * config override them.
 *
 * @module
 */

/** Bounds of saved skills (UTF-8 bytes of each module). */
export interface SkillLimits {
  /** Largest skill module, in bytes. */
  maxBytes: number;
  /** Most bytes of skills one session may have saved (and still own). */
  maxSessionBytes: number;
  /** Most bytes of all saved skills together, from every session. */
  maxTotalBytes: number;
  /** Most saved skills in all. */
  maxCount: number;
}

/** Bounds of `mcpx serve --http`. */
export interface HttpLimits {
  /** Most live 2025-era sessions at once; `initialize` beyond it gets 503. */
  maxSessions: number;
  /** A session without a request for this long is closed, with its workspace (ms). */
  sessionIdleMs: number;
  /** A request body must arrive in full within this long of its headers (ms); else 408. */
  bodyTimeoutMs: number;
}

/** Default {@link SkillLimits}: 256 KiB a skill, 1 MiB a session, 16 MiB and 1,000 skills in all. */
export const DEFAULT_SKILL_LIMITS: Readonly<SkillLimits> = Object.freeze({
  maxBytes: 256 * 1024,
  maxSessionBytes: 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
  maxCount: 1_000,
});

/** Default {@link HttpLimits}: 64 sessions, 10 minutes idle, 30 s for a body. */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxSessions: 64,
  sessionIdleMs: 10 * 60_000,
  bodyTimeoutMs: 30_000,
});

/** Formats a byte count for a message: `262,144 bytes (256 KiB)`. */
export function formatBytes(n: number): string {
  const plain = `${n.toLocaleString("en-US")} bytes`;
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${plain} (${n / 1024 / 1024} MiB)`;
  if (n >= 1024 && n % 1024 === 0) return `${plain} (${n / 1024} KiB)`;
  return plain;
}
