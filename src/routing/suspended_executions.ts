/**
 * Executions suspended while a 2026-07-28 client answers their questions.
 *
 * That protocol revision has no server-to-client requests: a server that
 * needs input answers the request with an `InputRequiredResult` (the
 * questions, and a `requestState`), and the client retries the same request
 * with the answers. mcpx keeps the guest program running meanwhile: its
 * upstream call simply waits. {@link SuspendedExecution.next} settles each
 * round with either the program's result or the questions asked so far;
 * {@link SuspendedExecution.answer} hands the client's answers back.
 *
 * The `requestState` a client echoes is untrusted: it is sealed with an HMAC
 * and an expiry ({@link RequestStateSeal}), names the execution and the
 * session it belongs to, and an execution nobody resumes in time is cancelled.
 *
 * @module
 */

import { McpxError } from "../errors.ts";
import type { ClientRequestMethod } from "./execution_context.ts";

/** Default time a suspended execution waits for the client's answers: 10 minutes. */
export const DEFAULT_SUSPEND_TTL_MS: number = 10 * 60_000;

/** One question an execution waits on. */
export interface PendingInput {
  /** Key in `inputRequests` / `inputResponses`. */
  key: string;
  method: ClientRequestMethod;
  params: Record<string, unknown>;
}

/** How one round of a suspended execution ended. */
export type RoundOutcome<T> =
  | { kind: "done"; value: T }
  | { kind: "input"; inputs: PendingInput[] };

interface Waiting extends PendingInput {
  resolve(result: Record<string, unknown>): void;
  reject(error: unknown): void;
}

/** The payload sealed into a `requestState`. */
export interface SuspendState {
  /** Execution id. */
  e: string;
  /** Session key the execution belongs to. */
  s: string;
}

/** An execution that may wait on its client between requests. */
export class SuspendedExecution<T> {
  /** Unique id, named by the sealed `requestState`. */
  readonly id: string;
  /** The session (or stateless endpoint) the execution belongs to. */
  readonly sessionKey: string;
  /** Aborted when the execution is cancelled or expires. */
  readonly controller: AbortController = new AbortController();
  readonly #pending = new Map<string, Waiting>();
  #counter = 0;
  #wake?: () => void;
  #done?: { value: T } | { error: unknown };
  #timer?: ReturnType<typeof setTimeout>;
  #onEnd: () => void;

  /** @internal Use {@link SuspendedExecutions.start}. */
  constructor(
    id: string,
    sessionKey: string,
    run: (self: SuspendedExecution<T>) => Promise<T>,
    onEnd: () => void,
  ) {
    this.id = id;
    this.sessionKey = sessionKey;
    this.#onEnd = onEnd;
    run(this).then(
      (value) => this.#finish({ value }),
      (error) => this.#finish({ error }),
    );
  }

