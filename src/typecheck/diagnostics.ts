/**
 * Type errors found in a program before it runs, and their text for a person
 * or a model: short, capped, each naming its line and column.
 *
 * @module
 */

/**
 * One type error in the program.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const diagnostic: TypeDiagnostic = {
 *   file: "main.ts",
 *   line: 1,
 *   column: 7,
 *   code: 2322,
 *   message: "Type 'string' is not assignable to type 'number'.",
 *   source: 'const n: number = "1";',
 * };
 * assert.equal(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`, "main.ts:1:7");
 * ```
 */
export interface TypeDiagnostic {
  /** Path of the file in the tree, such as `/main.ts`. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** TypeScript's error number, such as 2322. */
  code: number;
  /** The message on one line, with the expected type where TypeScript gives it. */
  message: string;
  /** The offending source line, trimmed and cut to a readable length. */
  source: string;
}

/**
 * The outcome of type-checking one program.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const result: TypeCheckResult = {
 *   ok: false,
 *   diagnostics: [{ file: "main.ts", line: 1, column: 7, code: 2322, message: "Type 'string' is not assignable to type 'number'.", source: 'const n: number = "1";' }],
 *   total: 1,
 *   durationMs: 12,
 * };
 * assert.match(formatTypeErrors(result), /TS2322/);
 * ```
 */
export interface TypeCheckResult {
  /** True when the program has no type error. */
  ok: boolean;
  /** The first errors, at most the checker's cap, in source order. */
  diagnostics: TypeDiagnostic[];
  /** How many errors there are in all. */
  total: number;
  /** Time spent checking, in milliseconds (0 for a result kept from an earlier check). */
  durationMs: number;
}

/** Most errors shown by {@link formatTypeErrors}. */
export const MAX_SHOWN_DIAGNOSTICS = 5;

/**
 * The text of a refused program: a heading, then for each error its place and
 * message on one line and the offending source line under it.
 *
 * @example
 * ```ts
 * import { formatTypeErrors } from "./diagnostics.ts";
 * const text = formatTypeErrors({
 *   ok: false,
 *   total: 1,
 *   durationMs: 12,
 *   diagnostics: [{
 *     file: "/main.ts", line: 2, column: 26, code: 2322,
 *     message: "Type 'string' is not assignable to type 'number'.",
 *     source: `const n = await add({ a: "1", b: 2 });`,
 *   }],
 * });
 * if (!text.includes("main.ts:2:26")) throw new Error(text);
 * ```
 */
export function formatTypeErrors(result: TypeCheckResult): string {
  const shown = result.diagnostics.slice(0, MAX_SHOWN_DIAGNOSTICS);
  const lines = [
    `The program does not type-check, so it was not run (${result.total} error${
      result.total === 1 ? "" : "s"
    }${result.total > shown.length ? `, first ${shown.length} shown` : ""}):`,
  ];
  for (const d of shown) {
    lines.push(`${d.file.replace(/^\//, "")}:${d.line}:${d.column} - TS${d.code}: ${d.message}`);
    if (d.source !== "") lines.push(`  ${d.line} | ${d.source}`);
  }
  return lines.join("\n");
}
