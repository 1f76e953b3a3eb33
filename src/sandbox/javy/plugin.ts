/**
 * Javy plugins: loading and checking one (the exports and custom section of
 * Javy's plugin ABI), and getting the user's plugin from `javy emit-plugin`,
 * cached in the plugin dir under its BLAKE3 checksum.
 *
 * @module
 */

import { join } from "node:path";
import { McpxError } from "../../errors.ts";
import { blake3Hex, checksumsEqual } from "../../plugin_store/checksum.ts";
import { customSection, withMemoryMaximum } from "./wasm_binary.ts";

/** The exports every Javy plugin has. */
export const PLUGIN_EXPORTS: readonly string[] = [
  "initialize-runtime",
  "compile-src",
  "invoke",
  "cabi_realloc",
  "memory",
];

/** How to install Javy, for error messages. */
export const JAVY_INSTALL_HINT: string =
  "install Javy (https://github.com/bytecodealliance/javy/releases) and put `javy` on the PATH or set MCPX_JAVY to its path, or pass --javy-plugin FILE";

/**
 * A loaded, checked Javy plugin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Any Javy plugin: `javy emit-plugin`, or one from npm as here.
 * const plugin = await JavyPlugin.fromFile(
 *   "node_modules/@chainlink/cre-sdk-javy-plugin/dist/javy-chainlink-sdk.plugin.wasm",
 * );
 * assert.ok(plugin.namespace.length > 0);
 * assert.match(plugin.checksum, /^[0-9a-f]{64}$/);
 * ```
 */
export class JavyPlugin {
  /** The plugin's bytes. */
  readonly bytes: Uint8Array;
  /** The namespace dynamically linked modules import it under. */
  readonly namespace: string;
  /** BLAKE3 of the bytes, as hex. */
  readonly checksum: string;
  /** Where it came from, for messages. */
  readonly source: string;
  /** Function imports outside WASI, linked as functions that trap when called. */
  readonly hostImports: readonly string[];
  readonly #byMemory = new Map<number, Promise<{ module: WebAssembly.Module; ceiling: number }>>();

  private constructor(
    bytes: Uint8Array,
    namespace: string,
    source: string,
    hostImports: string[],
  ) {
    this.bytes = bytes;
    this.namespace = namespace;
    this.source = source;
    this.checksum = blake3Hex(bytes);
    this.hostImports = hostImports;
  }

  /**
   * Checks `bytes` against the plugin ABI: a module with the exports of
   * {@link PLUGIN_EXPORTS} and an `import_namespace` custom section.
   *
   * @throws {McpxError} `JAVY_PLUGIN_INVALID`, naming what is missing.
   */
  static async fromBytes(bytes: Uint8Array, source: string): Promise<JavyPlugin> {
    const invalid = (why: string) =>
      new McpxError("JAVY_PLUGIN_INVALID", `Invalid Javy plugin "${source}": ${why}`);
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes as BufferSource);
    } catch (e) {
      throw invalid(`not a WebAssembly module (${(e as Error).message})`);
    }
    const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    const missing = PLUGIN_EXPORTS.filter((e) => !exports.has(e));
    if (missing.length > 0) {
      throw invalid(`it does not export ${missing.map((m) => `"${m}"`).join(", ")}`);
    }
    const ns = customSection(bytes, "import_namespace");
    if (ns === undefined || ns.length === 0) {
      throw invalid('it has no "import_namespace" custom section');
    }
    for (const i of WebAssembly.Module.imports(module)) {
      if (i.kind !== "function") {
        throw invalid(
          `it imports the ${i.kind} "${i.module}.${i.name}", which mcpx does not provide`,
        );
      }
    }
    const hostImports = WebAssembly.Module.imports(module)
      .filter((i) => i.module !== "wasi_snapshot_preview1")
      .map((i) => `${i.module}.${i.name}`);
    return new JavyPlugin(bytes, new TextDecoder().decode(ns), source, hostImports);
  }

  /**
   * Reads and checks the plugin file at `path`.
   *
   * @throws {McpxError} `JAVY_PLUGIN_INVALID` when it cannot be read or is not a plugin.
   */
  static async fromFile(path: string): Promise<JavyPlugin> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (e) {
      throw new McpxError(
        "JAVY_PLUGIN_INVALID",
        `Cannot read Javy plugin "${path}": ${(e as Error).message}`,
        { cause: e },
      );
    }
    return await JavyPlugin.fromBytes(bytes, path);
  }

  /**
   * The plugin compiled with its memory capped so that programs can use
   * `memoryBytes` beyond its initial memory, and that cap in bytes.
   */
  moduleFor(memoryBytes: number): Promise<{ module: WebAssembly.Module; ceiling: number }> {
    const pages = Math.ceil(memoryBytes / 65_536);
    let known = this.#byMemory.get(pages);
    if (known === undefined) {
      known = (async () => {
        const probe = withMemoryMaximum(this.bytes, 0);
        const max = (probe.minPages ?? 0) + pages;
        const patched = withMemoryMaximum(this.bytes, max);
        return {
          module: await WebAssembly.compile(patched.bytes as BufferSource),
          ceiling: patched.patched ? max * 65_536 : 0,
        };
      })();
      this.#byMemory.set(pages, known);
      if (this.#byMemory.size > 8) this.#byMemory.delete(this.#byMemory.keys().next().value!);
    }
    return known;
  }
}