  /** Questions asked and not yet answered. */
  get pending(): PendingInput[] {
    return [...this.#pending.values()].map(({ key, method, params }) => ({ key, method, params }));
  }

  /** True once the program has ended. */
  get finished(): boolean {
    return this.#done !== undefined;
  }

  /**
   * Asks the client `method`: resolves when a later round brings the answer.
   */
  request(
    method: ClientRequestMethod,
    params: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    if (this.#done) return Promise.reject(new McpxError("USAGE", "The execution has ended"));
    const key = `${method.split("/")[0]}-${++this.#counter}`;
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.#pending.delete(key);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        cleanup();
        reject(signal!.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(key, {
        key,
        method,
        params,
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      this.#wake?.();
    });
  }

  /**
   * Hands the client's answers to the questions they name; answers to
   * unknown keys are ignored. Returns how many were taken.
   */
  answer(responses: Record<string, unknown>): number {
    let taken = 0;
    for (const [key, value] of Object.entries(responses)) {
      const w = this.#pending.get(key);
      if (w === undefined || value === null || typeof value !== "object") continue;
      w.resolve(value as Record<string, unknown>);
      taken++;
    }
    return taken;
  }

  /**
   * Waits until the program ends or asks something. When `signal` aborts
   * first (the client cancelled this round), the execution is cancelled.
   */
  next(signal?: AbortSignal): Promise<RoundOutcome<T>> {
    this.#clearTimer();
    return new Promise((resolve, reject) => {
      const settle = () => {
        if (this.#done) {
          this.#wake = undefined;
          signal?.removeEventListener("abort", onAbort);
          if ("value" in this.#done) resolve({ kind: "done", value: this.#done.value });
          else reject(this.#done.error);
          return true;
        }
        if (this.#pending.size > 0) {
          this.#wake = undefined;
          signal?.removeEventListener("abort", onAbort);
          // Let questions asked at the same moment join this round.
          queueMicrotask(() => resolve({ kind: "input", inputs: this.pending }));
          return true;
        }
        return false;
      };
      const onAbort = () => this.cancel(signal!.reason);
      if (signal?.aborted) this.cancel(signal.reason);
      if (settle()) return;
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#wake = () => void settle();
    });
  }

  /** Cancels the program and refuses its open questions. Idempotent. */
  cancel(reason?: unknown): void {
    this.#clearTimer();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
    for (const w of [...this.#pending.values()]) w.reject(reason ?? new Error("Cancelled"));
  }

  /** @internal Starts the expiry clock while the client holds the questions. */
  _park(ttlMs: number): void {
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.cancel(
        new McpxError(
          "REQUEST_STATE_INVALID",
          `The client did not answer within ${ttlMs} ms: the execution was cancelled`,
        ),
      );
      this.#onEnd();
    }, ttlMs);
    Deno.unrefTimer(this.#timer);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #finish(done: { value: T } | { error: unknown }): void {
    // A parked execution keeps its expiry clock: nobody may come for the result.
    this.#done = done;
    for (const w of [...this.#pending.values()]) w.reject(new Error("The execution has ended"));
    this.#wake?.();
  }
}

/** The suspended executions of one `mcpx serve` process. */
export class SuspendedExecutions {
  readonly #byId = new Map<string, SuspendedExecution<unknown>>();
  readonly #ttlMs: number;

  constructor(opts: { ttlMs?: number } = {}) {
    this.#ttlMs = opts.ttlMs ?? DEFAULT_SUSPEND_TTL_MS;
  }

  /** How long a suspended execution waits for its client. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Executions known now (running or waiting). */
  get size(): number {
    return this.#byId.size;
  }

  /** Starts `run` as a suspendable execution of `sessionKey`. */
  start<T>(
    sessionKey: string,
    run: (self: SuspendedExecution<T>) => Promise<T>,
  ): SuspendedExecution<T> {
    const id = crypto.randomUUID();
    const exec: SuspendedExecution<T> = new SuspendedExecution<T>(
      id,
      sessionKey,
      run,
      () => {
        if (this.#byId.get(id) === (exec as SuspendedExecution<unknown>)) this.#byId.delete(id);
      },
    );
    this.#byId.set(id, exec as SuspendedExecution<unknown>);
    return exec;
  }

  /**
   * The execution a verified state names.
   *
   * @throws {McpxError} `REQUEST_STATE_INVALID` when it is unknown (ended,
   * expired) or belongs to another session.
   */
  resume<T>(state: SuspendState): SuspendedExecution<T> {
    const exec = this.#byId.get(state.e);
    if (exec === undefined || exec.finished) {
      throw new McpxError(
        "REQUEST_STATE_INVALID",
        "This execution is no longer waiting for input (it ended or expired): run the code again",
      );
    }
    if (exec.sessionKey !== state.s) {
      throw new McpxError(
        "REQUEST_STATE_INVALID",
        "This requestState belongs to another session",
      );
    }
    return exec as SuspendedExecution<T>;
  }

  /** The client now holds `exec`'s questions: start its expiry clock. */
  park(exec: SuspendedExecution<unknown>): void {
    exec._park(this.#ttlMs);
  }

  /** Drops `exec` (its result was delivered). */
  forget(exec: SuspendedExecution<unknown>): void {
    if (this.#byId.get(exec.id) === exec) this.#byId.delete(exec.id);
  }

  /** Cancels every execution. */
  cancelAll(reason?: unknown): void {
    for (const e of this.#byId.values()) e.cancel(reason);
    this.#byId.clear();
  }
}
