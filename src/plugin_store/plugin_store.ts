/**
 * Saved plugins: a generated tree on disk with a manifest of BLAKE3 checksums.
 *
 * ```
 * <plugin dir>/<name>/manifest.json     schema version, generator, servers, checksums
 * <plugin dir>/<name>/snapshot.json     the introspected servers (tools and schemas)
 * <plugin dir>/<name>/runtime.ts, README.md, servers/…
 * ```
 *
 * Saves are atomic (written to a temporary directory, then renamed into place)
 * and serialized per name by a lock file, so readers see either the old or the
 * new plugin, never a half-written one.
 *
 * @module
 */
import { dirname, join, relative, resolve, sep as SEPARATOR } from "node:path";
import { z } from "zod";
import type { GeneratedFile, GeneratedServer } from "../codegen/generate.ts";
import type { ServerConfig } from "../config/types.ts";
import { McpxError, PluginIntegrityError, quoteList } from "../errors.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { VERSION } from "../version.ts";
import { blake3Hex, checksumsEqual, rootChecksum } from "./checksum.ts";
import { validatePluginName } from "./plugin_name.ts";

/** Version of the manifest format this mcpx writes and reads. */
export const MANIFEST_SCHEMA_VERSION = 1 as const;

const SNAPSHOT_FILE = "snapshot.json";
const MANIFEST_FILE = "manifest.json";

/** The `manifest.json` of a saved plugin. */
export interface PluginManifest {
  /** Version of this format ({@link MANIFEST_SCHEMA_VERSION}). */
  schemaVersion: 1;
  /** Plugin name, the same as its directory. */
  name: string;
  /** What wrote it. */
  generator: { name: string; version: string };
  /** ISO 8601 time of the save. */
  createdAt: string;
  /** The servers in the plugin, and where each tool's module is. */
  servers: {
    name: string;
    serverInfo: { name: string; version: string; [key: string]: unknown };
    protocolVersion?: string;
    tools: { name: string; fn: string; path: string }[];
  }[];
  /** BLAKE3 (hex) of every file but the manifest, by relative path. */
  files: Record<string, string>;
  /** BLAKE3 over the sorted file list and checksums. */
  rootChecksum: string;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const ManifestSchema: z.ZodType<PluginManifest> = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  name: z.string(),
  generator: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.string(),
  servers: z.array(z.object({
    name: z.string(),
    serverInfo: z.object({ name: z.string(), version: z.string() }).loose(),
    protocolVersion: z.string().optional(),
    tools: z.array(z.object({ name: z.string(), fn: z.string(), path: z.string() })),
  })),
  files: z.record(z.string(), hex64),
  rootChecksum: hex64,
});

/** What {@link PluginStore.save} stores besides the files. */
export interface PluginContents {
  /** The generated tree (from `generate`). */
  files: readonly GeneratedFile[];
  /** Where each tool landed in the tree (from `generate`). */
  servers: readonly GeneratedServer[];
  /** The introspected servers the tree was generated from. */
  snapshots: readonly ServerSnapshot[];
  /**
   * How to reach each server again. `env` and `headers` are not stored, since
   * they often hold secrets: a configuration file supplies them at run time.
   */
  configs?: readonly ServerConfig[];
}

/** The `snapshot.json` of a saved plugin. */
export interface PluginSnapshot {
  servers: ServerSnapshot[];
  configs: ServerConfig[];
}

/** A verified plugin, read into memory. */
export interface LoadedPlugin {
  manifest: PluginManifest;
  /** The tree's files, sorted by path, without `manifest.json`. */
  files: GeneratedFile[];
  snapshot: PluginSnapshot;
}

/** One line of {@link PluginStore.list}. */
export interface PluginSummary {
  name: string;
  servers: string[];
  tools: number;
  createdAt: string;
  generatorVersion: string;
}

