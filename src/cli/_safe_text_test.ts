import assert from "node:assert/strict";
import { escapeControl } from "./_safe_text.ts";

Deno.test("escapeControl makes terminal escapes visible and keeps newlines and tabs", () => {
  assert.equal(escapeControl("\x1b[2J\x1b]0;pwned\x07ok"), "\\x1b[2J\\x1b]0;pwned\\x07ok");
  assert.equal(escapeControl("a\tb\nc\r"), "a\tb\nc\\x0d");
  assert.equal(escapeControl("\u009b31m \u202eevil"), "\\x9b31m \\u202eevil");
  assert.equal(escapeControl("plain ünïcode ✓"), "plain ünïcode ✓");
});
