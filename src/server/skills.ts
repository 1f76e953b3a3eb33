/**
 * Saved skills of `mcpx serve`: the modules `save_skill` writes to the
 * plugin directory, seen by every session as `skills/<name>.ts`, searchable
 * and importable from executions, and bounded by the skill quotas.
 *
 * @module
 */
import type { CallToolResult } from "../mcp_types.ts";
import { McpxError } from "../errors.ts";
import type { SkillStore } from "../plugin_store/skill_store.ts";
import { validateSkillName } from "../plugin_store/skill_store.ts";
import { SkillQuota } from "../quotas/skill_quota.ts";
import type { SkillLimits } from "../quotas/serve_limits.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { loadTranspiler, SandboxCompileError, transpileModule } from "../sandbox/transpile.ts";
import { type Args, errorText, stringArg, text } from "./_tool_results.ts";

/**
 * One loaded skill.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const entry: SkillEntry = {
 *   name: "double",
 *   description: "Doubles a number.",
 *   code: "export const double = (n: number) => n * 2;",
 *   exports: ["double"],
 * };
 * assert.deepEqual(entry.exports, ["double"]);
 * ```
 */
export interface SkillEntry {
  /** Name of the skill (its file is `skills/<name>.ts`). */
  name: string;
  /** What the skill does. */
  description: string;
  /** Source of the module. */
  code: string;
  /** Names the module exports. */
  exports: string[];
}

/**
 * What {@link SavedSkills.save} needs of its host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const use: SaveSkillUse = {
 *   checkSize: (what, value) => value.length > 10 ? `The ${what} is too long` : undefined,
 *   runtime: () => Promise.resolve("The code runtime did not start"),
 * };
 * assert.equal(use.checkSize("code", "x"), undefined);
 * ```
 */
export interface SaveSkillUse {
  /** Why `value` (the `what`) is too big, or undefined when it fits. */
  checkSize(what: string, value: string): string | undefined;
  /** The runtime, or why it did not start. */
  runtime(): Promise<Runtime | string>;
}

/**
 * The saved skills of one host: their modules, their files in the tree and
 * their share of the skill quotas.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const skills = new SavedSkills(undefined);
 * await skills.load(() => {});
 * assert.deepEqual(skills.names, []);
 * assert.deepEqual(skills.usage(), { bytes: 0, count: 0 });
 * ```
 */
export class SavedSkills {
  readonly #store?: SkillStore;
  readonly #entries = new Map<string, SkillEntry>();
  #files = new Map<string, string>();
  #version = 0;
  readonly #quota: SkillQuota;

  /** Skills kept in `store` (none can be saved without one), within `limits`. */
  constructor(store: SkillStore | undefined, limits?: Partial<SkillLimits>) {
    this.#store = store;
    this.#quota = new SkillQuota(limits);
  }

