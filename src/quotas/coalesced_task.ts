/**
 * A task that many triggers share: at most one run in flight and one more
 * pending, never started closer together than a minimum interval. A flood of
 * triggers (say 20,000 `notifications/tools/list_changed` from an upstream
 * server) costs a handful of runs, and the last run starts after the last
 * trigger, so its outcome is current.
 *
 * @module
 */

/** Default smallest gap between the starts of two runs, in milliseconds. */
export const DEFAULT_MIN_INTERVAL_MS = 250;

/**
 * Coalesces triggers of one task.
 *
 * @example
 * ```ts
 * import { CoalescedTask } from "./coalesced_task.ts";
 * let runs = 0;
 * const task = new CoalescedTask(async () => void runs++, { minIntervalMs: 10 });
 * await Promise.all([task.request(), task.request(), task.request()]);
 * task.close();
 * runs; // 1 or 2, never 3
 * ```
 */
export class CoalescedTask {
  readonly #run: () => Promise<void>;
  readonly #minIntervalMs: number;
  #inFlight = false;
  #timer?: ReturnType<typeof setTimeout>;
  #lastStart = -Infinity;
  /** Resolvers of the requests that wait for the next run to start. */
  #waiting: (() => void)[] = [];
  #closed = false;
  #runs = 0;

  /**
   * Wraps `run`; nothing runs until {@link CoalescedTask.request} is called.
   *
   * @param run The task; its failure is its own (it is caught and ignored).
   * @param opts `minIntervalMs`: smallest gap between two starts (default 250).
   */
  constructor(run: () => Promise<void>, opts: { minIntervalMs?: number } = {}) {
    this.#run = run;
    this.#minIntervalMs = opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  }

  /** Runs started so far. */
  get runs(): number {
    return this.#runs;
  }

  /**
   * Asks for a run. Resolves when a run that started after this call has
   * ended (at once once closed).
   */
  request(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#schedule();
    return done;
  }

  /** Drops the pending run; a run in flight finishes on its own. Idempotent. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const w of this.#waiting.splice(0)) w();
  }

  #schedule(): void {
    if (this.#closed || this.#inFlight || this.#timer !== undefined) return;
    if (this.#waiting.length === 0) return;
    const wait = this.#lastStart + this.#minIntervalMs - performance.now();
    if (wait > 0) this.#timer = setTimeout(() => this.#start(), wait);
    else this.#start();
  }

  #start(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    const waiting = this.#waiting.splice(0);
    this.#inFlight = true;
    this.#lastStart = performance.now();
    this.#runs++;
    const finish = () => {
      this.#inFlight = false;
      for (const w of waiting) w();
      this.#schedule();
    };
    let running: Promise<void>;
    try {
      running = this.#run();
    } catch {
      running = Promise.resolve();
    }
    running.then(finish, finish);
  }
}
