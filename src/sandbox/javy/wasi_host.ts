/**
 * A minimal WASI preview 1 host for Javy plugins: no filesystem, no
 * environment, no arguments. It offers clocks and random bytes, and hands
 * every read and write of a file descriptor to an {@link WasiStreams}
 * object. A read may answer with a promise: `fd_read` is a
 * `WebAssembly.Suspending` import, so the WebAssembly stack suspends until
 * it settles when the module was entered through `WebAssembly.promising`.
 *
 * @module
 */

/** WASI errno values this host returns. */
export const Errno = {
  SUCCESS: 0,
  BADF: 8,
  INVAL: 28,
  NOSYS: 52,
  SPIPE: 70,
  NOTCAPABLE: 76,
} as const;

/** Where the host sends writes and takes reads. */
export interface WasiStreams {
  /** Takes `bytes` written to `fd`; returns false when `fd` is not writable. */
  write(fd: number, bytes: Uint8Array): boolean;
  /**
   * Bytes to read from `fd`, at most `max` of them: an empty array is end
   * of file, `undefined` a bad descriptor, a promise a read that blocks.
   */
  read(fd: number, max: number): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Whether `fd` is open (0 to 2 and the bridge descriptor). */
  isOpen(fd: number): boolean;
}

/** Thrown by `proc_exit`: the module asked to exit with `code`. */
export class WasiExit extends Error {
  /** The exit code. */
  readonly code: number;
  constructor(code: number) {
    super(`The program exited with code ${code}`);
    this.name = "WasiExit";
    this.code = code;
  }
}

/** Thrown by an import mcpx does not provide, naming it. */
export class MissingImportError extends Error {
  constructor(readonly importName: string) {
    super(
      `The Javy plugin called the host function "${importName}", which mcpx does not provide`,
    );
    this.name = "MissingImportError";
  }
}

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => unknown;

/** The WASI preview 1 functions, bound to one instance's memory. */
export class WasiHost {
  /** The memory of the instance, set once it is instantiated. */
  memory: WebAssembly.Memory | undefined;
  readonly #streams: WasiStreams;

  constructor(streams: WasiStreams) {
    this.#streams = streams;
  }

