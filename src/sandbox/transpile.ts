/**
 * TypeScript → JavaScript for the sandbox, on the host, with amaro (swc in
 * WebAssembly).
 *
 * Type annotations are replaced by spaces (`strip-only` mode), so every line
 * and column of the output matches the TypeScript source and guest stack
 * traces point into the code the user wrote. Only constructs that need code
 * generation (enums, namespaces, parameter properties) fall back to the full
 * `transform` mode, where positions may shift.
 *
 * @module
 */

// amaro (swc in WebAssembly) takes ~100 ms to load: it is loaded on demand,
// so that a caller can overlap it with other start-up work.
type Amaro = typeof import("amaro");
let amaro: Amaro | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the transpiler. {@link transpileModule} needs it loaded first; calling
 * this again returns the same promise.
 */
export function loadTranspiler(): Promise<void> {
  loading ??= import("amaro").then((m) => {
    amaro = m;
  });
  loading.catch(() => loading = undefined);
  return loading;
}

function transformSync(source: string, options: Parameters<Amaro["transformSync"]>[1]) {
  if (amaro === undefined) {
    throw new Error("The TypeScript transpiler is not loaded: await loadTranspiler() first");
  }
  return amaro.transformSync(source, options);
}
import { McpxError } from "../errors.ts";

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

interface SwcError {
  code: string;
  message: string;
  startLine?: number;
  startColumn?: number;
  snippet?: string;
}

function isSwcError(e: unknown): e is SwcError {
  return typeof e === "object" && e !== null && typeof (e as SwcError).code === "string" &&
    typeof (e as SwcError).message === "string";
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
 * @throws {SandboxCompileError} When the source cannot be parsed, naming `path` and line:column.
 * @example
 * ```ts
 * import { loadTranspiler, transpileModule } from "./transpile.ts";
 * await loadTranspiler();
 * const { code } = transpileModule("/main.ts", "const n: number = 1;\nexport default n;");
 * if (!code.includes("const n         = 1;")) throw new Error("positions moved");
 * ```
 */
export function transpileModule(path: string, source: string): TranspiledModule {
  const hit = cache.get(source);
  if (hit !== undefined) {
    // Refresh recency: Map iteration order is insertion order.
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const out = compile(path, source);
  if (source.length <= CACHE_MAX_SOURCE) {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(source, out);
  }
  return out;
}

function compile(path: string, source: string): TranspiledModule {
  try {
    return {
      code: transformSync(source, { mode: "strip-only", filename: path }).code,
      positionsPreserved: true,
    };
  } catch (e) {
    if (!isSwcError(e)) throw e;
    if (e.code !== "UnsupportedSyntax") throw toCompileError(path, e);
  }
  try {
    return {
      code: transformSync(source, { mode: "transform", filename: path }).code,
      positionsPreserved: false,
    };
  } catch (e) {
    if (isSwcError(e)) throw toCompileError(path, e);
    throw e;
  }
}

function toCompileError(path: string, e: SwcError): SandboxCompileError {
  return new SandboxCompileError(
    path,
    e.startLine ?? 1,
    (e.startColumn ?? 0) + 1,
    e.code === "InvalidSyntax" ? `Syntax error: ${e.message}` : e.message,
    { snippet: e.snippet?.trimEnd() },
  );
}
