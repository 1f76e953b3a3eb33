import assert from "node:assert/strict";
import { QUICKJS_STACK_SIZE, wasmLayout } from "./_wasm_layout.ts";

const bytes = await Deno.readFile(
  new URL(
    "./emscripten-module.wasm",
    import.meta.resolve("@jitl/quickjs-ng-wasmfile-release-sync"),
  ),
);

Deno.test("wasmLayout reads the stack top and the end of static data of QuickJS", () => {
  const layout = wasmLayout(bytes);
  assert.ok(typeof layout === "object", `no layout: ${layout}`);
  assert.equal(layout.stackTop - layout.dataEnd, QUICKJS_STACK_SIZE);
  assert.ok(layout.dataEnd > 1024 && layout.dataEnd % 4 === 0, `dataEnd ${layout.dataEnd}`);
});

Deno.test("wasmLayout explains why it cannot read a module", () => {
  assert.match(wasmLayout(bytes, 64 * 1024 * 1024) as string, /would overlap static data/);
  assert.match(wasmLayout(bytes.subarray(0, 12)) as string, /cannot be read|no stack pointer/);
  const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  assert.equal(wasmLayout(empty), "the module has no stack pointer");
});
