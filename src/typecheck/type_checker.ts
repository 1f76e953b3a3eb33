/**
 * Type-checking of guest programs before they run, in a worker: the compiler
 * works on guest-supplied code, so it never runs on the host's main thread.
 * The worker is started once and kept warm (the compiler, the ECMAScript
 * declarations and the last generated tree stay loaded); a check that passes
 * its deadline, or a worker that crashes, gets the worker replaced.
 *
 * @module
 */
import { McpxError } from "../errors.ts";
import type { TypeCheckResult } from "./diagnostics.ts";
import type { FromChecker, ToChecker } from "./_protocol.ts";

/** Options of {@link TypeChecker}. */
export interface TypeCheckerOptions {
  /** Deadline of one check once the worker is ready, in milliseconds (default 10,000). */
  timeoutMs?: number;
  /** Deadline for loading the compiler in a new worker, in milliseconds (default 60,000). */
  startTimeoutMs?: number;
  /** Most diagnostics a result carries (default 5). */
  maxDiagnostics?: number;
}

/** Options of {@link TypeChecker.check}. */
export interface TypeCheckOptions {
  /** The generated tree (absolute paths → source). Pass the same map again to reuse its work. */
  files?: ReadonlyMap<string, string>;
  /** Files of this check only (skills, workspace modules); they shadow the tree. */
  extraFiles?: ReadonlyMap<string, string>;
  /** Path of the program (default `/main.ts`). */
  entry?: string;
  /** Cancels the check (the worker is then replaced). */
  signal?: AbortSignal;
}

/** Environment variables the compiler reads when it loads; the worker may read only these. */
const COMPILER_ENV: readonly string[] = [
  "NODE_ENV",
  "NODE_INSPECTOR_IPC",
  "VSCODE_INSPECTOR_OPTIONS",
  "TSC_NONPOLLING_WATCHER",
  "TSC_WATCHDIRECTORY",
  "TSC_WATCHFILE",
  ...["POLLINGINTERVAL", "POLLINGCHUNKSIZE", "UNCHANGEDPOLLTHRESHOLDS"].flatMap((v) =>
    ["LOW", "MEDIUM", "HIGH"].map((l) => `TSC_WATCH_${v}_${l}`)
  ),
];

/** ECMAScript declaration files: the ES5…ES2023 chain and decorators, no DOM. */
const LIB_FILE = /^lib\.(es5|es20\d\d(\.[a-z0-9]+)*|decorators(\.legacy)?)\.d\.ts$/;

interface CheckerWorker {
  worker: Worker;
  ready: Promise<void>;
  /** Id of the tree the worker holds. */
  treeId: number;
  pending: Map<number, { resolve: (r: TypeCheckResult) => void; reject: (e: Error) => void }>;
  dead: boolean;
}

let nextTreeId = 1;
const treeIds = new WeakMap<ReadonlyMap<string, string>, number>();
const EMPTY_TREE: ReadonlyMap<string, string> = new Map();

/**
 * Checks TypeScript programs against a generated tree in a warm worker.
 *
 * @example
 * ```ts ignore
 * import { TypeChecker } from "@mcpx/cli";
 * await using checker = new TypeChecker();
 * const r = await checker.check(`const n: number = "1";`);
 * console.log(r.diagnostics[0].message); // Type 'string' is not assignable to type 'number'.
 * ```
 */
export class TypeChecker implements AsyncDisposable {
  readonly #timeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #max: number;
  #current: CheckerWorker | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #closed = false;
  /** Workers started so far (replacements included). */
  #started = 0;

