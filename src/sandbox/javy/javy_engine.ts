/**
 * The Javy engine: guest programs bundled into one script, compiled to
 * QuickJS bytecode by a Javy plugin's `compile-src` and run by its `invoke`,
 * in Deno's WebAssembly inside a permission-less worker.
 *
 * Each execution gets a fresh worker (one is kept started ahead of time).
 * Javy has no interrupt handler, so a deadline or a cancellation stops the
 * worker; a memory cap is the maximum declared on the plugin's memory.
 *
 * @module
 */

import { McpxError } from "../../errors.ts";
import type {
  Engine,
  EngineHost,
  EngineLimits,
  ExecuteOutcome,
  ExecuteRequest,
} from "../engine.ts";
import { DEFAULT_LIMITS } from "../limits.ts";
import { bundleProgram, mapStack } from "./bundle.ts";
import { stoppedOutcome } from "./_execution.ts";
import type { JavyPlugin } from "./plugin.ts";
import { readDynamicModule } from "./wasm_binary.ts";
import type { FromJavyWorker, ToJavyWorker } from "./worker.ts";

/**
 * Options of {@link JavyEngine.create}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { JavyPlugin } from "@mcpx/cli";
 *
 * function options(plugin: JavyPlugin): JavyEngineOptions {
 *   return { plugin, maxWorkers: 2 };
 * }
 * assert.equal(typeof options, "function"); // for JavyEngine.create(options(plugin))
 * ```
 */
export interface JavyEngineOptions {
  /** The plugin programs are compiled and run with. */
  plugin: JavyPlugin;
  /** Executions running at once, each in a worker of its own; more wait in turn. Default 4. */
  maxWorkers?: number;
}

type RunMessage = Extract<ToJavyWorker, { t: "run" }>;

/**
 * Javy (QuickJS bytecode through a Javy plugin) behind the {@link Engine} interface.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JavyPlugin, Sandbox } from "@mcpx/cli";
 *
 * const plugin = await JavyPlugin.fromFile(
 *   "node_modules/@chainlink/cre-sdk-javy-plugin/dist/javy-chainlink-sdk.plugin.wasm",
 * );
 * await using sandbox = await Sandbox.create({
 *   engine: await JavyEngine.create({ plugin, maxWorkers: 1 }),
 *   ownsEngine: true,
 * });
 * const run = await sandbox.execute("export default [1, 2, 3].length;");
 * assert.equal(run.result, 3);
 * ```
 */
export class JavyEngine implements Engine {
  /** Backend name. */
  readonly name: string = "javy";
  /** The plugin in use. */
  readonly plugin: JavyPlugin;
  readonly #running = new Set<Worker>();
  #spare: Worker | undefined;
  #closed = false;
  /** Whether the plugin needs `initialize-runtime`, once a compile told. */
  #initialize: boolean | undefined;
  /** Bundles by tree and execution files; bytecode by bundle. */
  readonly #bundles = new Lru<string, string>(32);
  readonly #bytecode = new Lru<string, Uint8Array>(32);

  readonly #maxWorkers: number;
  readonly #waiting: (() => void)[] = [];
  #active = 0;

  private constructor(plugin: JavyPlugin, maxWorkers: number) {
    if (!Number.isInteger(maxWorkers) || maxWorkers < 1 || maxWorkers > 64) {
      throw new RangeError(`Invalid maxWorkers ${maxWorkers}: expected an integer from 1 to 64`);
    }
    this.plugin = plugin;
    this.#maxWorkers = maxWorkers;
  }

  /** Creates the engine and compiles the plugin for the default memory limit. */
  static async create(opts: JavyEngineOptions): Promise<JavyEngine> {
    const engine = new JavyEngine(opts.plugin, opts.maxWorkers ?? 4);
    await opts.plugin.moduleFor(DEFAULT_LIMITS.memoryBytes);
    engine.#spare = engine.#spawn();
    return engine;
  }

