/**
 * The sandbox as callers use it: TypeScript in, a plain-data result out.
 *
 * `Sandbox.execute` transpiles the program and its virtual file tree (cached
 * by content), runs it on the engine (QuickJS in permission-less workers by
 * default), forwards the guest's tool calls to a callback and returns the
 * awaited `export default` of the program with its console output. Anything
 * the guest does wrong, including running out of time, memory or stack,
 * resolves with `ok: false` and a typed error; `execute` rejects only when it
 * is misused (closed sandbox, bad limits, bad paths).
 *
 * @module
 */

import {
  McpxError,
  type McpxErrorCode,
  SandboxMemoryError,
  SandboxTimeoutError,
} from "../errors.ts";
import type {
  CallEnvelope,
  Engine,
  EngineHost,
  EngineLimits,
  ExecuteOutcome,
  ExecutionError,
} from "./engine.ts";
import { DEFAULT_LIMITS, resolveLimits } from "./limits.ts";
import { QuickJSEngine, type QuickJSEngineOptions } from "./quickjs_engine.ts";
import { loadTranspiler, SandboxCompileError, transpileModule } from "./transpile.ts";
import { dropTypeImports, type ModuleExports, typeExports, valueExports } from "./_type_imports.ts";

/**
 * Runs one tool call for the guest. `args` is plain data parsed from the
 * guest's JSON; `signal` aborts when the execution ends first. A thrown error
 * becomes a `TOOL_ERROR` envelope (or the error's `code` when it is an
 * {@link McpxError}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Answers every call with its own arguments (see ExecuteOptions.callTool).
 * const callTool: ToolCallback = (server, tool, args) =>
 *   Promise.resolve({ ok: true, value: { server, tool, args } });
 * const reply = await callTool("calc", "add", { a: 1 }, new AbortController().signal);
 * assert.deepEqual(reply, { ok: true, value: { server: "calc", tool: "add", args: { a: 1 } } });
 * ```
 */
export type ToolCallback = (
  server: string,
  tool: string,
  args: unknown,
  signal: AbortSignal,
  info?: CallInfo,
) => Promise<CallEnvelope>;

/**
 * What the engine knows about a tool call besides its arguments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const info: CallInfo = { line: 3 };
 * assert.equal(info.line, 3);
 * ```
 */
export interface CallInfo {
  /** Line of the entry program that made the call (1-based), when known. */
  line?: number;
  /**
   * Stops the execution's clock (its time limit) until the returned function
   * is called, for time spent waiting for a person, such as an approval.
   */
  pauseClock?: () => () => void;
  /**
   * The arguments as the JSON text they were just parsed from, so that a
   * callee that needs them as JSON (size limit, a detached copy) does not
   * encode and parse them again.
   */
  argsJson?: string;
}

/**
 * Options of {@link Sandbox.create}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: SandboxOptions = { limits: { memoryBytes: 32 * 1024 * 1024 }, workers: { maxWorkers: 2 } };
 * assert.equal(opts.limits?.memoryBytes, 32 * 1024 * 1024); // for Sandbox.create(opts)
 * ```
 */
export interface SandboxOptions {
  /** Default limits of every execution; missing ones come from {@link DEFAULT_LIMITS}. */
  limits?: Partial<EngineLimits>;
  /** The engine to use; by default a {@link QuickJSEngine} the sandbox owns. */
  engine?: Engine;
  /** Whether closing the sandbox disposes `engine` (default false). */
  ownsEngine?: boolean;
  /** Worker pool of the default engine. */
  workers?: QuickJSEngineOptions;
}

/**
 * Options of {@link Sandbox.execute}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ExecuteOptions = {
 *   files: new Map([["/lib.ts", "export const two: number = 2;"]]),
 *   limits: { timeoutMs: 2_000 },
 *   signal: AbortSignal.timeout(5_000),
 * };
 * assert.ok(opts.files?.has("/lib.ts")); // for sandbox.execute(code, opts)
 * ```
 */
