/**
 * The few pieces of the WebAssembly binary format the Javy backend needs:
 * reading a module's sections, imports and data segments, setting a maximum
 * on its memory, and writing the small module that `javy build -C dynamic`
 * produces (bytecode in a passive data segment, run through the plugin's
 * `cabi_realloc` and `invoke`).
 *
 * @module
 */

/** One section of a module, as byte offsets into it. */
export interface WasmSection {
  /** Section id (0 custom, 2 import, 5 memory, 11 data…). */
  id: number;
  /** Offset of the section's id byte. */
  start: number;
  /** Offset of the section's contents. */
  contentStart: number;
  /** Offset just past the section. */
  end: number;
  /** The name of a custom section. */
  name?: string;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, pos = 0) {
    this.pos = pos;
  }
  byte(): number {
    if (this.pos >= this.bytes.length) throw new RangeError("unexpected end of the module");
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 35) throw new RangeError("invalid LEB128 number");
    }
  }
  name(): string {
    const len = this.u32();
    const s = decoder.decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
  limits(): { min: number; max?: number; flags: number } {
    const flags = this.byte();
    const min = this.u32();
    const max = (flags & 1) !== 0 ? this.u32() : undefined;
    return { flags, min, max };
  }
}

/**
 * Lists the sections of a module.
 *
 * @throws {TypeError} When `bytes` is not a WebAssembly module.
 */
export function sections(bytes: Uint8Array): WasmSection[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new TypeError("Not a WebAssembly module: the magic number or version is wrong");
  }
  const out: WasmSection[] = [];
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const contentStart = r.pos;
    const end = contentStart + size;
    if (end > bytes.length) throw new TypeError(`Truncated WebAssembly module: section ${id}`);
    const section: WasmSection = { id, start, contentStart, end };
    if (id === 0) section.name = new Reader(bytes, contentStart).name();
    out.push(section);
    r.pos = end;
  }
  return out;
}

/** The contents of the custom section `name`, or `undefined`. */
export function customSection(bytes: Uint8Array, name: string): Uint8Array | undefined {
  const s = sections(bytes).find((x) => x.id === 0 && x.name === name);
  if (s === undefined) return undefined;
  const r = new Reader(bytes, s.contentStart);
  r.name();
  return bytes.subarray(r.pos, s.end);
}

/** One passive data segment's bytes, in module order. */
export function passiveDataSegments(bytes: Uint8Array): Uint8Array[] {
  const s = sections(bytes).find((x) => x.id === 11);
  if (s === undefined) return [];
  const r = new Reader(bytes, s.contentStart);
  const count = r.u32();
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r.u32();
    if (kind === 1) {
      const len = r.u32();
      out.push(bytes.subarray(r.pos, r.pos + len));
      r.pos += len;
      continue;
    }
    if (kind === 2) r.u32();
    // An active segment: skip its offset expression (up to `end`), then its bytes.
    while (r.byte() !== 0x0b) { /* constant expression */ }
    const len = r.u32();
    r.pos += len;
  }
  return out;
}

/**
 * Returns a copy of `bytes` whose first defined memory has the maximum
 * `maxPages` (64 KiB pages), keeping its minimum (raised to fit when needed).
 * A module that defines no memory is returned unchanged, with `patched`
 * false.
 */
export function withMemoryMaximum(
  bytes: Uint8Array,
  maxPages: number,
): { bytes: Uint8Array; patched: boolean; minPages?: number } {
  const s = sections(bytes).find((x) => x.id === 5);
  if (s === undefined) return { bytes, patched: false };
  const r = new Reader(bytes, s.contentStart);
  const count = r.u32();
  if (count === 0) return { bytes, patched: false };
  const first = r.limits();
  if ((first.flags & ~1) !== 0) return { bytes, patched: false }; // shared or 64-bit: leave as is
  const rest = bytes.subarray(r.pos, s.end);
  const max = Math.max(maxPages, first.min);
  const content = concat([leb(count), [0x01], leb(first.min), leb(max), rest]);
  const section = concat([[5], leb(content.length), content]);
  return {
    bytes: concat([bytes.subarray(0, s.start), section, bytes.subarray(s.end)]),
    patched: true,
    minPages: first.min,
  };
}

