// Agents often import a generated type by name (`import { getSum, GetSumInput }
// from "./servers/everything/index.ts"`) without `import type`. Type
// stripping keeps such a name, and linking then fails because the module has
// no value of that name. This drops, from the named imports of a program,
// every name its target module exports as a type and not as a value. Names
// the module does not export at all are kept, so linking still reports them.
// Dropped names become spaces, so line and column positions do not move.

import type { FileLookup } from "./_module_paths.ts";
import { resolveSpecifier } from "./_module_paths.ts";

const IDENT = "[A-Za-z_$][\\w$]*";
const EXPORT_DECL = new RegExp(
  `\\bexport\\s+(?:default\\s+)?(?:async\\s+)?(?:function\\s*\\*?|class|const|let|var)\\s+(${IDENT})`,
  "g",
);
const EXPORT_LIST = /\bexport\s*\{([^{}]*)\}/g;
const EXPORT_STAR = new RegExp(`\\bexport\\s*\\*\\s*(?:as\\s+(${IDENT})\\s+)?from\\b`, "g");
const EXPORT_DEFAULT = /\bexport\s+default\b/;
const TYPE_DECL = new RegExp(`\\bexport\\s+(?:declare\\s+)?(?:interface|type)\\s+(${IDENT})`, "g");
const TYPE_LIST = /\bexport\s+type\s*\{([^{}]*)\}/g;
const NAMED_IMPORT = /\bimport\s*\{([^{}]*)\}\s*from\s*(["'])([^"'\n]+)\2/g;

/**
 * The names `js` (type-stripped JavaScript) exports as values, or `undefined`
 * when that cannot be known (`export * from` another module).
 */
export function valueExports(js: string): Set<string> | undefined {
  const names = new Set<string>();
  for (const m of js.matchAll(EXPORT_STAR)) {
    if (m[1] === undefined) return undefined;
    names.add(m[1]);
  }
  for (const m of js.matchAll(EXPORT_DECL)) names.add(m[1]);
  for (const m of js.matchAll(EXPORT_LIST)) {
    for (const spec of m[1].split(",")) {
      const words = spec.trim().split(/\s+/);
      if (words[0] === "" || words[0] === "type") continue;
      names.add(words.length >= 3 && words[1] === "as" ? words[2] : words[0]);
    }
  }
  if (EXPORT_DEFAULT.test(js)) names.add("default");
  return names;
}

/** The names the TypeScript `source` exports as types (interfaces, type aliases, `export type`). */
export function typeExports(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(TYPE_DECL)) names.add(m[1]);
  const add = (spec: string) => {
    const words = spec.trim().split(/\s+/);
    if (words[0] === "") return;
    names.add(words.length >= 3 && words[1] === "as" ? words[2] : words[0]);
  };
  for (const m of source.matchAll(TYPE_LIST)) for (const spec of m[1].split(",")) add(spec);
  for (const m of source.matchAll(EXPORT_LIST)) {
    for (const spec of m[1].split(",")) {
      const t = spec.trim();
      if (t.startsWith("type ")) add(t.slice(5));
    }
  }
  return names;
}

/** What a module exports: values (from its JavaScript) and types (from its TypeScript). */
export interface ModuleExports {
  /** Value exports, or `undefined` when they cannot be known (`export *`). */
  values: Set<string> | undefined;
  types: Set<string>;
}

/**
 * Blanks the named imports of `js` (the module at `importer`) that their
 * targets export only as types. `exportsOf` describes a module of the tree
 * (or gives `undefined` when it is not known).
 */
export function dropTypeImports(
  importer: string,
  js: string,
  files: FileLookup,
  exportsOf: (path: string) => ModuleExports | undefined,
): string {
  if (!js.includes("import")) return js;
  return js.replace(NAMED_IMPORT, (whole, list: string, _q: string, specifier: string) => {
    const r = resolveSpecifier(importer, specifier, files);
    if (!("path" in r)) return whole;
    const exported = exportsOf(r.path);
    if (exported === undefined || exported.values === undefined) return whole;
    const { values, types } = exported;
    let changed = false;
    const kept = list.split(",").map((spec) => {
      const name = spec.trim().split(/\s+/)[0];
      if (name === "" || values.has(name) || !types.has(name)) return spec;
      changed = true;
      return spec.replace(/[^\n]/g, " ");
    });
    if (!changed) return whole;
    // Commas stay where a kept name needs one; a dropped name's comma becomes a space.
    let body = "";
    let first = true;
    for (let i = 0; i < kept.length; i++) {
      const spec = kept[i];
      const isKept = spec.trim() !== "";
      if (i > 0) body += isKept && !first ? "," : " ";
      body += spec;
      if (isKept) first = false;
    }
    return whole.replace(`{${list}}`, `{${body}}`);
  });
}
