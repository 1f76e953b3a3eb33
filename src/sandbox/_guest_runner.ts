// Runs guest executions in QuickJS, one at a time, inside the sandbox worker.
//
// On the warm path (the default), one runtime and context serve every
// execution: after each one, the WebAssembly memory is put back to a snapshot
// taken when the context was pristine (see `_memory_snapshot.ts`), so nothing
// an execution did survives it. Modules of the tree that executions import are
// evaluated into a second snapshot, so importing them later costs a lookup:
// each execution finds them as a first import leaves them, and whatever it
// changes in them goes with its memory. Their top level runs between
// executions, within 1 s: a module whose top level calls a tool, awaits or
// throws is left for each execution to load itself, and console output there
// is dropped, which suits the generated tree. An execution's own files are
// never put in a snapshot.
// When the warm path cannot be set up, each execution gets a fresh runtime
// and context instead, prepared right after the previous
// execution reports its outcome, so creating it stays off the critical path
// of the next call. The guest-facing globals (`console`, the
// mcpx host hook) are host functions: no JavaScript has to be parsed to set a
// context up. Values cross the boundary as JSON text made by the guest's own
// (native, captured before user code runs) JSON functions.
//
// Every QuickJS handle created here is disposed before its runtime is freed.

import type { QuickJSWASMModule } from "quickjs-emscripten-core";
import type { ExecuteOutcome, LogLevel } from "./engine.ts";
import type { MemoryGuard } from "./_memory_guard.ts";
import { resolveSpecifier } from "./_module_paths.ts";
import { MemorySnapshots, type Snapshot } from "./_memory_snapshot.ts";
import type { WasmLayout } from "./_wasm_layout.ts";
import {
  crashedOutcome,
  disposePrepared,
  Execution,
  type ExecutionOwner,
  MEMORY_SLACK,
  messageOf,
  type Prepared,
  REFUSED,
  type RunnerIO,
  type RunRequest,
} from "./_guest_execution.ts";

export type { RunnerIO, RunRequest };

/** The warm path's state: one context, and the snapshots it is reset to. */
interface Warm {
  snapshots: MemorySnapshots;
  p: Prepared;
  /** The pristine context. */
  base: Snapshot;
  /** The pristine context with modules of tree `id` evaluated in. */
  tree: { id: number; snapshot: Snapshot; loaded: ReadonlySet<string> } | undefined;
  /** Modules of tree `failedTree` that did not evaluate: not tried again. */
  failed: Set<string>;
  failedTree: number;
}

/** How long evaluating an execution's new tree modules into the snapshot may take. */
const LEARN_MS = 1_000;

/** A snapshot's heap stops taking more tree modules past this. */
const MAX_WARM_HEAP = 8 * 1024 * 1024;

const LOG_LEVELS: readonly LogLevel[] = ["log", "info", "warn", "error", "debug"];

/**
 * A function returning a fresh stack trace, made before user code runs. It
 * sets aside a `prepareStackTrace` or `stackTraceLimit` the program installed,
 * so the program cannot fake the line of its calls; when it cannot (a frozen
 * property), it returns no stack.
 */
const CALL_SITE_SOURCE = `(() => {
  const E = Error;
  return function () {
    const prepare = E.prepareStackTrace;
    const limit = E.stackTraceLimit;
    try {
      E.prepareStackTrace = undefined;
      E.stackTraceLimit = 64;
      if (E.prepareStackTrace !== undefined || E.stackTraceLimit !== 64) return "";
      return new E().stack;
    } catch {
      return "";
    } finally {
      try {
        E.prepareStackTrace = prepare;
        E.stackTraceLimit = limit;
      } catch { /* frozen */ }
    }
  };
})()`;