/**
 * Writes a module in the shape `javy build -C dynamic` produces: it imports
 * `cabi_realloc`, `invoke` and `memory` from the plugin's `namespace`, keeps
 * `bytecode` in a passive data segment and exports `_start`, which copies
 * the bytecode into the plugin's memory and invokes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const bytecode = new Uint8Array([1, 2, 3]);
 * const module = dynamicModule("javy_quickjs_provider_v3", bytecode);
 * assert.ok(WebAssembly.validate(module as Uint8Array<ArrayBuffer>));
 * assert.deepEqual(readDynamicModule(module).bytecode, bytecode);
 * ```
 */
export function dynamicModule(namespace: string, bytecode: Uint8Array): Uint8Array {
  const ns = str(namespace);
  const types = section(1, [
    ...leb(3),
    // 0: () -> ()
    0x60,
    0x00,
    0x00,
    // 1: (i32 i32 i32 i32) -> i32
    0x60,
    0x04,
    0x7f,
    0x7f,
    0x7f,
    0x7f,
    0x01,
    0x7f,
    // 2: (i32 i32 i32 i32 i32) -> ()
    0x60,
    0x05,
    0x7f,
    0x7f,
    0x7f,
    0x7f,
    0x7f,
    0x00,
  ]);
  const imports = section(
    2,
    concat([
      leb(3),
      ns,
      str("cabi_realloc"),
      [0x00, 0x01],
      ns,
      str("invoke"),
      [0x00, 0x02],
      ns,
      str("memory"),
      [0x02, 0x00, 0x00],
    ]),
  );
  const functions = section(3, [0x01, 0x00]);
  const exports = section(7, concat([leb(1), str("_start"), [0x00], leb(2)]));
  const dataCount = section(12, [0x01]);
  const len = leb(bytecode.length, true);
  const body = concat([
    [0x01, 0x01, 0x7f], // one local i32
    [0x41, 0x00, 0x41, 0x00, 0x41, 0x01, 0x41],
    len,
    [0x10, 0x00], // call cabi_realloc
    [0x22, 0x00], // local.tee 0
    [0x41, 0x00, 0x41],
    len,
    [0xfc, 0x08, 0x00, 0x00], // memory.init 0 0
    [0xfc, 0x09, 0x00], // data.drop 0
    [0x20, 0x00, 0x41],
    len,
    [0x41, 0x00, 0x41, 0x00, 0x41, 0x00],
    [0x10, 0x01], // call invoke
    [0x0b],
  ]);
  const code = section(10, concat([leb(1), leb(body.length), body]));
  const data = section(11, concat([leb(1), [0x01], leb(bytecode.length), bytecode]));
  return concat([MAGIC, types, imports, functions, exports, dataCount, code, data]);
}

/**
 * What a module in the `-C dynamic` shape links against.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const info: DynamicModuleInfo = readDynamicModule(dynamicModule("ns", new Uint8Array([1])));
 * assert.deepEqual(info, { namespace: "ns", bytecode: new Uint8Array([1]) });
 * ```
 */
export interface DynamicModuleInfo {
  /** The plugin's import namespace. */
  namespace: string;
  /** The bytecode in its first passive data segment. */
  bytecode: Uint8Array;
}

/**
 * Recognizes a module in the `javy build -C dynamic` shape and returns its
 * namespace and bytecode.
 *
 * @throws {TypeError} When the module is not in that shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const info = readDynamicModule(dynamicModule("plugin_ns", new Uint8Array([7])));
 * assert.equal(info.namespace, "plugin_ns");
 * ```
 */
export function readDynamicModule(bytes: Uint8Array): DynamicModuleInfo {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes as BufferSource));
  const invoke = imports.find((i) => i.name === "invoke" && i.kind === "function");
  const memory = imports.find((i) => i.name === "memory" && i.kind === "memory");
  if (invoke === undefined || memory === undefined || invoke.module !== memory.module) {
    throw new TypeError(
      'Not a Javy dynamic module: it does not import "invoke" and "memory" from one plugin namespace',
    );
  }
  const [bytecode] = passiveDataSegments(bytes);
  if (bytecode === undefined) {
    throw new TypeError("Not a Javy dynamic module: it has no passive data segment of bytecode");
  }
  return { namespace: invoke.module, bytecode };
}

function str(s: string): number[] {
  const b = encoder.encode(s);
  return [...leb(b.length), ...b];
}

function section(id: number, content: ArrayLike<number>): Uint8Array {
  return concat([[id], leb(content.length), content]);
}

/** Unsigned LEB128; `signed` writes the signed form (for `i32.const`). */
function leb(n: number, signed = false): number[] {
  const out: number[] = [];
  if (!signed) {
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  }
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function concat(parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
