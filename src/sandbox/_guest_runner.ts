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

import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { McpxError, SandboxMemoryError, SandboxTimeoutError } from "../errors.ts";
import { utf8Length } from "../_utf8.ts";
import type { EngineLimits, ExecuteOutcome, ExecutionError, LogEntry, LogLevel } from "./engine.ts";
import { INSPECT_SOURCE } from "./_inspect.ts";
import type { MemoryGuard } from "./_memory_guard.ts";
import { type FileLookup, resolveSpecifier } from "./_module_paths.ts";
import { MemorySnapshots, type Snapshot } from "./_memory_snapshot.ts";
import type { WasmLayout } from "./_wasm_layout.ts";

/** Where the runner sends what it produces. */
export interface RunnerIO {
  /** A tool call; `line` is the entry program's line that made it, when known. */
  call(
    id: number,
    call: number,
    server: string,
    tool: string,
    args: string,
    line: number | undefined,
  ): void;
  done(id: number, outcome: ExecuteOutcome, recycle: boolean): void;
  poisoned(message: string): void;
}

/** One run request. */
export interface RunRequest {
  id: number;
  entry: string;
  /** The tree the worker keeps, and its identity (0: not kept). */
  tree: ReadonlyMap<string, string>;
  treeId: number;
  /** Files of this execution only, over the tree. */
  extra: ReadonlyMap<string, string>;
  limits: EngineLimits;
}

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

/** A context ready for the next execution. */
interface Prepared {
  rt: QuickJSRuntime;
  ctx: QuickJSContext;
  /** The guest's `JSON.stringify` and `JSON.parse`, captured before user code runs. */
  stringify: QuickJSHandle;
  parse: QuickJSHandle;
  /** A function returning a fresh guest stack trace, made before user code runs. */
  stackOf: QuickJSHandle;
  /** Guest functions fetched when first needed: `String.prototype.slice`, `Promise.resolve`. */
  lazy: Map<string, QuickJSHandle>;
  exec: Execution | undefined;
}

type StopReason = "timeout" | "memory" | "cancel";

const LOG_LEVELS: readonly LogLevel[] = ["log", "info", "warn", "error", "debug"];
const MEMORY_SLACK = 16 * 1024 * 1024;
const REFUSED = "mcpx-refused:";

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
export class GuestRunner {
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
      cold = `the warm path failed to start: ${message(e)}`;
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
      this.#dispose(p);
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
        crashedOutcome(`The sandbox engine failed to start: ${message(e)}`),
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
    this.#io.poisoned(message(e));
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

  #dispose(p: Prepared): void {
    p.stringify.dispose();
    p.parse.dispose();
    p.stackOf.dispose();
    for (const h of p.lazy.values()) h.dispose();
    p.ctx.dispose();
    p.rt.dispose();
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

/** One running program. */
class Execution {
  readonly id: number;
  readonly #runner: GuestRunner;
  readonly #io: RunnerIO;
  readonly #p: Prepared;
  readonly #ctx: QuickJSContext;
  readonly #entry: string;
  readonly #files: FileLookup;
  readonly #extra: ReadonlyMap<string, string>;
  /** The tree of this execution and its identity. */
  readonly tree: ReadonlyMap<string, string>;
  readonly treeId: number;
  /** Modules of the tree this execution loaded. */
  readonly treeLoads = new Set<string>();
  readonly #limits: EngineLimits;
  readonly #cancel: Int32Array;
  readonly #memory: WebAssembly.Memory;
  #deadline: number;
  /** Holds of the clock in force, and the time that was left when it stopped. */
  #held = 0;
  #remaining = 0;
  readonly #memoryCeiling: number;
  readonly #t0 = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reason: StopReason | undefined;
  #done = false;
  /** What the program is waiting for: the entry module (TLA), then its default export. */
  #stage: "module" | "result" = "module";
  #pending: QuickJSHandle | undefined;
  #inspect: QuickJSHandle | undefined;
  readonly #deferreds = new Map<number, QuickJSDeferredPromise>();
  readonly #queue: [number, string, string, string, number | undefined][] = [];
  readonly #refusals: QuickJSDeferredPromise[] = [];
  #refusal = "";
  #inFlight = 0;
  #forwarded = 0;
  #nextCall = 0;
  readonly #importErrors = new Set<string>();
  #logs: LogEntry[] = [];
  #logBytes = 0;
  #droppedLogBytes = 0;
  #logsTruncated = false;