/** Executes guest programs; owned by the worker. */
export class GuestRunner implements ExecutionOwner {
  readonly #qjs: QuickJSWASMModule;
  readonly #io: RunnerIO;
  readonly #cancel: Int32Array;
  readonly #recycleBytes: number;
  readonly #memory: WebAssembly.Memory;
  readonly #guard: MemoryGuard;
  #prepared: Prepared | undefined;
  #current: Execution | undefined;
  #poisoned = false;
  #warm: Warm | undefined;
  /** Why the warm path is off, when it is. */
  readonly coldReason: string | undefined;
  /** The tree modules are evaluated from between executions, the names it loaded, and until when. */
  #learning:
    | { tree: ReadonlyMap<string, string>; loaded: Set<string>; deadline: number }
    | undefined;

  /**
   * Sets up the warm path when `layout` is known and the module has not made
   * a runtime yet; otherwise each execution gets a fresh runtime.
   */
  constructor(
    qjs: QuickJSWASMModule,
    guard: MemoryGuard,
    io: RunnerIO,
    cancel: Int32Array,
    recycleBytes: number,
    layout: WasmLayout | string = "no memory layout was given",
  ) {
    this.#qjs = qjs;
    this.#guard = guard;
    this.#io = io;
    this.#cancel = cancel;
    this.#recycleBytes = recycleBytes;
    this.#memory = qjs.getWasmMemory();
    let cold: string | undefined;
    try {
      cold = typeof layout === "string" ? layout : this.#setUpWarm(layout);
    } catch (e) {
      cold = `the warm path failed to start: ${messageOf(e)}`;
      this.#warm = undefined;
    }
    this.coldReason = cold;
  }

  /** Creates the runtime and context of the next execution ahead of time. */
  prepare(): void {
    if (this.#warm !== undefined || this.#prepared !== undefined || this.#poisoned) return;
    this.#prepared = this.#newPrepared();
  }

  /** Bytes of the snapshot executions are reset to (0 off the warm path). */
  get snapshotBytes(): number {
    const w = this.#warm;
    if (w === undefined) return 0;
    const s = w.tree?.snapshot ?? w.base;
    return s.data.length + s.heap.length;
  }

  #setUpWarm(layout: WasmLayout): string | undefined {
    const snapshots = MemorySnapshots.forModule(this.#qjs, this.#memory, layout);
    if (typeof snapshots === "string") return snapshots;
    const p = this.#newPrepared(true);
    const why = snapshots.bind(p.rt, p.ctx);
    if (why !== undefined) {
      disposePrepared(p);
      return why;
    }
    const base = snapshots.take();
    // Self-check: a global set after the snapshot is gone once it is restored.
    const ctx = p.ctx;
    const set = ctx.evalCode("globalThis.mcpxProbe = 1");
    snapshots.restore(base);
    if (set.error) return "the self-check could not run";
    const seen = ctx.evalCode("typeof globalThis.mcpxProbe");
    const kind = seen.error ? "error" : ctx.getString(seen.value);
    snapshots.restore(base);
    if (kind !== "undefined") return `the self-check failed: the probe is ${kind}`;
    this.#warm = { snapshots, p, base, tree: undefined, failed: new Set(), failedTree: 0 };
    return undefined;
  }

  /** Starts an execution; its outcome arrives through `io.done`. */
  start(req: RunRequest): void {
    if (this.#poisoned) {
      this.#io.done(req.id, crashedOutcome("The sandbox worker is no longer usable"), true);
      return;
    }
    if (this.#current !== undefined) {
      this.#io.done(req.id, crashedOutcome("The sandbox worker is busy"), false);
      return;
    }
    let p: Prepared;
    try {
      p = this.#warm !== undefined ? this.#warmFor(req) : this.#prepared ?? this.#newPrepared();
    } catch (e) {
      this.#poison(e);
      this.#io.done(
        req.id,
        crashedOutcome(`The sandbox engine failed to start: ${messageOf(e)}`),
        true,
      );
      return;
    }
    this.#prepared = undefined;
    const exec = new Execution(this, this.#io, p, req, this.#cancel, this.#memory);
    this.#guard.limit(
      this.#memory.buffer.byteLength + req.limits.memoryBytes + MEMORY_SLACK,
      () => exec.outOfMemory(),
    );
    this.#current = exec;
    p.exec = exec;
    exec.start();
  }

