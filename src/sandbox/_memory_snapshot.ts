// The warm path of the sandbox: one QuickJS runtime and context per worker,
// put back to a pristine state between executions by copying a snapshot of
// the WebAssembly memory over it.
//
// Everything QuickJS and its allocator know lives in linear memory: static
// data (the allocator's state, the heap break) and the heap (the runtime, the
// context, every object, module, job and timer-less promise). Restoring those
// two regions restores all of it; the stack between them holds nothing live
// between calls. What lives on the JavaScript side of quickjs-emscripten (its
// table of host functions, its cached handles) is saved and restored too.
//
// Two facts are found by experiment when a worker starts, and the warm path is
// used only when both are found and a self-check passes:
// - the address of the heap break (the word that grows when `malloc` takes
//   more memory), to know where the heap ends;
// - the address of the context's `Math.random` state, reseeded after every
//   restore so that executions do not share a random sequence.

import type { QuickJSContext, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";
import type { WasmLayout } from "./_wasm_layout.ts";

/** A copy of the static data and the heap. */
export interface Snapshot {
  readonly data: Uint8Array;
  readonly heap: Uint8Array;
  /** The JavaScript-side state that goes with it. */
  readonly js: JsState;
}

interface HostRefMapLike {
  nextId: number;
  freelist: number[];
  groups: Map<number, Map<number, unknown>>;
}
interface ScopeLike {
  _disposables: { value: Set<unknown> };
}
interface JsState {
  hostRefs: { nextId: number; freelist: number[]; groups: [number, Map<number, unknown>][] };
  rtScope: Set<unknown>;
  ctxScope: Set<unknown>;
  ctxFields: [string, unknown][];
}

/** Lazily cached handles of a `QuickJSContext`: made during an execution, they die with its memory. */
const CONTEXT_FIELDS = [
  "_undefined",
  "_null",
  "_false",
  "_true",
  "_global",
  "_BigInt",
  "_Symbol",
  "_SymbolIterator",
  "_SymbolAsyncIterator",
];
const PROBE_BYTES = 4 * 1024 * 1024;

/** Takes and restores snapshots of one QuickJS instance's memory. */
export class MemorySnapshots {
  readonly #memory: WebAssembly.Memory;
  readonly #layout: WasmLayout;
  readonly #breakAt: number;
  #randomAt = -1;
  #rt: QuickJSRuntime | undefined;
  #ctx: QuickJSContext | undefined;

  private constructor(memory: WebAssembly.Memory, layout: WasmLayout, breakAt: number) {
    this.#memory = memory;
    this.#layout = layout;
    this.#breakAt = breakAt;
  }

  /**
   * Finds the heap break of a QuickJS module that has not made a runtime yet,
   * or returns why it cannot.
   */
  static forModule(
    qjs: QuickJSWASMModule,
    memory: WebAssembly.Memory,
    layout: WasmLayout,
  ): MemorySnapshots | string {
    const module = (qjs as unknown as {
      module?: { _malloc?(n: number): number; _free?(p: number): void };
    }).module;
    if (typeof module?._malloc !== "function" || typeof module._free !== "function") {
      return "the QuickJS module does not expose malloc";
    }
    if (memory.buffer.byteLength < layout.stackTop) return "the memory is smaller than its layout";
    const words = layout.dataEnd >>> 2;
    const before = new Uint32Array(memory.buffer, 0, words).slice();
    const size = memory.buffer.byteLength;
    const ptr = module._malloc(PROBE_BYTES);
    if (ptr === 0) return "malloc failed";
    const after = new Uint32Array(memory.buffer, 0, words);
    const hits: number[] = [];
    for (let i = 0; i < words; i++) {
      const b = before[i];
      if (b <= layout.stackTop || b > size) continue;
      // The break moved by the block at least, and now ends right past it.
      const a = after[i];
      if (a - b >= PROBE_BYTES && a >= ptr + PROBE_BYTES && a - (ptr + PROBE_BYTES) < 65_536) {
        hits.push(i * 4);
      }
    }
    module._free(ptr);
    if (hits.length !== 1) return `the heap break was found at ${hits.length} places`;
    return new MemorySnapshots(memory, layout, hits[0]);
  }

  /** Where the heap ends now. */
  get heapTop(): number {
    return new Uint32Array(this.#memory.buffer)[this.#breakAt >>> 2];
  }

  /**
   * Binds the runtime and context that snapshots are of and finds the
   * context's random state; returns why it cannot.
   */
  bind(rt: QuickJSRuntime, ctx: QuickJSContext): string | undefined {
    this.#rt = rt;
    this.#ctx = ctx;
    const random = ctx.unwrapResult(ctx.evalCode("Math.random"));
    try {
      const { stackTop } = this.#layout;
      const top = this.heapTop;
      const s1 = new Uint8Array(this.#memory.buffer).slice(stackTop, top);
      const r = ctx.callFunction(random, ctx.undefined);
      if (r.error) {
        r.error.dispose();
        return "Math.random failed";
      }
      const value = ctx.getNumber(r.value);
      r.value.dispose();
      const s2 = new Uint8Array(this.#memory.buffer).slice(stackTop, top);
      const d1 = new DataView(s1.buffer);
      const d2 = new DataView(s2.buffer);
      const hits: number[] = [];
      for (let o = 0; o + 8 <= s1.length; o += 4) {
        const a = d1.getBigUint64(o, true);
        if (a === 0n || a === d2.getBigUint64(o, true)) continue;
        const next = xorshift64(a);
        if (next === d2.getBigUint64(o, true) && randomValue(next) === value) hits.push(o);
      }
      if (hits.length !== 1) return `the random state was found at ${hits.length} places`;
      this.#randomAt = stackTop + hits[0];
      return undefined;
    } finally {
      random.dispose();
    }
  }

  /** Copies the static data, the heap and the JavaScript-side state. */
  take(): Snapshot {
    const u8 = new Uint8Array(this.#memory.buffer);
    const { dataEnd, stackTop } = this.#layout;
    const top = this.heapTop;
    if (top < stackTop || top > u8.length) throw new RangeError(`Heap break ${top} out of range`);
    return { data: u8.slice(0, dataEnd), heap: u8.slice(stackTop, top), js: this.#jsState() };
  }

  /** Puts memory and the JavaScript-side state back to `s`, and reseeds `Math.random`. */
  restore(s: Snapshot): void {
    const u8 = new Uint8Array(this.#memory.buffer);
    u8.set(s.data, 0);
    u8.set(s.heap, this.#layout.stackTop);
    this.#restoreJs(s.js);
    if (this.#randomAt >= 0) {
      const seed = new BigUint64Array(1);
      do crypto.getRandomValues(seed); while (seed[0] === 0n);
      new DataView(this.#memory.buffer).setBigUint64(this.#randomAt, seed[0], true);
    }
  }

  #jsState(): JsState {
    const rt = this.#rt as unknown as { hostRefs: HostRefMapLike; scope: ScopeLike };
    const ctx = this.#ctx as unknown as Record<string, unknown> & { memory: { scope: ScopeLike } };
    return {
      hostRefs: {
        nextId: rt.hostRefs.nextId,
        freelist: [...rt.hostRefs.freelist],
        groups: [...rt.hostRefs.groups].map(([k, v]) => [k, new Map(v)]),
      },
      rtScope: new Set(rt.scope._disposables.value),
      ctxScope: new Set(ctx.memory.scope._disposables.value),
      ctxFields: CONTEXT_FIELDS.map((f) => [f, ctx[f]]),
    };
  }

  #restoreJs(s: JsState): void {
    const rt = this.#rt as unknown as { hostRefs: HostRefMapLike; scope: ScopeLike };
    const ctx = this.#ctx as unknown as Record<string, unknown> & { memory: { scope: ScopeLike } };
    rt.hostRefs.nextId = s.hostRefs.nextId;
    rt.hostRefs.freelist = [...s.hostRefs.freelist];
    rt.hostRefs.groups = new Map(s.hostRefs.groups.map(([k, v]) => [k, new Map(v)]));
    replace(rt.scope._disposables.value, s.rtScope);
    replace(ctx.memory.scope._disposables.value, s.ctxScope);
    for (const [f, v] of s.ctxFields) ctx[f] = v;
  }
}

function replace(target: Set<unknown>, source: Set<unknown>): void {
  target.clear();
  for (const v of source) target.add(v);
}

const MASK = (1n << 64n) - 1n;

/** One step of quickjs-ng's `Math.random` generator (xorshift64*), on its state. */
function xorshift64(x: bigint): bigint {
  x ^= x >> 12n;
  x ^= (x << 25n) & MASK;
  x ^= x >> 27n;
  return x;
}

/** The number `Math.random` returns for state `x`. */
function randomValue(x: bigint): number {
  const bits = (((x * 0x2545f4914f6cdd1dn) & MASK) >> 12n) | (1023n << 52n);
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits, true);
  return view.getFloat64(0, true) - 1;
}
