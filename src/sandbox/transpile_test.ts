import assert from "node:assert/strict";
import {
  loadTranspiler,
  SandboxCompileError,
  setTranspileTimeout,
  transpileCacheSize,
  transpileModule,
} from "./transpile.ts";

await loadTranspiler();

Deno.test("transpileModule strips types and keeps every position", async () => {
  const source =
    "interface A { a: number }\nconst x: A = { a: 1 };\nexport default x.a as number;\n";
  const { code, positionsPreserved } = await transpileModule("/main.ts", source);
  assert.equal(positionsPreserved, true);
  assert.equal(code.split("\n").length, source.split("\n").length);
  assert.equal(
    code.split("\n")[1].indexOf("= { a: 1 }"),
    source.split("\n")[1].indexOf("= { a: 1 }"),
  );
  assert.doesNotMatch(code, /interface|: A|as number/);
});

Deno.test("transpileModule falls back to transform for enums", async () => {
  const { code, positionsPreserved } = await transpileModule(
    "/e.ts",
    "enum E { A, B }\nexport default E.B;\n",
  );
  assert.equal(positionsPreserved, false);
  assert.doesNotMatch(code, /enum/);
});

Deno.test("transpileModule caches by content", async () => {
  const source = `export const unique = ${Math.random()};\n`;
  const before = transpileCacheSize();
  const a = await transpileModule("/a.ts", source);
  const b = await transpileModule("/b.ts", source);
  assert.equal(a, b);
  assert.equal(transpileCacheSize(), before + 1);
});

Deno.test("transpileModule reports syntax errors with file, line and column", async () => {
  await assert.rejects(
    transpileModule("/servers/x/y.ts", "const a = 1;\nconst b = (;\n"),
    (e) => {
      assert.ok(e instanceof SandboxCompileError);
      assert.equal(e.code, "SANDBOX_COMPILE");
      assert.equal(e.file, "/servers/x/y.ts");
      assert.equal(e.line, 2);
      assert.equal(e.column, 12);
      assert.match(e.message, /^Syntax error: .+ at \/servers\/x\/y\.ts:2:12$/);
      assert.match(e.snippet ?? "", /\^/);
      return true;
    },
  );
});

Deno.test("a program that crashes the type stripper fails alone; the next one compiles", async () => {
  // 800,000 nested parentheses make swc run out of WebAssembly memory. Before the
  // stripper had its own worker, its instance stayed broken for every later module.
  const deep = "export default " + "(".repeat(800_000) + "1" + ")".repeat(800_000) + ";\n";
  await assert.rejects(transpileModule("/main.ts", deep), (e) => {
    assert.ok(e instanceof SandboxCompileError);
    assert.equal(e.code, "SANDBOX_COMPILE");
    assert.match(e.message, /^Cannot compile: the type stripper crashed \(RuntimeError: .+\)/);
    assert.match(e.message, /at \/main\.ts:1:1$/);
    return true;
  });
  const { code } = await transpileModule("/next.ts", `const ok: string = "${Math.random()}";\n`);
  assert.match(code, /^const ok {9}= "/);
});

Deno.test("a module that keeps the type stripper past its deadline fails alone", async () => {
  // Stripping 40,000 declarations takes far longer than the 1 ms allowed here.
  const big = Array.from({ length: 40_000 }, (_, i) => `const v${i}: number = ${i};`).join("\n");
  const previous = setTranspileTimeout(1);
  try {
    await assert.rejects(transpileModule("/big.ts", big), (e) => {
      assert.ok(e instanceof SandboxCompileError);
      assert.match(e.message, /^Cannot compile: stripping types took longer than 1 ms/);
      return true;
    });
  } finally {
    setTranspileTimeout(previous);
  }
  const { code } = await transpileModule("/after.ts", `const s: string = "${Math.random()}";\n`);
  assert.match(code, /^const s {9}= "/);
  assert.throws(() => setTranspileTimeout(0), RangeError);
});
