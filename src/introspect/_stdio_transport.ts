// The SDK's stdio client transport, plus what mcpx needs to explain failures:
// the exit code and signal of the child, the last lines it wrote to stderr
// (the pipe is always drained so the child never blocks on it), and a
// shutdown that escalates from closing stdin to SIGTERM to SIGKILL without
// leaving timers behind.

import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";
import { StdioClientTransport } from "../_sdk.ts";
import { guardCorruptLines } from "./_corrupt_line_guard.ts";
import { LineBuffer } from "./_line_buffer.ts";

/** How a child process ended. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** Parameters of {@link PipedStdioTransport}. */
export interface PipedStdioParams {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** How many stderr lines to keep (default 20). */
  tailLines?: number;
  /** How long to wait for the child to exit after closing its stdin (default 1000 ms). */
  graceMs?: number;
}

const MAX_LINE = 1_000;

/** The SDK stdio transport's limit on one message, in bytes (10 MiB). */
export const STDIO_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** Waits for `promise` at most `ms` milliseconds; true when it settled in time. */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A stdio client transport that keeps the stderr tail and the exit status. */
export class PipedStdioTransport extends StdioClientTransport {
  readonly #tail: string[] = [];
  readonly #tailLines: number;
  readonly #graceMs: number;
  #partial = "";
  #child?: ChildProcess;
  #exit?: ExitInfo;
  #hasClosed = false;
  #closed: Promise<void>;
  #markClosed!: () => void;
  #stderrEnded: Promise<void>;
  #closing?: Promise<void>;
  #overLimit?: number;

  constructor(params: PipedStdioParams) {
    super({
      command: params.command,
      args: params.args,
      env: params.env,
      cwd: params.cwd,
      stderr: "pipe",
    });
    // The SDK's read buffer is quadratic in the size of a message: use a linear one.
    (this as unknown as { _readBuffer: LineBuffer })._readBuffer = new LineBuffer(
      STDIO_MAX_MESSAGE_BYTES,
    );
    this.#tailLines = params.tailLines ?? 20;
    // Short enough that the whole escalation (1 s, SIGTERM, 1 s, SIGKILL)
    // ends before a client that closed mcpx's stdin kills mcpx itself.
    this.#graceMs = params.graceMs ?? 1_000;
    this.#closed = new Promise((resolve) => this.#markClosed = resolve);
    const stderr = this.stderr as Readable;
    stderr.setEncoding("utf8");
    stderr.on("data", (chunk: string) => this.#push(chunk));
    this.#stderrEnded = new Promise((resolve) => {
      stderr.once("end", resolve);
      stderr.once("close", resolve);
      stderr.once("error", resolve);
    });
  }

  override async start(): Promise<void> {
    try {
      await super.start();
    } catch (error) {
      this.#hasClosed = true;
      this.#markClosed();
      throw error;
    }
    guardCorruptLines(this);
    this.#watchSizeLimit();
    const child = (this as unknown as { _process?: ChildProcess })._process;
    this.#child = child;
    if (child === undefined) return;
    child.once("exit", (code: number | null, signal: string | null) => {
      this.#exit = { code, signal };
    });
    child.once("close", (code: number | null, signal: string | null) => {
      this.#exit ??= { code, signal };
      this.#hasClosed = true;
      this.#markClosed();
    });
  }

  /**
   * The size limit in bytes of one message, once the child sent a message
   * over it (the SDK then closes the connection).
   */
  get overLimit(): number | undefined {
    return this.#overLimit;
  }

  // The SDK's read buffer throws once a message grows past its limit (10 MiB
  // by default) and closes the transport: remember why.
  #watchSizeLimit(): void {
    const rb = (this as unknown as {
      _readBuffer?: { append(chunk: Uint8Array): void; maxBufferSize?: number };
    })._readBuffer;
    if (rb === undefined || typeof rb.append !== "function") return;
    const append = rb.append.bind(rb);
    rb.append = (chunk) => {
      try {
        append(chunk);
      } catch (error) {
        if (/exceeded maximum size/.test(String((error as Error)?.message))) {
          this.#overLimit = rb.maxBufferSize ?? STDIO_MAX_MESSAGE_BYTES;
        }
        throw error;
      }
    };
  }

  /** How the child ended, once it has. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /** True once the child has exited and its pipes are closed. */
  get hasExited(): boolean {
    return this.#hasClosed;
  }

  /** Resolves once the child has exited and its pipes are closed. */
  get exited(): Promise<void> {
    return this.#closed;
  }

  /** The last lines the child wrote to stderr, oldest first. */
  stderrTail(): string[] {
    const tail = this.#partial === "" ? [...this.#tail] : [...this.#tail, this.#partial];
    return tail.slice(-this.#tailLines);
  }

  /** Waits (briefly) until everything the child wrote to stderr has been read. */
  async drainStderr(ms = 200): Promise<void> {
    await within(this.#stderrEnded, ms);
  }

  /** Terminates the child now (SIGTERM, then SIGKILL) and waits until it is gone. */
  kill(): Promise<void> {
    this.#signal("SIGTERM");
    return this.close();
  }

  /**
   * Closes stdin and waits for the child to exit; sends SIGTERM after the
   * grace period and SIGKILL if that is ignored too.
   */
  override close(): Promise<void> {
    return this.#closing ??= this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    if (this.#child !== undefined && !this.#hasClosed) {
      try {
        this.#child.stdin?.end();
      } catch { /* already closed */ }
      if (!(await within(this.#closed, this.#graceMs))) {
        this.#signal("SIGTERM");
        if (!(await within(this.#closed, 1_000))) {
          this.#signal("SIGKILL");
          await within(this.#closed, 2_000);
        }
      }
    }
    await super.close();
  }

  #signal(signal: "SIGTERM" | "SIGKILL"): void {
    if (this.#child === undefined || this.#hasClosed) return;
    const pid = this.#child.pid;
    try {
      // Not `child.kill`: once it has sent one signal, Deno's ChildProcess
      // ignores later ones, so a SIGKILL after an ignored SIGTERM never left.
      if (pid !== undefined) Deno.kill(pid, signal);
      else this.#child.kill(signal);
    } catch { /* already gone */ }
  }

  #push(chunk: string): void {
    const lines = (this.#partial + chunk).split(/\r?\n/);
    this.#partial = lines.pop()!.slice(0, MAX_LINE);
    for (const line of lines) {
      if (line.trim() === "") continue;
      this.#tail.push(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
      if (this.#tail.length > this.#tailLines) this.#tail.shift();
    }
  }
}
