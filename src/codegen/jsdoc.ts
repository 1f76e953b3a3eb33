/**
 * Makes untrusted text (tool descriptions and schema annotations from a
 * server that may be hostile) safe to place in generated comments and string
 * literals, and renders JSDoc blocks.
 *
 * @module
 */

/** Default cap, in UTF-16 code units, of one sanitized comment text. */
export const MAX_COMMENT_CHARS = 4000;

// Everything that sends text down the slow path of sanitizeCommentText: any
// control character (including \t, \n, \r), invisible and bidi format
// characters, surrogates (astral text may hold tag characters), and `*/`
// (looked for apart: a character class alone is the faster scan). A leading
// `@` and leading or trailing spaces are checked separately.
const NEEDS_WORK =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\ud800-\udfff]/;

const LINE_BREAKS = /\r\n?|[\u2028\u2029]/g;
const TABS = /\t/g;
// Control characters other than \n and \t, soft hyphen, invisible fillers,
// zero-width characters, bidi controls (U+061C, U+200E/F, U+202A–E,
// U+2066–9), deprecated format characters, BOM, interlinear annotations, tag
// characters, supplementary variation selectors, invisible musical symbols.
const INVISIBLE =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}\u{1d173}-\u{1d17a}]/gu;
const LONE_SURROGATE = /\p{Cs}/gu;
const COMMENT_END = /\*\//g;
const LEADING_AT = /^(\s*)@/;
const BLANK_RUNS = /\n{3,}/g;

function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - 1);
  const c = text.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--; // do not split a surrogate pair
  return `${text.slice(0, cut).trimEnd()}…`;
}

/**
 * Makes untrusted text safe and tidy inside a `/** … *\/` block comment:
 *
 * - a backslash goes between `*` and `/`, so the text cannot end the comment;
 * - bidi controls, zero-width and other invisible characters, tag characters
 *   and control characters other than line feed are removed; a tab becomes
 *   two spaces; `\r\n`, `\r`, U+2028 and U+2029 become `\n`; lone
 *   surrogates become U+FFFD;
 * - an `@` that starts a line is escaped as `\@` (the TSDoc escape), so the
 *   text cannot forge tags such as `@deprecated` or `@example`;
 * - trailing white space is removed from every line, runs of blank lines
 *   shrink to one, the whole text is trimmed;
 * - text longer than `maxChars` is cut and ends with `…`.
 *
 * The result never contains `*\/`, never starts a line with `@`, and is
 * unchanged by a second pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sanitizeCommentText } from "./jsdoc.ts";
 * assert.equal(sanitizeCommentText("Ends *\/ here\r\n@deprecated"), "Ends *\\/ here\n\\@deprecated");
 * assert.equal(sanitizeCommentText("a\u202Eb\u200Bc"), "abc");
 * ```
 *
 * @param text Untrusted text.
 * @param maxChars Length cap in UTF-16 code units, {@link MAX_COMMENT_CHARS} by default.
 * @returns The sanitized text; may contain `\n`.
 */
export function sanitizeCommentText(text: string, maxChars: number = MAX_COMMENT_CHARS): string {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (
    first !== 32 && first !== 64 && first !== 0xa0 && last !== 32 && last !== 0xa0 &&
    !NEEDS_WORK.test(text) && !text.includes("*/")
  ) return cap(text, maxChars);
  // Bound the work on huge input before the regular expressions run.
  let t = text.length > maxChars * 2 + 64 ? text.slice(0, maxChars * 2 + 64) : text;
  t = t.replace(LINE_BREAKS, "\n").replace(TABS, "  ").replace(INVISIBLE, "")
    .replace(LONE_SURROGATE, "\ufffd").replace(COMMENT_END, "*\\/");
  const lines = t.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    lines[i] = line.includes("@") ? line.replace(LEADING_AT, "$1\\@") : line;
  }
  t = lines.join("\n").replace(BLANK_RUNS, "\n\n").trim();
  t = cap(t, maxChars);
  // Cutting may leave trailing white space before the ellipsis only; `trim`
  // above and `cap`'s trimEnd keep the result stable under a second pass.
  return t;
}

// Characters a string literal must not carry raw: C1 controls, invisible and
// bidi format characters, line/paragraph separators, and (as surrogate
// pairs) tag characters and supplementary variation selectors.
const LITERAL_ESCAPES =
  /[\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]|\udb40[\udc00-\uddef]|\ud834[\udd73-\udd7a]/g;
// A quick test for the above: its characters and the first halves of its
// surrogate pairs, in one character class (the faster scan). A false alarm
// only costs a `replace` that changes nothing.
const LITERAL_NEEDS_ESCAPE =
  /[\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\ud834\udb40]/;

