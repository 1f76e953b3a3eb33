/**
 * Fair sharing of the sandbox between sessions: each session may run at most
 * `perSession` executions at once, at most `total` run across all sessions,
 * and when a slot frees up the next execution is taken from the sessions in
 * turn (round robin), not in arrival order. One session that floods the
 * server with long programs then delays its own work, not everyone's.
 *
 * A task passes two gates. It *enters* once its session has fewer than
 * `perSession` tasks in, and is *admitted* to one of the `total` slots when
 * it asks to be ({@link Ticket.admit}). Work done between the two, such as
 * type-checking a program, then counts against the session but does not hold
 * a sandbox slot that another session's program could run in.
 *
 * @module
 */

/** Options of {@link FairQueue}. */
export interface FairQueueOptions {
  /** Executions one session may have in at once, admitted or not (default 2). */
  perSession?: number;
  /** Executions that may be admitted at once across sessions (default 4: the sandbox's workers). */
  total?: number;
  /** Executions one session may have waiting to enter before new ones are refused (default 32). */
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

/** A task that has entered its session's share; see {@link FairQueue.enter}. */
export interface Ticket {
  /**
   * Waits for one of the total slots (sessions take turns). Admitting an
   * admitted ticket again does nothing.
   */
  admit(signal?: AbortSignal): Promise<void>;
  /** Frees the ticket's place and its slot, if it had one. Idempotent. */
  leave(): void;
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
  /** Tickets admitted to a slot. */
  #running = 0;
  /** Tickets in, per session. */
  readonly #entered = new Map<string, number>();
  /** Sessions with tasks waiting to enter, each in arrival order. */
  readonly #entering = new Map<string, Waiter[]>();
  /** Sessions with tickets waiting for a slot, in round-robin order. */
  readonly #admitting = new Map<string, Waiter[]>();

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

  /** Executions admitted and running now. */
  get running(): number {
    return this.#running;
  }

  /** Executions waiting now, to enter or for a slot, over all sessions. */
  get waiting(): number {
    let n = 0;
    for (const w of this.#entering.values()) n += w.length;
    for (const w of this.#admitting.values()) n += w.length;
    return n;
  }

  /**
   * Runs `task` for `session` once it has entered and been admitted. A task
   * still waiting when `signal` aborts is dropped with the signal's reason.
   *
   * @throws {QueueFullError} when the session already has `maxWaiting` tasks waiting.
   */
  async run<T>(session: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const ticket = await this.enter(session, signal);
    try {
      await ticket.admit(signal);
      return await task();
    } finally {
      ticket.leave();
    }
  }

  /**
   * Enters `session`'s share: waits while the session has `perSession`
   * tickets in. The caller must {@link Ticket.leave} the ticket.
   *
   * @throws {QueueFullError} when the session already has `maxWaiting` tasks waiting.
   */
  async enter(session: string, signal?: AbortSignal): Promise<Ticket> {
    signal?.throwIfAborted();
    if ((this.#entered.get(session) ?? 0) < this.#perSession && !this.#entering.has(session)) {
      this.#entered.set(session, (this.#entered.get(session) ?? 0) + 1);
    } else {
      const queue = this.#entering.get(session) ?? [];
      if (queue.length >= this.#maxWaiting) throw new QueueFullError(session, this.#maxWaiting);
      this.#entering.set(session, queue);
      await this.#wait(this.#entering, session, queue, signal);
    }
    let admitted = false;
    let left = false;
    return {
      admit: async (admitSignal?: AbortSignal) => {
        if (admitted || left) return;
        admitSignal?.throwIfAborted();
        if (this.#running < this.#total && this.#admitting.size === 0) {
          this.#running++;
        } else {
          const queue = this.#admitting.get(session) ?? [];
          this.#admitting.set(session, queue);
          await this.#wait(this.#admitting, session, queue, admitSignal);
        }
        if (left) { // left while waiting: give the slot back
          this.#running--;
          this.#dispatch();
          return;
        }
        admitted = true;
      },
      leave: () => {
        if (left) return;
        left = true;
        if (admitted) this.#running--;
        const n = (this.#entered.get(session) ?? 1) - 1;
        if (n === 0) this.#entered.delete(session);
        else this.#entered.set(session, n);
        this.#dispatch();
      },
    };
  }

  /** Queues a waiter in `lines` for `session`; it is dropped if `signal` aborts first. */
  #wait(
    lines: Map<string, Waiter[]>,
    session: string,
    queue: Waiter[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { start: resolve, fail: reject };
      queue.push(waiter);
      signal?.addEventListener("abort", () => {
        const q = lines.get(session);
        const at = q?.indexOf(waiter) ?? -1;
        if (at < 0) return; // already started
        q!.splice(at, 1);
        if (q!.length === 0) lines.delete(session);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Lets waiting tasks enter, and admits waiting tickets while slots are free, sessions in turn. */
  #dispatch(): void {
    for (const [session, queue] of this.#entering) {
      let n = this.#entered.get(session) ?? 0;
      while (n < this.#perSession && queue.length > 0) {
        n++;
        queue.shift()!.start();
      }
      this.#entered.set(session, n);
      if (queue.length === 0) this.#entering.delete(session);
    }
    while (this.#running < this.#total && this.#admitting.size > 0) {
      const [session, queue] = this.#admitting.entries().next().value!;
      const next = queue.shift()!;
      // Re-insert the session at the end: the next slot goes to another session first.
      this.#admitting.delete(session);
      if (queue.length > 0) this.#admitting.set(session, queue);
      this.#running++;
      next.start();
    }
  }
}