  /** Delivers the JSON envelope of a finished tool call. */
  reply(id: number, call: number, json: string): void {
    const exec = this.#current;
    if (exec !== undefined && exec.id === id) exec.reply(call, json);
  }

  /** Milliseconds until the running execution's deadline; `Infinity` with none or while held. */
  untilDeadline(): number {
    return this.#current?.untilDeadline() ?? Infinity;
  }

  /** Cancels execution `id` if it is running. */
  cancel(id: number): void {
    const exec = this.#current;
    if (exec !== undefined && exec.id === id) exec.stop("cancel");
  }

  /** Stops (`on`) or restarts the clock of execution `id` if it is running. */
  hold(id: number, on: boolean): void {
    const exec = this.#current;
    if (exec !== undefined && exec.id === id) exec.hold(on);
  }

  /** Called by an execution once its outcome is known. */
  finished(exec: Execution, outcome: ExecuteOutcome, poisoned: boolean): void {
    this.#guard.unlimit();
    if (poisoned) this.#poisoned = true;
    const recycle = this.#poisoned || this.#memory.buffer.byteLength > this.#recycleBytes;
    this.#io.done(exec.id, outcome, recycle);
    if (this.#current === exec) this.#current = undefined;
    if (this.#poisoned) return;
    if (this.#warm !== undefined) {
      if (recycle) return;
      try {
        this.#reset(exec);
      } catch (e) {
        this.#poison(e);
      }
      return;
    }
    try {
      exec.teardown();
    } catch (e) {
      this.#poison(e);
      return;
    }
    if (recycle) return;
    try {
      this.prepare();
    } catch (e) {
      this.#poison(e);
    }
  }

  #poison(e: unknown): void {
    if (this.#poisoned) return;
    this.#poisoned = true;
    this.#io.poisoned(messageOf(e));
  }

  /** The warm context, set to the snapshot that fits `req`. */
  #warmFor(req: RunRequest): Prepared {
    const w = this.#warm!;
    const tree = w.tree;
    if (tree !== undefined && tree.id !== req.treeId) {
      // Another tree: its modules are not the ones evaluated in.
      w.snapshots.restore(w.base);
      w.tree = undefined;
    } else if (tree !== undefined) {
      // A file of this execution replaces a tree module of the snapshot: run from the base.
      for (const path of req.extra.keys()) {
        if (tree.loaded.has(path)) {
          w.snapshots.restore(w.base);
          break;
        }
      }
    }
    return w.p;
  }

  /**
   * Puts the warm context back to its snapshot, forgetting every handle the
   * execution made (their memory is gone), then evaluates the tree modules it
   * imported into the tree snapshot, so later imports of them cost a lookup.
   */
  #reset(exec: Execution): void {
    const w = this.#warm!;
    exec.forget();
    w.p.exec = undefined;
    w.p.lazy.clear();
    w.snapshots.restore(w.tree?.snapshot ?? w.base);
    if (exec.treeId === 0 || exec.treeLoads.size === 0) return;
    const loaded = new Set(w.tree?.loaded);
    if (w.failedTree !== exec.treeId) {
      w.failed.clear();
      w.failedTree = exec.treeId;
    }
    const wanted = [...exec.treeLoads].filter((name) => !loaded.has(name) && !w.failed.has(name));
    if (wanted.length === 0 || (w.tree?.snapshot ?? w.base).heap.length > MAX_WARM_HEAP) return;
    const ctx = w.p.ctx;
    const learning = {
      tree: exec.tree,
      loaded: new Set<string>(),
      deadline: Date.now() + LEARN_MS,
    };
    this.#learning = learning;
    try {
      for (const name of wanted) {
        if (loaded.has(name) || learning.loaded.has(name)) continue;
        // Evaluated into the snapshot: every execution starts from the same
        // freshly evaluated module, and whatever it changes in it goes with
        // its memory when the context is reset. Tree modules are mcpx's own
        // generated code; a deadline bounds them all the same.
        const r = ctx.evalCode(exec.tree.get(name)!, name, { type: "module", strict: true });
        const jobs = w.p.rt.executePendingJobs();
        if (jobs.error) jobs.error.dispose();
        const settled = r.error ? undefined : ctx.getPromiseState(r.value);
        const ok = settled !== undefined && settled.type === "fulfilled";
        if (settled?.type === "fulfilled" && !settled.notAPromise) settled.value.dispose();
        if (settled?.type === "rejected") settled.error.dispose();
        if (r.error) r.error.dispose();
        else r.value.dispose();
        if (!ok) {
          // Not evaluated (an error, a top-level await or the deadline):
          // executions load it themselves and see what happens.
          w.failed.add(name);
          w.snapshots.restore(w.tree?.snapshot ?? w.base);
          return;
        }
        loaded.add(name);
      }
    } finally {
      this.#learning = undefined;
    }
    for (const name of learning.loaded) loaded.add(name);
    w.tree = { id: exec.treeId, snapshot: w.snapshots.take(), loaded };
  }

