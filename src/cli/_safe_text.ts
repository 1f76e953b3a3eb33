// Text from guests and servers shown on a terminal: control characters
// (escape sequences that clear the screen, move the cursor or set the window
// title, bells, backspaces, C1 controls and bidi overrides) become visible
// escapes; newlines and tabs stay.

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character except newline and tab written as `\xNN` or `\uNNNN`. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
