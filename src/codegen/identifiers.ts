/**
 * Maps arbitrary names (MCP tool names, `$defs` keys) to TypeScript
 * identifiers that are also safe file names, and assigns them without
 * collisions.
 *
 * Rules shared by {@link toCamelIdentifier} and {@link toPascalIdentifier}:
 * - Non-ASCII text is transliterated deterministically with `any-ascii`
 *   (`查询天气` → `chaXunTianQi`, `délete` → `delete`, `получить` →
 *   `poluchit`); a code point it cannot transliterate is dropped.
 * - Identifiers are at most {@link MAX_IDENTIFIER_LENGTH} characters: a
 *   longer one keeps its start and ends with `_` and a short stable hash of
 *   the whole name (`veryLong…_k3x9a1`), so file names stay far below any file
 *   system's limit.
 * - Every run of characters other than `A-Z`, `a-z`, `0-9` separates words.
 * - A word written in capitals only (`URL`, `GET`) counts as one word and is
 *   lower-cased before casing is applied (`get_URL` → `getUrl`).
 * - A leading digit gets a `_` prefix, an empty result becomes `tool`/`Tool`.
 * - Reserved words and dangerous names ({@link RESERVED_IDENTIFIERS}) and
 *   Windows device names (`con`, `nul`, `com1`, …) get a `_` suffix.
 *
 * @module
 */

import anyAscii from "any-ascii";

/**
 * Names a generated identifier must never be: JavaScript and TypeScript
 * reserved words, strict-mode restricted words, and names that are legal but
 * harmful as bindings or object keys (`constructor`, `prototype`,
 * `__proto__`, `arguments`, `eval`, `undefined`, `NaN`, `Infinity`).
 */
export const RESERVED_IDENTIFIERS: ReadonlySet<string> = new Set([
  "arguments",
  "await",
  "break",
  "case",
  "catch",
  "class",
  "const",
  "constructor",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "eval",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "implements",
  "import",
  "in",
  "Infinity",
  "instanceof",
  "interface",
  "let",
  "NaN",
  "new",
  "null",
  "package",
  "private",
  "protected",
  "prototype",
  "public",
  "return",
  "static",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "undefined",
  "var",
  "void",
  "while",
  "with",
  "yield",
  "__proto__",
]);

/** Longest identifier (and file name stem) the mapping functions return. */
export const MAX_IDENTIFIER_LENGTH = 64;

const WINDOWS_DEVICE_NAME = /^(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;
const NON_ASCII = /[\u0080-\uffff]/;

// Longer names are cut before any work on them: only the start is shown.
const MAX_NAME_SCAN = 1024;

/**
 * A short stable hash of `text` (FNV-1a, 32 bits, base 36), for names that
 * had to be shortened or had nothing readable left.
 */
export function stableHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

/**
 * Joins the words of `name` (its runs of `A-Z`, `a-z`, `0-9`, after
 * transliteration) into one identifier: every word capitalized, the first
 * one lower-cased instead when `camel`.
 */
function joinWords(name: string, camel: boolean): string {
  const head = name.length > MAX_NAME_SCAN ? name.slice(0, MAX_NAME_SCAN) : name;
  const text = NON_ASCII.test(head) ? anyAscii(head) : head;
  let id = "";
  let first = camel;
  for (let i = 0; i < text.length;) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i;
    let caps = true;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (!isWordChar(c)) break;
      if (c >= 97) caps = false;
    }
    const word = text.slice(i, end);
    id += first ? lowerFirst(word, caps) : capitalize(word, caps);
    first = false;
    i = end;
  }
  return id;
}

/**
 * Upper-cases the first character; an all-capitals word (`caps`: only
 * `A-Z0-9`) becomes `Capitalized`.
 */
function capitalize(word: string, caps: boolean): string {
  const rest = word.length > 1 && caps ? word.slice(1).toLowerCase() : word.slice(1);
  return word[0].toUpperCase() + rest;
}

/** Lower-cases the leading capitals of a first word: `ReadFile` → `readFile`, `HTTPServer` → `httpServer`. */
function lowerFirst(word: string, caps: boolean): string {
  if (caps) return word.toLowerCase();
  let run = 0;
  while (run < word.length) {
    const c = word.charCodeAt(run);
    if (c < 65 || c > 90) break;
    run++;
  }
  if (run === 0) return word;
  // `HTTPServer`: the last capital of the run starts the next word.
  const cut = run > 1 && run < word.length ? run - 1 : run;
  return word.slice(0, cut).toLowerCase() + word.slice(cut);
}

