// A small JSON-with-comments parser: JSON plus `//` and `/* */` comments and
// trailing commas (what VS Code accepts in `mcp.json`), with errors that give
// the line and column.

/** A syntax error at a 1-based line and column. */
export class JsoncSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(`${message} at line ${line}, column ${column}`);
    this.name = "JsoncSyntaxError";
    this.line = line;
    this.column = column;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// deno-lint-ignore no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Parses JSON with comments and trailing commas. */
export function parseJsonc(text: string): unknown {
  let pos = 0;

  const fail = (message: string, at = pos): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new JsoncSyntaxError(message, line, at - lineStart + 1);
  };

  const describe = (): string =>
    pos >= text.length ? "unexpected end of input" : `unexpected ${JSON.stringify(text[pos])}`;

  const skip = (): void => {
    while (pos < text.length) {
      const c = text[pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\ufeff") {
        pos++;
      } else if (c === "/" && text[pos + 1] === "/") {
        const end = text.indexOf("\n", pos);
        pos = end === -1 ? text.length : end;
      } else if (c === "/" && text[pos + 1] === "*") {
        const end = text.indexOf("*/", pos + 2);
        if (end === -1) fail("Unterminated comment");
        pos = end + 2;
      } else {
        return;
      }
    }
  };

  const string = (): string => {
    STRING.lastIndex = pos;
    const m = STRING.exec(text);
    if (m === null) fail("Invalid string");
    pos += m![0].length;
    return JSON.parse(m![0]);
  };

  const value = (): unknown => {
    skip();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const obj: Record<string, unknown> = {};
      skip();
      while (text[pos] !== "}") {
        if (text[pos] !== '"') fail(`Expected a property name or "}", ${describe()}`);
        const key = string();
        skip();
        if (text[pos] !== ":") fail(`Expected ":" after property name, ${describe()}`);
        pos++;
        Object.defineProperty(obj, key, {
          value: value(),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skip();
        if (text[pos] === ",") {
          pos++;
          skip();
        } else if (text[pos] !== "}") {
          fail(`Expected "," or "}" after property value, ${describe()}`);
        }
      }
      pos++;
      return obj;
    }
    if (c === "[") {
      pos++;
      const arr: unknown[] = [];
      skip();
      while (text[pos] !== "]") {
        arr.push(value());
        skip();
        if (text[pos] === ",") {
          pos++;
          skip();
        } else if (text[pos] !== "]") {
          fail(`Expected "," or "]" after array element, ${describe()}`);
        }
      }
      pos++;
      return arr;
    }
    if (c === '"') return string();
    for (const [word, val] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return val;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m !== null) {
      pos += m[0].length;
      return Number(m[0]);
    }
    return fail(`Expected a value, ${describe()}`);
  };

  const result = value();
  skip();
  if (pos < text.length) fail(`Expected end of input, ${describe()}`);
  return result;
}