  /** The module loader between executions, while tree modules are evaluated. */
  #learnLoad(name: string): string | { error: Error } {
    const source = this.#learning?.tree.get(name);
    if (source === undefined) return { error: new Error(`Cannot import "${name}"`) };
    this.#learning!.loaded.add(name);
    return source;
  }

  #learnNormalize(base: string, requested: string): string {
    const tree = this.#learning?.tree ?? new Map<string, string>();
    const r = resolveSpecifier(base, requested, tree);
    return "path" in r ? r.path : `${REFUSED}${r.error}`;
  }

  #newPrepared(eager = false): Prepared {
    const rt = this.#qjs.newRuntime();
    const ctx = rt.newContext();
    const global = ctx.global;
    const json = ctx.getProp(global, "JSON");
    const p: Prepared = {
      rt,
      ctx,
      stringify: ctx.getProp(json, "stringify"),
      parse: ctx.getProp(json, "parse"),
      stackOf: ctx.unwrapResult(
        ctx.evalCode(CALL_SITE_SOURCE),
      ),
      lazy: new Map(),
      exec: undefined,
    };
    json.dispose();
    rt.setInterruptHandler(() =>
      p.exec !== undefined
        ? p.exec.shouldInterrupt()
        : this.#learning !== undefined && Date.now() > this.#learning.deadline
    );
    rt.setModuleLoader(
      (name) => p.exec !== undefined ? p.exec.load(name) : this.#learnLoad(name),
      (base, requested) =>
        p.exec !== undefined
          ? p.exec.normalize(base, requested)
          : this.#learnNormalize(base, requested),
    );
    // `console` and the host hook are made on first use: a getter replaces
    // itself with the value, so a program that never touches them never pays
    // for creating their functions.
    ctx.defineProp(global, "console", {
      configurable: true,
      enumerable: false,
      get: () => {
        const console = ctx.newObject();
        for (const level of LOG_LEVELS) {
          const fn = ctx.newFunction(level, (...args) => p.exec?.log(level, args));
          ctx.setProp(console, level, fn);
          fn.dispose();
        }
        ctx.defineProp(global, "console", {
          value: console,
          configurable: true,
          enumerable: false,
        });
        return console;
      },
    });
    const key = ctx.newSymbolFor("mcpx.host");
    ctx.defineProp(global, key, {
      configurable: true,
      enumerable: false,
      get: () => {
        const hook = ctx.newObject();
        const callTool = ctx.newFunction("callTool", (server, tool, args) => {
          const exec = p.exec;
          if (exec === undefined) return { error: ctx.newError("No execution is running") };
          return exec.call(server, tool, args);
        });
        ctx.setProp(hook, "callTool", callTool);
        callTool.dispose();
        const k = ctx.newSymbolFor("mcpx.host");
        ctx.defineProp(global, k, { value: hook, configurable: false, enumerable: false });
        k.dispose();
        return hook;
      },
    });
    if (eager) {
      // A context that is reset rather than thrown away makes them once.
      ctx.getProp(global, "console").dispose();
      ctx.getProp(global, key).dispose();
    }
    key.dispose();
    return p;
  }
}
