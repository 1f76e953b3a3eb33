/**
 * Graceful shutdown of a long-running mcpx (`mcpx serve`): on SIGINT, SIGTERM
 * or the end of standard input, stop taking work, give executions in flight a
 * bounded grace period, then cancel the rest (each still gets an answer), close
 * every upstream server (end of input, then SIGTERM, then SIGKILL) and exit 0.
 * Further signals while closing are logged and ignored, so that a client that
 * sends SIGTERM right after closing stdin does not make mcpx abandon its
 * children.
 *
 * @module
 */

/**
 * Default grace period for executions in flight at shutdown, in milliseconds.
 * With the upstream escalation (1 s, SIGTERM, 1 s, SIGKILL) it stays under
 * the 4 s after which MCP clients kill a server that has not exited.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(DEFAULT_SHUTDOWN_GRACE_MS > 0);
 * ```
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 1_000;

const SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM"];

/**
 * Listens for SIGINT and SIGTERM for as long as it is open. The first signal
 * runs `onSignal`; later ones are only logged, so the process is never killed
 * in the middle of closing its upstream servers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * {
 *   using guard = new SignalGuard(() => console.error("shutting down"));
 *   assert.equal(guard.signals, 0);
 * } // disposing the guard removes its signal listeners
 * ```
 */
export class SignalGuard implements Disposable {
  readonly #listener: () => void;
  #count = 0;

  /**
   * Starts listening for SIGINT and SIGTERM.
   *
   * @param onSignal Runs once, on the first signal.
   * @param log Where the notes about later signals go.
   */
  constructor(onSignal: (signal: number) => void, log: (line: string) => void = () => {}) {
    this.#listener = () => {
      this.#count++;
      if (this.#count === 1) onSignal(this.#count);
      else log("mcpx: already shutting down; waiting for upstream servers to exit");
    };
    for (const s of SIGNALS) Deno.addSignalListener(s, this.#listener);
  }

  /** How many signals arrived. */
  get signals(): number {
    return this.#count;
  }

  /** Stops listening (the default action of the signals returns). */
  [Symbol.dispose](): void {
    for (const s of SIGNALS) Deno.removeSignalListener(s, this.#listener);
  }
}

/**
 * What {@link Drainable.drain} did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const report: DrainReport = { finished: 3, cancelled: 1 };
 * assert.equal(report.finished + report.cancelled, 4);
 * ```
 */
export interface DrainReport {
  /** Executions that finished within the grace period. */
  finished: number;
  /** Executions cancelled when it ran out. */
  cancelled: number;
}

/** Something with executions in flight that can be drained (a `Runtime`). */
export interface Drainable {
  drain(graceMs: number, reason?: string): Promise<DrainReport>;
}
