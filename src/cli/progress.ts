/**
 * Progress of long work on standard error: one status line, redrawn in place
 * while servers start or are introspected, shown only on a terminal and never
 * with `--quiet`. Notes (`note: …`) are silenced by `--quiet` too; errors and
 * warnings always print.
 *
 * @module
 */

import { escapeControl } from "./_safe_text.ts";
import type { CliIo } from "./io.ts";

/** Where progress is drawn: standard error, and what is known of it. */
export interface ProgressSink {
  /** Writes `text` as it is. */
  write(text: string): void;
  /** Whether it is a terminal (progress is drawn only then). */
  isTerminal: boolean;
  /** Width of the terminal in columns, when known. */
  columns?: () => number | undefined;
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** `--quiet`: draw nothing. */
  quiet?: boolean;
  /** Environment: `TERM=dumb` draws nothing; `NO_COLOR` draws no spinner. */
  env?: Record<string, string | undefined>;
  /** Redraw interval in milliseconds (default 100). */
  intervalMs?: number;
  /** Draw only once the work has taken this long, so quick work shows nothing (default 250). */
  delayMs?: number;
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
}

/** How far some work is: `done` of `total` items, and the names still pending. */
export interface ProgressState {
  /** Items finished (successfully or not). */
  done: number;
  /** All items. */
  total: number;
  /** Names of the items still pending, shown after the count. */
  pending?: readonly string[];
}

/** One status line, drawn until {@link ProgressLine.end} or until all its items are done. */
export interface ProgressLine extends Disposable {
  /** Prints `text` (whole lines) above the status line, which is drawn again after it. */
  print(text: string): void;
  /** Removes the status line for good. Calling it again does nothing. */
  end(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const CLEAR = "\r\x1b[2K";
const DEFAULT_COLUMNS = 80;

/**
 * Draws progress lines on a terminal, and nothing elsewhere.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * let drawn = "";
 * const progress = new Progress({ write: (t) => drawn += t, isTerminal: false });
 * const line = progress.start("starting servers", () => ({ done: 0, total: 2 }));
 * line.end();
 * drawn; // "" (not a terminal)
 * ```
 */
export class Progress {
  readonly #sink: ProgressSink;
  readonly #intervalMs: number;
  readonly #delayMs: number;
  readonly #now: () => number;
  readonly #spinner: boolean;
  /** Whether anything is drawn at all. */
  readonly enabled: boolean;

  /** @param sink Standard error. */
  constructor(sink: ProgressSink, opts: ProgressOptions = {}) {
    this.#sink = sink;
    this.#intervalMs = opts.intervalMs ?? 100;
    this.#delayMs = opts.delayMs ?? 250;
    this.#now = opts.now ?? (() => performance.now());
    this.#spinner = opts.env?.NO_COLOR === undefined || opts.env.NO_COLOR === "";
    this.enabled = sink.isTerminal && opts.quiet !== true && opts.env?.TERM !== "dumb";
  }

  /**
   * Starts a status line `label done/total · seconds · waiting for a, b`,
   * redrawn from `state()` every interval. It ends by itself once `done`
   * reaches `total`.
   */
  start(label: string, state: () => ProgressState): ProgressLine {
    const started = this.#now();
    let frame = 0;
    let shown = false;
    let ended = !this.enabled;
    let timer: ReturnType<typeof setInterval> | undefined;
    const sink = this.#sink;
    const clear = () => {
      if (shown) sink.write(CLEAR);
      shown = false;
    };
    const end = () => {
      if (ended) return;
      ended = true;
      if (timer !== undefined) clearInterval(timer);
      clear();
    };
    const draw = () => {
      if (ended) return;
      const s = state();
      if (s.done >= s.total) return end();
      const elapsed = this.#now() - started;
      if (elapsed < this.#delayMs) return;
      const columns = sink.columns?.() ?? 0;
      // A pseudo-terminal may report no size at all.
      const width = (columns >= 20 ? columns : DEFAULT_COLUMNS) - 1;
      const text = renderLine(
        label,
        s,
        elapsed,
        this.#spinner ? FRAMES[frame++ % FRAMES.length] : "",
      );
      sink.write(CLEAR + truncate(text, width));
      shown = true;
    };
    if (this.enabled) {
      const t = setInterval(draw, this.#intervalMs);
      Deno.unrefTimer(t);
      timer = t;
      draw();
    }
    return {
      print: (text) => {
        if (ended) return sink.write(text);
        clear();
        sink.write(text);
        draw();
      },
      end,
      [Symbol.dispose]: end,
    };
  }
}

/**
 * The text of a status line, without cursor movement: names pass through
 * {@link escapeControl}.
 *
 * @example
 * ```ts
 * import { renderLine } from "./progress.ts";
 * renderLine("starting servers", { done: 1, total: 3, pending: ["slow", "github"] }, 2400, "⠋");
 * // "⠋ starting servers 1/3 · 2.4 s · waiting for slow, github"
 * ```
 */
export function renderLine(
  label: string,
  state: ProgressState,
  elapsedMs: number,
  spinner: string,
): string {
  const pending = state.pending?.length
    ? ` · waiting for ${
      state.pending.map((n) => escapeControl(n).replace(/[\n\t]/g, " ")).join(", ")
    }`
    : "";
  const head = spinner ? `${spinner} ` : "";
  return `${head}${escapeControl(label)} ${state.done}/${state.total} · ${
    (elapsedMs / 1000).toFixed(1)
  } s${pending}`;
}

function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, width - 1).join("") + "…";
}

/**
 * The {@link Progress} of a command: drawn on standard error when it is a
 * terminal, and not with `--quiet`.
 */
export function progressOf(
  io: Pick<CliIo, "err" | "stderrIsTty" | "columns" | "quiet" | "env">,
): Progress {
  return new Progress(
    { write: (t) => io.err(t), isTerminal: io.stderrIsTty === true, columns: io.columns },
    { quiet: io.quiet, env: io.env },
  );
}

/** Writes `note: text` on standard error, unless `--quiet` was given. */
export function note(io: Pick<CliIo, "err" | "quiet">, text: string): void {
  if (io.quiet !== true) io.err(`note: ${text}\n`);
}

/**
 * The progress of servers starting, from their states (`ready` and `failed`
 * are done; `idle` and `loading` are pending).
 *
 * @example
 * ```ts
 * import { serverProgress } from "./progress.ts";
 * serverProgress([{ name: "fs", state: "ready" }, { name: "slow", state: "loading" }]);
 * // { done: 1, total: 2, pending: ["slow"] }
 * ```
 */
export function serverProgress(
  servers: readonly { name: string; state: string }[],
): ProgressState {
  const pending = servers.filter((s) => s.state === "idle" || s.state === "loading")
    .map((s) => s.name);
  return { done: servers.length - pending.length, total: servers.length, pending };
}