export interface ExecuteOptions {
  /**
   * The virtual tree the program can import from: absolute path → TypeScript
   * source, such as `/runtime.ts` and `/servers/everything/echo.ts`.
   */
  files?: ReadonlyMap<string, string>;
  /** Path of the program in the tree; default `/main.ts`. */
  entry?: string;
  /** Where tool calls go; without it every call fails with `TOOL_DENIED`. */
  callTool?: ToolCallback;
  /**
   * Files of this execution only, over `files` (for example a session's
   * workspace). `files` should be a tree that changes rarely: the sandbox
   * transpiles it once and sends it to each worker once, keyed by the map's
   * identity, so a new map must be passed whenever its contents change.
   */
  extraFiles?: ReadonlyMap<string, string>;
  /** Limits of this execution, over the sandbox's defaults. */
  limits?: Partial<EngineLimits>;
  /** Aborting it cancels the execution (`SANDBOX_CANCELLED`). */
  signal?: AbortSignal;
}

/**
 * The result of one execution.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function show(run: ExecutionResult): string {
 *   return run.ok ? JSON.stringify(run.result) : `${run.error?.code}: ${run.error?.message}`;
 * }
 * const stats = { durationMs: 1, toolCalls: 0, outputBytes: 1, truncated: false };
 * assert.equal(show({ ok: true, result: 2, logs: [], stats }), "2");
 * ```
 */
export interface ExecutionResult extends ExecuteOutcome {
  /**
   * The awaited `export default` of the program, parsed from
   * {@link ExecuteOutcome.resultJson}; absent when it is `undefined` or was
   * truncated.
   */
  result?: unknown;
}

/**
 * Runs TypeScript programs in an isolated engine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * await using sandbox = await Sandbox.create();
 * const run = await sandbox.execute(`
 *   const n: number = 21;
 *   export default n * 2;
 * `);
 * assert.equal(run.result, 42);
 * const denied = await sandbox.execute(`export default 1`, { limits: { timeoutMs: 0 } }).catch((e) => e);
 * assert.ok(denied instanceof RangeError);
 * ```
 */
export class Sandbox {
  /** Default limits of this sandbox's executions. */
  readonly limits: Readonly<EngineLimits>;
  readonly #engine: Engine;
  readonly #ownsEngine: boolean;
  #closed = false;

  private constructor(engine: Engine, ownsEngine: boolean, limits: EngineLimits) {
    this.#engine = engine;
    this.#ownsEngine = ownsEngine;
    this.limits = Object.freeze(limits);
  }

  /**
   * Creates a sandbox with warm workers, ready to execute.
   *
   * @throws {RangeError} When a limit is out of range.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   *
   * await using sandbox = await Sandbox.create({ limits: { timeoutMs: 1_000 } });
   * const r = await sandbox.execute("export default 1 + 1");
   * assert.equal(r.result, 2);
   * ```
   */
  static async create(opts: SandboxOptions = {}): Promise<Sandbox> {
    const limits = resolveLimits(opts.limits, DEFAULT_LIMITS);
    if (opts.engine !== undefined) {
      await loadTranspiler();
      return new Sandbox(opts.engine, opts.ownsEngine ?? false, limits);
    }
    const [engine] = await Promise.all([QuickJSEngine.create(opts.workers), loadTranspiler()]);
    return new Sandbox(engine, true, limits);
  }

  /** Name of the engine, such as `quickjs`. */
  get engineName(): string {
    return this.#engine.name;
  }