  /** Bundles, compiles and runs `req.entry`. */
  async execute(req: ExecuteRequest, host: EngineHost): Promise<ExecuteOutcome> {
    this.#checkOpen();
    const files = req.extraFiles;
    if (!req.files.has(req.entry) && !files?.has(req.entry)) {
      throw new TypeError(`Invalid execution: the entry "${req.entry}" is not in the files`);
    }
    const t0 = performance.now();
    const key = req.treeId === undefined || req.treeId === 0
      ? undefined
      : JSON.stringify([req.treeId, req.entry, ...(files ?? [])]);
    let source = key === undefined ? undefined : this.#bundles.get(key);
    try {
      source ??= await bundleProgram({
        entry: req.entry,
        files: files === undefined ? req.files : {
          get: (p) => files.get(p) ?? req.files.get(p),
          has: (p) => files.has(p) || req.files.has(p),
        },
      });
    } catch (e) {
      if (!(e instanceof McpxError) || e.code !== "SANDBOX_COMPILE") throw e;
      return {
        ok: false,
        logs: [],
        error: { code: "SANDBOX_COMPILE", name: "SyntaxError", message: e.message },
        stats: {
          durationMs: performance.now() - t0,
          toolCalls: 0,
          outputBytes: 0,
          truncated: false,
        },
      };
    }
    if (key !== undefined) this.#bundles.set(key, source);
    const bytecode = this.#bytecode.get(source);
    const outcome = await this.#run(
      bytecode !== undefined && this.#initialize !== undefined
        ? { bytecode, initialize: this.#initialize }
        : { source },
      req.limits,
      host,
      req.signal,
      (b) => this.#bytecode.set(source!, b),
    );
    if (outcome.error?.stack !== undefined) {
      outcome.error.stack = mapStack(source, outcome.error.stack);
    }
    outcome.stats.durationMs = performance.now() - t0;
    return outcome;
  }

