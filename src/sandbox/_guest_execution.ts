// One guest program running in QuickJS inside the sandbox worker: the
// modules it imports, its calls into the host (tools, console), its limits
// (time, memory, output) and the outcome it reports. The context it runs in is
// prepared, and put back afterwards, by the GuestRunner (`_guest_runner.ts`).
//
// Every QuickJS handle created here is disposed before its runtime is freed.

import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  QuickJSRuntime,
} from "quickjs-emscripten-core";
import { McpxError, SandboxMemoryError, SandboxTimeoutError } from "../errors.ts";
import { utf8Length } from "../_utf8.ts";
import type { EngineLimits, ExecuteOutcome, ExecutionError, LogEntry, LogLevel } from "./engine.ts";
import { INSPECT_SOURCE } from "./_inspect.ts";
import { type FileLookup, resolveSpecifier } from "./_module_paths.ts";

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

/** A context ready for the next execution. */
export interface Prepared {
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

/** What an execution tells the runner that started it (the GuestRunner). */
export interface ExecutionOwner {
  /** The execution ended with `outcome`; `poisoned` when its context cannot be reused. */
  finished(exec: Execution, outcome: ExecuteOutcome, poisoned: boolean): void;
}

/** Frees a prepared context: its kept handles, then the context and the runtime. */
export function disposePrepared(p: Prepared): void {
  p.stringify.dispose();
  p.parse.dispose();
  p.stackOf.dispose();
  for (const h of p.lazy.values()) h.dispose();
  p.ctx.dispose();
  p.rt.dispose();
}

type StopReason = "timeout" | "memory" | "cancel";

/** Growth of the WebAssembly memory allowed past the guest's limit before the execution is stopped. */
export const MEMORY_SLACK = 16 * 1024 * 1024;
/** The prefix of a module name that stands for a refused import: the loader turns it into the error. */
export const REFUSED = "mcpx-refused:";

/** One running program. */
export class Execution {
  readonly id: number;
  readonly #runner: ExecutionOwner;
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
    runner: ExecutionOwner,
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
    this.#p.exec = undefined;
    disposePrepared(this.#p);
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
        message: `The sandbox engine crashed: ${messageOf(e)}`,
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

export function crashedOutcome(msg: string): ExecuteOutcome {
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

/** The message of a thrown value. */
export function messageOf(e: unknown): string {
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
