/**
 * Saved skills: small TypeScript modules kept beside the plugins, each with a
 * BLAKE3 checksum, importable by later executions as `./skills/<name>.ts`.
 *
 * ```
 * <plugin dir>/skills/<name>.ts      the module, byte for byte as saved
 * <plugin dir>/skills/<name>.json    name, description, BLAKE3 of the module, time
 * ```
 *
 * Each file is written to a temporary name and renamed into place, so a reader
 * never sees a half-written file. A skill whose module no longer matches its
 * checksum is refused.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { McpxError, PluginIntegrityError, quoteList } from "../errors.ts";
import { blake3Hex, checksumsEqual } from "./checksum.ts";

/** Version of the `<name>.json` format this mcpx writes and reads. */
export const SKILL_SCHEMA_VERSION = 1;

/** Name of the folder of skills inside the plugin directory. */
export const SKILLS_FOLDER = "skills";

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * What is known of a saved skill without reading its module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const info: SkillInfo = { name: "inc", description: "Adds one", checksum: "0".repeat(64), savedAt: new Date().toISOString() };
 * assert.equal(info.name, "inc");
 * ```
 */
export interface SkillInfo {
  /** Skill name, also the module's file name without `.ts`. */
  name: string;
  /** What the skill does, as given when it was saved. */
  description: string;
  /** BLAKE3 of the module's UTF-8 bytes, as hex. */
  checksum: string;
  /** When it was saved (ISO 8601). */
  savedAt: string;
}

/**
 * A verified skill with its module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const skill: Skill = await new SkillStore(dir).save("inc", "export const inc = (n: number) => n + 1;\n", "Adds one");
 * assert.match(skill.code, /n \+ 1/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface Skill extends SkillInfo {
  /** The module's TypeScript source. */
  code: string;
  /** Path in the virtual tree, relative to its root: `skills/<name>.ts`. */
  path: string;
}

/**
 * The outcome of {@link SkillStore.loadAll}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const loaded: LoadedSkills = await new SkillStore(dir).loadAll();
 * assert.deepEqual(loaded, { skills: [], failures: [] });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface LoadedSkills {
  /** Skills that passed verification, sorted by name. */
  skills: Skill[];
  /** Skills that were refused, with the reason. */
  failures: { name: string; error: McpxError }[];
}

/**
 * Checks that `name` can name a skill: a letter, then up to 63 letters,
 * digits, `_` or `-` (so it is a safe file name and reads well in an import).
 *
 * @throws {McpxError} `PLUGIN_INVALID_NAME` otherwise.
 * @example
 * ```ts
 * import { validateSkillName } from "./skill_store.ts";
 * validateSkillName("sum-files"); // "sum-files"
 * ```
 */
export function validateSkillName(name: string): string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new McpxError(
      "PLUGIN_INVALID_NAME",
      `Invalid skill name ${
        JSON.stringify(name)
      }: use a letter, then up to 63 letters, digits, "_" or "-"`,
    );
  }
  return name;
}

/**
 * The skills of one plugin directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const store = new SkillStore(dir);
 * await store.save("double", "export const double = (n: number) => 2 * n;\n", "Doubles a number");
 * assert.deepEqual(await store.names(), ["double"]);
 * const { skills } = await store.loadAll(); // checksums verified
 * assert.equal(skills[0].description, "Doubles a number");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SkillStore {
  /** Absolute path of the skills folder (`<plugin dir>/skills`). */
  readonly dir: string;

  /**
   * The skills of the plugin in `pluginDir`.
   *
   * @param pluginDir The plugin directory; its `skills` folder is created on the first save.
   */
  constructor(pluginDir: string) {
    this.dir = join(resolve(pluginDir), SKILLS_FOLDER);
  }

  /** Path of the module of skill `name` (validated). */
  pathOf(name: string): string {
    return join(this.dir, `${validateSkillName(name)}.ts`);
  }

  /**
   * Saves `code` as skill `name`, replacing a skill of the same name. The
   * module is renamed into place first, then its checksum file.
   *
   * @throws {McpxError} `PLUGIN_INVALID_NAME` for a bad name.
   * @throws {TypeError} When `code` or `description` is not a string.
   */
  async save(name: string, code: string, description: string): Promise<Skill> {
    validateSkillName(name);
    if (typeof code !== "string") {
      throw new TypeError(`Cannot save skill "${name}": code must be a string`);
    }
    if (typeof description !== "string") {
      throw new TypeError(`Cannot save skill "${name}": description must be a string`);
    }
    const info: SkillInfo = {
      name,
      description,
      checksum: blake3Hex(code),
      savedAt: new Date().toISOString(),
    };
    await Deno.mkdir(this.dir, { recursive: true });
    const tag = crypto.randomUUID();
    const tmpCode = join(this.dir, `.tmp-${tag}.ts`);
    const tmpInfo = join(this.dir, `.tmp-${tag}.json`);
    try {
      await Deno.writeTextFile(tmpCode, code);
      await Deno.writeTextFile(
        tmpInfo,
        JSON.stringify({ schemaVersion: SKILL_SCHEMA_VERSION, ...info }, null, 2) + "\n",
      );
      await Deno.rename(tmpCode, join(this.dir, `${name}.ts`));
      await Deno.rename(tmpInfo, join(this.dir, `${name}.json`));
    } finally {
      await Deno.remove(tmpCode).catch(() => {});
      await Deno.remove(tmpInfo).catch(() => {});
    }
    return { ...info, code, path: `${SKILLS_FOLDER}/${name}.ts` };
  }

  /** Names of the saved skills (those with a checksum file), sorted. */
  async names(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) {
        if (!entry.isFile || !entry.name.endsWith(".json")) continue;
        const name = entry.name.slice(0, -".json".length);
        if (NAME.test(name)) out.push(name);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return out.sort();
  }

  /**
   * Reads and verifies skill `name`.
   *
   * @throws {McpxError} `PLUGIN_NOT_FOUND` when there is no such skill.
   * @throws {PluginIntegrityError} When its module is missing or does not match its checksum.
   */
  async load(name: string): Promise<Skill> {
    validateSkillName(name);
    try {
      return await this.#read(name);
    } catch (e) {
      if (!(e instanceof PluginIntegrityError)) throw e;
      // A save may be between its two renames: look once more.
      await new Promise((r) => setTimeout(r, 25));
      return await this.#read(name);
    }
  }

  /** Loads every skill; refused ones are reported in `failures`, not thrown. */
  async loadAll(): Promise<LoadedSkills> {
    const skills: Skill[] = [];
    const failures: LoadedSkills["failures"] = [];
    for (const name of await this.names()) {
      try {
        skills.push(await this.load(name));
      } catch (e) {
        if (!(e instanceof McpxError)) throw e;
        failures.push({ name, error: e });
      }
    }
    return { skills, failures };
  }

  /**
   * Deletes skill `name`.
   *
   * @throws {McpxError} `PLUGIN_NOT_FOUND` when there is no such skill.
   */
  async remove(name: string): Promise<void> {
    validateSkillName(name);
    let found = false;
    for (const ext of [".json", ".ts"]) {
      try {
        await Deno.remove(join(this.dir, name + ext));
        found = true;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    if (!found) throw await this.#notFound(name);
  }

  async #read(name: string): Promise<Skill> {
    let infoText: string;
    try {
      infoText = await Deno.readTextFile(join(this.dir, `${name}.json`));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw await this.#notFound(name);
      throw e;
    }
    const info = parseInfo(name, infoText);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(join(this.dir, `${name}.ts`));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new PluginIntegrityError(
        name,
        `Skill "${name}" is incomplete: "${name}.ts" is missing`,
        {
          file: `${name}.ts`,
        },
      );
    }
    if (!checksumsEqual(blake3Hex(bytes), info.checksum)) {
      throw new PluginIntegrityError(
        name,
        `Skill "${name}" failed verification: "${name}.ts" was modified (checksum mismatch)`,
        { file: `${name}.ts` },
      );
    }
    return { ...info, code: new TextDecoder().decode(bytes), path: `${SKILLS_FOLDER}/${name}.ts` };
  }

  async #notFound(name: string): Promise<McpxError> {
    return new McpxError(
      "PLUGIN_NOT_FOUND",
      `Unknown skill "${name}" in "${this.dir}": known skills are ${quoteList(await this.names())}`,
    );
  }
}

function parseInfo(name: string, text: string): SkillInfo {
  const bad = (why: string) =>
    new PluginIntegrityError(name, `Skill "${name}" has an invalid "${name}.json": ${why}`, {
      file: `${name}.json`,
    });
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (typeof json !== "object" || json === null) throw bad("not an object");
  if (json.schemaVersion !== SKILL_SCHEMA_VERSION) {
    throw bad(`unsupported schemaVersion ${JSON.stringify(json.schemaVersion)}`);
  }
  if (json.name !== name) throw bad(`it names skill ${JSON.stringify(json.name)}`);
  if (typeof json.checksum !== "string" || !HEX64.test(json.checksum)) {
    throw bad("no valid checksum");
  }
  return {
    name,
    description: typeof json.description === "string" ? json.description : "",
    checksum: json.checksum,
    savedAt: typeof json.savedAt === "string" ? json.savedAt : "",
  };
}