function finish(id: string, fallback: string, name: string): string {
  if (id === "") return name === "" ? fallback : `${fallback}_${stableHash(name)}`;
  if (id.length > MAX_IDENTIFIER_LENGTH || name.length > MAX_NAME_SCAN) {
    const hash = stableHash(name);
    id = `${id.slice(0, MAX_IDENTIFIER_LENGTH - hash.length - 1)}_${hash}`;
  }
  const c = id.charCodeAt(0);
  if (c >= 48 && c <= 57) id = `_${id}`;
  if (RESERVED_IDENTIFIERS.has(id) || (id.length <= 4 && WINDOWS_DEVICE_NAME.test(id))) id += "_";
  return id;
}

/**
 * Converts a name to a lower camel-case identifier that is also a safe file
 * name on every common file system.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toCamelIdentifier } from "./identifiers.ts";
 * assert.equal(toCamelIdentifier("create_entities"), "createEntities");
 * assert.equal(toCamelIdentifier("get-sum"), "getSum");
 * assert.equal(toCamelIdentifier("ReadFile"), "readFile");
 * assert.equal(toCamelIdentifier("delete"), "delete_");
 * assert.equal(toCamelIdentifier("2fa"), "_2fa");
 * ```
 *
 * @param name Any string, such as an MCP tool name.
 * @returns A valid identifier; `tool` when nothing usable is left.
 */
export function toCamelIdentifier(name: string): string {
  return finish(joinWords(name, true), "tool", name);
}

/**
 * Converts a name to an upper camel-case identifier, for type names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toPascalIdentifier } from "./identifiers.ts";
 * assert.equal(toPascalIdentifier("get-sum"), "GetSum");
 * assert.equal(toPascalIdentifier("read_URL"), "ReadUrl");
 * ```
 *
 * @param name Any string.
 * @returns A valid identifier; `Tool` when nothing usable is left.
 */
export function toPascalIdentifier(name: string): string {
  return finish(joinWords(name, false), "Tool", name);
}

/**
 * Assigns an identifier to every name, without collisions, deterministically:
 * the same set of names gives the same mapping whatever order it comes in.
 *
 * Names are processed in code-unit order, those that `map` leaves unchanged
 * first (so `getSum` keeps `getSum` even when `get-sum` is also present).
 * A colliding identifier gets `_2`, `_3`, … appended. Collisions are
 * case-insensitive, because the identifiers also name files and some file
 * systems ignore case (`getSum` and `GetSum` collide).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assignIdentifiers, toCamelIdentifier } from "./identifiers.ts";
 * const ids = assignIdentifiers(["get_sum", "get-sum", "getSum"], toCamelIdentifier);
 * assert.deepEqual(
 *   [...ids].sort(),
 *   [["get-sum", "getSum_2"], ["getSum", "getSum"], ["get_sum", "getSum_3"]],
 * );
 * ```
 *
 * @param names Names to map; duplicates are mapped once.
 * @param map Converts one name to its preferred identifier.
 * @param reserved Identifiers already taken (a file beside the ones named):
 * a name that maps to one gets `_2`, `_3`, … as on a collision.
 * @returns A map from each distinct name to its identifier.
 */
export function assignIdentifiers(
  names: readonly string[],
  map: (name: string) => string,
  reserved: readonly string[] = [],
): Map<string, string> {
  const sorted = [...new Set(names)].sort();
  const preferred = sorted.map(map);
  const used = new Set<string>(reserved.map((r) => r.toLowerCase()));
  const ids: string[] = new Array(sorted.length);
  const assign = (i: number) => {
    const base = preferred[i];
    let id = base;
    let lower = id.toLowerCase();
    for (let n = 2; used.has(lower); n++) {
      id = `${base}_${n}`;
      lower = id.toLowerCase();
    }
    used.add(lower);
    ids[i] = id;
  };
  for (let i = 0; i < sorted.length; i++) if (preferred[i] === sorted[i]) assign(i);
  for (let i = 0; i < sorted.length; i++) if (preferred[i] !== sorted[i]) assign(i);
  // Present the map in sorted-name order, whatever pass assigned each entry.
  const result = new Map<string, string>();
  for (let i = 0; i < sorted.length; i++) result.set(sorted[i], ids[i]);
  return result;
}