function stripSecrets(c: ServerConfig): ServerConfig {
  if (c.transport === "stdio") {
    const { env: _env, ...rest } = c;
    return rest;
  }
  const { headers: _headers, ...rest } = c;
  return rest;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Lists the files below `root` as `/`-separated relative paths; refuses links. */
async function walk(root: string, plugin: string): Promise<string[]> {
  const out: string[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for await (const entry of Deno.readDir(dir)) {
      const full = join(dir, entry.name);
      const rel = relative(root, full).split(SEPARATOR).join("/");
      if (entry.isSymlink) {
        throw new PluginIntegrityError(
          plugin,
          `Plugin "${plugin}" contains a link "${rel}": refusing it`,
          {
            file: rel,
          },
        );
      }
      if (entry.isDirectory) stack.push(full);
      else out.push(rel);
    }
  }
  return out.sort();
}

/**
 * A directory of saved plugins.
 *
 * @example
 * ```ts ignore
 * import { generate, introspect, PluginStore } from "@mcpx/cli";
 * const snapshot = await introspect(server);
 * const { files } = generate([snapshot]);
 * const store = new PluginStore("./plugins");
 * await store.save("everything", { files, snapshots: [snapshot] });
 * const plugin = await store.load("everything"); // verifies every checksum
 * ```
 */
export class PluginStore {
  /** Absolute path of the plugin directory. */
  readonly dir: string;

  /** @param dir The plugin directory; created on the first save. */
  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** `MCPX_PLUGIN_DIR` when set, else `./plugins`. */
  static defaultDir(env: Record<string, string | undefined> = Deno.env.toObject()): string {
    return env.MCPX_PLUGIN_DIR || "plugins";
  }

  /** Path of plugin `name` (validated). */
  pathOf(name: string): string {
    return join(this.dir, validatePluginName(name));
  }

  /** Saves a plugin atomically, replacing any plugin of the same name. */
  async save(name: string, contents: PluginContents): Promise<PluginManifest> {
    validatePluginName(name);
    const files = new Map<string, string>();
    for (const f of contents.files) {
      const p = f.path;
      if (
        p === MANIFEST_FILE || p === SNAPSHOT_FILE || p.startsWith("/") ||
        p.split("/").includes("..") || p.includes("\\")
      ) {
        throw new TypeError(`Cannot save file "${p}" in plugin "${name}": reserved or unsafe path`);
      }
      files.set(p, f.content);
    }
    const snapshot: PluginSnapshot = {
      servers: [...contents.snapshots],
      configs: (contents.configs ?? []).map(stripSecrets),
    };
    files.set(SNAPSHOT_FILE, JSON.stringify(snapshot, null, 2) + "\n");

    const checksums: Record<string, string> = {};
    for (const p of [...files.keys()].sort()) checksums[p] = blake3Hex(files.get(p)!);
    const manifest: PluginManifest = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      name,
      generator: { name: "mcpx", version: VERSION },
      createdAt: new Date().toISOString(),
      servers: contents.snapshots.map((s) => ({
        name: s.name,
        serverInfo: s.serverInfo,
        ...(s.protocolVersion ? { protocolVersion: s.protocolVersion } : {}),
        tools: (contents.servers.find((g) => g.name === s.name)?.tools ?? []).map((t) => ({
          name: t.name,
          fn: t.fn,
          path: t.path,
        })),
      })),
      files: checksums,
      rootChecksum: rootChecksum(checksums),
    };

    await Deno.mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${name}-${crypto.randomUUID()}`);
    try {
      for (const [p, content] of files) {
        const full = join(tmp, p);
        await Deno.mkdir(dirname(full), { recursive: true });
        await Deno.writeTextFile(full, content);
      }
      // The manifest goes last: a directory without one is never a plugin.
      await Deno.writeTextFile(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
      await this.#withLock(name, async () => {
        const target = join(this.dir, name);
        let old: string | undefined;
        if (await exists(target)) {
          old = join(this.dir, `.old-${name}-${crypto.randomUUID()}`);
          await Deno.rename(target, old);
        }
        await Deno.rename(tmp, target);
        if (old) await Deno.remove(old, { recursive: true });
      });
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
    return manifest;
  }

  /** Reads and validates a plugin's manifest, without checking file checksums. */
  async info(name: string): Promise<PluginManifest> {
    const root = this.pathOf(name);
    let text: string;
    try {
      text = await Deno.readTextFile(join(root, MANIFEST_FILE));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        if (!(await exists(root))) {
          const known = (await this.list()).map((p) => p.name);
          throw new McpxError(
            "PLUGIN_NOT_FOUND",
            `Unknown plugin "${name}" in "${this.dir}": known plugins are ${quoteList(known)}`,
          );
        }
        throw new PluginIntegrityError(
          name,
          `Plugin "${name}" is incomplete: "${MANIFEST_FILE}" is missing`,
          { file: MANIFEST_FILE },
        );
      }
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new PluginIntegrityError(
        name,
        `Plugin "${name}" has a corrupt "${MANIFEST_FILE}": ${(cause as Error).message}`,
        {
          cause,
          file: MANIFEST_FILE,
        },
      );
    }
    const parsed = ManifestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PluginIntegrityError(
        name,
        `Plugin "${name}" has an invalid "${MANIFEST_FILE}": ${
          issue.path.join(".") || "(root)"
        }: ${issue.message}`,
        { file: MANIFEST_FILE },
      );
    }
    if (parsed.data.name !== name) {
      throw new PluginIntegrityError(
        name,
        `Plugin "${name}" has a manifest for "${parsed.data.name}": it was renamed or replaced`,
        { file: MANIFEST_FILE },
      );
    }
    return parsed.data;
  }

  /**
   * Verifies every checksum of plugin `name`: the root checksum, each file,
   * and that no file was added or removed.
   *
   * @throws {PluginIntegrityError} naming the first offending file.
   */
  async verify(name: string): Promise<LoadedPlugin> {
    const manifest = await this.info(name);
    const root = this.pathOf(name);
    if (!checksumsEqual(rootChecksum(manifest.files), manifest.rootChecksum)) {
      throw new PluginIntegrityError(
        name,
        `Plugin "${name}" failed verification: the root checksum in "${MANIFEST_FILE}" does not match its file list`,
        {
          file: MANIFEST_FILE,
        },
      );
    }
    const onDisk = (await walk(root, name)).filter((p) => p !== MANIFEST_FILE);
    const listed = new Set(Object.keys(manifest.files));
    for (const p of onDisk) {
      if (!listed.has(p)) {
        throw new PluginIntegrityError(
          name,
          `Plugin "${name}" failed verification: unexpected file "${p}"`,
          { file: p },
        );
      }
    }
    const present = new Set(onDisk);
    const files: GeneratedFile[] = [];
    let snapshotText = "";
    for (const p of [...listed].sort()) {
      if (!present.has(p)) {
        throw new PluginIntegrityError(
          name,
          `Plugin "${name}" failed verification: file "${p}" is missing`,
          { file: p },
        );
      }
      const bytes = await Deno.readFile(join(root, p));
      if (!checksumsEqual(blake3Hex(bytes), manifest.files[p])) {
        throw new PluginIntegrityError(
          name,
          `Plugin "${name}" failed verification: file "${p}" was modified (checksum mismatch)`,
          {
            file: p,
          },
        );
      }
      const text = new TextDecoder().decode(bytes);
      if (p === SNAPSHOT_FILE) snapshotText = text;
      else files.push({ path: p, content: text });
    }
    let snapshot: PluginSnapshot;
    try {
      snapshot = JSON.parse(snapshotText) as PluginSnapshot;
      if (!Array.isArray(snapshot.servers)) throw new Error("no servers array");
      snapshot.configs ??= [];
    } catch (cause) {
      throw new PluginIntegrityError(
        name,
        `Plugin "${name}" has an unreadable "${SNAPSHOT_FILE}": ${(cause as Error).message}`,
        {
          cause,
          file: SNAPSHOT_FILE,
        },
      );
    }
    return { manifest, files, snapshot };
  }

  /** Loads a plugin after verifying it; refuses a tampered or incomplete one. */
  load(name: string): Promise<LoadedPlugin> {
    return this.verify(name);
  }

  /**
   * Loads every saved plugin that passes verification. A plugin that fails is
   * never used: it is reported in `failures` and the others load.
   */
  async loadAll(): Promise<
    { plugins: LoadedPlugin[]; failures: { name: string; error: Error }[] }
  > {
    const plugins: LoadedPlugin[] = [];
    const failures: { name: string; error: Error }[] = [];
    for (const p of await this.list()) {
      try {
        plugins.push(await this.load(p.name));
      } catch (e) {
        failures.push({ name: p.name, error: e as Error });
      }
    }
    return { plugins, failures };
  }

  /** Lists the saved plugins, sorted by name. Broken ones are listed with 0 tools. */
  async list(): Promise<PluginSummary[]> {
    const out: PluginSummary[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) {
        if (!entry.isDirectory || entry.name.startsWith(".") || entry.name === "skills") continue;
        try {
          validatePluginName(entry.name);
          const m = await this.info(entry.name);
          out.push({
            name: entry.name,
            servers: m.servers.map((s) => s.name),
            tools: m.servers.reduce((n, s) => n + s.tools.length, 0),
            createdAt: m.createdAt,
            generatorVersion: m.generator.version,
          });
        } catch {
          out.push({
            name: entry.name,
            servers: [],
            tools: 0,
            createdAt: "",
            generatorVersion: "",
          });
        }
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Removes plugin `name`. */
  async remove(name: string): Promise<void> {
    const root = this.pathOf(name);
    if (!(await exists(root))) {
      const known = (await this.list()).map((p) => p.name);
      throw new McpxError(
        "PLUGIN_NOT_FOUND",
        `Unknown plugin "${name}" in "${this.dir}": known plugins are ${quoteList(known)}`,
      );
    }
    await this.#withLock(name, async () => {
      const trash = join(this.dir, `.old-${name}-${crypto.randomUUID()}`);
      await Deno.rename(root, trash);
      await Deno.remove(trash, { recursive: true });
    });
  }

  async #withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const lock = join(this.dir, `.lock-${name}`);
    const deadline = Date.now() + 30_000;
    for (let delay = 2;; delay = Math.min(delay * 2, 50)) {
      try {
        (await Deno.open(lock, { createNew: true, write: true })).close();
        break;
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
        const age = await Deno.stat(lock).then(
          (s) => Date.now() - (s.mtime?.getTime() ?? 0),
          () => 0,
        );
        if (age > 60_000) {
          await Deno.remove(lock).catch(() => {});
          continue;
        }
        if (Date.now() > deadline) {
          throw new McpxError(
            "PLUGIN_INTEGRITY",
            `Plugin "${name}" is locked by another save ("${lock}")`,
          );
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    try {
      return await fn();
    } finally {
      await Deno.remove(lock).catch(() => {});
    }
  }
}