function unicodeEscape(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += `\\u${s.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return out;
}

function escapeInvisible(json: string): string {
  return LITERAL_NEEDS_ESCAPE.test(json) ? json.replace(LITERAL_ESCAPES, unicodeEscape) : json;
}

/**
 * Renders a string as a double-quoted TypeScript string literal. Like
 * `JSON.stringify`, and additionally writes U+2028, U+2029, bidi controls,
 * invisible characters and C1 controls as `\uXXXX` escapes, so the literal
 * reads the same in every editor and review tool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tsStringLiteral } from "./jsdoc.ts";
 * assert.equal(tsStringLiteral('say "hi"\u2028'), '"say \\"hi\\"\\u2028"');
 * ```
 *
 * @param s Any string.
 * @returns The literal, quotes included.
 */
export function tsStringLiteral(s: string): string {
  return escapeInvisible(JSON.stringify(s));
}

/**
 * Renders a JSON value for a comment line, such as after `@default`: compact
 * JSON on one line, invisible characters escaped, `*\/` neutralized, cut to
 * `maxChars` with `…`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonForComment } from "./jsdoc.ts";
 * assert.equal(jsonForComment({ glob: "**\/*.ts" }), '{"glob":"**\\/*.ts"}');
 * ```
 *
 * @param value Any value.
 * @param maxChars Length cap in UTF-16 code units.
 * @returns The rendered text, or `undefined` when the value has no JSON form
 *   (`undefined`, functions, BigInt, cycles).
 */
export function jsonForComment(value: unknown, maxChars = 160): string | undefined {
  if (typeof value === "number" || typeof value === "boolean") {
    return Number.isFinite(value) || typeof value === "boolean" ? String(value) : "null";
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return undefined;
  }
  if (json === undefined) return undefined;
  const safe = escapeInvisible(json);
  return cap(safe.includes("*/") ? safe.replace(COMMENT_END, "*\\/") : safe, maxChars);
}

const ANY_LINE_BREAK = /\r\n?|[\n\u2028\u2029]/;
// Whether a line holds any of the above: one character class, the faster scan.
const HAS_LINE_BREAK = /[\n\r\u2028\u2029]/;
const SINGLE_LINE_WIDTH = 100;

/**
 * Renders a JSDoc block. Lines may contain line breaks; blank lines inside
 * the block are kept, blank lines at either end are dropped. A single line
 * that fits in 100 columns renders as `/** text *\/`.
 *
 * Lines are expected to be sanitized already (see
 * {@link sanitizeCommentText}); as a last guard `*\/` is still neutralized.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsdoc } from "./jsdoc.ts";
 * assert.equal(jsdoc(["Adds two numbers"]), "/** Adds two numbers *\/");
 * assert.equal(jsdoc(["Sum", "@deprecated"], "  "), "  /**\n   * Sum\n   * @deprecated\n   *\/");
 * assert.equal(jsdoc([]), "");
 * ```
 *
 * @param lines Comment lines, without `*` prefixes.
 * @param indent Indentation put before every line of the block.
 * @param singleLineWidth Widest single-line block (default 100 columns);
 *   `Infinity` keeps every one-line comment on one line.
 * @returns The block without a final line break, or `""` when there is nothing to say.
 */
export function jsdoc(
  lines: readonly string[],
  indent = "",
  singleLineWidth: number = SINGLE_LINE_WIDTH,
): string {
  if (lines.length === 1 && !HAS_LINE_BREAK.test(lines[0])) {
    // One line: the common case, without the general bookkeeping below.
    const line = guard(lines[0]);
    if (line === "") return "";
    return indent.length + line.length + 7 <= singleLineWidth
      ? `${indent}/** ${line} */`
      : `${indent}/**\n${indent} * ${line}\n${indent} */`;
  }
  // One entry per output line, guarded when used (the lines at either end twice).
  let flat = lines;
  for (const line of lines) {
    if (HAS_LINE_BREAK.test(line)) {
      const split: string[] = [];
      for (const l of lines) {
        if (HAS_LINE_BREAK.test(l)) {
          for (const part of l.split(ANY_LINE_BREAK)) split.push(part);
        } else split.push(l);
      }
      flat = split;
      break;
    }
  }
  let start = 0;
  let end = flat.length;
  while (start < end && guard(flat[start]) === "") start++;
  while (end > start && guard(flat[end - 1]) === "") end--;
  if (start === end) return "";
  if (end - start === 1) {
    const only = guard(flat[start]);
    if (indent.length + only.length + 7 <= singleLineWidth) return `${indent}/** ${only} */`;
  }
  let out = `${indent}/**`;
  const blank = `\n${indent} *`;
  const prefix = `${blank} `;
  for (let i = start; i < end; i++) {
    const line = guard(flat[i]);
    out += line === "" ? blank : prefix + line;
  }
  return `${out}\n${indent} */`;
}

function guard(line: string): string {
  const t = line.trimEnd();
  return t.includes("*/") ? t.replace(COMMENT_END, "*\\/") : t;
}
