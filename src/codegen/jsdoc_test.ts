import assert from "node:assert/strict";
import {
  jsdoc,
  jsonForComment,
  MAX_COMMENT_CHARS,
  sanitizeCommentText,
  tsStringLiteral,
} from "./jsdoc.ts";

const INVISIBLES = [
  "\u202A",
  "\u202B",
  "\u202C",
  "\u202D",
  "\u202E",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200E",
  "\u200F",
  "\u061C",
  "\u200B",
  "\u200C",
  "\u200D",
  "\u2060",
  "\u2061",
  "\u2062",
  "\u2063",
  "\u2064",
  "\uFEFF",
  "\u00AD",
  "\u180E",
  "\u0000",
  "\u0007",
  "\u001B",
  "\u007F",
  "\u0085",
  "\u009B",
  "\u{E0041}", // tag LATIN CAPITAL LETTER A (hidden-text smuggling)
  "\u{E0100}", // variation selector 17
];

Deno.test("sanitizeCommentText", async (t) => {
  await t.step("leaves ordinary text alone", () => {
    const text = "Read a file. Paths are relative to the root; use / separators (e.g. a/b.txt).";
    assert.equal(sanitizeCommentText(text), text);
    assert.equal(
      sanitizeCommentText("Café, naïve, 日本語, emoji 🚀"),
      "Café, naïve, 日本語, emoji 🚀",
    );
  });

  await t.step("cannot end the comment", () => {
    assert.equal(sanitizeCommentText("a */ b"), "a *\\/ b");
    assert.equal(sanitizeCommentText("**/*.ts and */*/"), "**\\/*.ts and *\\/*\\/");
    // Removing an invisible character must not create a terminator.
    assert.equal(sanitizeCommentText("*\u200B/"), "*\\/");
    assert.equal(sanitizeCommentText("*\u202E/"), "*\\/");
  });

  await t.step("removes bidi controls, invisible and control characters", () => {
    for (const ch of INVISIBLES) {
      assert.equal(sanitizeCommentText(`a${ch}b`), "ab", `U+${ch.codePointAt(0)!.toString(16)}`);
    }
  });

  await t.step("normalizes line breaks and tabs, trims lines", () => {
    assert.equal(sanitizeCommentText("a\r\nb\rc\u2028d\u2029e"), "a\nb\nc\nd\ne");
    assert.equal(sanitizeCommentText("a\tb"), "a  b");
    assert.equal(sanitizeCommentText("  a  \n  b \t\n\n\n\n c  "), "a\n  b\n\n c");
  });

  await t.step("escapes a line-leading @ so tags cannot be forged", () => {
    assert.equal(sanitizeCommentText("@deprecated"), "\\@deprecated");
    assert.equal(sanitizeCommentText("ok\n  @param x evil"), "ok\n  \\@param x evil");
    assert.equal(sanitizeCommentText("mail me@example.com"), "mail me@example.com");
  });

  await t.step("replaces lone surrogates", () => {
    assert.equal(sanitizeCommentText("a\uD800b\uDC00c"), "a\uFFFDb\uFFFDc");
    assert.equal(sanitizeCommentText("pair \uD83D\uDE80"), "pair 🚀");
  });

  await t.step("caps long text with an ellipsis, without splitting a surrogate pair", () => {
    const capped = sanitizeCommentText("x".repeat(10_000));
    assert.equal(capped.length, MAX_COMMENT_CHARS);
    assert.ok(capped.endsWith("…"));
    const emoji = sanitizeCommentText("🚀".repeat(50), 10);
    assert.ok(emoji.endsWith("…"));
    assert.ok(emoji.length <= 10);
    assert.doesNotMatch(emoji, /\p{Cs}/u);
    // Huge hostile input stays fast.
    const start = performance.now();
    const huge = sanitizeCommentText("*/\u202E\n@".repeat(2_000_000));
    assert.ok(performance.now() - start < 500);
    assert.ok(huge.length <= MAX_COMMENT_CHARS);
  });

  await t.step("is idempotent", () => {
    const inputs = [
      "a */ b\r\n@x\t\u202E",
      "  lead",
      "*\\/ already",
      "x".repeat(5000),
      "end *",
      "\\@tag",
      "a\n\n\n\nb",
    ];
    for (const s of inputs) {
      const once = sanitizeCommentText(s);
      assert.equal(sanitizeCommentText(once), once, JSON.stringify(s));
      assert.ok(!once.includes("*/"));
      assert.doesNotMatch(once, /^\s*@/m);
    }
  });
});

Deno.test("jsdoc", async (t) => {
  await t.step("renders nothing for no lines", () => {
    assert.equal(jsdoc([]), "");
    assert.equal(jsdoc(["", "  "]), "");
  });

  await t.step("renders one short line on one line", () => {
    assert.equal(jsdoc(["Adds two numbers"]), "/** Adds two numbers */");
    assert.equal(jsdoc(["Adds"], "    "), "    /** Adds */");
  });

  await t.step("renders a block for several or long lines", () => {
    assert.equal(jsdoc(["First", "", "@default 3"]), "/**\n * First\n *\n * @default 3\n */");
    assert.equal(jsdoc(["a\nb"], "  "), "  /**\n   * a\n   * b\n   */");
    const long = "w".repeat(95);
    assert.equal(jsdoc([long]), `/**\n * ${long}\n */`);
  });

  await t.step("drops blank lines at the ends and still guards against */", () => {
    assert.equal(jsdoc(["", "x */ y", ""]), "/** x *\\/ y */");
    assert.equal(jsdoc(["a\r\nb"]), "/**\n * a\n * b\n */");
  });
});

Deno.test("tsStringLiteral", () => {
  assert.equal(tsStringLiteral("plain"), '"plain"');
  assert.equal(tsStringLiteral('q"\\\n'), '"q\\"\\\\\\n"');
  assert.equal(tsStringLiteral("\u2028\u2029"), '"\\u2028\\u2029"');
  assert.equal(tsStringLiteral("a\u202Eb\u200Bc\uFEFF"), '"a\\u202eb\\u200bc\\ufeff"');
  assert.equal(tsStringLiteral("\u{E0041}"), '"\\udb40\\udc41"');
  assert.equal(tsStringLiteral("\uD800"), '"\\ud800"');
  assert.equal(tsStringLiteral("日本 🚀"), '"日本 🚀"');
  // The literal evaluates back to the original string.
  for (const s of ["a\u2028b", "\u202E*/", "\u{E0041}x", "\u0085", "tab\there"]) {
    assert.equal(eval(tsStringLiteral(s)), s);
  }
});

Deno.test("jsonForComment", () => {
  assert.equal(jsonForComment(3), "3");
  assert.equal(jsonForComment("a*/b"), '"a*\\/b"');
  assert.equal(jsonForComment({ a: [1, "x"] }), '{"a":[1,"x"]}');
  assert.equal(jsonForComment("\u2028"), '"\\u2028"');
  assert.equal(jsonForComment(undefined), undefined);
  assert.equal(jsonForComment(10n), undefined);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(jsonForComment(cyclic), undefined);
  const long = jsonForComment("x".repeat(1000), 50)!;
  assert.equal(long.length, 50);
  assert.ok(long.endsWith("…"));
});
