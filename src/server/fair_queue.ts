/**
 * Fair sharing of the sandbox between sessions: each session may run at most
 * `perSession` executions at once, at most `total` run across all sessions,
 * and when a slot frees up the next execution is taken from the sessions in
 * turn (round robin), not in arrival order. One session that floods the
 * server with long programs then delays its own work, not everyone's.
 *
 * @module
 */

/** Options of {@link FairQueue}. */
export interface FairQueueOptions {
  /** Executions one session may run at once (default 2). */
  perSession?: number;
  /** Executions that may run at once across sessions (default 4: the sandbox's workers). */
  total?: number;
  /** Executions one session may have waiting before new ones are refused (default 32). */
  maxWaiting?: number;
}

interface Waiter {
  start: () => void;
  fail: (error: unknown) => void;
}

/** Thrown by {@link FairQueue.run} when a session has too many executions waiting. */
export class QueueFullError extends Error {
  constructor(session: string, max: number) {
    super(
      `Session "${session}" has ${max} executions waiting already: wait for some to finish`,
    );
    this.name = "QueueFullError";
  }
}

/**
 * Runs tasks per session with per-session and total concurrency limits and a
 * round-robin choice between waiting sessions.
 *
 * @example
 * ```ts
 * import { FairQueue } from "./fair_queue.ts";
 * const queue = new FairQueue({ perSession: 1, total: 2 });
 * const result = await queue.run("session-a", () => Promise.resolve(42)); // 42
 * ```
 */
export class FairQueue {
  readonly #perSession: number;
  readonly #total: number;
  readonly #maxWaiting: number;
  #running = 0;
  readonly #active = new Map<string, number>();
  /** Sessions with waiting tasks, in round-robin order. */
  readonly #waiting = new Map<string, Waiter[]>();

  /** @throws {RangeError} for limits below 1. */
  constructor(opts: FairQueueOptions = {}) {
    this.#perSession = opts.perSession ?? 2;
    this.#total = opts.total ?? 4;
    this.#maxWaiting = opts.maxWaiting ?? 32;
    for (const [name, v] of [["perSession", this.#perSession], ["total", this.#total]] as const) {
      if (!(Number.isInteger(v) && v >= 1)) {
        throw new RangeError(`Invalid ${name} ${v}: expected a whole number >= 1`);
      }
    }
  }

  /** Executions running now. */
  get running(): number {
    return this.#running;
  }

  /** Executions waiting now, over all sessions. */
  get waiting(): number {
    let n = 0;
    for (const w of this.#waiting.values()) n += w.length;
    return n;
  }

  /**
   * Runs `task` for `session` once a slot is free for it. A task still
   * waiting when `signal` aborts is dropped with the signal's reason.
   *
   * @throws {QueueFullError} when the session already has `maxWaiting` tasks waiting.
   */
  async run<T>(session: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (!this.#canStart(session)) {
      const queue = this.#waiting.get(session) ?? [];
      if (queue.length >= this.#maxWaiting) throw new QueueFullError(session, this.#maxWaiting);
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { start: resolve, fail: reject };
        queue.push(waiter);
        this.#waiting.set(session, queue);
        signal?.addEventListener("abort", () => {
          const q = this.#waiting.get(session);
          const at = q?.indexOf(waiter) ?? -1;
          if (at < 0) return; // already started
          q!.splice(at, 1);
          if (q!.length === 0) this.#waiting.delete(session);
          reject(signal.reason);
        }, { once: true });
      });
    } else {
      this.#take(session);
    }
    try {
      return await task();
    } finally {
      this.#release(session);
    }
  }

  #canStart(session: string): boolean {
    return this.#running < this.#total && (this.#active.get(session) ?? 0) < this.#perSession &&
      !this.#waiting.has(session);
  }

  #take(session: string): void {
    this.#running++;
    this.#active.set(session, (this.#active.get(session) ?? 0) + 1);
  }

  #release(session: string): void {
    this.#running--;
    const left = (this.#active.get(session) ?? 1) - 1;
    if (left === 0) this.#active.delete(session);
    else this.#active.set(session, left);
    this.#dispatch();
  }

  /** Starts waiting tasks while slots are free, visiting sessions in turn. */
  #dispatch(): void {
    let progressed = true;
    while (this.#running < this.#total && progressed) {
      progressed = false;
      for (const [session, queue] of this.#waiting) {
        if (this.#running >= this.#total) break;
        if ((this.#active.get(session) ?? 0) >= this.#perSession) continue;
        const next = queue.shift()!;
        // Re-insert the session at the end: the next slot goes to another session first.
        this.#waiting.delete(session);
        if (queue.length > 0) this.#waiting.set(session, queue);
        this.#take(session);
        next.start();
        progressed = true;
      }
    }
  }
}
