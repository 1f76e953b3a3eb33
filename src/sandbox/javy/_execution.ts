// One execution of a Javy program inside the sandbox worker: the streams its
// WASI host writes to and reads from, the JSON-lines bridge, the limits and
// the outcome.
//
// Javy's `Javy.IO` reads only stdin (fd 0) and writes only stdout and stderr,
// so the bridge reserves stdin for replies and, on stdout, the lines that
// start with FRAME_PREFIX; every other line is console output. One JSON
// object a line:
//   guest → host, stdout:  FRAME_PREFIX {"t":"call","id":1,"server":"s","tool":"t","args":{…}}
//                          FRAME_PREFIX {"t":"done","json":"<JSON text of the default export>"}
//                          FRAME_PREFIX {"t":"error","name":"…","message":"…","stack":"…","code":"…"}
//   host → guest, stdin:   {"id":1,"reply":<CallEnvelope>}
// A plugin without stream I/O writes its `done` and `error` frames with
// `console.log`, which reaches the same stdout.

import { utf8Length } from "../../_utf8.ts";
import { SandboxMemoryError, SandboxTimeoutError } from "../../errors.ts";
import { truncateUtf8, truncationMarker } from "../_guest_execution.ts";
import type { EngineLimits, ExecuteOutcome, ExecutionError, LogEntry } from "../engine.ts";
import { MissingImportError, WasiExit, type WasiStreams } from "./wasi_host.ts";

/** The file descriptor the guest reads bridge replies from (stdin). */
export const BRIDGE_IN_FD = 0;
/** Marks a bridge frame among the lines of stdout. */
export const FRAME_PREFIX = "\u0000mcpx:";

/** The longest bridge frame accepted (tool arguments are capped lower by the bridge). */
const MAX_FRAME_CHARS = 64 * 1024 * 1024;
const encoder = new TextEncoder();

/** Where an execution sends tool calls. */
export type CallSink = (call: number, server: string, tool: string, args: string) => void;

interface GuestError {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  code?: unknown;
}

/** The state of one execution. */
export class JavyExecution implements WasiStreams {
  readonly #limits: EngineLimits;
  readonly #sink: CallSink;
  readonly #t0 = performance.now();
  readonly #partial: [string, string] = ["", ""];
  readonly #decoders = [new TextDecoder(), new TextDecoder()];
  #logs: LogEntry[] = [];
  #logBytes = 0;
  #dropped = 0;
  #truncated = false;
  #inbox: Uint8Array[] = [];
  #waiting: ((b: Uint8Array | undefined) => void) | undefined;
  #waitMax = 0;
  #inFlight = 0;
  #forwarded = 0;
  readonly #queue: [number, string, string, string][] = [];
  #result: { json?: string } | undefined;
  #guestError: ExecutionError | undefined;
  #protocolError: string | undefined;
  /** The memory limit of the plugin's memory, in bytes (0: unknown). */
  memoryCeiling = 0;
  memory: WebAssembly.Memory | undefined;
  /** What reads of stdin get; empty (end of file) but while a plugin is configured. */
  stdin: Uint8Array = new Uint8Array(0);

  constructor(limits: EngineLimits, sink: CallSink) {
    this.#limits = limits;
    this.#sink = sink;
  }

  isOpen(fd: number): boolean {
    return fd >= 0 && fd <= 2;
  }

  write(fd: number, bytes: Uint8Array): boolean {
    if (fd !== 1 && fd !== 2) return false;
    this.#console(fd, this.#decoders[fd - 1].decode(bytes, { stream: true }));
    return true;
  }

  read(fd: number, max: number): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    if (fd !== BRIDGE_IN_FD) return undefined;
    if (this.stdin.length > 0) {
      const out = this.stdin.subarray(0, max);
      this.stdin = this.stdin.subarray(out.length);
      return out;
    }
    if (this.#inbox.length > 0) return this.#take(max);
    // Nothing can arrive: end of file rather than a wait that never ends.
    if (this.#inFlight === 0 && this.#queue.length === 0) return new Uint8Array(0);
    this.#waitMax = max;
    return new Promise((resolve) => this.#waiting = resolve);
  }

  /** Delivers the JSON text of a tool call's envelope. */
  reply(call: number, json: string): void {
    this.#inFlight--;
    while (this.#queue.length > 0 && this.#inFlight < this.#limits.maxConcurrentToolCalls) {
      const [id, server, tool, args] = this.#queue.shift()!;
      this.#inFlight++;
      this.#sink(id, server, tool, args);
    }
    this.#deliver(`{"id":${call},"reply":${json}}\n`);
  }

  #deliver(line: string): void {
    this.#inbox.push(encoder.encode(line));
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting(this.#take(this.#waitMax));
    }
  }

  #take(max: number): Uint8Array {
    const head = this.#inbox[0];
    if (head.length <= max) {
      this.#inbox.shift();
      return head;
    }
    this.#inbox[0] = head.subarray(max);
    return head.subarray(0, max);
  }

