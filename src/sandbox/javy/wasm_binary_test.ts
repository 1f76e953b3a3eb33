import assert from "node:assert/strict";
import { fixturePluginBytes } from "./testdata/fixture_plugin.ts";
import {
  customSection,
  dynamicModule,
  passiveDataSegments,
  readDynamicModule,
  sections,
  withMemoryMaximum,
} from "./wasm_binary.ts";

Deno.test("wasm binary: a -C dynamic module imports the plugin's namespace and keeps the bytecode passive", () => {
  const bytecode = new Uint8Array(70_000).map((_, i) => i % 251);
  const wasm = dynamicModule("javy-default-plugin-v4", bytecode);
  assert.ok(WebAssembly.validate(wasm as BufferSource));
  const module = new WebAssembly.Module(wasm as BufferSource);
  assert.deepEqual(
    WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`),
    [
      "javy-default-plugin-v4.cabi_realloc:function",
      "javy-default-plugin-v4.invoke:function",
      "javy-default-plugin-v4.memory:memory",
    ],
  );
  assert.deepEqual(WebAssembly.Module.exports(module).map((e) => e.name), ["_start"]);
  const info = readDynamicModule(wasm);
  assert.equal(info.namespace, "javy-default-plugin-v4");
  assert.deepEqual(info.bytecode, bytecode);
  assert.deepEqual(passiveDataSegments(wasm), [bytecode]);
});

Deno.test("wasm binary: _start copies the bytecode with cabi_realloc and memory.init, then invokes it", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const seen: number[][] = [];
  const wasm = dynamicModule("ns", new Uint8Array([9, 8, 7]));
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(wasm as BufferSource), {
    ns: {
      memory,
      cabi_realloc: (...a: number[]) => (seen.push(a), 100),
      invoke: (...a: number[]) => seen.push(a),
    },
  });
  (exports._start as () => void)();
  assert.deepEqual(seen, [[0, 0, 1, 3], [100, 3, 0, 0, 0]]);
  assert.deepEqual([...new Uint8Array(memory.buffer, 100, 3)], [9, 8, 7]);
});

Deno.test("wasm binary: other modules are not taken for -C dynamic ones", async () => {
  assert.throws(
    () => readDynamicModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])),
    /Not a Javy dynamic module/,
  );
  assert.throws(() => sections(new Uint8Array([1, 2, 3])), /Not a WebAssembly module/);
  const plugin = await fixturePluginBytes();
  assert.throws(() => readDynamicModule(plugin), /Not a Javy dynamic module/);
});

Deno.test("wasm binary: a maximum is set on the plugin's memory, custom sections are read", async () => {
  const plugin = await fixturePluginBytes();
  assert.equal(
    new TextDecoder().decode(customSection(plugin, "import_namespace")),
    "mcpx-fixture-v1",
  );
  assert.equal(customSection(plugin, "nope"), undefined);
  const { bytes, patched, minPages } = withMemoryMaximum(plugin, 5);
  assert.ok(patched);
  assert.equal(minPages, 2);
  const mem = WebAssembly.Module.exports(new WebAssembly.Module(bytes as BufferSource));
  assert.ok(mem.some((e) => e.name === "memory"));
  // Instantiate with trapping imports and check growth stops at the maximum.
  const imports: Record<string, Record<string, () => void>> = {};
  for (const i of WebAssembly.Module.imports(new WebAssembly.Module(bytes as BufferSource))) {
    (imports[i.module] ??= {})[i.name] = () => {};
  }
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), imports);
  const memory = inst.exports.memory as WebAssembly.Memory;
  memory.grow(3);
  assert.throws(() => memory.grow(1), RangeError);
});
