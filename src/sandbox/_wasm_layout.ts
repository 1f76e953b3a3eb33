// Where the QuickJS WebAssembly module keeps its static data, its stack and
// its heap, read from the module's bytes.
//
// The Emscripten build lays linear memory out as [static data][stack][heap]:
// the stack (STACK_SIZE bytes) grows down from the initial value of the first
// global (`__stack_pointer`), and the heap starts right above it. The warm
// path of the sandbox restores the static data and the heap between
// executions and leaves the stack alone (nothing on it is live between
// calls), so it needs these two addresses.

/** The stack size the QuickJS variant is built with (`-s STACK_SIZE=5MB`). */
export const QUICKJS_STACK_SIZE = 5 * 1024 * 1024;

/** Addresses in the module's linear memory. */
export interface WasmLayout {
  /** End of static data and bss: everything below must be restored. */
  dataEnd: number;
  /** Top of the stack, where the heap starts. */
  stackTop: number;
}

/**
 * Reads the layout of an Emscripten module, or returns why it cannot: the
 * first global must be a mutable i32 with a constant initial value (the stack
 * pointer), and every active data segment must end below the stack.
 */
export function wasmLayout(bytes: Uint8Array, stackSize = QUICKJS_STACK_SIZE): WasmLayout | string {
  let p = 8;
  const u = (): number => {
    let r = 0;
    let shift = 0;
    let b;
    do {
      if (p >= bytes.length) throw new RangeError("truncated module");
      b = bytes[p++];
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const s32 = (): number => {
    let r = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[p++];
      r |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (shift < 32 && (b & 0x40)) r |= -1 << shift;
    return r;
  };
  let stackTop: number | undefined;
  let dataEnd = 0;
  try {
    while (p < bytes.length) {
      const id = bytes[p++];
      const size = u();
      const end = p + size;
      if (id === 6 && stackTop === undefined) {
        if (u() === 0) return "the module has no globals";
        const type = bytes[p++];
        const mutable = bytes[p++];
        if (type !== 0x7f || mutable !== 1 || bytes[p++] !== 0x41) {
          return "the first global is not a mutable i32 set by a constant";
        }
        stackTop = s32();
      } else if (id === 11) {
        const n = u();
        for (let i = 0; i < n; i++) {
          const flag = u();
          if (flag === 1) {
            p += u();
            continue;
          }
          if (flag === 2) u();
          if (bytes[p++] !== 0x41) return "a data segment has a non-constant offset";
          const offset = s32();
          if (bytes[p++] !== 0x0b) return "a data segment offset is not a single constant";
          const length = u();
          dataEnd = Math.max(dataEnd, offset + length);
          p += length;
        }
      }
      p = end;
    }
  } catch (e) {
    return `the module cannot be read: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (stackTop === undefined) return "the module has no stack pointer";
  if (stackTop - stackSize < dataEnd) {
    return `the stack (top ${stackTop}) would overlap static data ending at ${dataEnd}`;
  }
  return { dataEnd: stackTop - stackSize, stackTop };
}
