import assert from "node:assert/strict";
import { utf8Length } from "./_utf8.ts";

Deno.test("utf8Length matches TextEncoder, lone surrogates included", () => {
  for (const s of ["", "abc", "é", "€", "😀", "a😀é€\ud800x", "\udc00", "x\ud800"]) {
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
  }
});