  /**
   * Runs a module in the `javy build -C dynamic` shape (such as one written
   * by `mcpx build`) against this engine's plugin.
   *
   * @throws {TypeError} When `wasm` is not such a module.
   * @throws {McpxError} `JAVY_PLUGIN_INVALID` when it imports another plugin's namespace.
   */
  async executeDynamic(
    wasm: Uint8Array,
    limits: EngineLimits,
    host: EngineHost,
    signal?: AbortSignal,
  ): Promise<ExecuteOutcome> {
    this.#checkOpen();
    const info = readDynamicModule(wasm);
    if (info.namespace !== this.plugin.namespace) {
      throw new McpxError(
        "JAVY_PLUGIN_INVALID",
        `The module was built for the Javy plugin namespace "${info.namespace}", but the plugin "${this.plugin.source}" provides "${this.plugin.namespace}"`,
      );
    }
    const module = await WebAssembly.compile(wasm as BufferSource);
    return await this.#run(
      { dynamic: { module, namespace: info.namespace } },
      limits,
      host,
      signal,
    );
  }

  /**
   * Compiles a bundled script to QuickJS bytecode with the plugin.
   *
   * @throws {McpxError} `SANDBOX_COMPILE` with the plugin's message.
   */
  async compile(source: string, limits: EngineLimits = DEFAULT_LIMITS): Promise<Uint8Array> {
    this.#checkOpen();
    const noHost: EngineHost = { callTool: () => Promise.resolve("") };
    let bytecode: Uint8Array | undefined;
    const outcome = await this.#run(
      { source, compileOnly: true },
      limits,
      noHost,
      undefined,
      (b) => bytecode = b,
    );
    if (bytecode !== undefined) return bytecode;
    const e = outcome.error!;
    throw new McpxError(e.code, e.message);
  }

  /** Stops every worker; running executions end as `SANDBOX_CANCELLED`. */
  dispose(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#spare?.terminate();
    this.#spare = undefined;
    for (const w of this.#running) w.dispatchEvent(new Event("mcpx-close"));
    return Promise.resolve();
  }

  #checkOpen(): void {
    if (this.#closed) throw new McpxError("USAGE", "Cannot execute: the sandbox engine is closed");
  }

  #spawn(): Worker {
    return new Worker(new URL("./worker.ts", import.meta.url), {
      type: "module",
      deno: { permissions: "none" },
    } as WorkerOptions);
  }

  async #run(
    what: Pick<RunMessage, "source" | "compileOnly" | "dynamic" | "bytecode" | "initialize">,
    limits: EngineLimits,
    host: EngineHost,
    signal: AbortSignal | undefined,
    onCompiled?: (bytecode: Uint8Array) => void,
  ): Promise<ExecuteOutcome> {
    const { module, ceiling } = await this.plugin.moduleFor(limits.memoryBytes);
    if (this.#active >= this.#maxWorkers) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#active++;
    try {
      return await this.#runIn(module, ceiling, what, limits, host, signal, onCompiled);
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }

  #runIn(
    module: WebAssembly.Module,
    ceiling: number,
    what: Pick<RunMessage, "source" | "compileOnly" | "dynamic" | "bytecode" | "initialize">,
    limits: EngineLimits,
    host: EngineHost,
    signal: AbortSignal | undefined,
    onCompiled?: (bytecode: Uint8Array) => void,
  ): Promise<ExecuteOutcome> {
    if (this.#closed) {
      return Promise.resolve({
        ...stoppedOutcome("cancel", limits),
        error: { code: "SANDBOX_CANCELLED", name: "McpxError", message: "The sandbox was closed" },
      });
    }
    if (signal?.aborted) return Promise.resolve(stoppedOutcome("cancel", limits));
    const worker = this.#spare ?? this.#spawn();
    this.#spare = undefined;
    this.#running.add(worker);
    const calls = new Map<number, AbortController>();
    return new Promise<ExecuteOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: ExecuteOutcome, reusable = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#running.delete(worker);
        worker.onmessage = null;
        worker.onerror = null;
        worker.removeEventListener("mcpx-close", onClose);
        // A worker that finished on its own is kept for the next execution;
        // one stopped from outside may still be running guest code.
        if (reusable && !this.#closed && this.#spare === undefined) this.#spare = worker;
        else worker.terminate();
        if (!this.#closed) this.#spare ??= this.#spawn();
        for (const c of calls.values()) c.abort();
        resolve(outcome);
      };
      const timer = setTimeout(() => finish(stoppedOutcome("timeout", limits)), limits.timeoutMs);
      const onAbort = () => finish(stoppedOutcome("cancel", limits));
      signal?.addEventListener("abort", onAbort, { once: true });
      const onClose = () => {
        finish({
          ...stoppedOutcome("cancel", limits),
          error: {
            code: "SANDBOX_CANCELLED",
            name: "McpxError",
            message: "The sandbox was closed",
          },
        });
      };
      worker.addEventListener("mcpx-close", onClose, { once: true });
      worker.onerror = (e) => {
        e.preventDefault();
        finish(stoppedOutcome("crash", limits, `The Javy worker crashed: ${e.message}`));
      };
      worker.onmessage = (e: MessageEvent<FromJavyWorker>) => {
        const m = e.data;
        if (m.t === "done") finish(m.outcome, calls.size === 0);
        else if (m.t === "compiled") {
          this.#initialize = m.initialize;
          onCompiled?.(m.bytecode);
          if (what.compileOnly) finish(stoppedOutcome("cancel", limits), true);
        } else if (m.t === "call") {
          const controller = new AbortController();
          calls.set(m.call, controller);
          let reply: Promise<string>;
          try {
            reply = host.callTool(m.server, m.tool, m.args, controller.signal);
          } catch (err) {
            reply = Promise.reject(err);
          }
          reply.catch((err) =>
            JSON.stringify({
              ok: false,
              error: {
                code: "TOOL_ERROR",
                message: err instanceof Error ? err.message : String(err),
              },
            })
          ).then((json) => {
            calls.delete(m.call);
            if (!settled) {
              worker.postMessage({ t: "reply", call: m.call, json } satisfies ToJavyWorker);
            }
          });
        }
      };
      worker.postMessage(
        {
          t: "run",
          plugin: module,
          memoryCeiling: ceiling,
          limits,
          ...what,
        } satisfies ToJavyWorker,
      );
    });
  }
}

/** A small least-recently-used map. */
class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly size: number) {}
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.size) this.#map.delete(this.#map.keys().next().value!);
  }
}