  /**
   * Runs `code` (TypeScript, an ES module) and resolves with its `export
   * default`, console output and figures.
   *
   * @throws {RangeError} When a limit is out of range.
   * @throws {TypeError} When a path of `files` is not absolute and normalized.
   * @throws {McpxError} `USAGE` when the sandbox is closed.
   */
  async execute(code: string, opts: ExecuteOptions = {}): Promise<ExecutionResult> {
    if (this.#closed) throw new McpxError("USAGE", "Cannot execute: the sandbox is closed");
    const t0 = performance.now();
    const limits = opts.limits === undefined
      ? this.limits
      : resolveLimits(opts.limits, this.limits);
    const entry = opts.entry ?? "/main.ts";
    checkPath(entry);
    let tree: TranspiledTree;
    const extraFiles = new Map<string, string>();
    try {
      tree = opts.files === undefined ? EMPTY_TREE : await transpileTree(opts.files, entry);
      if (opts.extraFiles !== undefined) {
        for (const [path, source] of opts.extraFiles) {
          checkPath(path);
          if (!MODULE_PATH.test(path)) continue;
          if (path === entry) {
            throw new TypeError(`Invalid files: "${path}" is the entry path of the program`);
          }
          extraFiles.set(path, (await transpileModule(path, source)).code);
        }
      }
      extraFiles.set(entry, (await transpileModule(entry, code)).code);
      const extra = opts.extraFiles;
      fixTypeImports(tree, extraFiles, (p) => p === entry ? code : extra?.get(p));
    } catch (e) {
      if (e instanceof SandboxCompileError) return compileFailure(e, t0);
      throw e;
    }
    const outcome = await this.#engine.execute(
      { entry, files: tree.files, treeId: tree.id, extraFiles, limits, signal: opts.signal },
      hostFor(opts.callTool),
    );
    const result = outcome as ExecutionResult;
    if (outcome.resultJson !== undefined && outcome.resultTruncated !== true) {
      result.result = JSON.parse(outcome.resultJson);
    }
    return result;
  }

  /**
   * Runs a small program once, so that the first real execution does not pay
   * for cold code paths (transpiler, worker, module loading). Useful while
   * something else, such as starting MCP servers, is being waited for.
   */
  async warmUp(): Promise<void> {
    await this.execute(WARM_UP_PROGRAM, { files: WARM_UP_FILES, extraFiles: WARM_UP_EXTRA });
  }

