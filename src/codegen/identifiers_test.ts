import assert from "node:assert/strict";
import {
  assignIdentifiers,
  MAX_IDENTIFIER_LENGTH,
  RESERVED_IDENTIFIERS,
  toCamelIdentifier,
  toPascalIdentifier,
} from "./identifiers.ts";

const VALID_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

Deno.test("toCamelIdentifier", async (t) => {
  await t.step("joins words split by separators", () => {
    assert.equal(toCamelIdentifier("create_entities"), "createEntities");
    assert.equal(toCamelIdentifier("get-sum"), "getSum");
    assert.equal(toCamelIdentifier("read.file"), "readFile");
    assert.equal(toCamelIdentifier("list directory  with sizes"), "listDirectoryWithSizes");
    assert.equal(toCamelIdentifier("__private__name"), "privateName");
    assert.equal(toCamelIdentifier("a/b:c"), "aBC");
  });

  await t.step("lowers leading capitals and keeps inner case", () => {
    assert.equal(toCamelIdentifier("ReadFile"), "readFile");
    assert.equal(toCamelIdentifier("HTTPServer"), "httpServer");
    assert.equal(toCamelIdentifier("getHTTPResponse"), "getHTTPResponse");
    assert.equal(toCamelIdentifier("GET_SUM"), "getSum");
    assert.equal(toCamelIdentifier("read_URL"), "readUrl");
    assert.equal(toCamelIdentifier("ID"), "id");
    assert.equal(toCamelIdentifier("sequentialthinking"), "sequentialthinking");
  });

  await t.step("prefixes a leading digit", () => {
    assert.equal(toCamelIdentifier("2fa"), "_2fa");
    assert.equal(toCamelIdentifier("3d-render"), "_3dRender");
    assert.equal(toCamelIdentifier("get_2_items"), "get2Items");
  });

  await t.step("suffixes reserved words and harmful names", () => {
    for (const word of ["default", "delete", "new", "class", "function", "import", "export"]) {
      assert.equal(toCamelIdentifier(word), `${word}_`);
    }
    for (const word of ["await", "yield", "let", "static", "enum", "implements", "package"]) {
      assert.equal(toCamelIdentifier(word), `${word}_`);
    }
    for (const word of ["constructor", "prototype", "arguments", "eval", "undefined"]) {
      assert.equal(toCamelIdentifier(word), `${word}_`);
    }
    assert.equal(toCamelIdentifier("__proto__"), "proto"); // separators go first
    assert.equal(toCamelIdentifier("Delete"), "delete_");
    assert.equal(toCamelIdentifier("NaN"), "naN"); // `NaN` lowered is no longer reserved
  });

  await t.step("suffixes Windows device names, which are unusable as file names", () => {
    assert.equal(toCamelIdentifier("con"), "con_");
    assert.equal(toCamelIdentifier("NUL"), "nul_");
    assert.equal(toCamelIdentifier("com1"), "com1_");
    assert.equal(toCamelIdentifier("console"), "console");
  });

  await t.step("transliterates Unicode to ASCII deterministically", () => {
    assert.equal(toCamelIdentifier("café_crème"), "cafeCreme");
    assert.equal(toCamelIdentifier("Ünïcödé"), "unicode");
    assert.equal(toCamelIdentifier("ｆｕｌｌｗｉｄｔｈ"), "fullwidth"); // NFKD folds width
    assert.equal(toCamelIdentifier("日本"), "riBen");
    assert.equal(toCamelIdentifier("get_日本"), "getRiBen");
    assert.equal(toCamelIdentifier("查询天气"), "chaXunTianQi");
    assert.equal(toCamelIdentifier("получить_погоду"), "poluchitPogodu");
    assert.equal(toCamelIdentifier("🚀launch"), "rocketLaunch");
    assert.equal(toCamelIdentifier("a\u200Bb"), "ab");
  });

  await t.step("falls back to `tool` when nothing is left, with a stable hash of the name", () => {
    assert.equal(toCamelIdentifier(""), "tool");
    assert.match(toCamelIdentifier("___"), /^tool_[0-9a-z]+$/);
    assert.equal(toCamelIdentifier("___"), toCamelIdentifier("___"));
    assert.notEqual(toCamelIdentifier("___"), toCamelIdentifier("\u0301"));
  });

  await t.step("caps long names with a stable hash, so file names stay short", () => {
    const long = "x".repeat(5000);
    const id = toCamelIdentifier(long);
    assert.ok(id.length <= MAX_IDENTIFIER_LENGTH, id);
    assert.match(id, /^x+_[0-9a-z]+$/);
    assert.equal(toCamelIdentifier(long), id);
    assert.notEqual(toCamelIdentifier(`${long}y`), id, "names that differ past the cut differ");
    const cjk = "查询".repeat(40); // 80 CJK characters
    const cjkId = toCamelIdentifier(cjk);
    assert.ok(cjkId.length <= MAX_IDENTIFIER_LENGTH && cjkId.startsWith("chaXun"), cjkId);
    assert.ok(new TextEncoder().encode(`${cjkId}.ts`).length < 255);
  });

  await t.step("always yields a valid, non-reserved identifier", () => {
    const samples = ["", "-", "0", "a b", "x".repeat(300), "\u{10FFFF}", "\uD800", "in", "$"];
    for (let c = 0; c < 0x3000; c += 37) samples.push(String.fromCharCode(c) + "name");
    for (const s of samples) {
      const id = toCamelIdentifier(s);
      assert.match(id, VALID_IDENTIFIER, `for ${JSON.stringify(s)}`);
      assert.ok(!RESERVED_IDENTIFIERS.has(id), `for ${JSON.stringify(s)}`);
    }
  });
});

