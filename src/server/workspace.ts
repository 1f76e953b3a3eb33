/**
 * A session's workspace: text files kept in memory across the executions of
 * one MCP session, capped in number and total size, gone when the session
 * closes.
 *
 * Guest code reaches it through the virtual module `/workspace.ts`
 * ({@link WORKSPACE_MODULE}), which calls the pseudo-server
 * {@link WORKSPACE_SERVER} through `callTool`; `runtime.execute`'s `intercept`
 * hands those calls to {@link Workspace.handle}. The files also appear in the
 * tree under `workspace/`, and `.ts`/`.js` ones can be imported.
 *
 * @module
 */
import { McpxError } from "../errors.ts";
import { utf8Length } from "../_utf8.ts";

/** The pseudo-server name `/workspace.ts` calls. */
export const WORKSPACE_SERVER = "@workspace";

/**
 * Caps of one workspace.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const limits: WorkspaceLimits = { maxBytes: 1024, maxFiles: 2 };
 * const workspace = new Workspace(limits);
 * workspace.write("a.txt", "a");
 * workspace.write("b.txt", "b");
 * assert.throws(() => workspace.write("c.txt", "c"));
 * ```
 */
export interface WorkspaceLimits {
  /** Total UTF-8 bytes of all files (default 4 MiB). */
  maxBytes: number;
  /** Number of files (default 512). */
  maxFiles: number;
}

/** Default caps: 4 MiB in at most 512 files. */
export const DEFAULT_WORKSPACE_LIMITS: Readonly<WorkspaceLimits> = Object.freeze({
  maxBytes: 4 * 1024 * 1024,
  maxFiles: 512,
});

/** The virtual module guest code imports as `./workspace.ts`. */
export const WORKSPACE_MODULE: string =
  `// Files of this session's workspace, kept across executions until the session ends.
import { callTool } from "./runtime.ts";

/** Reads a workspace file; throws when there is none. */
export async function readFile(path: string): Promise<string> {
  return await callTool<string>("${WORKSPACE_SERVER}", "read", { path });
}

/** Writes a workspace file (text; JSON.stringify other data), replacing any. */
export async function writeFile(path: string, text: string): Promise<void> {
  await callTool<null>("${WORKSPACE_SERVER}", "write", { path, text });
}

/** Workspace files with their sizes in bytes, sorted by path. */
export async function listFiles(): Promise<{ path: string; bytes: number }[]> {
  return await callTool<{ path: string; bytes: number }[]>("${WORKSPACE_SERVER}", "list", {});
}

/** Deletes a workspace file; false when there was none. */
export async function removeFile(path: string): Promise<boolean> {
  return await callTool<boolean>("${WORKSPACE_SERVER}", "remove", { path });
}
`;

const IMPORTABLE = /\.(ts|js|mts|mjs)$/;
const MAX_PATH = 256;

/**
 * Files of one session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const workspace = new Workspace({ maxFiles: 10 });
 * workspace.write("notes/a.txt", "hello");
 * assert.equal(workspace.read("notes/a.txt"), "hello");
 * assert.equal(workspace.size, 1);
 * assert.ok(workspace.remove("notes/a.txt"));
 * ```
 */
export class Workspace {
  /** Caps of this workspace. */
  readonly limits: Readonly<WorkspaceLimits>;
  readonly #files = new Map<string, { text: string; bytes: number }>();
  #bytes = 0;