  #frame(line: string): void {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(line);
      if (f === null || typeof f !== "object") throw new TypeError("not an object");
    } catch (e) {
      this.#protocolError ??= `Malformed bridge frame ${JSON.stringify(line.slice(0, 80))}: ${
        (e as Error).message
      }`;
      return;
    }
    if (f.t === "call") this.#call(f);
    else if (f.t === "done") {
      this.#result ??= typeof f.json === "string" ? { json: f.json } : {};
    } else if (f.t === "error") this.#guestError ??= classify(f as GuestError);
    else this.#protocolError ??= `Unknown bridge frame type ${JSON.stringify(f.t)}`;
  }

  #call(f: Record<string, unknown>): void {
    const id = f.id;
    if (!Number.isSafeInteger(id) || typeof f.server !== "string" || typeof f.tool !== "string") {
      this.#protocolError ??=
        "Malformed tool call frame: it needs a numeric id, a server and a tool";
      return;
    }
    const args = JSON.stringify(f.args ?? {});
    if (this.#forwarded >= this.#limits.maxToolCalls) {
      this.#inFlight++;
      this.reply(
        id as number,
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
    this.#forwarded++;
    if (this.#inFlight < this.#limits.maxConcurrentToolCalls) {
      this.#inFlight++;
      this.#sink(id as number, f.server, f.tool, args);
    } else {
      this.#queue.push([id as number, f.server, f.tool, args]);
    }
  }

  #console(fd: 1 | 2, text: string): void {
    const buf = this.#partial[fd - 1] + text;
    const lines = buf.split("\n");
    const rest = lines.pop()!;
    this.#partial[fd - 1] = rest;
    if (fd === 1 && rest.startsWith(FRAME_PREFIX)) {
      if (rest.length > MAX_FRAME_CHARS) {
        // A frame with no end in sight: refuse it rather than hold it all.
        this.#protocolError ??= `A bridge frame is longer than ${MAX_FRAME_CHARS} characters`;
        this.#partial[0] = "";
      }
    } else if (rest.length > this.#limits.maxOutputBytes) {
      // A line without end past the output limit: count it now, it is cut anyway.
      lines.push(rest);
      this.#partial[fd - 1] = "";
    }
    for (const line of lines) this.#line(fd, line);
  }

  #line(fd: 1 | 2, line: string): void {
    if (fd === 1 && line.startsWith(FRAME_PREFIX)) {
      this.#frame(line.slice(FRAME_PREFIX.length));
      return;
    }
    const bytes = utf8Length(line) + 1;
    if (this.#truncated) {
      this.#dropped += bytes;
      return;
    }
    const max = this.#limits.maxOutputBytes;
    const level = fd === 1 ? "log" : "error";
    if (this.#logBytes + bytes <= max) {
      this.#logs.push({ level, message: line });
      this.#logBytes += bytes;
      return;
    }
    const kept = truncateUtf8(line, Math.max(0, max - this.#logBytes - 1));
    if (kept.length > 0) this.#logs.push({ level, message: kept });
    this.#logBytes += kept.length > 0 ? utf8Length(kept) + 1 : 0;
    this.#dropped += bytes - (kept.length > 0 ? utf8Length(kept) + 1 : 0);
    this.#truncated = true;
  }

  /** The outcome once the entry returned (`thrown` undefined) or threw. */
  outcome(thrown?: unknown): ExecuteOutcome {
    for (const fd of [1, 2] as const) {
      if (this.#partial[fd - 1] !== "") this.#line(fd, this.#partial[fd - 1]);
      this.#partial[fd - 1] = "";
    }
    if (this.#protocolError !== undefined) {
      return this.#finish(false, undefined, {
        code: "SANDBOX_RUNTIME",
        name: "Error",
        message: this.#protocolError,
      });
    }
    if (this.#guestError !== undefined) {
      const e = this.#guestError;
      if (e.code === "SANDBOX_MEMORY") {
        e.message = new SandboxMemoryError(this.#limits.memoryBytes).message;
      }
      return this.#finish(false, undefined, e);
    }
    if (this.#result !== undefined) return this.#finish(true, this.#result.json);
    if (thrown === undefined || (thrown instanceof WasiExit && thrown.code === 0)) {
      return this.#finish(true, undefined);
    }
    return this.#finish(false, undefined, this.#classifyThrown(thrown));
  }

  #classifyThrown(thrown: unknown): ExecutionError {
    if (thrown instanceof MissingImportError) {
      return { code: "SANDBOX_RUNTIME", name: "Error", message: thrown.message };
    }
    const mem = this.memory?.buffer.byteLength ?? 0;
    const stderr = this.#logs.filter((l) => l.level === "error").map((l) => l.message);
    // Rust's allocator prints "memory allocation of N bytes failed" before it aborts.
    const allocFailed = stderr.some((l) => /^memory allocation (of \d+ bytes )?failed/.test(l));
    if (
      this.memoryCeiling > 0 &&
      (allocFailed || mem + 1024 * 1024 >= this.memoryCeiling)
    ) {
      const e = new SandboxMemoryError(this.#limits.memoryBytes);
      return { code: e.code, name: e.name, message: e.message };
    }
    const last = stderr.slice(-3).join("\n");
    if (thrown instanceof WasiExit) {
      return {
        code: "SANDBOX_RUNTIME",
        name: "Error",
        message: last === "" ? thrown.message : `${thrown.message}: ${last}`,
      };
    }
    const msg = thrown instanceof Error ? thrown.message : String(thrown);
    if (thrown instanceof RangeError && /call stack/i.test(msg)) {
      return { code: "SANDBOX_STACK", name: "RangeError", message: msg };
    }
    return {
      code: "SANDBOX_RUNTIME",
      name: "Error",
      message: last === "" ? `The Javy plugin trapped: ${msg}` : last,
    };
  }

  #finish(ok: boolean, resultJson?: string, error?: ExecutionError): ExecuteOutcome {
    const max = this.#limits.maxOutputBytes;
    let truncated = this.#truncated;
    let resultBytes = 0;
    let resultTruncated = false;
    if (resultJson !== undefined) {
      resultBytes = utf8Length(resultJson);
      if (resultBytes > max) {
        const kept = truncateUtf8(resultJson, max);
        resultJson = kept + truncationMarker(resultBytes - utf8Length(kept));
        resultBytes = utf8Length(kept);
        truncated = resultTruncated = true;
      }
    }
    let logs = this.#logs;
    let dropped = this.#dropped;
    let logBytes = this.#logBytes;
    if (logBytes + resultBytes > max) {
      // The result has priority: console output gets the room it leaves.
      const room = max - resultBytes;
      const kept: LogEntry[] = [];
      let used = 0;
      for (const l of logs) {
        const bytes = utf8Length(l.message) + 1;
        if (used + bytes > room) dropped += bytes;
        else {
          kept.push(l);
          used += bytes;
        }
      }
      logs = kept;
      logBytes = used;
      truncated = true;
    }
    if (dropped > 0) {
      truncated = true;
      logs.push({ level: "warn", message: `${truncationMarker(dropped)} of console output` });
    }
    const outcome: ExecuteOutcome = {
      ok,
      logs,
      stats: {
        durationMs: performance.now() - this.#t0,
        toolCalls: this.#forwarded,
        outputBytes: logBytes + resultBytes,
        truncated,
      },
    };
    if (resultJson !== undefined) outcome.resultJson = resultJson;
    if (resultTruncated) outcome.resultTruncated = true;
    if (error !== undefined) outcome.error = error;
    return outcome;
  }
}

function classify(f: GuestError): ExecutionError {
  const name = typeof f.name === "string" && f.name !== "" ? f.name : "Error";
  const message = typeof f.message === "string" ? f.message : "Uncaught exception";
  const e: ExecutionError = { code: "SANDBOX_RUNTIME", name, message };
  if (typeof f.stack === "string" && f.stack.trim() !== "") {
    e.stack = `${name}: ${message}\n${f.stack.replace(/\s+$/, "")}`;
  }
  if (typeof f.code === "string") e.guestCode = f.code;
  if (name === "InternalError" && /out of memory/.test(message)) e.code = "SANDBOX_MEMORY";
  if (name === "RangeError" && /call stack/i.test(message)) e.code = "SANDBOX_STACK";
  return e;
}

/** The outcome of an execution stopped from outside (deadline, cancellation). */
export function stoppedOutcome(
  reason: "timeout" | "cancel" | "crash",
  limits: EngineLimits,
  message?: string,
): ExecuteOutcome {
  const error: ExecutionError = reason === "timeout"
    ? (() => {
      const e = new SandboxTimeoutError(limits.timeoutMs);
      return { code: e.code, name: e.name, message: e.message };
    })()
    : reason === "cancel"
    ? { code: "SANDBOX_CANCELLED", name: "McpxError", message: "Execution was cancelled" }
    : { code: "SANDBOX_CRASHED", name: "McpxError", message: message ?? "The Javy worker crashed" };
  return {
    ok: false,
    logs: [],
    error,
    stats: { durationMs: 0, toolCalls: 0, outputBytes: 0, truncated: false },
  };
}
