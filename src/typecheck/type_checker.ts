/**
 * Type-checking of guest programs before they run, in a separate process: the
 * compiler works on guest-supplied code, so it never runs on the host's main
 * thread, and a program that makes it run away can be stopped for sure (a
 * Deno worker busy in a long computation does not stop on `terminate()`) and
 * cannot exhaust the host's memory. The process is started once and kept warm
 * (the compiler, the ECMAScript declarations and the last generated tree stay
 * loaded); a check that passes its deadline, or a process that crashes or
 * runs out of its heap, gets the process replaced.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { blake3 } from "@noble/hashes/blake3.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { McpxError } from "../errors.ts";
import type { TypeCheckResult } from "./diagnostics.ts";
import type { FromChecker, ToChecker } from "./_protocol.ts";

/**
 * Options of {@link TypeChecker}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: TypeCheckerOptions = { timeoutMs: 5_000, maxDiagnostics: 5 };
 * assert.equal(opts.maxDiagnostics, 5); // for new TypeChecker(opts)
 * ```
 */
export interface TypeCheckerOptions {
  /** Deadline of one check once the process is ready, in milliseconds (default 10,000). */
  timeoutMs?: number;
  /** Deadline for loading the compiler in a new process, in milliseconds (default 60,000). */
  startTimeoutMs?: number;
  /** Heap limit of the checker's process, in MiB (default 1024). */
  maxHeapMiB?: number;
  /** Most diagnostics a result carries (default 5). */
  maxDiagnostics?: number;
}

/**
 * Options of {@link TypeChecker.check}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: TypeCheckOptions = {
 *   files: new Map([["/lib.ts", "export const n: number = 1;"]]),
 *   entry: "/main.ts",
 * };
 * assert.ok(opts.files?.has("/lib.ts")); // for checker.check(code, opts)
 * ```
 */
export interface TypeCheckOptions {
  /** The generated tree (absolute paths → source). Pass the same map again to reuse its work. */
  files?: ReadonlyMap<string, string>;
  /** Files of this check only (skills, workspace modules); they shadow the tree. */
  extraFiles?: ReadonlyMap<string, string>;
  /** Path of the program (default `/main.ts`). */
  entry?: string;
  /** Cancels the check (the process is then replaced). */
  signal?: AbortSignal;
}

/** Environment variables the compiler reads when it loads; the process may read only these. */
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

interface CheckerProcess {
  child: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
  ready: Promise<void>;
  /** Id of the tree the process holds. */
  treeId: number;
  pending: Map<number, { resolve: (r: TypeCheckResult) => void; reject: (e: Error) => void }>;
  dead: boolean;
}

const CHECKER_ENTRY = new URL("./_checker_process.ts", import.meta.url);
/** The project's configuration, for the compiler's npm import. */
const CONFIG = new URL("../../deno.json", import.meta.url);
const encoder = new TextEncoder();

let nextTreeId = 1;
const treeIds = new WeakMap<ReadonlyMap<string, string>, number>();
const EMPTY_TREE: ReadonlyMap<string, string> = new Map();

/** The identity of a tree map: the same map, the same id. */
function treeIdOf(tree: ReadonlyMap<string, string>): number {
  let id = treeIds.get(tree);
  if (id === undefined) treeIds.set(tree, id = nextTreeId++);
  return id;
}

/** Results kept for programs checked again (an agent's retry, a loop, a skill). */
const RESULTS_KEPT = 256;
/** Checks whose inputs are longer than this (in UTF-16 units) are not kept. */
const RESULT_KEY_MAX = 256 * 1024;

/**
 * Everything a check reads, as a BLAKE3 digest: the tree's identity, the
 * entry's path, the cap on diagnostics, the program and the extra files;
 * `undefined` when that is too long to be worth keeping. A digest keeps the
 * memory of kept results small whatever the programs' length.
 */
