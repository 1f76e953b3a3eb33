/**
 * TypeScript → JavaScript for the sandbox, with amaro (swc in WebAssembly) in a
 * worker of its own. Guest source never reaches swc on the host's main thread:
 * a program that crashes swc (800,000 nested parentheses exhaust its memory)
 * or runs it past its deadline ({@link TRANSPILE_TIMEOUT_MS}) fails that one module with a
 * {@link SandboxCompileError}, and the worker is replaced for the next one.
 *
 * Type annotations are replaced by spaces (`strip-only` mode), so every line
 * and column of the output matches the TypeScript source and guest stack
 * traces point into the code the user wrote. Only constructs that need code
 * generation (enums, namespaces, parameter properties) fall back to the full
 * `transform` mode, where positions may shift.
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { McpxError } from "../errors.ts";
import { transpilerEntry } from "./_embedded.ts";
import type { TranspileReply, TranspileRequest } from "./_transpile_protocol.ts";

/** Longest time one module may take to strip before its worker is replaced: 10 seconds. */
export const TRANSPILE_TIMEOUT_MS: number = 10_000;
let timeoutMs = TRANSPILE_TIMEOUT_MS;

/**
 * Sets the longest time one module may take to strip (default
 * {@link TRANSPILE_TIMEOUT_MS}) and returns the previous value.
 *
 * @throws {RangeError} When `ms` is not a positive number.
 */
export function setTranspileTimeout(ms: number): number {
  if (!(ms > 0)) {
    throw new RangeError(`Invalid transpile timeout ${ms}: expected a positive number`);
  }
  const previous = timeoutMs;
  timeoutMs = ms;
  return previous;
}

/** TypeScript that cannot be parsed or stripped. */
export class SandboxCompileError extends McpxError {
  /** Path of the offending file in the virtual tree. */
  readonly file: string;
  /** 1-based line of the error. */
  readonly line: number;
  /** 1-based column of the error. */
  readonly column: number;
  /** The offending source lines with a caret, when known. */
  readonly snippet?: string;

  constructor(
    file: string,
    line: number,
    column: number,
    detail: string,
    options?: ErrorOptions & { snippet?: string },
  ) {
    super("SANDBOX_COMPILE", `${detail} at ${file}:${line}:${column}`, options);
    this.name = "SandboxCompileError";
    this.file = file;
    this.line = line;
    this.column = column;
    this.snippet = options?.snippet;
  }
}

/** One transpiled module. */
export interface TranspiledModule {
  /** JavaScript source. */
  code: string;
  /** False when the `transform` fallback ran and line/column positions may differ. */
  positionsPreserved: boolean;
}

const CACHE_ENTRIES = 2_048;
const CACHE_MAX_SOURCE = 1 << 20;
const cache = new Map<string, TranspiledModule>();

/** Number of transpiled modules kept in the in-process cache (for tests and figures). */
export function transpileCacheSize(): number {
  return cache.size;
}

/**
 * Transpiles the TypeScript `source` of the file at `path`. Results are cached
 * by content, so the same source costs one map lookup the second time.
 *
 * @throws {SandboxCompileError} When the source cannot be parsed, naming `path` and line:column,
 * or when the type stripper crashed or ran out of time on it.
 * @example
 * ```ts
 * import { transpileModule } from "./transpile.ts";
 * const { code } = await transpileModule("/main.ts", "const n: number = 1;\nexport default n;");
 * if (!code.includes("const n         = 1;")) throw new Error("positions moved");
 * ```
 */
