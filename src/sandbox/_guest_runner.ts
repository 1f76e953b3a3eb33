// Runs guest executions in QuickJS, one at a time, inside the sandbox worker.
//
// Each execution gets a fresh runtime and context. The next one is prepared
// (runtime, context, prelude) right after an execution reports its outcome,
// so the cost of creating it stays off the critical path of the next call.
// Every QuickJS handle created here is disposed before its runtime is freed.

import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { McpxError, SandboxMemoryError, SandboxTimeoutError } from "../errors.ts";
import type {
  EngineLimits,
  ExecuteOutcome,
  ExecutionError,
  LogEntry,
  LogLevel,
} from "./engine.ts";
import { LOG_LEVELS, PRELUDE_SOURCE } from "./_prelude.ts";
import { resolveSpecifier } from "./_module_paths.ts";

/** Where the runner sends what it produces. */
export interface RunnerIO {
  call(id: number, call: number, server: string, tool: string, args: string): void;
  done(id: number, outcome: ExecuteOutcome, recycle: boolean): void;
  poisoned(message: string): void;
}

/** One run request. */
export interface RunRequest {
  id: number;
  entry: string;
  files: ReadonlyMap<string, string>;
  limits: EngineLimits;
}

interface Prepared {
  rt: QuickJSRuntime;
  ctx: QuickJSContext;
  begin: QuickJSHandle;
  run: QuickJSHandle;
  describe: QuickJSHandle;
  head: QuickJSHandle;
  exec: Execution | undefined;
}

type StopReason = "timeout" | "memory" | "cancel";

const MEMORY_SLACK = 16 * 1024 * 1024;
const REFUSED = "\0refused:";

/** Executes guest programs; owned by the worker. */
export class GuestRunner {
  readonly #qjs: QuickJSWASMModule;
  readonly #io: RunnerIO;
  readonly #cancel: Int32Array;
  readonly #recycleBytes: number;
  readonly #memory: WebAssembly.Memory;
  #prepared: Prepared | undefined;
  #current: Execution | undefined;
  #poisoned = false;

  constructor(qjs: QuickJSWASMModule, io: RunnerIO, cancel: Int32Array, recycleBytes: number) {
    this.#qjs = qjs;
    this.#io = io;
    this.#cancel = cancel;
    this.#recycleBytes = recycleBytes;
    this.#memory = qjs.getWasmMemory();
  }

