import assert from "node:assert/strict";
import { compilePattern, translatePattern } from "./linear_pattern.ts";

Deno.test("translatePattern keeps ECMAScript meaning in RE2 syntax", () => {
  assert.equal(translatePattern("\\u00e9"), "\\x{00e9}");
  assert.equal(translatePattern("\\u{1F600}"), "\\x{1F600}");
  assert.equal(translatePattern("[^]"), "(?s:.)");
  assert.equal(translatePattern("\\p{Letter}"), "\\p{L}");
  assert.equal(translatePattern("\\p{Script=Greek}"), "\\p{Greek}");
  assert.equal(translatePattern("(?<year>\\d{4})"), "(?<year>\\d{4})");
  assert.equal(translatePattern("a(?=b)"), undefined);
  assert.equal(translatePattern("(?<!a)b"), undefined);
  assert.equal(translatePattern("(a)\\1"), undefined);
});

Deno.test("compilePattern matches as ECMAScript does, and RE2 inline flags too", () => {
  const cases: [string, string, boolean][] = [
    ["^[a-z]+$", "abc", true],
    ["^[a-z]+$", "abc\n", false], // `$` is the end of input, not of a line
    ["^a.c$", "a\nc", false],
    ["^a.c$", "a\u2028c", false],
    ["^\\s$", "\u00a0", true], // ECMAScript's \s is Unicode
    ["^\\s$", "\v", true],
    ["^\\p{Lu}", "Éa", true],
    ["(?i)^abc$", "ABC", true],
    ["es", "test", true], // unanchored, as JSON Schema says
    ["^\\/api\\/", "/api/x", true],
  ];
  for (const [pattern, text, expected] of cases) {
    assert.equal(
      compilePattern(pattern)?.test(text),
      expected,
      `${pattern} on ${JSON.stringify(text)}`,
    );
  }
});

Deno.test("compilePattern runs in linear time where JavaScript backtracks exponentially", () => {
  const t0 = performance.now();
  for (const pattern of ["^(a+)+$", "^(a|a)*$", "^(a|aa)+$", "^(\\w+\\s?)+$"]) {
    assert.equal(compilePattern(pattern)!.test("a".repeat(5_000) + "!"), false, pattern);
  }
  const ms = performance.now() - t0;
  assert.ok(ms < 2_000, `took ${ms.toFixed(0)} ms`);
});