  /** @param opts Deadlines and caps. */
  constructor(opts: TypeCheckerOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.#max = opts.maxDiagnostics ?? 5;
    if (!(this.#timeoutMs > 0) || !(this.#startTimeoutMs > 0) || !(this.#max >= 1)) {
      throw new RangeError(
        `Invalid type-checker options: timeoutMs ${this.#timeoutMs}, startTimeoutMs ${this.#startTimeoutMs} and maxDiagnostics ${this.#max} must be positive`,
      );
    }
  }

  /** How many workers have been started, replacements included. */
  get workersStarted(): number {
    return this.#started;
  }

  /** Starts the worker (if it is not running) and waits until it can check. */
  async warmUp(): Promise<void> {
    await this.#worker().ready;
  }

  /**
   * Type-checks `code`. Resolves with its errors (none when `ok`); a program
   * with syntax errors resolves as `ok`, for the sandbox's compiler to report.
   *
   * @throws {McpxError} `TYPE_CHECK_FAILED` when the check passed its deadline,
   *   was cancelled, or the worker failed; `USAGE` when the checker is closed.
   */
  check(code: string, opts: TypeCheckOptions = {}): Promise<TypeCheckResult> {
    const run = this.#queue.then(() => this.#check(code, opts));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #check(code: string, opts: TypeCheckOptions): Promise<TypeCheckResult> {
    if (this.#closed) throw new McpxError("USAGE", "Cannot type-check: the checker is closed");
    opts.signal?.throwIfAborted();
    const w = this.#worker();
    await this.#deadline(
      w,
      w.ready,
      this.#startTimeoutMs,
      "loading the TypeScript compiler",
      opts.signal,
    );
    const tree = opts.files ?? EMPTY_TREE;
    let treeId = treeIds.get(tree);
    if (treeId === undefined) treeIds.set(tree, treeId = nextTreeId++);
    const id = this.#nextId++;
    const result = new Promise<TypeCheckResult>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
    });
    const msg: ToChecker = {
      t: "check",
      id,
      req: {
        treeId,
        ...(w.treeId === treeId ? {} : { tree }),
        extra: opts.extraFiles,
        entry: opts.entry,
        code,
        max: this.#max,
      },
    };
    w.treeId = treeId;
    w.worker.postMessage(msg);
    return await this.#deadline(w, result, this.#timeoutMs, "type-checking", opts.signal);
  }

  /** Waits for `p`, replacing the worker when `ms` pass or `signal` aborts first. */
  #deadline<T>(
    w: CheckerWorker,
    p: Promise<T>,
    ms: number,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const stop = (message: string) => {
        this.#kill(w, message);
        reject(new McpxError("TYPE_CHECK_FAILED", message));
      };
      const timer = setTimeout(
        () =>
          stop(
            `Type-checking failed: ${what} took longer than ${ms} ms. Make the program smaller or simpler, or run it without type-checking (--no-check)`,
          ),
        ms,
      );
      const onAbort = () => stop("Type-checking was cancelled");
      signal?.addEventListener("abort", onAbort, { once: true });
      p.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      });
    });
  }

  #worker(): CheckerWorker {
    if (this.#current !== undefined && !this.#current.dead) return this.#current;
    if (this.#closed) throw new McpxError("USAGE", "Cannot type-check: the checker is closed");
    this.#started++;
    const worker = new Worker(new URL("./_checker_worker.ts", import.meta.url), {
      type: "module",
      name: "mcpx-typecheck",
      deno: {
        permissions: {
          env: COMPILER_ENV,
          read: false,
          write: false,
          net: false,
          run: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
    } as WorkerOptions);
    let ready!: () => void;
    let failStart!: (e: Error) => void;
    const w: CheckerWorker = {
      worker,
      ready: new Promise<void>((res, rej) => {
        ready = res;
        failStart = rej;
      }),
      treeId: 0,
      pending: new Map(),
      dead: false,
    };
    w.ready.catch(() => {});
    worker.onmessage = (e: MessageEvent<FromChecker>) => {
      const m = e.data;
      switch (m.t) {
        case "needLibs":
          readLibs(m.dir).then(
            (libs) => w.worker.postMessage({ t: "libs", libs } satisfies ToChecker),
            (err) => {
              failStart(
                new McpxError(
                  "TYPE_CHECK_FAILED",
                  `Cannot load the TypeScript declaration files from "${m.dir}": ${
                    (err as Error).message
                  }`,
                ),
              );
              this.#kill(w, "The checker could not start");
            },
          );
          break;
        case "ready":
          ready();
          break;
        case "result":
          w.pending.get(m.id)?.resolve(m.result);
          w.pending.delete(m.id);
          break;
        case "failed":
          w.pending.get(m.id)?.reject(
            new McpxError(
              "TYPE_CHECK_FAILED",
              `Type-checking failed: ${m.message}. Simplify the program, or run it without type-checking (--no-check)`,
            ),
          );
          w.pending.delete(m.id);
          // The compiler threw midway: its state is not to be trusted.
          this.#kill(w, "The checker failed");
          break;
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      const message = `Type-checking failed: the checker crashed (${e.message})`;
      failStart(new McpxError("TYPE_CHECK_FAILED", message));
      this.#kill(w, message);
    };
    this.#current = w;
    return w;
  }

  #kill(w: CheckerWorker, message: string): void {
    if (w.dead) return;
    w.dead = true;
    w.worker.terminate();
    for (const p of w.pending.values()) p.reject(new McpxError("TYPE_CHECK_FAILED", message));
    w.pending.clear();
    if (this.#current === w) this.#current = undefined;
  }

  /** Stops the worker; later checks reject. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#current !== undefined) this.#kill(this.#current, "The checker is closed");
    await this.#queue;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function readLibs(dir: string): Promise<Map<string, string>> {
  const libs = new Map<string, string>();
  const reads: Promise<void>[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !LIB_FILE.test(e.name)) continue;
    reads.push(Deno.readTextFile(`${dir}${e.name}`).then((text) => void libs.set(e.name, text)));
  }
  await Promise.all(reads);
  if (!libs.has("lib.es2023.d.ts")) throw new Error("lib.es2023.d.ts is missing");
  return libs;
}
