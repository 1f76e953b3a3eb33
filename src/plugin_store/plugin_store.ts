/**
 * Saved plugins: a generated tree on disk with a manifest of BLAKE3 checksums.
 *
 * ```
 * <plugin dir>/<name>/manifest.json     schema version, generator, servers, checksums
 * <plugin dir>/<name>/snapshot.json     the introspected servers (tools and schemas)
 * <plugin dir>/<name>/runtime.ts, README.md, servers/…
 * ```
 *
 * ## Consistency
 *
 * `<plugin dir>/<name>` is a symbolic link to an immutable version directory
 * `.v-<name>-<uuid>/`. A save, holding the lock of `<name>`, writes a new
 * version directory completely (manifest last), stages a link to it and
 * renames the link over `<name>`. `rename(2)` replaces a link atomically, so
 * at every instant `<name>` points at one complete version: a crash at any
 * point (even `kill -9`) leaves the old plugin or the new one, never none and
 * never a mix. Only after the switch is the old version removed.
 *
 * A reader resolves the link once and reads the manifest and every file from
 * that one version directory, so it sees one save's files. The only thing
 * that can disturb it is the removal of that directory by a later save; the
 * reader then finds the link moved and starts over on the new version. A
 * failure while the link stayed put is real (tampering, damage) and is
 * reported. So a reader never reports a save in progress as tampering.
 *
 * The lock `.lock-<name>` records its owner's pid (and start time); a lock
 * whose owner died is taken over at once. Every save and {@link
 * PluginStore.sweep} (run by {@link PluginStore.loadAll}) remove what crashed
 * saves left: unreferenced `.v-*`, staged `.ptr-*`, and the `.tmp-*` and
 * `.old-*` directories of older mcpx versions. A plugin written by an older
 * mcpx (a plain directory) is moved to `.legacy-<name>-<uuid>` on its next
 * save, just before the link takes its place; a crash in between is repaired
 * by the next sweep, which puts the directory back.
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
import { acquirePidLock, removeLeftover } from "./_pid_lock.ts";
import { mcpxConfigDir } from "../config/user_dirs.ts";
import { checkSignature, SIGNATURE_FILE, SigningKeys, signManifest } from "./plugin_signing.ts";

/** Version of the manifest format this mcpx writes and reads. */
export const MANIFEST_SCHEMA_VERSION = 1 as const;

const SNAPSHOT_FILE = "snapshot.json";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** Entries a save leaves while it runs: `.<kind>-<name>-<uuid>`. */
const STALE = new RegExp(`^\\.(v|tmp|old|ptr|legacy)-(.+)-(${UUID})$`);
/** A lock's staging and taken-over files: `.lock-<name>.<uuid>`, `.lock-<name>.stale-<uuid>`. */
const LOCK_LEFTOVER = new RegExp(`^\\.lock-(.+)\\.(?:stale-)?${UUID}$`);
/** How often a reader starts over because a save replaced the plugin under it. */
const READ_ATTEMPTS = 20;
const MANIFEST_FILE = "manifest.json";

/**
 * The `manifest.json` of a saved plugin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function describe(manifest: PluginManifest): string {
 *   return `${manifest.name} by ${manifest.generator.name} ${manifest.generator.version}`;
 * }
 * assert.equal(typeof describe, "function");
 * ```
 */
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

/**
 * What {@link PluginStore.save} stores besides the files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const contents: PluginContents = {
 *   files: [{ path: "runtime.ts", content: "export {};\n" }],
 *   servers: [],
 *   snapshots: [],
 * };
 * assert.equal(contents.files.length, 1); // for store.save(name, contents)
 * ```
 */
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

/**
 * The `snapshot.json` of a saved plugin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const snapshot: PluginSnapshot = { servers: [], configs: [{ name: "fs", transport: "stdio", command: "npx", args: [] }] };
 * assert.equal(snapshot.configs[0].name, "fs");
 * ```
 */
export interface PluginSnapshot {
  /** The snapshot of every server in the plugin. */
  servers: ServerSnapshot[];
  /** How to start each of those servers. */
  configs: ServerConfig[];
}

/**
 * A verified plugin, read into memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function toolCount(plugin: LoadedPlugin): number {
 *   return plugin.snapshot.servers.reduce((n, s) => n + s.tools.length, 0);
 * }
 * assert.equal(toolCount({ manifest: {} as LoadedPlugin["manifest"], files: [], snapshot: { servers: [], configs: [] } }), 0);
 * ```
 */