  /** Stops the engine (when the sandbox created it); later calls to `execute` reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsEngine) await this.#engine.dispose();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Turns an {@link ExecutionError} into the matching error instance:
 * {@link SandboxTimeoutError}, {@link SandboxMemoryError} or an
 * {@link McpxError} with the same code, with the guest stack as `cause`.
 */
export function toMcpxError(
  error: ExecutionError,
  limits: Readonly<EngineLimits> = DEFAULT_LIMITS,
): McpxError {
  const options = error.stack === undefined ? undefined : { cause: error.stack };
  switch (error.code) {
    case "SANDBOX_TIMEOUT":
      return new SandboxTimeoutError(limits.timeoutMs, options);
    case "SANDBOX_MEMORY":
      return new SandboxMemoryError(limits.memoryBytes, options);
    default:
      return new McpxError(
        error.code,
        error.name === "McpxError" ? error.message : `${error.name}: ${error.message}`,
        options,
      );
  }
}

const WARM_UP_FILES: ReadonlyMap<string, string> = new Map([
  ["/lib/index.ts", `export { twice } from "./twice.ts";\nexport type { N } from "./twice.ts";`],
  [
    "/lib/twice.ts",
    `export type N = number;\nexport function twice(n: N): N {\n  return n * 2;\n}`,
  ],
]);
const WARM_UP_EXTRA: ReadonlyMap<string, string> = new Map([
  ["/extra.ts", `export const one: number = 1;`],
]);
const WARM_UP_PROGRAM = `import { twice, N } from "./lib/index.ts";
import { one } from "./extra.ts";
const n: N = twice(one);
console.log(JSON.stringify({ n }));
export default { n };`;

interface TranspiledTree {
  id: number;
  files: ReadonlyMap<string, string>;
  /** The TypeScript sources, for type exports. */
  sources: ReadonlyMap<string, string>;
  /** Exports of each module, computed when first asked. */
  exports?: Map<string, ModuleExports | undefined>;
}

/** Drops imports of type-only names from the execution's own modules (see `_type_imports.ts`). */
function fixTypeImports(
  tree: TranspiledTree,
  extra: Map<string, string>,
  sourceOf: (path: string) => string | undefined,
): void {
  const lookup = {
    get: (p: string) => extra.get(p) ?? tree.files.get(p),
    has: (p: string) => extra.has(p) || tree.files.has(p),
  };
  const own = new Map<string, ModuleExports | undefined>();
  const describe = (js: string | undefined, ts: string | undefined) =>
    js === undefined || ts === undefined
      ? undefined
      : { values: valueExports(js), types: typeExports(ts) };
  const exportsOf = (path: string): ModuleExports | undefined => {
    if (extra.has(path)) {
      if (!own.has(path)) own.set(path, describe(extra.get(path), sourceOf(path)));
      return own.get(path);
    }
    const cache = tree.exports ??= new Map();
    if (!cache.has(path)) cache.set(path, describe(tree.files.get(path), tree.sources.get(path)));
    return cache.get(path);
  };
  for (const [path, js] of extra) {
    const fixed = dropTypeImports(path, js, lookup, exportsOf);
    if (fixed !== js) extra.set(path, fixed);
  }
}

const MODULE_PATH = /\.(?:ts|mts|js|mjs)$/;
const EMPTY_TREE: TranspiledTree = { id: 0, files: new Map(), sources: new Map() };
let nextTreeId = 1;
/** Transpiled trees by the identity of their source map: a tree given again costs nothing. */
const trees = new WeakMap<ReadonlyMap<string, string>, TranspiledTree>();

async function transpileTree(
  files: ReadonlyMap<string, string>,
  entry: string,
): Promise<TranspiledTree> {
  const known = trees.get(files);
  if (known !== undefined) {
    if (known.files.has(entry)) {
      throw new TypeError(`Invalid files: "${entry}" is the entry path of the program`);
    }
    return known;
  }
  const modules: [string, string][] = [];
  for (const [path, source] of files) {
    checkPath(path);
    // Only modules can be imported; data files such as README.md stay on the host.
    if (!MODULE_PATH.test(path)) continue;
    if (path === entry) {
      throw new TypeError(`Invalid files: "${path}" is the entry path of the program`);
    }
    modules.push([path, source]);
  }
  const out = new Map<string, string>();
  const compiled = await Promise.all(
    modules.map(([path, source]) => transpileModule(path, source)),
  );
  modules.forEach(([path], i) => out.set(path, compiled[i].code));
  // Callers may mutate a Map they passed; only a tree seen unchanged is worth keeping.
  const tree = { id: nextTreeId++, files: out, sources: files };
  trees.set(files, tree);
  return tree;
}

function checkPath(path: string): void {
  if (
    !path.startsWith("/") ||
    path.split("/").some((s, i) => i > 0 && (s === "" || s === "." || s === ".."))
  ) {
    throw new TypeError(
      `Invalid sandbox path "${path}": expected an absolute, normalized path such as "/servers/x/index.ts"`,
    );
  }
}

function compileFailure(e: SandboxCompileError, t0: number): ExecutionResult {
  return {
    ok: false,
    logs: [],
    error: {
      code: "SANDBOX_COMPILE",
      name: "SyntaxError",
      message: e.message,
      stack: e.snippet === undefined ? undefined : `SyntaxError: ${e.message}\n${e.snippet}`,
    },
    stats: { durationMs: performance.now() - t0, toolCalls: 0, outputBytes: 0, truncated: false },
  };
}

const noBridge: EngineHost = {
  callTool(server, tool) {
    return Promise.resolve(JSON.stringify({
      ok: false,
      error: {
        code: "TOOL_DENIED",
        message: `No tool bridge is configured: cannot call "${server}/${tool}"`,
      },
    }));
  },
};

function hostFor(callTool: ToolCallback | undefined): EngineHost {
  if (callTool === undefined) return noBridge;
  return {
    async callTool(server, tool, argsJson, signal, line, pauseClock) {
      let envelope: CallEnvelope;
      try {
        envelope = await callTool(
          server,
          tool,
          JSON.parse(argsJson),
          signal,
          {
            ...(line === undefined ? {} : { line }),
            ...(pauseClock ? { pauseClock } : {}),
            argsJson,
          },
        );
      } catch (e) {
        const code: McpxErrorCode | "TOOL_ERROR" = e instanceof McpxError ? e.code : "TOOL_ERROR";
        envelope = {
          ok: false,
          error: { code, message: e instanceof Error ? e.message : String(e) },
        };
      }
      try {
        const json = JSON.stringify(envelope);
        if (typeof json === "string") return json;
        throw new TypeError("the envelope is not an object");
      } catch (e) {
        return JSON.stringify({
          ok: false,
          error: {
            code: "TOOL_ERROR",
            message: `The result of "${server}/${tool}" is not JSON-serializable: ${
              e instanceof Error ? e.message : String(e)
            }`,
          },
        });
      }
    },
  };
}
