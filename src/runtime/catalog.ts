/**
 * The catalogue of servers a runtime knows: their snapshots, read from
 * verified plugins or introspected lazily through the shared client pool, and
 * the generated tree built from them.
 *
 * @module
 */
import { generate, type GeneratedFile, type GenerateResult } from "../codegen/generate.ts";
import { toCamelIdentifier } from "../codegen/identifiers.ts";
import type { ServerConfig } from "../config/types.ts";
import type { ClientPool } from "../bridge/client_pool.ts";
import { introspect, listAllTools } from "../introspect/introspect.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import type { LoadedPlugin } from "../plugin_store/plugin_store.ts";
import { CoalescedTask } from "../quotas/coalesced_task.ts";

/**
 * The state of one server in the catalogue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const state: ServerState = "idle";
 * assert.ok(["idle", "loading", "ready", "failed"].includes(state));
 * ```
 */
export type ServerState = "idle" | "loading" | "ready" | "failed";

/**
 * What the catalogue knows of one server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const status: ServerStatus = { name: "fs", state: "failed", source: "config", tools: 0, error: "spawn ENOENT" };
 * assert.equal(`${status.name}: ${status.state}`, "fs: failed");
 * ```
 */
export interface ServerStatus {
  /** Server name. */
  name: string;
  /** Whether its snapshot is loaded. */
  state: ServerState;
  /** Where its snapshot comes from. */
  source: "plugin" | "config";
  /** Number of tools, once loaded. */
  tools: number;
  /** Why it failed, when it did. */
  error?: string;
}

interface Entry {
  name: string;
  source: "plugin" | "config";
  snapshot?: ServerSnapshot;
  /** The plugin's verified files for this server (`servers/<dir>/…`). */
  pluginFiles?: GeneratedFile[];
  pluginDir?: string;
  state: ServerState;
  error?: Error;
  failedAt?: number;
  loading?: Promise<void>;
}

/** Options of {@link Catalog}. */
export interface CatalogOptions {
  /** Servers from the configuration. */
  servers: readonly ServerConfig[];
  /** Verified plugins; their servers need no introspection. */
  plugins?: readonly LoadedPlugin[];
  /** Where connections come from (shared with the bridge). */
  pool: ClientPool;
  /** A failed server is tried again after this many milliseconds (default 5,000). */
  retryAfterMs?: number;
  /** Told of tools left out of a server's list because they are unusable. */
  onWarning?: (message: string) => void;
  /**
   * Smallest gap between two re-reads of one server's tool list after
   * `notifications/tools/list_changed` (default 250 ms; see coalesced_task.ts).
   */
  refreshIntervalMs?: number;
}

/**
 * Servers, their snapshots and the generated tree, kept current.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientPool } from "@mcpx/cli";
 *
 * const servers = [{ name: "fs", transport: "stdio" as const, command: "fs-server", args: [] }];
 * await using pool = new ClientPool(servers);
 * const catalog = new Catalog({ servers, pool });
 * assert.deepEqual(catalog.names, ["fs"]);
 * assert.equal(catalog.status()[0].state, "idle"); // nothing is started until needed
 * ```
 */
export class Catalog {
  readonly #entries = new Map<string, Entry>();
  readonly #pool: ClientPool;
  readonly #retryAfterMs: number;
  readonly #onWarning: (message: string) => void;
  readonly #listeners = new Set<(server: string) => void>();
  #version = 0;
  #cache?: { version: number; result: GenerateResult; files: Map<string, string> };
  readonly #refreshes = new Map<string, CoalescedTask>();
  readonly #refreshIntervalMs?: number;
  #closed = false;