export interface LoadedPlugin {
  /** Its verified manifest. */
  manifest: PluginManifest;
  /** The tree's files, sorted by path, without `manifest.json`. */
  files: GeneratedFile[];
  /** The servers it was generated from. */
  snapshot: PluginSnapshot;
}

/**
 * One line of {@link PluginStore.list}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const summary: PluginSummary = { name: "calc", servers: ["calc"], tools: 1, createdAt: new Date().toISOString(), generatorVersion: "0.1.0" };
 * assert.equal(summary.tools, 1);
 * ```
 */
export interface PluginSummary {
  /** Plugin name. */
  name: string;
  /** Names of its servers. */
  servers: string[];
  /** Number of tools across its servers. */
  tools: number;
  /** ISO time it was saved. */
  createdAt: string;
  /** mcpx version that generated it. */
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

/**
 * Largest file a plugin may hold (32 MiB): a bigger one is refused before it
 * is read or hashed.
 */
export const MAX_PLUGIN_FILE_BYTES: number = 32 * 1024 * 1024;

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
 * ```ts
 * import assert from "node:assert/strict";
 * import { generate, type ServerSnapshot } from "@mcpx/cli";
 *
 * // A snapshot as `introspect` returns it.
 * const snapshot: ServerSnapshot = {
 *   name: "calc",
 *   serverInfo: { name: "calc", version: "1.0.0" },
 *   capabilities: { tools: {} },
 *   tools: [{ name: "add", inputSchema: { type: "object" } }],
 *   resources: [],
 *   resourceTemplates: [],
 *   prompts: [],
 * };
 * const { files, servers } = generate([snapshot]);
 * const dir = await Deno.makeTempDir();
 * const store = new PluginStore(dir, { keys: null }); // keys: null leaves the plugin unsigned
 * await store.save("calc", { files, servers, snapshots: [snapshot] });
 * const plugin = await store.load("calc"); // verifies every checksum
 * assert.equal(plugin.manifest.name, "calc");
 * assert.deepEqual((await store.list()).map((p) => p.tools), [1]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class PluginStore {
  /** Absolute path of the plugin directory. */
  readonly dir: string;
  /** The keys plugins are signed with and checked against; `null` when signatures are off. */
  readonly keys: SigningKeys | null;

  /**
   * A store over the plugin directory `dir`.
   *
   * @param dir The plugin directory; created on the first save.
   * @param opts `keys`: the signing and trusted keys (default: those in mcpx's
   * config directory, `$MCPX_CONFIG_DIR` or the platform's); `null` turns
   * signing and signature checks off. `env`: the environment that names the
   * config directory (default: the process's).
   */
  constructor(
    dir: string,
    opts: { keys?: SigningKeys | null; env?: Record<string, string | undefined> } = {},
  ) {
    this.dir = resolve(dir);
    this.keys = opts.keys !== undefined
      ? opts.keys
      : new SigningKeys(mcpxConfigDir({ os: Deno.build.os, env: opts.env ?? Deno.env.toObject() }));
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
        p === MANIFEST_FILE || p === SNAPSHOT_FILE || p === SIGNATURE_FILE || p.startsWith("/") ||
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

    const manifestText = JSON.stringify(manifest, null, 2) + "\n";
    const signature = this.keys === null ? undefined : JSON.stringify(
      signManifest(new TextEncoder().encode(manifestText), (await this.keys.own()).secretKey),
      null,
      2,
    ) + "\n";
    await Deno.mkdir(this.dir, { recursive: true });
    await this.#withLock(name, async () => {
      await this.#sweepName(name);
      const version = `.v-${name}-${crypto.randomUUID()}`;
      const versionDir = join(this.dir, version);
      for (const [p, content] of files) {
        const full = join(versionDir, p);
        await Deno.mkdir(dirname(full), { recursive: true });
        await Deno.writeTextFile(full, content);
      }
      if (signature !== undefined) {
        await Deno.writeTextFile(join(versionDir, SIGNATURE_FILE), signature);
      }
      // The manifest goes last: a directory without one is never a plugin.
      await Deno.writeTextFile(join(versionDir, MANIFEST_FILE), manifestText);
      await this.#publish(name, version);
    });
    return manifest;
  }

  /**
   * Signs plugin `name` with the user's key, after checking every checksum:
   * for a plugin saved unsigned, or signed by a key the user does not trust,
   * once its server commands were checked. The plugin is written anew as a
   * whole, like a save.
   *
   * @throws {PluginIntegrityError} when a checksum fails.
   */
  async sign(name: string): Promise<LoadedPlugin> {
    if (this.keys === null) throw new TypeError("This plugin store has signing turned off");
    const keys = this.keys;
    await this.#withLock(name, async () => {
      const before = await this.#pointer(name);
      const from = before?.kind === "link" ? resolve(this.dir, before.version) : this.pathOf(name);
      await this.#verifyAt(name, from, false);
      const version = `.v-${name}-${crypto.randomUUID()}`;
      const versionDir = join(this.dir, version);
      const manifestBytes = await Deno.readFile(join(from, MANIFEST_FILE));
      for (const p of await walk(from, name)) {
        if (p === MANIFEST_FILE || p === SIGNATURE_FILE) continue;
        const full = join(versionDir, p);
        await Deno.mkdir(dirname(full), { recursive: true });
        await Deno.copyFile(join(from, p), full);
      }
      const sig = signManifest(manifestBytes, (await keys.own()).secretKey);
      await Deno.writeTextFile(
        join(versionDir, SIGNATURE_FILE),
        JSON.stringify(sig, null, 2) + "\n",
      );
      await Deno.writeFile(join(versionDir, MANIFEST_FILE), manifestBytes);
      await this.#publish(name, version);
    });
    return await this.verify(name);
  }

  /**
   * Points `<name>` at the complete version directory `version`, atomically,
   * then removes what it pointed at before.
   */
  async #publish(name: string, version: string): Promise<void> {
    const target = join(this.dir, name);
    const before = await this.#pointer(name);
    if (before?.kind === "directory") {
      // A plugin saved by an older mcpx is a plain directory, which a link
      // cannot replace in one step. It is moved aside under a name the sweep
      // puts back if a crash happens before the link is in place.
      await Deno.rename(target, join(this.dir, `.legacy-${name}-${crypto.randomUUID()}`));
    }
    const staged = join(this.dir, `.ptr-${name}-${crypto.randomUUID()}`);
    await Deno.symlink(version, staged);
    await Deno.rename(staged, target); // rename(2) replaces the old link atomically
    await this.#sweepName(name);
  }

  /** What `<name>` is now: a link to a version directory, a legacy directory, or nothing. */
  async #pointer(
    name: string,
  ): Promise<{ kind: "link"; version: string } | { kind: "directory" } | undefined> {
    const target = join(this.dir, name);
    try {
      return { kind: "link", version: await Deno.readLink(target) };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      // EINVAL: not a link.
      const st = await Deno.lstat(target).catch(() => undefined);
      if (st?.isDirectory) return { kind: "directory" };
      if (!st) return undefined;
      throw e;
    }
  }

  /**
   * Removes what crashed or superseded saves of `name` left: version
   * directories `<name>` does not point at, staged links, lock leftovers and
   * the `.tmp-*`/`.old-*` directories of older mcpx versions. A legacy
   * directory moved aside by a save that crashed before its link was in place
   * is put back. Call only while holding the lock of `name`.
   */
  async #sweepName(name: string): Promise<void> {
    const pointer = await this.#pointer(name);
    const current = pointer?.kind === "link" ? pointer.version : undefined;
    let restored = pointer !== undefined;
    for (const entry of await this.#entries()) {
      const m = STALE.exec(entry);
      if (!m || m[2] !== name || entry === current) continue;
      const full = join(this.dir, entry);
      if (m[1] === "legacy" && !restored) {
        await Deno.rename(full, join(this.dir, name));
        restored = true;
        continue;
      }
      await Deno.remove(full, { recursive: true }).catch(() => {});
    }
    for (const entry of await this.#entries()) {
      const m = LOCK_LEFTOVER.exec(entry);
      if (m && m[1] === name) await removeLeftover(join(this.dir, entry));
    }
  }

  async #entries(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(this.dir)) out.push(e.name);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out;
  }

  /**
   * Removes what crashed saves left behind (see the module documentation),
   * for every plugin whose lock is free or held by a dead process. A plugin a
   * live process is saving right now is left alone. Runs on every
   * {@link PluginStore.loadAll} and, for its own plugin, on every save.
   *
   * @returns the names of the plugins that were swept.
   */
  async sweep(): Promise<string[]> {
    const names = new Set<string>();
    for (const entry of await this.#entries()) {
      const m = STALE.exec(entry) ?? LOCK_LEFTOVER.exec(entry);
      const name = m ? (m.length === 4 ? m[2] : m[1]) : undefined;
      if (name) names.add(name);
    }
    for (const entry of await this.#entries()) {
      const m = /^\.lock-(.+)$/.exec(entry);
      if (m && !LOCK_LEFTOVER.test(entry)) names.add(m[1]);
    }
    const swept: string[] = [];
    for (const name of [...names].sort()) {
      try {
        validatePluginName(name);
      } catch {
        continue;
      }
      const lock = await acquirePidLock(join(this.dir, `.lock-${name}`), { waitMs: 0 });
      if (!lock) continue;
      try {
        await this.#sweepName(name);
        swept.push(name);
      } finally {
        await lock.release();
      }
    }
    return swept;
  }

  /** Reads and validates a plugin's manifest, without checking file checksums. */
  async info(name: string): Promise<PluginManifest> {
    return await this.#consistent(name, (dir) => this.#infoAt(name, dir));
  }

  /**
   * Runs `read` on the version directory `<name>` points at. If it fails and
   * `<name>` meanwhile points elsewhere, a save replaced the plugin (and may
   * have removed the directory being read): it runs again on the new one. A
   * failure while the pointer stayed put is a real one and is thrown.
   */
  async #consistent<T>(name: string, read: (dir: string) => Promise<T>): Promise<T> {
    const root = this.pathOf(name);
    for (let attempt = 0;; attempt++) {
      const before = await this.#pointer(name);
      const dir = before?.kind === "link" ? resolve(this.dir, before.version) : root;
      try {
        return await read(dir);
      } catch (e) {
        const after = await this.#pointer(name);
        const moved = JSON.stringify(after) !== JSON.stringify(before) ||
          (before === undefined && attempt === 0 && await this.#legacyAside(name));
        if (!moved || attempt >= READ_ATTEMPTS) throw e;
        if (before === undefined) await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  /** Whether a save is migrating a legacy directory of `name` right now. */
  async #legacyAside(name: string): Promise<boolean> {
    return (await this.#entries()).some((e) => {
      const m = STALE.exec(e);
      return m?.[1] === "legacy" && m[2] === name;
    });
  }

  async #infoAt(name: string, root: string): Promise<PluginManifest> {
    let text: string;
    try {
      text = await Deno.readTextFile(join(root, MANIFEST_FILE));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        if (!(await exists(this.pathOf(name)))) {
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
    return await this.#consistent(name, (dir) => this.#verifyAt(name, dir));
  }

  async #verifyAt(name: string, root: string, signed = true): Promise<LoadedPlugin> {
    const manifest = await this.#infoAt(name, root);
    if (!checksumsEqual(rootChecksum(manifest.files), manifest.rootChecksum)) {
      throw new PluginIntegrityError(
        name,
        `Plugin "${name}" failed verification: the root checksum in "${MANIFEST_FILE}" does not match its file list`,
        {
          file: MANIFEST_FILE,
        },
      );
    }
    const onDisk = (await walk(root, name)).filter((p) =>
      p !== MANIFEST_FILE && p !== SIGNATURE_FILE
    );
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
      const size = (await Deno.stat(join(root, p))).size;
      if (size > MAX_PLUGIN_FILE_BYTES) {
        throw new PluginIntegrityError(
          name,
          `Plugin "${name}" failed verification: file "${p}" has ${size} bytes, over the limit of ${MAX_PLUGIN_FILE_BYTES} bytes`,
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
    // The checksums hold; the signature tells whether someone the user trusts wrote them.
    if (signed && this.keys !== null) {
      const manifestBytes = await Deno.readFile(join(root, MANIFEST_FILE));
      let signatureText: string | undefined;
      try {
        signatureText = await Deno.readTextFile(join(root, SIGNATURE_FILE));
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      checkSignature(name, manifestBytes, signatureText, await this.keys.trustedSet());
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
    await this.sweep().catch(() => {});
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
        if (
          !(entry.isDirectory || entry.isSymlink) || entry.name.startsWith(".") ||
          entry.name === "skills"
        ) continue;
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
      // Moving the pointer (or legacy directory) aside is the one atomic step;
      // the sweep then removes it and the version it pointed at.
      await Deno.rename(root, join(this.dir, `.old-${name}-${crypto.randomUUID()}`));
      await this.#sweepName(name);
    });
  }

  async #withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const lock = await acquirePidLock(join(this.dir, `.lock-${name}`), {
      what: `Plugin "${name}"`,
    });
    try {
      return await fn();
    } finally {
      await lock!.release();
    }
  }
}