  /** Loads the verified skills of the store (a tampered one is skipped with a warning). */
  async load(log: (line: string) => void): Promise<void> {
    if (!this.#store) return;
    const { skills, failures } = await this.#store.loadAll();
    for (const f of failures) {
      log(`warning: skipping skill "${f.name}": ${f.error.message}`);
    }
    for (const s of skills) {
      this.#entries.set(s.name, { ...s, exports: exportedNames(s.code) });
      this.#quota.adopt(s.name, utf8Length(s.code));
    }
    this.#changed();
  }

  /** Names of the loaded skills, sorted. */
  get names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** Bytes and number of saved skills, in all or of one session (by its key). */
  usage(sessionKey?: string): { bytes: number; count: number } {
    return this.#quota.usage(sessionKey);
  }

  /** The skills' files: `/skills/<name>.ts` → source. */
  get files(): ReadonlyMap<string, string> {
    return this.#files;
  }

  /** Grows each time the skills change. */
  get version(): number {
    return this.#version;
  }

  /** The skill called `name`, if loaded. */
  get(name: string): SkillEntry | undefined {
    return this.#entries.get(name);
  }

  /** Every loaded skill. */
  values(): Iterable<SkillEntry> {
    return this.#entries.values();
  }

  /** `save_skill` for the session keyed `sessionKey`. */
  async save(sessionKey: string, args: Args, use: SaveSkillUse): Promise<CallToolResult> {
    const name = stringArg(args, "name", true)!;
    let code = stringArg(args, "code", true)!;
    const description = stringArg(args, "description", true)!.trim();
    if (!this.#store) {
      return errorText("Cannot save skills: this server has no plugin directory");
    }
    try {
      validateSkillName(name);
    } catch (e) {
      return errorText((e as Error).message);
    }
    const tooBig = use.checkSize("code", code);
    if (tooBig) return errorText(tooBig);
    if (description.length > 1_000) {
      return errorText(`Description is ${description.length} characters: the limit is 1,000`);
    }
    code = rebaseImports(code);
    // Refused early when over a limit, before compiling it.
    try {
      this.#quota.reserve(name, utf8Length(code), sessionKey).cancel();
    } catch (e) {
      if (e instanceof McpxError) return errorText(e.message);
      throw e;
    }
    const path = `/skills/${name}.ts`;
    await loadTranspiler();
    try {
      await transpileModule(path, code);
    } catch (e) {
      if (e instanceof SandboxCompileError) {
        return errorText(
          `Cannot save skill "${name}": ${e.message}${e.snippet ? `\n${e.snippet}` : ""}`,
        );
      }
      throw e;
    }
    const rt = await use.runtime();
    if (typeof rt === "string") return errorText(rt);
    const known = new Set([
      ...rt.catalog.files().keys(),
      ...this.#files.keys(),
      "/workspace.ts",
      path,
    ]);
    for (const spec of importSpecifiers(code)) {
      const target = resolveFrom(path, spec);
      if (target === undefined || (!known.has(target) && !target.startsWith("/workspace/"))) {
        return errorText(
          `Cannot save skill "${name}": import "${spec}" does not resolve${
            target ? ` (no file "${target}")` : ""
          }. Import tools from "./servers/<server>/index.ts"`,
        );
      }
    }
    // Reserved before the write, so that concurrent saves see each other.
    let room: { commit(): void; cancel(): void };
    try {
      room = this.#quota.reserve(name, utf8Length(code), sessionKey);
    } catch (e) {
      if (e instanceof McpxError) return errorText(e.message);
      throw e;
    }
    let saved;
    try {
      saved = await this.#store.save(name, code, description);
      room.commit();
    } finally {
      room.cancel();
    }
    const exports = exportedNames(code);
    this.#entries.set(name, { name, description, code, exports });
    this.#changed();
    return text(
      `Saved skills/${name}.ts (blake3 ${saved.checksum.slice(0, 16)}). Use: import { ${
        exports.join(", ") || "…"
      } } from "./skills/${name}.ts"`,
    );
  }

  #changed(): void {
    this.#files = new Map(
      [...this.#entries.values()].map((s) => [`/skills/${s.name}.ts`, s.code]),
    );
    this.#version++;
  }
}

const ROOT_IMPORT =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])\.\/(servers\/|runtime\.ts|workspace\.ts|workspace\/|skills\/)/g;

/**
 * Rewrites imports written for the tree root (`./servers/…`, `./runtime.ts`,
 * `./workspace.ts`, `./skills/x.ts`) so they work from `/skills/<name>.ts`.
 */
export function rebaseImports(code: string): string {
  return code.replace(
    ROOT_IMPORT,
    (_m, lead: string, q: string, what: string) =>
      what === "skills/" ? `${lead}${q}./` : `${lead}${q}../${what}`,
  );
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(["'])([^"'\n]+)\1/gm;

/** The static and literal dynamic import specifiers of `code`. */
export function importSpecifiers(code: string): string[] {
  const out = new Set<string>();
  for (const m of code.matchAll(SPECIFIER)) out.add(m[2]);
  return [...out];
}

/** The absolute tree path `spec` names when imported from `importer`, if relative. */
function resolveFrom(importer: string, spec: string): string | undefined {
  if (!spec.startsWith("./") && !spec.startsWith("../") && !spec.startsWith("/")) return undefined;
  const base = spec.startsWith("/") ? [] : importer.split("/").slice(1, -1);
  for (const seg of spec.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (base.length === 0) return undefined;
      base.pop();
    } else base.push(seg);
  }
  return "/" + base.join("/");
}

/** Names a module's source exports (not `default`). */
function exportedNames(code: string): string[] {
  const out = new Set<string>();
  for (
    const m of code.matchAll(
      /\bexport\s+(?:async\s+)?(?:function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/g,
    )
  ) {
    out.add(m[1]);
  }
  for (const m of code.matchAll(/\bexport\s*\{([^}]*)\}/g)) {
    for (const part of m[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/).pop()?.trim();
      if (name && name !== "default") out.add(name);
    }
  }
  return [...out];
}

/** Length of `text` in UTF-8 bytes. */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}