function resultKey(code: string, opts: TypeCheckOptions, max: number): string | undefined {
  const parts = [
    String(treeIdOf(opts.files ?? EMPTY_TREE)),
    opts.entry ?? "",
    String(max),
    code,
  ];
  let length = code.length;
  for (const [path, source] of opts.extraFiles ?? []) {
    length += path.length + source.length;
    if (length > RESULT_KEY_MAX) return undefined;
    parts.push(path, source);
  }
  if (length > RESULT_KEY_MAX) return undefined;
  return bytesToHex(blake3(encoder.encode(parts.join("\0"))));
}

/**
 * Checks TypeScript programs against a generated tree in a warm process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * await using checker = new TypeChecker();
 * const result = await checker.check(`const n: number = "1";`);
 * assert.match(result.diagnostics[0].message, /not assignable to type 'number'/);
 * ```
 */
export class TypeChecker implements AsyncDisposable {
  readonly #timeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #max: number;
  readonly #maxHeapMiB: number;
  #current: CheckerProcess | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** Recent results by {@link resultKey}, least recently used first. */
  readonly #results = new Map<string, TypeCheckResult>();
  #nextId = 1;
  #closed = false;
  /** Processes started so far (replacements included). */
  #started = 0;

  /**
   * A checker; its process starts on the first check.
   *
   * @param opts Deadlines and caps.
   */
  constructor(opts: TypeCheckerOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.#max = opts.maxDiagnostics ?? 5;
    this.#maxHeapMiB = opts.maxHeapMiB ?? 1024;
    if (
      !(this.#timeoutMs > 0) || !(this.#startTimeoutMs > 0) || !(this.#max >= 1) ||
      !(this.#maxHeapMiB >= 64)
    ) {
      throw new RangeError(
        `Invalid type-checker options: timeoutMs ${this.#timeoutMs}, startTimeoutMs ${this.#startTimeoutMs} and maxDiagnostics ${this.#max} must be positive, maxHeapMiB ${this.#maxHeapMiB} at least 64`,
      );
    }
  }

  /**
   * Whether checker processes can be started here: mcpx's sources are files
   * on disk next to its `deno.json` (not so when loaded from a remote URL).
   */
  static get supported(): boolean {
    return CHECKER_ENTRY.protocol === "file:";
  }

  /** How many checker processes have been started, replacements included. */
  get processesStarted(): number {
    return this.#started;
  }

  /** Process id of the running checker, if one runs. */
  get pid(): number | undefined {
    return this.#current?.dead === false ? this.#current.child.pid : undefined;
  }

  /** Starts the process (if it is not running) and waits until it can check. */
  async warmUp(): Promise<void> {
    await this.#process().ready;
  }

  /**
   * Type-checks `code`. Resolves with its errors (none when `ok`); a program
   * with syntax errors resolves as `ok`, for the sandbox's compiler to report.
   *
   * @throws {McpxError} `TYPE_CHECK_FAILED` when the check passed its deadline,
   *   was cancelled, or the process failed; `USAGE` when the checker is closed.
   */
  check(code: string, opts: TypeCheckOptions = {}): Promise<TypeCheckResult> {
    // The same program against the same files checks the same way: a result
    // is kept, and the program is not sent to the compiler again.
    const key = this.#closed || opts.signal?.aborted ? undefined : resultKey(code, opts, this.#max);
    const kept = key === undefined ? undefined : this.#results.get(key);
    if (kept !== undefined) {
      this.#results.delete(key!);
      this.#results.set(key!, kept);
      return Promise.resolve({ ...kept, durationMs: 0 });
    }
    const run = this.#queue.then(() => this.#check(code, opts));
    this.#queue = run.catch(() => {});
    if (key === undefined) return run;
    return run.then((result) => {
      const frozen = Object.freeze({
        ...result,
        diagnostics: Object.freeze(result.diagnostics.map((d) => Object.freeze({ ...d }))),
      }) as TypeCheckResult;
      if (this.#results.size >= RESULTS_KEPT) {
        this.#results.delete(this.#results.keys().next().value!);
      }
      this.#results.set(key, frozen);
      return frozen;
    });
  }

  async #check(code: string, opts: TypeCheckOptions): Promise<TypeCheckResult> {
    if (this.#closed) throw new McpxError("USAGE", "Cannot type-check: the checker is closed");
    opts.signal?.throwIfAborted();
    const w = this.#process();
    await this.#deadline(
      w,
      w.ready,
      this.#startTimeoutMs,
      "loading the TypeScript compiler",
      opts.signal,
    );
    const tree = opts.files ?? EMPTY_TREE;
    const treeId = treeIdOf(tree);
    const id = this.#nextId++;
    const result = new Promise<TypeCheckResult>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
    });
    const msg: ToChecker = {
      t: "check",
      id,
      req: {
        treeId,
        ...(w.treeId === treeId ? {} : { tree: [...tree] }),
        ...(opts.extraFiles ? { extra: [...opts.extraFiles] } : {}),
        ...(opts.entry ? { entry: opts.entry } : {}),
        code,
        max: this.#max,
      },
    };
    w.treeId = treeId;
    this.#send(w, msg);
    return await this.#deadline(w, result, this.#timeoutMs, "type-checking", opts.signal);
  }

  /** Waits for `p`, replacing the process when `ms` pass or `signal` aborts first. */
  #deadline<T>(
    w: CheckerProcess,
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

  #process(): CheckerProcess {
    if (this.#current !== undefined && !this.#current.dead) return this.#current;
    if (this.#closed) throw new McpxError("USAGE", "Cannot type-check: the checker is closed");
    if (!TypeChecker.supported) {
      throw new McpxError(
        "TYPE_CHECK_FAILED",
        `Cannot type-check: mcpx runs from "${CHECKER_ENTRY.origin}", not from files on disk; run without type-checking (--no-check)`,
      );
    }
    this.#started++;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        `--config=${fileURLToPath(CONFIG)}`,
        `--allow-env=${COMPILER_ENV.join(",")}`,
        `--v8-flags=--max-old-space-size=${this.#maxHeapMiB}`,
        fileURLToPath(CHECKER_ENTRY),
      ],
      cwd: fileURLToPath(new URL(".", CONFIG)),
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      env: { NO_COLOR: "1" },
    }).spawn();
    let ready!: () => void;
    let failStart!: (e: Error) => void;
    const w: CheckerProcess = {
      child,
      stdin: child.stdin.getWriter(),
      ready: new Promise<void>((res, rej) => {
        ready = res;
        failStart = rej;
      }),
      treeId: 0,
      pending: new Map(),
      dead: false,
    };
    w.ready.catch(() => {});
    const onMessage = (m: FromChecker) => {
      switch (m.t) {
        case "needLibs":
          readLibs(m.dir).then(
            (libs) => this.#send(w, { t: "libs", libs: [...libs] }),
            (err) => {
              const message = `Cannot load the TypeScript declaration files from "${m.dir}": ${
                (err as Error).message
              }`;
              failStart(new McpxError("TYPE_CHECK_FAILED", message));
              this.#kill(w, message);
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
    (async () => {
      let buffered = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line !== "") onMessage(JSON.parse(line) as FromChecker);
        }
      }
    })().catch(() => {}).finally(async () => {
      // Output closed: the process ended (crashed, ran out of heap, or was killed).
      const status = await child.status;
      const message = `Type-checking failed: the checker stopped (${
        status.signal ?? `exit code ${status.code}`
      }). Simplify the program, or run it without type-checking (--no-check)`;
      failStart(new McpxError("TYPE_CHECK_FAILED", message));
      this.#kill(w, message);
    });
    this.#current = w;
    return w;
  }

  #send(w: CheckerProcess, m: ToChecker): void {
    w.stdin.write(encoder.encode(JSON.stringify(m) + "\n")).catch(() => {});
  }

  #kill(w: CheckerProcess, message: string): void {
    if (w.dead) return;
    w.dead = true;
    try {
      w.child.kill("SIGKILL");
    } catch { /* already gone */ }
    w.stdin.close().catch(() => {});
    for (const p of w.pending.values()) p.reject(new McpxError("TYPE_CHECK_FAILED", message));
    w.pending.clear();
    if (this.#current === w) this.#current = undefined;
  }

  /** Stops the process; later checks reject. Idempotent. */
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