/**
 * Where {@link resolveJavyPlugin} looks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ResolvePluginOptions = { pluginDir: "./plugins", env: Deno.env.toObject() };
 * assert.equal(opts.pluginDir, "./plugins"); // for resolveJavyPlugin(opts)
 * ```
 */
export interface ResolvePluginOptions {
  /** A plugin file given by the user (`--javy-plugin`). */
  file?: string;
  /** The plugin dir; emitted plugins are cached in its `.javy/` folder. */
  pluginDir: string;
  /** Environment, for `MCPX_JAVY` and `PATH`. */
  env: Record<string, string | undefined>;
}

/**
 * The javy binary to use: `MCPX_JAVY`, else `javy` on the `PATH`, else
 * `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(findJavy({ MCPX_JAVY: "/opt/javy" }), "/opt/javy");
 * assert.equal(findJavy({ PATH: "" }), undefined);
 * ```
 */
export function findJavy(env: Record<string, string | undefined>): string | undefined {
  const explicit = env.MCPX_JAVY;
  if (explicit !== undefined && explicit !== "") return explicit;
  for (const dir of (env.PATH ?? "").split(Deno.build.os === "windows" ? ";" : ":")) {
    if (dir === "") continue;
    for (const name of Deno.build.os === "windows" ? ["javy.exe"] : ["javy"]) {
      const path = join(dir, name);
      try {
        if (Deno.statSync(path).isFile) return path;
      } catch { /* not here */ }
    }
  }
  return undefined;
}

/**
 * The Javy plugin to run programs with: the `file` given, else the one the
 * user's javy emits (`javy emit-plugin`), cached in the plugin dir by the
 * javy version with its checksum, and verified when read back.
 *
 * @throws {McpxError} `JAVY_UNAVAILABLE` when no file is given and no javy is
 * found, with an install hint; `JAVY_PLUGIN_INVALID` for a bad plugin.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const pluginDir = await Deno.makeTempDir();
 * // Without a plugin file and without javy on the PATH there is nothing to use.
 * await assert.rejects(() => resolveJavyPlugin({ pluginDir, env: { PATH: "" } }), /no javy was found/);
 * const plugin = await resolveJavyPlugin({
 *   file: "node_modules/@chainlink/cre-sdk-javy-plugin/dist/javy-chainlink-sdk.plugin.wasm",
 *   pluginDir,
 *   env: {},
 * });
 * assert.ok(plugin.bytes.length > 0);
 * await Deno.remove(pluginDir, { recursive: true });
 * ```
 */
export async function resolveJavyPlugin(opts: ResolvePluginOptions): Promise<JavyPlugin> {
  if (opts.file !== undefined) return await JavyPlugin.fromFile(opts.file);
  const javy = findJavy(opts.env);
  if (javy === undefined) {
    throw new McpxError(
      "JAVY_UNAVAILABLE",
      `The Javy engine needs a Javy plugin, and no javy was found: ${JAVY_INSTALL_HINT}`,
    );
  }
  const version = await runJavy(javy, ["--version"]);
  const key = blake3Hex(`${javy}\0${version.trim()}`).slice(0, 16);
  const dir = join(opts.pluginDir, ".javy");
  const file = join(dir, `plugin-${key}.wasm`);
  const sumFile = `${file}.blake3`;
  try {
    const [bytes, sum] = await Promise.all([Deno.readFile(file), Deno.readTextFile(sumFile)]);
    if (checksumsEqual(blake3Hex(bytes), sum.trim())) {
      return await JavyPlugin.fromBytes(bytes, file);
    }
  } catch { /* not cached yet */ }
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${file}.${crypto.randomUUID()}.tmp`;
  await runJavy(javy, ["emit-plugin", "-o", tmp]);
  const bytes = await Deno.readFile(tmp);
  const plugin = await JavyPlugin.fromBytes(bytes, `${javy} emit-plugin`);
  await Deno.writeTextFile(sumFile, plugin.checksum + "\n");
  await Deno.rename(tmp, file);
  return plugin;
}

async function runJavy(javy: string, args: string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(javy, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .output();
  } catch (e) {
    throw new McpxError(
      "JAVY_UNAVAILABLE",
      `Cannot run javy "${javy}": ${(e as Error).message}; ${JAVY_INSTALL_HINT}`,
      { cause: e },
    );
  }
  if (!out.success) {
    throw new McpxError(
      "JAVY_UNAVAILABLE",
      `"${javy} ${args.join(" ")}" failed with exit code ${out.code}: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}
