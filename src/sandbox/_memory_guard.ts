// A ceiling on the WebAssembly heap of a sandbox worker.
//
// QuickJS's own memory limit does not count large strings and array buffers
// (their blocks are accounted with a usable size of zero under Emscripten),
// so a guest could grow the heap far past its limit between two interrupt
// checks. The QuickJS module imports its memory, so the worker supplies one
// whose `grow` refuses to pass the current execution's ceiling: the
// allocation then fails inside QuickJS and the guest gets "out of memory"
// at once.

const PAGE = 65_536;
/** 16 MiB initial, 2 GiB maximum: the values of the QuickJS build. */
const INITIAL_PAGES = 256;
const MAXIMUM_PAGES = 32_768;

/** Owns the worker's WebAssembly memory and its per-execution ceiling. */
export class MemoryGuard {
  /** The memory to instantiate QuickJS with. */
  readonly memory: WebAssembly.Memory;
  #ceiling = Infinity;
  #onRefuse: (() => void) | undefined;

  constructor() {
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
    const grow = memory.grow.bind(memory);
    memory.grow = (delta: number): number => {
      if (memory.buffer.byteLength + delta * PAGE > this.#ceiling) {
        this.#onRefuse?.();
        throw new RangeError("The sandbox memory limit was reached");
      }
      return grow(delta);
    };
    this.memory = memory;
  }

  /** Refuses growth past `bytes` until {@link unlimit}; calls `onRefuse` when it does. */
  limit(bytes: number, onRefuse: () => void): void {
    this.#ceiling = bytes;
    this.#onRefuse = onRefuse;
  }

  /** Lifts the ceiling (between executions). */
  unlimit(): void {
    this.#ceiling = Infinity;
    this.#onRefuse = undefined;
  }
}