  constructor(
    runner: GuestRunner,
    io: RunnerIO,
    p: Prepared,
    req: RunRequest,
    cancel: Int32Array,
    memory: WebAssembly.Memory,
  ) {
    this.#runner = runner;
    this.#io = io;
    this.#p = p;
    this.#ctx = p.ctx;
    this.id = req.id;
    this.#entry = req.entry;
    const base = req.tree;
    const extra = req.extra;
    this.tree = base;
    this.treeId = req.treeId;
    this.#extra = extra;
    this.#files = extra.size === 0 ? base : {
      get: (p) => extra.get(p) ?? base.get(p),
      has: (p) => extra.has(p) || base.has(p),
    };
    this.#limits = req.limits;
    this.#cancel = cancel;
    this.#memory = memory;
    this.#deadline = Date.now() + req.limits.timeoutMs;
    this.#memoryCeiling = memory.buffer.byteLength + req.limits.memoryBytes + MEMORY_SLACK;
  }

  start(): void {
    const ctx = this.#ctx;
    try {
      this.#p.rt.setMemoryLimit(this.#limits.memoryBytes);
      this.#p.rt.setMaxStackSize(this.#limits.stackBytes);
      this.#timer = setTimeout(() => this.stop("timeout"), this.#limits.timeoutMs);
      const source = this.#files.get(this.#entry)!;
      const evaluated = ctx.evalCode(source, this.#entry, { type: "module", strict: true });
      if (evaluated.error) {
        this.#guestError(evaluated.error, true);
        return;
      }
      const state = ctx.getPromiseState(evaluated.value);
      if (state.type === "fulfilled" && state.notAPromise) {
        this.#onModule(evaluated.value);
      } else {
        if (state.type === "fulfilled") state.value.dispose();
        else if (state.type === "rejected") state.error.dispose();
        this.#pending = evaluated.value;
        this.#pump();
      }
    } catch (e) {
      this.#crash(e);
    }
  }

  /** The memory guard refused to grow the heap for this execution. */
  outOfMemory(): void {
    this.#reason ??= "memory";
  }

  shouldInterrupt(): boolean {
    if (this.#reason !== undefined) return true;
    if (Date.now() > this.#deadline) this.#reason = "timeout";
    else if (this.#memory.buffer.byteLength > this.#memoryCeiling) this.#reason = "memory";
    else if (Atomics.load(this.#cancel, 0) === this.id) this.#reason = "cancel";
    return this.#reason !== undefined;
  }

  normalize(base: string, requested: string): string {
    const r = resolveSpecifier(base, requested, this.#files);
    if ("path" in r) return r.path;
    // An error returned by a normalizer is lost on its way through QuickJS;
    // one returned by the loader reaches the guest. So a refusal resolves to
    // a name outside the tree that the loader turns into the error.
    this.#importErrors.add(r.error);
    return `${REFUSED}${r.error}`;
  }

  load(name: string): string | { error: Error } {
    const source = this.#files.get(name);
    if (source !== undefined) {
      if (!this.#extra.has(name)) this.treeLoads.add(name);
      return source;
    }
    const msg = name.startsWith(REFUSED)
      ? name.slice(REFUSED.length)
      : `Cannot import "${name}": no such file in the sandbox tree`;
    this.#importErrors.add(msg);
    return { error: new Error(msg) };
  }

  /** `console.<level>(...args)`. */
  log(level: LogLevel, args: QuickJSHandle[]): { error: QuickJSHandle } | undefined {
    if (this.#done || this.#logsTruncated) {
      // Count what is dropped without reading it.
      for (const arg of args) {
        this.#droppedLogBytes += 1 +
          (this.#ctx.typeof(arg) === "string" ? this.#stringLength(arg) : 0);
      }
      return;
    }
    const max = this.#limits.maxOutputBytes;
    let text = "";
    let full = 0;
    for (let i = 0; i < args.length; i++) {
      const room = Math.max(0, max - this.#logBytes - text.length);
      const part = this.#format(args[i], room);
      if (typeof part !== "object") {
        text += (i > 0 ? " " : "") + part;
        full += (i > 0 ? 1 : 0) + part.length;
        continue;
      }
      if ("error" in part) return part;
      text += (i > 0 ? " " : "") + part.text;
      full += (i > 0 ? 1 : 0) + part.full;
    }
    const bytes = utf8Length(text) + 1;
    if (this.#logBytes + bytes <= max && full <= text.length) {
      this.#logs.push({ level, message: text });
      this.#logBytes += bytes;
      return;
    }
    const kept = truncateUtf8(text, Math.max(0, max - this.#logBytes - 1));
    if (kept.length > 0) this.#logs.push({ level, message: kept });
    this.#droppedLogBytes += full - kept.length;
    this.#logBytes += utf8Length(kept) + (kept.length > 0 ? 1 : 0);
    this.#logsTruncated = true;
  }

  /** The mcpx host hook's `callTool(server, tool, args)`. */
  call(
    serverHandle: QuickJSHandle,
    toolHandle: QuickJSHandle,
    argsHandle: QuickJSHandle | undefined,
  ): QuickJSHandle | { error: QuickJSHandle } {
    const ctx = this.#ctx;
    const server = ctx.getString(serverHandle);
    const tool = ctx.getString(toolHandle);
    const json = ctx.callFunction(this.#p.stringify, ctx.undefined, argsHandle ?? ctx.undefined);
    if (json.error) return { error: json.error };
    if (ctx.typeof(json.value) !== "string") {
      json.value.dispose();
      return {
        error: ctx.newError({
          name: "TypeError",
          message: `Arguments of "${server}/${tool}" must be JSON-serializable`,
        }),
      };
    }
    const args = ctx.getString(json.value);
    json.value.dispose();
    const deferred = ctx.newPromise();
    if (this.#done) {
      deferred.dispose();
      return { error: ctx.newError("The execution has ended") };
    }
    if (this.#forwarded >= this.#limits.maxToolCalls) {
      const refusal = JSON.stringify({
        ok: false,
        error: {
          code: "TOOL_LIMIT",
          message:
            `Tool call limit reached: an execution may make at most ${this.#limits.maxToolCalls} tool calls`,
        },
      });
      // Settled from #pump, not from inside this call into the host.
      this.#refusals.push(deferred);
      this.#refusal = refusal;
      return deferred.handle;
    }
    const id = this.#nextCall++;
    this.#forwarded++;
    this.#deferreds.set(id, deferred);
    const line = this.#callSite();
    if (this.#inFlight < this.#limits.maxConcurrentToolCalls) {
      this.#inFlight++;
      this.#io.call(this.id, id, server, tool, args, line);
    } else {
      this.#queue.push([id, server, tool, args, line]);
    }
    return deferred.handle;
  }

  /** The line of the entry program in the current guest stack (the call site), if any. */
  #callSite(): number | undefined {
    const ctx = this.#ctx;
    const r = ctx.callFunction(this.#p.stackOf, ctx.undefined);
    if (r.error) {
      r.error.dispose();
      return undefined;
    }
    const stack = ctx.typeof(r.value) === "string" ? ctx.getString(r.value) : "";
    r.value.dispose();
    const at = stack.indexOf(`${this.#entry}:`);
    if (at < 0) return undefined;
    const line = parseInt(stack.slice(at + this.#entry.length + 1), 10);
    return Number.isInteger(line) && line > 0 ? line : undefined;
  }

  reply(call: number, json: string): void {
    if (this.#done) return;
    const deferred = this.#deferreds.get(call);
    if (deferred === undefined) return;
    this.#deferreds.delete(call);
    this.#inFlight--;
    while (this.#queue.length > 0 && this.#inFlight < this.#limits.maxConcurrentToolCalls) {
      const [id, server, tool, args, line] = this.#queue.shift()!;
      this.#inFlight++;
      this.#io.call(this.id, id, server, tool, args, line);
    }
    try {
      this.#settle(deferred, json);
      this.#pump();
    } catch (e) {
      this.#crash(e);
    }
  }

  /** Milliseconds until this execution's deadline (`Infinity` while its clock is held). */
  untilDeadline(): number {
    return this.#done ? Infinity : this.#deadline - Date.now();
  }

  /** Stops the clock on the first hold and restarts it with the time left after the last. */
  hold(on: boolean): void {
    if (this.#done) return;
    if (on) {
      if (this.#held++ > 0) return;
      clearTimeout(this.#timer);
      this.#remaining = Math.max(0, this.#deadline - Date.now());
      this.#deadline = Infinity;
    } else {
      if (this.#held === 0 || --this.#held > 0) return;
      this.#deadline = Date.now() + this.#remaining;
      this.#timer = setTimeout(() => this.stop("timeout"), this.#remaining);
    }
  }

  stop(reason: StopReason): void {
    if (this.#done) return;
    this.#reason ??= reason;
    this.#finishLimit();
  }

  /**
   * Drops every handle without freeing it, for a context whose memory is
   * about to be restored to a snapshot (freeing would write into it).
   */
  forget(): void {
    this.#deferreds.clear();
    this.#refusals.length = 0;
    this.#pending = undefined;
    this.#inspect = undefined;
  }

  /** Frees every handle, then the context and the runtime. */
  teardown(): void {
    for (const d of this.#deferreds.values()) d.dispose();
    this.#deferreds.clear();
    for (const d of this.#refusals) d.dispose();
    this.#refusals.length = 0;
    this.#pending?.dispose();
    this.#inspect?.dispose();
    const p = this.#p;
    p.exec = undefined;
    p.stringify.dispose();
    p.parse.dispose();
    p.stackOf.dispose();
    for (const h of p.lazy.values()) h.dispose();
    p.ctx.dispose();
    p.rt.dispose();
  }

  /** Resolves a guest promise with the guest's own `JSON.parse(json)`. */
  #settle(deferred: QuickJSDeferredPromise, json: string): void {
    const ctx = this.#ctx;
    const text = ctx.newString(json);
    try {
      const parsed = ctx.callFunction(this.#p.parse, ctx.undefined, text);
      if (parsed.error) {
        deferred.reject(parsed.error);
        parsed.error.dispose();
      } else {
        deferred.resolve(parsed.value);
        parsed.value.dispose();
      }
    } finally {
      text.dispose();
      deferred.dispose();
    }
  }

  /** The entry module evaluated: wait for its default export. */
  #onModule(namespace: QuickJSHandle): void {
    const ctx = this.#ctx;
    const value = ctx.getProp(namespace, "default");
    namespace.dispose();
    const kind = ctx.typeof(value);
    if (kind !== "object" && kind !== "function") {
      this.#finishResult(value);
      return;
    }
    // Await it the way `await` would, thenables included.
    const resolve = this.#native("Promise", "resolve");
    const promise = this.#native("Promise");
    if (resolve === undefined || promise === undefined) {
      this.#finishResult(value);
      return;
    }
    const awaited = ctx.callFunction(resolve, promise, value);
    value.dispose();
    if (awaited.error) {
      this.#guestError(awaited.error, false);
      return;
    }
    this.#stage = "result";
    this.#pending = awaited.value;
    this.#pump();
  }

  /**
   * A guest built-in such as `Promise.resolve`, fetched on first use. Fetched
   * after user code ran, it may be one the program replaced; that only
   * affects the program itself, and whatever it returns is checked.
   */
  #native(...path: string[]): QuickJSHandle | undefined {
    const key = path.join(".");
    const lazy = this.#p.lazy;
    const known = lazy.get(key);
    if (known !== undefined) return known;
    const ctx = this.#ctx;
    const owner = path.length === 1 ? ctx.global : this.#native(...path.slice(0, -1));
    if (owner === undefined) return undefined;
    const handle = ctx.getProp(owner, path[path.length - 1]);
    const kind = ctx.typeof(handle);
    if (kind !== "function" && kind !== "object") {
      handle.dispose();
      return undefined;
    }
    lazy.set(key, handle);
    return handle;
  }

  /** Runs pending jobs and checks whether the program has settled. */
  #pump(): void {
    if (this.#done) return;
    const ctx = this.#ctx;
    for (;;) {
      for (const d of this.#refusals.splice(0)) this.#settle(d, this.#refusal);
      const jobs = this.#p.rt.executePendingJobs();
      if (jobs.error) {
        this.#guestError(jobs.error, false);
        return;
      }
      if (this.#refusals.length === 0) break;
    }
    if (this.#reason !== undefined) {
      this.#finishLimit();
      return;
    }
    const state = ctx.getPromiseState(this.#pending!);
    if (state.type === "fulfilled") {
      this.#pending!.dispose();
      this.#pending = undefined;
      if (this.#stage === "module") this.#onModule(state.value);
      else this.#finishResult(state.value);
    } else if (state.type === "rejected") {
      this.#guestError(state.error, false);
    } else if (
      this.#inFlight === 0 && this.#queue.length === 0 && this.#refusals.length === 0 &&
      !this.#p.rt.hasPendingJob()
    ) {
      this.#finish({
        ok: false,
        error: {
          code: "SANDBOX_RUNTIME",
          name: "Error",
          message:
            "The program cannot finish: it awaits a promise that nothing can settle (no tool call or job is pending)",
        },
      });
    }
  }

  #finishResult(value: QuickJSHandle): void {
    const ctx = this.#ctx;
    const kind = ctx.typeof(value);
    // Primitives are serialized here; objects by the guest's own JSON.stringify.
    switch (kind) {
      case "undefined":
        value.dispose();
        this.#finish({ ok: true });
        return;
      case "number":
      case "boolean": {
        const v = kind === "number" ? ctx.getNumber(value) : ctx.dump(value) === true;
        value.dispose();
        this.#finish({ ok: true, resultJson: JSON.stringify(v) });
        return;
      }
    }
    const json = ctx.callFunction(this.#p.stringify, ctx.undefined, value);
    value.dispose();
    if (json.error) {
      if (this.#reason !== undefined) {
        json.error.dispose();
        this.#finishLimit();
        return;
      }
      const info = this.#describe(json.error);
      json.error.dispose();
      this.#finish({
        ok: false,
        error: {
          code: "SANDBOX_RUNTIME",
          name: "TypeError",
          message: `The default export is not JSON-serializable: ${info.message}`,
        },
      });
      return;
    }
    if (ctx.typeof(json.value) !== "string") {
      json.value.dispose();
      this.#finish({
        ok: false,
        error: {
          code: "SANDBOX_RUNTIME",
          name: "TypeError",
          message: `The default export is not JSON-serializable: it is a ${kind}`,
        },
      });
      return;
    }
    const read = this.#readString(json.value, this.#limits.maxOutputBytes);
    json.value.dispose();
    if (typeof read === "string") this.#finish({ ok: true, resultJson: read });
    else this.#finish({ ok: true, resultJson: read.text }, read.full);
  }

  #stringLength(handle: QuickJSHandle): number {
    const length = this.#ctx.getProp(handle, "length");
    const n = this.#ctx.getNumber(length);
    length.dispose();
    return n;
  }

  /**
   * Reads a guest string, at most `max` UTF-16 units of it. Returns the text
   * when it was read whole, `{ text, full }` when it was cut.
   */
  #readString(handle: QuickJSHandle, max: number): string | { text: string; full: number } {
    const ctx = this.#ctx;
    const full = this.#stringLength(handle);
    if (full <= max) return ctx.getString(handle);
    const fn = this.#native("String", "prototype", "slice");
    if (fn !== undefined) {
      const start = ctx.newNumber(0);
      const end = ctx.newNumber(max);
      const head = ctx.callFunction(fn, handle, start, end);
      start.dispose();
      end.dispose();
      if (head.error) {
        head.error.dispose();
      } else {
        const ok = ctx.typeof(head.value) === "string";
        let text = "";
        if (ok) {
          const len = ctx.getProp(head.value, "length");
          if (ctx.getNumber(len) <= max) text = ctx.getString(head.value);
          len.dispose();
        }
        head.value.dispose();
        return { text, full };
      }
    }
    return { text: "", full };
  }

  /** Formats one `console.*` argument, reading at most `room` units of text. */
  #format(
    handle: QuickJSHandle,
    room: number,
  ): string | { text: string; full: number } | { error: QuickJSHandle } {
    const ctx = this.#ctx;
    switch (ctx.typeof(handle)) {
      case "string":
        return this.#readString(handle, room);
      case "number": {
        const n = ctx.getNumber(handle);
        return Object.is(n, -0) ? "-0" : String(n);
      }
      case "boolean":
        return String(ctx.dump(handle));
      case "undefined":
        return "undefined";
      case "bigint":
        return `${ctx.getBigInt(handle)}n`;
      case "symbol":
        return String(ctx.getSymbol(handle));
    }
    if (this.#inspect === undefined) {
      const made = ctx.evalCode(INSPECT_SOURCE, "mcpx:inspect", { type: "global", strict: true });
      if (made.error) {
        return this.#reason !== undefined ? { error: made.error } : fallback(made.error);
      }
      this.#inspect = made.value;
    }
    const out = ctx.callFunction(this.#inspect, ctx.undefined, handle);
    if (out.error) return this.#reason !== undefined ? { error: out.error } : fallback(out.error);
    const read = ctx.typeof(out.value) === "string"
      ? this.#readString(out.value, room)
      : "[Uninspectable]";
    out.value.dispose();
    return read;
  }

  /** Name, message, stack and code of a thrown guest value. */
  #describe(
    handle: QuickJSHandle,
  ): { name: string; message: string; stack?: string; code?: string } {
    const ctx = this.#ctx;
    const kind = ctx.typeof(handle);
    if (kind !== "object" && kind !== "function") {
      const text = this.#format(handle, 4096);
      return {
        name: "Error",
        message: `Uncaught ${typeof text === "string" ? text : "exception"}`,
      };
    }
    const prop = (name: string): string | undefined => {
      // A getter that throws yields an exception value: treat it as missing.
      const got = ctx.getProp(handle, name);
      const value = ctx.typeof(got) === "string" ? ctx.getString(got) : undefined;
      got.dispose();
      return value;
    };
    const name = prop("name");
    const msg = prop("message");
    return {
      name: name === undefined || name === "" ? "Error" : name,
      message: msg ?? "Uncaught exception",
      stack: prop("stack"),
      code: prop("code"),
    };
  }

  #guestError(handle: QuickJSHandle, duringEval: boolean): void {
    if (this.#reason !== undefined) {
      handle.dispose();
      this.#finishLimit();
      return;
    }
    let info;
    try {
      info = this.#describe(handle);
    } finally {
      handle.dispose();
    }
    if (this.#reason !== undefined) {
      this.#finishLimit();
      return;
    }
    this.#finish({ ok: false, error: this.#classify(info, duringEval) });
  }

  #classify(
    info: { name: string; message: string; stack?: string; code?: string },
    duringEval: boolean,
  ): ExecutionError {
    const frames = info.stack?.replace(/\s+$/, "") ?? "";
    const stack = frames === "" ? undefined : `${info.name}: ${info.message}\n${frames}`;
    const base: Omit<ExecutionError, "code"> = { name: info.name, message: info.message };
    if (stack !== undefined) base.stack = stack;
    if (info.code !== undefined) base.guestCode = info.code;
    if (info.name === "InternalError" && info.message === "out of memory") {
      return { ...base, code: "SANDBOX_MEMORY", message: memoryMessage(this.#limits) };
    }
    if (info.name === "RangeError" && info.message === "Maximum call stack size exceeded") {
      return { ...base, code: "SANDBOX_STACK", message: stackMessage(this.#limits) };
    }
    if (duringEval) {
      if (this.#importErrors.has(info.message)) return { ...base, code: "SANDBOX_COMPILE" };
      // Parse errors carry a bare location frame ("    at /main.ts:2:1"); link
      // errors (a missing export) carry none.
      if (info.name === "SyntaxError" && /^(\s*at [^\s()]+:\d+:\d+)?$/.test(frames)) {
        const missing = /^Could not find export '([^']+)'/.exec(info.message);
        const message = missing === null
          ? info.message
          : `${info.message}: if "${missing[1]}" is a type, import it with "import type"`;
        return { ...base, message, code: "SANDBOX_COMPILE" };
      }
    }
    return { ...base, code: "SANDBOX_RUNTIME" };
  }

  #finishLimit(): void {
    let e: McpxError;
    switch (this.#reason) {
      case "memory":
        e = new SandboxMemoryError(this.#limits.memoryBytes);
        break;
      case "cancel":
        e = new McpxError("SANDBOX_CANCELLED", "Execution was cancelled");
        break;
      default:
        e = new SandboxTimeoutError(this.#limits.timeoutMs);
    }
    this.#finish({ ok: false, error: { code: e.code, name: e.name, message: e.message } });
  }

  #crash(e: unknown): void {
    if (this.#done) return;
    let error: ExecutionError;
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      error = {
        code: "SANDBOX_STACK",
        name: "RangeError",
        message: `${stackMessage(this.#limits)}; the worker's native stack overflowed`,
      };
    } else if (this.#reason !== undefined) {
      const reason = this.#reason;
      const limit = reason === "memory"
        ? new SandboxMemoryError(this.#limits.memoryBytes)
        : reason === "cancel"
        ? new McpxError("SANDBOX_CANCELLED", "Execution was cancelled")
        : new SandboxTimeoutError(this.#limits.timeoutMs);
      error = { code: limit.code, name: limit.name, message: limit.message };
    } else {
      error = {
        code: "SANDBOX_CRASHED",
        name: "McpxError",
        message: `The sandbox engine crashed: ${message(e)}`,
      };
    }
    this.#finish({ ok: false, error }, 0, true);
  }

  #finish(
    partial: { ok: boolean; resultJson?: string; error?: ExecutionError },
    resultUnits = 0,
    poisoned = false,
  ): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    const max = this.#limits.maxOutputBytes;
    let truncated = this.#logsTruncated;
    let resultJson = partial.resultJson;
    let resultBytes = 0;
    let resultTruncated = false;
    if (resultJson !== undefined) {
      resultBytes = utf8Length(resultJson);
      if (resultBytes > max || resultUnits > resultJson.length) {
        const kept = truncateUtf8(resultJson, max);
        const keptBytes = utf8Length(kept);
        const dropped = (resultBytes - keptBytes) + Math.max(0, resultUnits - resultJson.length);
        resultJson = kept + truncationMarker(dropped);
        resultBytes = keptBytes;
        truncated = true;
        resultTruncated = true;
      }
    }
    let logs = this.#logs;
    let dropped = this.#droppedLogBytes;
    if (this.#logBytes + resultBytes > max) {
      // The result has priority: console output gets the room it leaves.
      const room = max - resultBytes;
      const kept: LogEntry[] = [];
      let used = 0;
      let i = 0;
      for (; i < logs.length; i++) {
        const bytes = utf8Length(logs[i].message) + 1;
        if (used + bytes > room) break;
        kept.push(logs[i]);
        used += bytes;
      }
      if (i < logs.length) {
        const part = truncateUtf8(logs[i].message, Math.max(0, room - used - 1));
        if (part.length > 0) {
          kept.push({ level: logs[i].level, message: part });
          used += utf8Length(part) + 1;
        }
        dropped += utf8Length(logs[i].message) - utf8Length(part);
        for (i++; i < logs.length; i++) dropped += utf8Length(logs[i].message) + 1;
      }
      logs = kept;
      this.#logBytes = used;
      truncated = true;
    }
    if (dropped > 0) {
      truncated = true;
      logs.push({ level: "warn", message: `${truncationMarker(dropped)} of console output` });
    }
    const outcome: ExecuteOutcome = {
      ok: partial.ok,
      logs,
      stats: {
        durationMs: performance.now() - this.#t0,
        toolCalls: this.#forwarded,
        outputBytes: this.#logBytes + resultBytes,
        truncated,
      },
    };
    if (resultJson !== undefined) outcome.resultJson = resultJson;
    if (resultTruncated) outcome.resultTruncated = true;
    if (partial.error !== undefined) outcome.error = partial.error;
    this.#runner.finished(this, outcome, poisoned);
  }
}

function fallback(error: QuickJSHandle): string {
  error.dispose();
  return "[Uninspectable]";
}

function crashedOutcome(msg: string): ExecuteOutcome {
  return {
    ok: false,
    logs: [],
    error: { code: "SANDBOX_CRASHED", name: "McpxError", message: msg },
    stats: { durationMs: 0, toolCalls: 0, outputBytes: 0, truncated: false },
  };
}

function memoryMessage(limits: EngineLimits): string {
  return new SandboxMemoryError(limits.memoryBytes).message;
}

function stackMessage(limits: EngineLimits): string {
  return `Maximum call stack size exceeded (stack limit ${
    Math.round(limits.stackBytes / 1024)
  } KiB)`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `…[truncated 1,234 bytes]`. */
export function truncationMarker(bytes: number): string {
  return `…[truncated ${bytes.toLocaleString("en-US")} bytes]`;
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `maxBytes`, never splitting a pair. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let w = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    let step = 1;
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      w = 4;
      step = 2;
    }
    if (bytes + w > maxBytes) return s.slice(0, i);
    bytes += w;
    i += step - 1;
  }
  return s;
}