  /**
   * An empty workspace.
   *
   * @param limits Caps over {@link DEFAULT_WORKSPACE_LIMITS}.
   */
  constructor(limits: Partial<WorkspaceLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_WORKSPACE_LIMITS, ...limits });
  }

  /**
   * Normalizes a workspace path: `notes.txt`, `/notes.txt`, `./notes.txt` and
   * `workspace/notes.txt` all name `notes.txt`.
   *
   * @throws {McpxError} `TOOL_INVALID_ARGS` for an empty, too long or escaping path.
   */
  static normalize(path: unknown): string {
    if (typeof path !== "string") {
      throw new McpxError(
        "TOOL_INVALID_ARGS",
        `Invalid workspace path ${JSON.stringify(path)}: expected a string`,
      );
    }
    let p = path.trim().replace(/^\.?\/+/, "");
    if (p.startsWith("workspace/")) p = p.slice("workspace/".length);
    const parts = p.split("/").filter((s) => s !== "" && s !== ".");
    if (
      parts.length === 0 || parts.includes("..") || p.length > MAX_PATH ||
      // deno-lint-ignore no-control-regex
      /[\\\u0000-\u001f]/.test(p)
    ) {
      throw new McpxError(
        "TOOL_INVALID_ARGS",
        `Invalid workspace path ${
          JSON.stringify(path)
        }: use a relative path such as "data/notes.txt" (no "..", at most ${MAX_PATH} characters)`,
      );
    }
    return parts.join("/");
  }

  /** Number of files. */
  get size(): number {
    return this.#files.size;
  }

  /** Total UTF-8 bytes of all files. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * The text of file `path`.
   *
   * @throws {McpxError} `FILE_NOT_FOUND` when there is none.
   */
  read(path: string): string {
    const p = Workspace.normalize(path);
    const file = this.#files.get(p);
    if (file === undefined) {
      throw new McpxError(
        "FILE_NOT_FOUND",
        `No workspace file "${p}": ${
          this.#files.size === 0
            ? "the workspace is empty"
            : `files are ${
              [...this.#files.keys()].sort().slice(0, 10).map((f) => `"${f}"`).join(", ")
            }`
        }`,
      );
    }
    return file.text;
  }

  /**
   * Writes file `path`, replacing any file of that path.
   *
   * @throws {McpxError} `WORKSPACE_LIMIT` when it would pass a cap; nothing is written then.
   */
  write(path: string, text: string): void {
    const p = Workspace.normalize(path);
    if (typeof text !== "string") {
      throw new McpxError(
        "TOOL_INVALID_ARGS",
        `Cannot write workspace file "${p}": text must be a string (use JSON.stringify for data)`,
      );
    }
    const bytes = utf8Length(text);
    const old = this.#files.get(p);
    const total = this.#bytes - (old?.bytes ?? 0) + bytes;
    if (total > this.limits.maxBytes) {
      throw new McpxError(
        "WORKSPACE_LIMIT",
        `Cannot write workspace file "${p}" (${bytes} bytes): the workspace would hold ${total} bytes, over its limit of ${this.limits.maxBytes}. Remove files first`,
      );
    }
    if (old === undefined && this.#files.size >= this.limits.maxFiles) {
      throw new McpxError(
        "WORKSPACE_LIMIT",
        `Cannot write workspace file "${p}": the workspace already holds ${this.limits.maxFiles} files, its limit. Remove files first`,
      );
    }
    this.#files.set(p, { text, bytes });
    this.#bytes = total;
  }

  /** Deletes file `path`; false when there was none. */
  remove(path: string): boolean {
    const p = Workspace.normalize(path);
    const old = this.#files.get(p);
    if (old === undefined) return false;
    this.#files.delete(p);
    this.#bytes -= old.bytes;
    return true;
  }

  /** Every file with its size, sorted by path. */
  list(): { path: string; bytes: number }[] {
    return [...this.#files].map(([path, f]) => ({ path, bytes: f.bytes })).sort((a, b) =>
      a.path < b.path ? -1 : 1
    );
  }

  /** Every file as tree entries: `workspace/<path>` → text. */
  entries(): [string, string][] {
    return [...this.#files].map(([p, f]) => [`workspace/${p}`, f.text]);
  }

  /** Files guest code can import, as sandbox files: `/workspace/<path>.ts` → source. */
  importable(): [string, string][] {
    const out: [string, string][] = [];
    for (const [p, f] of this.#files) if (IMPORTABLE.test(p)) out.push([`/workspace/${p}`, f.text]);
    return out;
  }

  /** Deletes every file. */
  clear(): void {
    this.#files.clear();
    this.#bytes = 0;
  }

  /**
   * Answers one call of {@link WORKSPACE_MODULE}: `read`, `write`, `list` or
   * `remove`.
   *
   * @throws {McpxError} For an unknown operation, bad arguments, a missing file or a full workspace.
   */
  handle(tool: string, args: unknown): unknown {
    const a = (typeof args === "object" && args !== null ? args : {}) as Record<string, unknown>;
    switch (tool) {
      case "read":
        return this.read(a.path as string);
      case "write":
        this.write(a.path as string, a.text as string);
        return null;
      case "list":
        return this.list();
      case "remove":
        return this.remove(a.path as string);
      default:
        throw new McpxError(
          "UNKNOWN_TOOL",
          `Unknown workspace operation "${tool}": use "read", "write", "list" or "remove"`,
        );
    }
  }
}