  /** A catalogue over the configured servers and plugins. */
  constructor(opts: CatalogOptions) {
    this.#pool = opts.pool;
    this.#refreshIntervalMs = opts.refreshIntervalMs;
    this.#retryAfterMs = opts.retryAfterMs ?? 5_000;
    const onWarning = opts.onWarning;
    this.#onWarning = (message) => {
      try {
        onWarning?.(message);
      } catch { /* a listener's failure is its own */ }
    };
    for (const plugin of opts.plugins ?? []) {
      for (const snapshot of plugin.snapshot.servers) {
        const gen = plugin.manifest.servers.find((s) => s.name === snapshot.name);
        const dir = gen?.tools[0]?.path.split("/")[1];
        this.#entries.set(snapshot.name, {
          name: snapshot.name,
          source: "plugin",
          snapshot,
          pluginDir: dir,
          pluginFiles: dir
            ? plugin.files.filter((f) => f.path.startsWith(`servers/${dir}/`))
            : undefined,
          state: "ready",
        });
      }
    }
    for (const server of opts.servers) {
      if (!this.#entries.has(server.name)) {
        this.#entries.set(server.name, { name: server.name, source: "config", state: "idle" });
      }
    }
  }

  /** Server names, in the order given. */
  get names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Increases whenever a snapshot changes. */
  get version(): number {
    return this.#version;
  }

  /** Calls `listener(server)` whenever a server's tools change. */
  onChange(listener: (server: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The state of every server. */
  status(): ServerStatus[] {
    return [...this.#entries.values()].map((e) => ({
      name: e.name,
      state: e.state,
      source: e.source,
      tools: e.snapshot?.tools.length ?? 0,
      ...(e.error ? { error: e.error.message } : {}),
    }));
  }

  /** The snapshot of `server`, once known. */
  snapshot(server: string): ServerSnapshot | undefined {
    return this.#entries.get(server)?.snapshot;
  }

  /** Ready snapshots, in the order given. */
  snapshots(): ServerSnapshot[] {
    return [...this.#entries.values()].flatMap((e) => (e.snapshot ? [e.snapshot] : []));
  }

  /**
   * Introspects the servers not known yet (all, or `names`), in parallel, and
   * waits for them up to `timeoutMs`. A server that fails or is slow does not
   * hold up the others; its error shows in {@link status}. A server that
   * failed is tried again (at most every 5 s) in the background; with
   * `awaitRetries` the caller waits for that attempt too.
   */
  async ensure(
    opts: { names?: readonly string[]; timeoutMs?: number; awaitRetries?: boolean } = {},
  ): Promise<void> {
    const wanted = (opts.names ?? this.names).map((n) => this.#entries.get(n)).filter((e) =>
      e !== undefined
    );
    const waits: Promise<void>[] = [];
    for (const entry of wanted) {
      if (entry.state === "ready") continue;
      const retry = entry.failedAt !== undefined;
      if (entry.state === "failed" && Date.now() - entry.failedAt! < this.#retryAfterMs) {
        continue;
      }
      const loading = entry.loading ??= this.#load(entry);
      // A server that failed before is tried again in the background: callers
      // do not wait on it again unless they ask to.
      if (!retry || opts.awaitRetries) waits.push(loading);
    }
    if (waits.length === 0) return;
    const all = Promise.allSettled(waits);
    if (opts.timeoutMs === undefined) {
      await all;
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((r) => timer = setTimeout(r, opts.timeoutMs))]);
    clearTimeout(timer);
  }

  /**
   * The servers a program needs introspected before it runs: those whose
   * modules (`servers/<dir>/…`) it imports, directly or through the extra
   * files (skills) it imports. `undefined` means it cannot tell (an import of
   * `servers/` without a server directory), so every server is needed. Calls
   * through `callTool("server", …)` need no snapshot: the tool path connects
   * on its own.
   */
  serversUsedBy(
    code: string,
    extraFiles?: ReadonlyMap<string, string>,
  ): string[] | undefined {
    const dirs = new Set<string>();
    const seen = new Set<string>();
    const sources = [code];
    let whole = false;
    while (sources.length > 0) {
      const src = sources.pop()!;
      for (const m of src.matchAll(/servers\/([A-Za-z_$][\w$]*)?/g)) {
        if (m[1] === undefined) whole = true;
        else dirs.add(m[1]);
      }
      if (extraFiles === undefined) continue;
      for (const m of src.matchAll(/["'`]\.{0,2}\/?((?:\.\.\/|\.\/)*[\w./-]+\.ts)["'`]/g)) {
        const name = m[1].replace(/^(\.\.?\/)+/, "");
        for (const [path, content] of extraFiles) {
          if (!seen.has(path) && path.endsWith(`/${name}`)) {
            seen.add(path);
            sources.push(content);
          }
        }
      }
    }
    if (whole) return undefined;
    return this.names.filter((n) => {
      const base = toCamelIdentifier(n);
      return [...dirs].some((d) => d === base || d.startsWith(`${base}_`));
    });
  }

  /**
   * Asks for `server`'s tool list to be read again, coalesced: however many
   * times this is called, at most one `tools/list` is in flight and one more
   * pending, at least `refreshIntervalMs` apart. Resolves once a read that
   * started after the call has ended (its failure is ignored).
   */
  requestRefresh(server: string): Promise<void> {
    if (this.#closed) return Promise.resolve();
    let task = this.#refreshes.get(server);
    if (task === undefined) {
      task = new CoalescedTask(() => this.refreshTools(server).catch(() => {}), {
        minIntervalMs: this.#refreshIntervalMs,
      });
      this.#refreshes.set(server, task);
    }
    return task.request();
  }

  /** Number of `tools/list` re-reads started for `server` by {@link requestRefresh}. */
  refreshCount(server: string): number {
    return this.#refreshes.get(server)?.runs ?? 0;
  }

  /** Drops pending re-reads. */
  close(): void {
    this.#closed = true;
    for (const t of this.#refreshes.values()) t.close();
  }

  /** Reads `server`'s tool list again now (see {@link requestRefresh} for the coalesced form). */
  async refreshTools(server: string): Promise<void> {
    const entry = this.#entries.get(server);
    const conn = this.#pool.peek(server);
    if (!entry?.snapshot || !conn) return;
    const tools = await listAllTools(conn, { onWarning: this.#onWarning });
    entry.snapshot = { ...entry.snapshot, tools };
    // Saved modules no longer match the live tool list: generate afresh.
    entry.pluginFiles = undefined;
    this.#changed(server);
  }

  /** The generated tree of every ready server. */
  generated(): GenerateResult {
    return this.#build().result;
  }

  /** The generated tree as sandbox files: `/path` → source. */
  files(): ReadonlyMap<string, string> {
    return this.#build().files;
  }

  #build(): { result: GenerateResult; files: Map<string, string> } {
    if (this.#cache?.version === this.#version) return this.#cache;
    const result = generate(this.snapshots());
    // Servers from plugins keep their saved (verified) modules.
    const overrides = new Map<string, GeneratedFile[]>();
    for (const e of this.#entries.values()) {
      const dir = result.servers.find((s) => s.name === e.name)?.dir;
      if (e.pluginFiles && dir === e.pluginDir) overrides.set(`servers/${dir}/`, e.pluginFiles);
    }
    if (overrides.size > 0) {
      const kept = result.files.filter((f) =>
        ![...overrides.keys()].some((p) => f.path.startsWith(p))
      );
      result.files = [...kept, ...[...overrides.values()].flat()].sort((
        a,
        b,
      ) => (a.path < b.path ? -1 : 1));
    }
    const files = new Map(result.files.map((f) => [`/${f.path}`, f.content]));
    this.#cache = { version: this.#version, result, files };
    return this.#cache;
  }

  #changed(server: string): void {
    this.#version++;
    for (const l of this.#listeners) l(server);
  }

  async #load(entry: Entry): Promise<void> {
    entry.state = "loading";
    try {
      const conn = await this.#pool.acquire(entry.name);
      // Code needs the tools only; resources and prompts are not in the tree.
      entry.snapshot = await introspect(conn, { toolsOnly: true, onWarning: this.#onWarning });
      entry.state = "ready";
      entry.error = undefined;
      this.#changed(entry.name);
    } catch (e) {
      entry.state = "failed";
      entry.error = e as Error;
      entry.failedAt = Date.now();
    } finally {
      entry.loading = undefined;
    }
  }
}