export async function transpileModule(path: string, source: string): Promise<TranspiledModule> {
  const hit = cache.get(source);
  if (hit !== undefined) {
    // Refresh recency: Map iteration order is insertion order.
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const out = await strip(path, source);
  if (source.length <= CACHE_MAX_SOURCE) {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(source, out);
  }
  return out;
}

// ---- the worker -------------------------------------------------------------

interface Job {
  id: number;
  path: string;
  source: string;
  resolve: (m: TranspiledModule) => void;
  reject: (e: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
}

interface Stripper {
  worker: Worker;
  ready: Promise<void>;
}

let current: Stripper | undefined;
let busy: Job | undefined;
const queue: Job[] = [];
let nextId = 1;

/**
 * Starts the type-stripping worker, so that a caller can overlap its start-up
 * (about 100 ms) with other work. {@link transpileModule} starts it too when
 * needed; calling this again returns at once.
 */
export function loadTranspiler(): Promise<void> {
  return spawn().ready;
}

function spawn(): Stripper {
  if (current !== undefined) return current;
  const worker = new Worker(transpilerEntry(new URL("./_transpile_worker.ts", import.meta.url)));
  // An idle stripper does not keep the process alive; a pending job refs it (pump).
  worker.unref();
  let ready!: () => void;
  let notReady!: (e: Error) => void;
  const self: Stripper = {
    worker,
    ready: new Promise<void>((resolve, reject) => {
      ready = resolve;
      notReady = reject;
    }),
  };
  self.ready.catch(() => {});
  worker.on("message", (m: TranspileReply) => {
    if ("ready" in m) ready();
    else settle(self, m);
  });
  worker.on("error", (e: Error) => {
    notReady(e);
    replace(self, `the type stripper failed (${e.message})`);
  });
  worker.on("exit", () => {
    notReady(new Error("The type stripper exited"));
    replace(self, "the type stripper exited");
  });
  return current = self;
}

function strip(path: string, source: string): Promise<TranspiledModule> {
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, path, source, resolve, reject });
    pump();
  });
}

function pump(): void {
  if (busy !== undefined) return;
  const job = queue.shift();
  if (job === undefined) {
    current?.worker.unref();
    return;
  }
  busy = job;
  const stripper = spawn();
  stripper.worker.ref();
  stripper.ready.then(
    () => {
      if (busy !== job || current !== stripper) return;
      const limit = timeoutMs;
      job.timer = setTimeout(
        () => replace(stripper, `stripping types took longer than ${limit} ms`),
        limit,
      );
      stripper.worker.postMessage(
        { id: job.id, path: job.path, source: job.source } satisfies TranspileRequest,
      );
    },
    (e: Error) => {
      if (busy !== job) return;
      busy = undefined;
      job.reject(
        new McpxError("SANDBOX_COMPILE", `The TypeScript transpiler did not start: ${e.message}`, {
          cause: e,
        }),
      );
      pump();
    },
  );
}

function settle(stripper: Stripper, m: Exclude<TranspileReply, { ready: true }>): void {
  const job = busy;
  if (job === undefined || job.id !== m.id || current !== stripper) return;
  if ("crashed" in m) {
    replace(stripper, `the type stripper crashed (${m.crashed})`);
    return;
  }
  clearTimeout(job.timer);
  busy = undefined;
  if ("code" in m) job.resolve({ code: m.code, positionsPreserved: m.positionsPreserved });
  else {
    const e = m.error;
    job.reject(
      new SandboxCompileError(
        job.path,
        e.line ?? 1,
        (e.column ?? 0) + 1,
        e.code === "InvalidSyntax" ? `Syntax error: ${e.message}` : e.message,
        { snippet: e.snippet?.trimEnd() },
      ),
    );
  }
  pump();
}

/** Ends `stripper`, failing the job it was running; the next job starts a new one. */
function replace(stripper: Stripper, why: string): void {
  if (current !== stripper) return;
  current = undefined;
  stripper.worker.terminate().catch(() => {});
  const job = busy;
  busy = undefined;
  if (job !== undefined) {
    clearTimeout(job.timer);
    job.reject(
      new SandboxCompileError(
        job.path,
        1,
        1,
        `Cannot compile: ${why}; the program may be too large or too deeply nested`,
      ),
    );
  }
  pump();
}
