// JSON with comments and trailing commas (what VS Code accepts in `mcp.json`),
// parsed by `jsonc-parser`, with errors that give the line and column.
import { parse, type ParseError, printParseErrorCode } from "jsonc-parser";

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

const MESSAGES: Record<string, string> = {
  InvalidSymbol: "Invalid symbol",
  InvalidNumberFormat: "Invalid number",
  PropertyNameExpected: "Expected a property name",
  ValueExpected: "Expected a value",
  ColonExpected: 'Expected ":" after property name',
  CommaExpected: 'Expected "," or a closing bracket',
  CloseBraceExpected: 'Expected "}"',
  CloseBracketExpected: 'Expected "]"',
  EndOfFileExpected: "Expected the end of the input",
  InvalidCommentToken: "Invalid comment",
  UnexpectedEndOfComment: "Unterminated comment",
  UnexpectedEndOfString: "Unterminated string",
  UnexpectedEndOfNumber: "Unterminated number",
  InvalidUnicode: "Invalid unicode escape",
  InvalidEscapeCharacter: "Invalid escape",
  InvalidCharacter: "Invalid character in a string",
};

/** Parses JSON with comments and trailing commas. */
export function parseJsonc(text: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length === 0) {
    if (value === undefined) fail(text, "Expected a value, unexpected end of input", text.length);
    return value;
  }
  const { error, offset } = errors[0];
  const found = offset >= text.length
    ? "unexpected end of input"
    : `unexpected ${JSON.stringify(text[offset])}`;
  return fail(
    text,
    `${MESSAGES[printParseErrorCode(error)] ?? printParseErrorCode(error)}, ${found}`,
    offset,
  );
}

function fail(text: string, message: string, at: number): never {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  throw new JsoncSyntaxError(message, line, at - lineStart + 1);
}