  #view(): DataView {
    return new DataView(this.memory!.buffer);
  }

  #bytes(): Uint8Array {
    return new Uint8Array(this.memory!.buffer);
  }

  /** The functions of `wasi_snapshot_preview1` this host implements. */
  functions(): Record<string, Fn> {
    const zeroSizes = (countPtr: number, sizePtr: number) => {
      const v = this.#view();
      v.setUint32(countPtr, 0, true);
      v.setUint32(sizePtr, 0, true);
      return Errno.SUCCESS;
    };
    const fdRead = (fd: number, iovs: number, iovsLen: number, nread: number) => {
      let max = 0;
      const v = this.#view();
      for (let i = 0; i < iovsLen; i++) max += v.getUint32(iovs + i * 8 + 4, true);
      const got = this.#streams.read(fd, max);
      const finish = (data: Uint8Array | undefined): number => {
        if (data === undefined) return Errno.BADF;
        const view = this.#view();
        const mem = this.#bytes();
        let done = 0;
        for (let i = 0; i < iovsLen && done < data.length; i++) {
          const ptr = view.getUint32(iovs + i * 8, true);
          const len = view.getUint32(iovs + i * 8 + 4, true);
          const n = Math.min(len, data.length - done);
          mem.set(data.subarray(done, done + n), ptr);
          done += n;
        }
        view.setUint32(nread, done, true);
        return Errno.SUCCESS;
      };
      return got instanceof Promise ? got.then(finish) : finish(got);
    };
    return {
      args_get: () => Errno.SUCCESS,
      args_sizes_get: zeroSizes,
      environ_get: () => Errno.SUCCESS,
      environ_sizes_get: zeroSizes,
      clock_res_get: (_id: number, out: number) => {
        this.#view().setBigUint64(out, 1_000n, true);
        return Errno.SUCCESS;
      },
      clock_time_get: (id: number, _precision: bigint, out: number) => {
        let ns: bigint;
        if (id === 0) ns = BigInt(Date.now()) * 1_000_000n;
        else if (id === 1) ns = BigInt(Math.round(performance.now() * 1_000_000));
        else if (id === 2 || id === 3) ns = BigInt(Math.round(performance.now() * 1_000_000));
        else return Errno.INVAL;
        this.#view().setBigUint64(out, ns, true);
        return Errno.SUCCESS;
      },
      fd_write: (fd: number, iovs: number, iovsLen: number, nwritten: number) => {
        const v = this.#view();
        const mem = this.#bytes();
        let total = 0;
        for (let i = 0; i < iovsLen; i++) total += v.getUint32(iovs + i * 8 + 4, true);
        const out = new Uint8Array(total);
        let at = 0;
        for (let i = 0; i < iovsLen; i++) {
          const ptr = v.getUint32(iovs + i * 8, true);
          const len = v.getUint32(iovs + i * 8 + 4, true);
          out.set(mem.subarray(ptr, ptr + len), at);
          at += len;
        }
        if (!this.#streams.write(fd, out)) return Errno.BADF;
        v.setUint32(nwritten, total, true);
        return Errno.SUCCESS;
      },
      fd_read: new (WebAssembly as unknown as { Suspending: new (f: Fn) => Fn }).Suspending(
        fdRead,
      ),
      fd_close: (fd: number) => this.#streams.isOpen(fd) ? Errno.SUCCESS : Errno.BADF,
      fd_fdstat_get: (fd: number, out: number) => {
        if (!this.#streams.isOpen(fd)) return Errno.BADF;
        const v = this.#view();
        v.setUint8(out, 2); // character device
        v.setUint16(out + 2, 0, true);
        v.setBigUint64(out + 8, 0xffff_ffff_ffff_ffffn, true);
        v.setBigUint64(out + 16, 0xffff_ffff_ffff_ffffn, true);
        return Errno.SUCCESS;
      },
      fd_fdstat_set_flags: () => Errno.NOTCAPABLE,
      fd_prestat_get: () => Errno.BADF,
      fd_prestat_dir_name: () => Errno.BADF,
      fd_seek: (fd: number) => this.#streams.isOpen(fd) ? Errno.SPIPE : Errno.BADF,
      poll_oneoff: () => Errno.NOSYS,
      sched_yield: () => Errno.SUCCESS,
      random_get: (ptr: number, len: number) => {
        const mem = this.#bytes();
        for (let at = 0; at < len; at += 65_536) {
          crypto.getRandomValues(mem.subarray(ptr + at, ptr + Math.min(len, at + 65_536)));
        }
        return Errno.SUCCESS;
      },
      proc_exit: (code: number) => {
        throw new WasiExit(code);
      },
    };
  }
}

/**
 * The import object of a Javy plugin: WASI preview 1 from `wasi` (other WASI
 * functions answer `NOTCAPABLE`: there is no filesystem), and every other
 * function import linked to a function that throws a
 * {@link MissingImportError} naming it, so the plugin loads and runs
 * programs that never call it.
 *
 * @throws {TypeError} When the plugin imports something other than a function
 * outside WASI (a memory, table or global), naming it.
 */
export function pluginImports(module: WebAssembly.Module, wasi: WasiHost): WebAssembly.Imports {
  const provided = wasi.functions();
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    const ns = imports[imp.module] ??= {};
    const name = `${imp.module}.${imp.name}`;
    if (imp.kind !== "function") {
      throw new TypeError(
        `Cannot load the Javy plugin: it imports the ${imp.kind} "${name}", which mcpx does not provide`,
      );
    }
    if (imp.module === "wasi_snapshot_preview1") {
      ns[imp.name] = (provided[imp.name] ?? (() => Errno.NOTCAPABLE)) as WebAssembly.ImportValue;
    } else {
      ns[imp.name] = () => {
        throw new MissingImportError(name);
      };
    }
  }
  return imports;
}
