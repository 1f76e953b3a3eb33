import assert from "node:assert/strict";
import { Allowlist } from "./allowlist.ts";

Deno.test("Allowlist: no rules allows everything", () => {
  const list = new Allowlist();
  assert.equal(list.allows("fs", "write_file"), true);
  assert.equal(new Allowlist("*").allows("any", "thing"), true);
});

Deno.test("Allowlist: patterns, whole servers and exact tools", () => {
  const list = new Allowlist(["fs/read_*", "memory", "everything/echo"]);
  assert.equal(list.allows("fs", "read_text_file"), true);
  assert.equal(list.allows("fs", "write_file"), false);
  assert.equal(list.allows("memory", "create_entities"), true);
  assert.equal(list.allows("everything", "echo"), true);
  assert.equal(list.allows("everything", "echo2"), false);
  assert.equal(list.allows("other", "echo"), false);
});

Deno.test("Allowlist: the object form and deny rules", () => {
  const list = new Allowlist({ fs: "*", everything: ["echo", "get-*"] }, [
    "fs/write_*",
    "*/get-env",
  ]);
  assert.equal(list.allows("fs", "read_text_file"), true);
  assert.equal(list.allows("fs", "write_file"), false);
  assert.equal(list.allows("everything", "get-sum"), true);
  assert.equal(list.allows("everything", "get-env"), false);
  assert.equal(list.allows("everything", "toggle-simulated-logging"), false);
});

Deno.test("Allowlist: regular-expression characters are literal", () => {
  const list = new Allowlist(["a.b/t+1"]);
  assert.equal(list.allows("a.b", "t+1"), true);
  assert.equal(list.allows("axb", "t+1"), false);
  assert.equal(list.allows("a.b", "tt1"), false);
  assert.throws(() => new Allowlist([""]), TypeError);
});