Deno.test("toPascalIdentifier", () => {
  assert.equal(toPascalIdentifier("get-sum"), "GetSum");
  assert.equal(toPascalIdentifier("create_entities"), "CreateEntities");
  assert.equal(toPascalIdentifier("readFile"), "ReadFile");
  assert.equal(toPascalIdentifier("HTTP_server"), "HttpServer");
  assert.equal(toPascalIdentifier("2fa"), "_2fa");
  assert.equal(toPascalIdentifier("NaN"), "NaN_");
  assert.equal(toPascalIdentifier("Infinity"), "Infinity_");
  assert.equal(toPascalIdentifier("Straße"), "Strasse");
  assert.equal(toPascalIdentifier(""), "Tool");
});

Deno.test("assignIdentifiers", async (t) => {
  await t.step("is collision-free with _2, _3 suffixes", () => {
    const ids = assignIdentifiers(["get_sum", "get-sum", "get.sum"], toCamelIdentifier);
    assert.deepEqual(Object.fromEntries(ids), {
      "get-sum": "getSum",
      "get.sum": "getSum_2",
      "get_sum": "getSum_3",
    });
  });

  await t.step("lets a name that is already an identifier keep it", () => {
    const ids = assignIdentifiers(["get-sum", "getSum"], toCamelIdentifier);
    assert.equal(ids.get("getSum"), "getSum");
    assert.equal(ids.get("get-sum"), "getSum_2");
  });

  await t.step("treats names differing only in case as colliding", () => {
    const ids = assignIdentifiers(["getSum", "GetSum", "getsum"], (n) => n);
    const lowered = [...ids.values()].map((id) => id.toLowerCase());
    assert.equal(new Set(lowered).size, 3);
    assert.deepEqual(Object.fromEntries(ids), {
      GetSum: "GetSum",
      getSum: "getSum_2",
      getsum: "getsum_3",
    });
  });

  await t.step("does not collide with a suffixed name that exists as input", () => {
    const ids = assignIdentifiers(["a-b", "aB", "aB_2"], (n) => n.replace("-b", "B"));
    assert.equal(new Set(ids.values()).size, 3);
    assert.equal(ids.get("aB"), "aB");
    assert.equal(ids.get("aB_2"), "aB_2");
    assert.equal(ids.get("a-b"), "aB_3");
  });

  await t.step("gives the same mapping whatever the input order", () => {
    const names = [
      "read_file",
      "read-file",
      "ReadFile",
      "readFile",
      "delete",
      "default",
      "日本",
      "2fa",
      "",
      "tool",
      "con",
    ];
    const expected = assignIdentifiers(names, toCamelIdentifier);
    assert.equal(expected.size, names.length);
    let seed = 7;
    for (let round = 0; round < 20; round++) {
      const shuffled = [...names];
      for (let i = shuffled.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const j = seed % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      assert.deepEqual([...assignIdentifiers(shuffled, toCamelIdentifier)], [...expected]);
    }
    const lowered = [...expected.values()].map((id) => id.toLowerCase());
    assert.equal(new Set(lowered).size, names.length);
    for (const id of expected.values()) assert.match(id, VALID_IDENTIFIER);
  });

  await t.step("maps duplicates once", () => {
    const ids = assignIdentifiers(["echo", "echo"], toCamelIdentifier);
    assert.deepEqual([...ids], [["echo", "echo"]]);
  });
});
