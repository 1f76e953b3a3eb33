/**
 * JSON Schema `pattern`s (ECMAScript syntax) matched by a linear-time engine,
 * RE2JS: matching time grows with the input's length, never exponentially, so
 * a schema's `^(a+)+$` cannot stall the host however its input is built.
 *
 * Patterns are translated from ECMAScript to RE2 syntax where the two differ
 * and the meaning can be kept (`\uXXXX`, `[^]`, `\p{Letter}`, ECMAScript's
 * Unicode `\s` and `.`), and RE2's own inline flags such as `(?i)`, which
 * many servers write and JavaScript cannot compile, work as they are.
 * Lookarounds and back-references have no linear-time equivalent: such a
 * pattern is reported as untranslatable.
 *
 * @module
 */

import { RE2JS } from "re2js";

/** A compiled pattern; `test` is linear in the length of its input. */
export interface LinearPattern {
  /** The pattern as written in the schema. */
  readonly source: string;
  /** True when the pattern matches somewhere in `text` (unanchored, as JSON Schema says). */
  test(text: string): boolean;
}

// ECMAScript's \s, as a class body in RE2 syntax (RE2's \s is ASCII only and lacks \v).
const JS_SPACE =
  "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";
// ECMAScript's `.` without the s flag: anything but a line terminator.
const JS_DOT = "[^\\n\\r\\x{2028}\\x{2029}]";

// Long Unicode property names ECMAScript accepts, by RE2's short name.
const CATEGORY: Record<string, string> = {
  Letter: "L",
  Cased_Letter: "L",
  Uppercase_Letter: "Lu",
  Lowercase_Letter: "Ll",
  Titlecase_Letter: "Lt",
  Modifier_Letter: "Lm",
  Other_Letter: "Lo",
  Mark: "M",
  Combining_Mark: "M",
  Nonspacing_Mark: "Mn",
  Spacing_Mark: "Mc",
  Enclosing_Mark: "Me",
  Number: "N",
  Decimal_Number: "Nd",
  digit: "Nd",
  Letter_Number: "Nl",
  Other_Number: "No",
  Punctuation: "P",
  punct: "P",
  Connector_Punctuation: "Pc",
  Dash_Punctuation: "Pd",
  Open_Punctuation: "Ps",
  Close_Punctuation: "Pe",
  Initial_Punctuation: "Pi",
  Final_Punctuation: "Pf",
  Other_Punctuation: "Po",
  Symbol: "S",
  Math_Symbol: "Sm",
  Currency_Symbol: "Sc",
  Modifier_Symbol: "Sk",
  Other_Symbol: "So",
  Separator: "Z",
  Space_Separator: "Zs",
  Line_Separator: "Zl",
  Paragraph_Separator: "Zp",
  Other: "C",
  Control: "Cc",
  cntrl: "Cc",
  Format: "Cf",
  Surrogate: "Cs",
  Private_Use: "Co",
  Unassigned: "Cn",
};

/**
 * The RE2 spelling of an ECMAScript pattern, or `undefined` when it uses what
 * RE2 cannot express. The result still has to compile in RE2JS.
 */
export function translatePattern(source: string): string | undefined {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      const n = source[i + 1];
      if (n === undefined) return undefined;
      if (n === "u") {
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(i + 2));
        if (braced) {
          out += `\\x{${braced[1]}}`;
          i += 2 + braced[0].length - 1;
          continue;
        }
        const hex = /^[0-9a-fA-F]{4}/.exec(source.slice(i + 2));
        if (!hex) return undefined;
        out += `\\x{${hex[0]}}`;
        i += 5;
        continue;
      }
      if (n === "c") {
        const letter = source[i + 2];
        if (letter === undefined || !/[a-zA-Z]/.test(letter)) return undefined;
        out += `\\x{${(letter.charCodeAt(0) % 32).toString(16)}}`;
        i += 2;
        continue;
      }
      if (n === "0" && !/[0-9]/.test(source[i + 2] ?? "")) {
        out += "\\x{0}";
        i += 1;
        continue;
      }
      if (/[1-9]/.test(n) || n === "k") return undefined; // back-references
      if (n === "p" || n === "P") {
        const prop = /^\{([A-Za-z_]+)(?:=([A-Za-z_]+))?\}/.exec(source.slice(i + 2));
        if (!prop) return undefined;
        const [whole, key, value] = prop;
        let name: string;
        if (value === undefined) name = CATEGORY[key] ?? key;
        else if (/^(Script|sc|Script_Extensions|scx)$/.test(key)) name = value;
        else if (/^(General_Category|gc)$/.test(key)) name = CATEGORY[value] ?? value;
        else return undefined;
        out += `\\${n}{${name}}`;
        i += 1 + whole.length;
        continue;
      }
      if (n === "s" && !inClass) out += `[${JS_SPACE}]`;
      else if (n === "s") out += JS_SPACE;
      else if (n === "S" && !inClass) out += `[^${JS_SPACE}]`;
      else if (n === "v") out += "\\x{0B}";
      else if (n === "/") out += "/";
      else out += c + n;
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      if (source.startsWith("[^]", i)) {
        out += "(?s:.)";
        i += 2;
        continue;
      }
      if (source.startsWith("[]", i)) {
        out += "[^\\x00-\\x{10FFFF}]";
        i += 1;
        continue;
      }
      inClass = true;
      out += c;
      // A leading `]` is literal in RE2 but closes the class in ECMAScript; `[]` was handled.
      if (source[i + 1] === "^") {
        out += "^";
        i += 1;
      }
      continue;
    }
    if (c === "(" && source[i + 1] === "?") {
      const look = source.slice(i + 2, i + 4);
      if (look.startsWith("=") || look.startsWith("!") || look === "<=" || look === "<!") {
        return undefined; // lookarounds
      }
    }
    if (c === ".") {
      out += JS_DOT;
      continue;
    }
    out += c;
  }
  return out;
}

const cache = new Map<string, LinearPattern | null>();
const CACHE_MAX = 4_096;

/**
 * Compiles `source` (ECMAScript syntax, or RE2 syntax such as `(?i)…`) for the
 * linear-time engine; `undefined` when it cannot be expressed there.
 *
 * @example
 * ```ts
 * import { compilePattern } from "./linear_pattern.ts";
 * compilePattern("(?i)^abc$")!.test("ABC"); // true
 * compilePattern("^(?=a)")  // undefined: lookarounds are not linear
 * ```
 */
export function compilePattern(source: string): LinearPattern | undefined {
  const known = cache.get(source);
  if (known !== undefined) return known ?? undefined;
  let compiled: LinearPattern | null = null;
  const translated = translatePattern(source);
  if (translated !== undefined) {
    try {
      const re = RE2JS.compile(translated);
      compiled = { source, test: (text) => re.matcher(text).find() };
    } catch { /* not RE2 either */ }
  }
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(source, compiled);
  return compiled ?? undefined;
}
