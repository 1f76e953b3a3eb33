/**
 * The audit log: one JSON line per upstream call of every execution, in
 * `audit.jsonl` of the user's data directory, rotated at a size cap.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { ApprovalDecision } from "./approval_gate.ts";
import { utf8Length } from "../_utf8.ts";
import { redact, redactText } from "./redact.ts";

/**
 * One upstream call as the audit log records it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const entry: AuditEntry = {
 *   time: new Date().toISOString(),
 *   session: "s1",
 *   execution: "e1",
 *   server: "fs",
 *   tool: "read_file",
 *   digest: "0",
 *   ms: 2,
 *   outcome: "ok",
 * };
 * assert.equal(entry.outcome, "ok"); // what AuditLog.append takes and readAudit returns
 * ```
 */
export interface AuditEntry {
  /** ISO time the call started. */
  time: string;
  /** MCP session ID of the caller. */
  session: string;
  /** Execution ID of the program that made the call. */
  execution: string;
  /** Server name. */
  server: string;
  /** Tool name as the server spells it. */
  tool: string;
  /** SHA-256 of the canonical JSON of the arguments. */
  digest: string;
  /** The arguments, secrets redacted; only with {@link AuditLogOptions.includeArgs}. */
  args?: unknown;
  /** Program line of the call. */
  line?: number;
  /** Duration in milliseconds. */
  ms: number;
  /** `ok`, or the error code (`TOOL_ERROR`, `APPROVAL_DENIED`…). */
  outcome: string;
  /** The error message, secrets redacted. */
  error?: string;
  /** How the policy let the call through or stopped it (absent when the call failed before). */
  approval?: ApprovalDecision;
  /** True when the result came from the cache. */
  cached?: boolean;
}

/**
 * Options of {@link AuditLog}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: AuditLogOptions = { path: "/var/log/mcpx/audit.jsonl", maxBytes: 1 << 20, keep: 5 };
 * assert.equal(opts.keep, 5); // for new AuditLog(opts)
 * ```
 */
export interface AuditLogOptions {
  /** The log file (default `audit.jsonl` in the data directory). */
  path: string;
  /** Size at which the file is rotated, in bytes (default 10 MiB). */
  maxBytes?: number;
  /** Rotated files kept, `audit.jsonl.1` newest (default 3). */
  keep?: number;
  /** Record the (redacted) arguments too (default false: the digest only). */
  includeArgs?: boolean;
  /** Where write failures are reported (default nowhere). */
  onError?: (error: Error) => void;
}

/** Default rotation size: 10 MiB. */
export const DEFAULT_AUDIT_MAX_BYTES: number = 10 * 1024 * 1024;

/** How long entries wait to be written with others, in milliseconds. */
const FLUSH_DELAY_MS = 20;

/** The audit file in `dir`. */
export function auditPath(dir: string): string {
  return join(dir, "audit.jsonl");
}

const encoder = new TextEncoder();

