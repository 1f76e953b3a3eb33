/**
 * Bounds on saved skills: the size of each, the total a session may own and
 * the total (bytes and count) of every saved skill. A session owns the
 * skills it saved last; skills found on disk at start-up count towards the
 * total only.
 *
 * @module
 */
import { QuotaExceededError } from "../errors.ts";
import { DEFAULT_SKILL_LIMITS, formatBytes, type SkillLimits } from "./serve_limits.ts";

interface Held {
  bytes: number;
  /** Key of the session that saved it; none for skills loaded at start-up. */
  owner?: string;
}

/** Figures of a {@link SkillQuota}. */
export interface SkillUsage {
  /** Bytes of the skills counted. */
  bytes: number;
  /** Number of skills counted. */
  count: number;
}

/**
 * Keeps the sizes of saved skills and refuses a save that would break a
 * limit, naming the limit and the skill.
 *
 * @example
 * ```ts
 * import { SkillQuota } from "./skill_quota.ts";
 * const quota = new SkillQuota({ maxBytes: 1024 });
 * const release = quota.reserve("double", 40, "session-1");
 * release.commit(); // saved
 * quota.usage("session-1"); // { bytes: 40, count: 1 }
 * ```
 */
export class SkillQuota {
  /** The limits in force. */
  readonly limits: Readonly<SkillLimits>;
  readonly #held = new Map<string, Held>();

  /**
   * Starts with nothing held.
   *
   * @param limits Overrides of {@link DEFAULT_SKILL_LIMITS}.
   */
  constructor(limits: Partial<SkillLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_SKILL_LIMITS, ...limits });
    for (const [k, v] of Object.entries(this.limits)) {
      if (!Number.isInteger(v) || v < 1) {
        throw new RangeError(`Invalid skill limit ${k}: expected a positive integer, got ${v}`);
      }
    }
  }

  /** Counts a skill that already exists (found on disk), owned by no session. */
  adopt(name: string, bytes: number): void {
    this.#held.set(name, { bytes });
  }

  /** Bytes and count of every skill, or of those `owner` saved. */
  usage(owner?: string): SkillUsage {
    let bytes = 0;
    let count = 0;
    for (const h of this.#held.values()) {
      if (owner !== undefined && h.owner !== owner) continue;
      bytes += h.bytes;
      count++;
    }
    return { bytes, count };
  }

  /**
   * Reserves room for `owner` to save skill `name` of `bytes` (replacing a
   * skill of that name, whoever saved it). Call `commit()` once it is saved,
   * or `cancel()` to give the room back.
   *
   * @throws {QuotaExceededError} When the save would break a limit; the
   *   message names the limit and the skill.
   */
  reserve(name: string, bytes: number, owner: string): { commit(): void; cancel(): void } {
    const l = this.limits;
    const refuse = (limit: string, why: string) =>
      new QuotaExceededError(`skills.${limit}`, `Cannot save skill "${name}": ${why}`);
    if (bytes > l.maxBytes) {
      throw refuse(
        "maxBytes",
        `it is ${formatBytes(bytes)}; the limit is ${
          formatBytes(l.maxBytes)
        } a skill (skills.maxBytes). Keep data out of skills; pass it in as arguments`,
      );
    }
    const before = this.#held.get(name);
    const replaced = before?.bytes ?? 0;
    if (before === undefined && this.#held.size >= l.maxCount) {
      throw refuse(
        "maxCount",
        `there are already ${this.#held.size.toLocaleString("en-US")} saved skills; the limit is ${
          l.maxCount.toLocaleString("en-US")
        } (skills.maxCount). Replace an existing skill instead`,
      );
    }
    const mine = this.usage(owner).bytes - (before?.owner === owner ? replaced : 0) + bytes;
    if (mine > l.maxSessionBytes) {
      throw refuse(
        "maxSessionBytes",
        `this session's skills would take ${formatBytes(mine)}; the limit is ${
          formatBytes(l.maxSessionBytes)
        } a session (skills.maxSessionBytes). Replace one of this session's skills with a smaller one`,
      );
    }
    const total = this.usage().bytes - replaced + bytes;
    if (total > l.maxTotalBytes) {
      throw refuse(
        "maxTotalBytes",
        `all saved skills would take ${formatBytes(total)}; the limit is ${
          formatBytes(l.maxTotalBytes)
        } in all (skills.maxTotalBytes)`,
      );
    }
    // Held at once, so that concurrent saves see each other.
    this.#held.set(name, { bytes, owner });
    let done = false;
    return {
      commit: () => void (done = true),
      cancel: () => {
        if (done) return;
        done = true;
        if (this.#held.get(name)?.owner !== owner) return;
        if (before === undefined) this.#held.delete(name);
        else this.#held.set(name, before);
      },
    };
  }
}