  /** Creates the runtime and context of the next execution ahead of time. */
  prepare(): void {
    if (this.#prepared !== undefined || this.#poisoned) return;
    this.#prepared = this.#newPrepared();
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
      p = this.#prepared ?? this.#newPrepared();
    } catch (e) {
      this.#poison(e);
      this.#io.done(req.id, crashedOutcome(`The sandbox engine failed to start: ${message(e)}`), true);
      return;
    }
    this.#prepared = undefined;
    const exec = new Execution(this, this.#io, p, req, this.#cancel, this.#memory);
    this.#current = exec;
    p.exec = exec;
    exec.start();
  }

  /** Delivers the JSON envelope of a finished tool call. */
  reply(id: number, call: number, json: string): void {
    const exec = this.#current;
    if (exec !== undefined && exec.id === id) exec.reply(call, json);
  }

  /** Cancels execution `id` if it is running. */
  cancel(id: number): void {
    const exec = this.#current;
    if (exec !== undefined && exec.id === id) exec.stop("cancel");
  }

  /** @internal Called by an execution once its outcome is known. */
  finished(exec: Execution, outcome: ExecuteOutcome, poisoned: boolean): void {
    if (poisoned) this.#poisoned = true;
    const recycle = this.#poisoned || this.#memory.buffer.byteLength > this.#recycleBytes;
    this.#io.done(exec.id, outcome, recycle);
    if (this.#current === exec) this.#current = undefined;
    if (this.#poisoned) return;
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

  #newPrepared(): Prepared {
    const rt = this.#qjs.newRuntime();
    const ctx = rt.newContext();
    const p = { rt, ctx, exec: undefined } as Prepared;
    rt.setInterruptHandler(() => p.exec !== undefined && p.exec.shouldInterrupt());
    rt.setModuleLoader(
      (name) => p.exec!.load(name),
      (base, requested) => p.exec!.normalize(base, requested),
    );
    const log = ctx.newFunction("log", (level, text, length) => {
      const exec = p.exec;
      if (exec === undefined) return ctx.newNumber(0);
      const budget = exec.log(ctx.getNumber(level), ctx.getString(text), ctx.getNumber(length));
      return ctx.newNumber(budget);
    });
    const call = ctx.newFunction("callTool", (server, tool, args) => {
      const deferred = ctx.newPromise();
      const exec = p.exec;
      if (exec === undefined) {
        deferred.dispose();
        return { error: ctx.newError("No execution is running") };
      }
      exec.call(ctx.getString(server), ctx.getString(tool), ctx.getString(args), deferred);
      return deferred.handle;
    });
    try {
      const factory = ctx.unwrapResult(
        ctx.evalCode(PRELUDE_SOURCE, "mcpx:prelude", { type: "global", strict: true }),
      );
      const helpers = ctx.callFunction(factory, ctx.undefined, log, call);
      factory.dispose();
      const h = ctx.unwrapResult(helpers);
      p.begin = ctx.getProp(h, "begin");
      p.run = ctx.getProp(h, "run");
      p.describe = ctx.getProp(h, "describe");
      p.head = ctx.getProp(h, "head");
      h.dispose();
    } finally {
      log.dispose();
      call.dispose();
    }
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
  readonly #files: ReadonlyMap<string, string>;
  readonly #limits: EngineLimits;
  readonly #cancel: Int32Array;
  readonly #memory: WebAssembly.Memory;
  readonly #deadline: number;
  readonly #memoryCeiling: number;
  readonly #t0 = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #reason: StopReason | undefined;
  #done = false;
  #runPromise: QuickJSHandle | undefined;
  readonly #deferreds = new Map<number, QuickJSDeferredPromise>();
  readonly #queue: [number, string, string, string][] = [];
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
    this.#files = req.files;
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
      const budget = ctx.newNumber(this.#limits.maxOutputBytes);
      ctx.callFunction(this.#p.begin, ctx.undefined, budget).dispose();
      budget.dispose();
      const source = this.#files.get(this.#entry);
      if (source === undefined) {
        this.#finish({
          ok: false,
          error: {
            code: "SANDBOX_COMPILE",
            name: "McpxError",
            message: `No entry module "${this.#entry}" in the sandbox tree`,
          },
        });
        return;
      }
      const evaluated = ctx.evalCode(source, this.#entry, { type: "module", strict: true });
      if (evaluated.error) {
        this.#guestError(evaluated.error, true);
        return;
      }
      const run = ctx.callFunction(this.#p.run, ctx.undefined, evaluated.value);
      evaluated.value.dispose();
      if (run.error) {
        this.#guestError(run.error, false);
        return;
      }
      this.#runPromise = run.value;
      this.#pump();
    } catch (e) {
      this.#crash(e);
    }
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
    // one returned by the loader reaches the guest. So refusals resolve to a
    // name outside the tree that the loader turns into the error.
    this.#importErrors.add(r.error);
    return `${REFUSED}${r.error}`;
  }

  load(name: string): string | { error: Error } {
    const source = this.#files.get(name);
    if (source !== undefined) return source;
    const msg = name.startsWith(REFUSED)
      ? name.slice(REFUSED.length)
      : `Cannot import "${name}": no such file in the sandbox tree`;
    this.#importErrors.add(msg);
    return { error: new Error(msg) };
  }

  log(level: number, text: string, fullLength: number): number {
    const max = this.#limits.maxOutputBytes;
    if (this.#done || this.#logsTruncated) {
      this.#droppedLogBytes += fullLength + 1;
      return 0;
    }
    const lvl: LogLevel = LOG_LEVELS[level] ?? "log";
    const bytes = utf8Length(text) + 1;
    if (this.#logBytes + bytes <= max && fullLength <= text.length) {
      this.#logs.push({ level: lvl, message: text });
      this.#logBytes += bytes;
      return max - this.#logBytes;
    }
    const kept = truncateUtf8(text, Math.max(0, max - this.#logBytes - 1));
    if (kept.length > 0) this.#logs.push({ level: lvl, message: kept });
    this.#droppedLogBytes += fullLength - kept.length;
    this.#logBytes += utf8Length(kept) + (kept.length > 0 ? 1 : 0);
    this.#logsTruncated = true;
    return 0;
  }

  call(server: string, tool: string, args: string, deferred: QuickJSDeferredPromise): void {
    if (this.#done) {
      deferred.dispose();
      return;
    }
    if (this.#forwarded >= this.#limits.maxToolCalls) {
      this.#settle(
        deferred,
        JSON.stringify({
          ok: false,
          error: {
            code: "TOOL_LIMIT",
            message:
              `Tool call limit reached: an execution may make at most ${this.#limits.maxToolCalls} tool calls`,
          },
        }),
      );
      return;
    }
    const id = this.#nextCall++;
    this.#forwarded++;
    this.#deferreds.set(id, deferred);
    if (this.#inFlight < this.#limits.maxConcurrentToolCalls) {
      this.#inFlight++;
      this.#io.call(this.id, id, server, tool, args);
    } else {
      this.#queue.push([id, server, tool, args]);
    }
  }

  reply(call: number, json: string): void {
    if (this.#done) return;
    const deferred = this.#deferreds.get(call);
    if (deferred === undefined) return;
    this.#deferreds.delete(call);
    this.#inFlight--;
    while (this.#queue.length > 0 && this.#inFlight < this.#limits.maxConcurrentToolCalls) {
      const [id, server, tool, args] = this.#queue.shift()!;
      this.#inFlight++;
      this.#io.call(this.id, id, server, tool, args);
    }
    try {
      this.#settle(deferred, json);
      this.#pump();
    } catch (e) {
      this.#crash(e);
    }
  }

  stop(reason: StopReason): void {
    if (this.#done) return;
    this.#reason ??= reason;
    this.#finishLimit();
  }

  /** Frees every handle, then the context and the runtime. */
  teardown(): void {
    for (const d of this.#deferreds.values()) d.dispose();
    this.#deferreds.clear();
    this.#runPromise?.dispose();
    const p = this.#p;
    p.exec = undefined;
    p.begin.dispose();
    p.run.dispose();
    p.describe.dispose();
    p.head.dispose();
    p.ctx.dispose();
    p.rt.dispose();
  }

  #settle(deferred: QuickJSDeferredPromise, json: string): void {
    const h = this.#ctx.newString(json);
    try {
      deferred.resolve(h);
    } finally {
      h.dispose();
      deferred.dispose();
    }
  }

  /** Runs pending jobs and checks whether the program has settled. */
  #pump(): void {
    if (this.#done) return;
    const ctx = this.#ctx;
    const jobs = this.#p.rt.executePendingJobs();
    if (jobs.error) {
      this.#guestError(jobs.error, false);
      return;
    }
    if (this.#reason !== undefined) {
      this.#finishLimit();
      return;
    }
    const state = ctx.getPromiseState(this.#runPromise!);
    if (state.type === "fulfilled") {
      this.#finishResult(state.value);
    } else if (state.type === "rejected") {
      this.#guestError(state.error, false);
    } else if (this.#inFlight === 0 && this.#queue.length === 0 && !this.#p.rt.hasPendingJob()) {
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
    const max = this.#limits.maxOutputBytes;
    let json: string | undefined;
    let fullUnits = 0;
    try {
      if (ctx.typeof(value) === "string") {
        using len = ctx.getProp(value, "length");
        fullUnits = ctx.getNumber(len);
        if (fullUnits > max) {
          using n = ctx.newNumber(max);
          using head = ctx.unwrapResult(ctx.callFunction(this.#p.head, ctx.undefined, value, n));
          json = ctx.getString(head);
        } else {
          json = ctx.getString(value);
        }
      }
    } finally {
      value.dispose();
    }
    this.#finish({ ok: true, resultJson: json }, fullUnits);
  }

  #guestError(handle: QuickJSHandle, duringEval: boolean): void {
    if (this.#reason !== undefined) {
      handle.dispose();
      this.#finishLimit();
      return;
    }
    const ctx = this.#ctx;
    let info: { name: string; message: string; stack?: string; code?: string };
    try {
      const described = ctx.callFunction(this.#p.describe, ctx.undefined, handle);
      if (described.error) {
        described.error.dispose();
        info = { name: "Error", message: "Uncaught exception that could not be described" };
      } else {
        info = JSON.parse(ctx.getString(described.value));
        described.value.dispose();
      }
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
    const base = { name: info.name, message: info.message, stack, guestCode: info.code };
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
        const message = missing === null ? info.message : `${info.message}: if "${
          missing[1]
        }" is a type, import it with "import type"`;
        return { ...base, message, code: "SANDBOX_COMPILE" };
      }
    }
    return { ...base, code: "SANDBOX_RUNTIME" };
  }

  #finishLimit(): void {
    let error: ExecutionError;
    switch (this.#reason) {
      case "memory": {
        const e = new SandboxMemoryError(this.#limits.memoryBytes);
        error = { code: e.code, name: e.name, message: e.message };
        break;
      }
      case "cancel": {
        const e = new McpxError("SANDBOX_CANCELLED", "Execution was cancelled");
        error = { code: e.code, name: e.name, message: e.message };
        break;
      }
      default: {
        const e = new SandboxTimeoutError(this.#limits.timeoutMs);
        error = { code: e.code, name: e.name, message: e.message };
      }
    }
    this.#finish({ ok: false, error });
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
      this.#finishLimit();
      return;
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
      // The result has priority: console output gets what the result leaves.
      const room = max - resultBytes;
      const kept: LogEntry[] = [];
      let used = 0;
      for (const entry of logs) {
        const bytes = utf8Length(entry.message) + 1;
        if (used + bytes <= room) {
          kept.push(entry);
          used += bytes;
          continue;
        }
        const part = truncateUtf8(entry.message, Math.max(0, room - used - 1));
        if (part.length > 0) {
          kept.push({ level: entry.level, message: part });
          used += utf8Length(part) + 1;
        }
        dropped += bytes - 1 - utf8Length(part);
        const index = logs.indexOf(entry);
        for (let i = index + 1; i < logs.length; i++) dropped += utf8Length(logs[i].message) + 1;
        break;
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
  return `Maximum call stack size exceeded (stack limit ${Math.round(limits.stackBytes / 1024)} KiB)`;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `…[truncated 1,234 bytes]`. */
export function truncationMarker(bytes: number): string {
  return `…[truncated ${bytes.toLocaleString("en-US")} bytes]`;
}

/** UTF-8 length of `s` without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
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