/**
 * Appends audit entries; writes are batched and never block a call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const log = new AuditLog({ path: `${dir}/audit.jsonl`, maxBytes: 1 << 20 });
 * log.append({
 *   time: new Date().toISOString(),
 *   session: "s1",
 *   execution: "e1",
 *   server: "memory",
 *   tool: "read_graph",
 *   digest: "0",
 *   ms: 4,
 *   outcome: "ok",
 * });
 * await log.close();
 * assert.equal((await readAudit(log.path)).length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class AuditLog implements AsyncDisposable {
  /** File the log appends to. */
  readonly path: string;
  /** Whether entries keep the (redacted) arguments. */
  readonly includeArgs: boolean;
  readonly #maxBytes: number;
  readonly #keep: number;
  readonly #onError: (error: Error) => void;
  #queue: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #scheduled = false;
  #file?: Deno.FsFile;
  #size = 0;
  #closed = false;

  /** A log appending to `opts.path`; the file is opened on the first write. */
  constructor(opts: AuditLogOptions) {
    this.path = opts.path;
    this.includeArgs = opts.includeArgs === true;
    this.#maxBytes = opts.maxBytes ?? DEFAULT_AUDIT_MAX_BYTES;
    this.#keep = Math.max(1, opts.keep ?? 3);
    this.#onError = opts.onError ?? (() => {});
    if (!(this.#maxBytes >= 1024)) {
      throw new RangeError(`Invalid audit log size cap ${opts.maxBytes}: at least 1024 bytes`);
    }
  }

  /** Queues one entry; it is written soon, in order. */
  append(entry: AuditEntry): void {
    if (this.#closed) return;
    const clean: AuditEntry = { ...entry };
    if (clean.args !== undefined) clean.args = this.includeArgs ? redact(clean.args) : undefined;
    if (clean.error !== undefined) clean.error = redactText(clean.error).slice(0, 500);
    this.#queue.push(JSON.stringify(clean) + "\n");
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Batched: one write per FLUSH_DELAY_MS at most, not one per call.
      setTimeout(() => this.#schedule(), FLUSH_DELAY_MS);
    }
  }

  /** Waits until every queued entry is on disk. */
  async flush(): Promise<void> {
    this.#schedule();
    await this.#writing;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    this.#file?.close();
    this.#file = undefined;
  }

  /** Same as {@link AuditLog.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #schedule(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0) return;
    const lines = this.#queue;
    this.#queue = [];
    this.#writing = this.#writing.then(() => this.#write(lines)).catch((e) => this.#onError(e));
  }

  async #write(lines: string[]): Promise<void> {
    if (this.#file === undefined) {
      await Deno.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      this.#file = await Deno.open(this.path, { append: true, create: true, mode: 0o600 });
      this.#size = (await this.#file.stat()).size;
    }
    // One write per batch, split where the size cap falls.
    let chunk: string[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const n = utf8Length(line);
      if (this.#size + chunkBytes > 0 && this.#size + chunkBytes + n > this.#maxBytes) {
        await this.#writeAll(chunk);
        chunk = [];
        chunkBytes = 0;
        if (this.#size > 0) await this.#rotate();
      }
      chunk.push(line);
      chunkBytes += n;
    }
    await this.#writeAll(chunk);
  }

  async #writeAll(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const bytes = encoder.encode(lines.join(""));
    let rest = bytes;
    while (rest.length > 0) rest = rest.subarray(await this.#file!.write(rest));
    this.#size += bytes.length;
  }

  async #rotate(): Promise<void> {
    this.#file?.close();
    this.#file = undefined;
    for (let i = this.#keep; i >= 1; i--) {
      const from = i === 1 ? this.path : `${this.path}.${i - 1}`;
      try {
        if (i === this.#keep) await Deno.remove(`${this.path}.${i}`).catch(() => {});
        await Deno.rename(from, `${this.path}.${i}`);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    this.#file = await Deno.open(this.path, { append: true, create: true, mode: 0o600 });
    this.#size = 0;
  }
}

/**
 * Which entries {@link readAudit} returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const filter: AuditFilter = { tool: "fs/*", since: new Date(Date.now() - 3_600_000) };
 * const dir = await Deno.makeTempDir();
 * assert.deepEqual(await readAudit(`${dir}/audit.jsonl`, filter), []);
 * await Deno.remove(dir);
 * ```
 */
export interface AuditFilter {
  /** Entries at or after this time. */
  since?: Date;
  /** `server/tool` pattern with `*` wildcards, or a bare server or tool name. */
  tool?: string;
  /** Only this execution. */
  execution?: string;
}

/**
 * The entries of the log at `path` and its rotated files, oldest first.
 * Unreadable lines are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/audit.jsonl`;
 * {
 *   await using log = new AuditLog({ path });
 *   log.append({
 *     time: new Date().toISOString(),
 *     session: "s1",
 *     execution: "e1",
 *     server: "fs",
 *     tool: "read_file",
 *     digest: "0",
 *     ms: 3,
 *     outcome: "ok",
 *   });
 * }
 * const entries = await readAudit(path, { tool: "fs/*" });
 * assert.equal(entries.length, 1);
 * assert.equal(entries[0].outcome, "ok");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readAudit(path: string, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const files: string[] = [];
  for (let i = 20; i >= 1; i--) files.push(`${path}.${i}`);
  files.push(path);
  const match = filter.tool === undefined ? undefined : toolMatcher(filter.tool);
  const since = filter.since?.getTime();
  const out: AuditEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    for (const line of text.split("\n")) {
      if (line === "") continue;
      let e: AuditEntry;
      try {
        e = JSON.parse(line);
      } catch {
        continue;
      }
      if (since !== undefined && Date.parse(e.time) < since) continue;
      if (match !== undefined && !match(e.server, e.tool)) continue;
      if (filter.execution !== undefined && e.execution !== filter.execution) continue;
      out.push(e);
    }
  }
  return out;
}

function toolMatcher(pattern: string): (server: string, tool: string) => boolean {
  const re = (p: string) =>
    new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`);
  if (pattern.includes("/")) {
    const r = re(pattern);
    return (s, t) => r.test(`${s}/${t}`);
  }
  const r = re(pattern);
  return (s, t) => r.test(t) || r.test(s);
}
