/**
 * The Javy sandbox worker, started without any permission. It receives the
 * plugin (a compiled WebAssembly module, with its memory capped), compiles
 * the program's JavaScript to bytecode through the plugin's `compile-src`
 * (or takes a `-C dynamic` module), and runs it through `invoke` entered
 * with `WebAssembly.promising`, so that the blocking reads of the tool
 * bridge suspend the WebAssembly stack while the host answers.
 *
 * @module
 */

import type { EngineLimits, ExecuteOutcome } from "../engine.ts";
import { JavyExecution } from "./_execution.ts";
import { pluginImports, WasiHost } from "./wasi_host.ts";

/** Host → worker. */
export type ToJavyWorker =
  | {
    t: "run";
    plugin: WebAssembly.Module;
    /** Bytes the plugin's memory may reach (its patched maximum); 0 when not capped. */
    memoryCeiling: number;
    limits: EngineLimits;
    /** JavaScript to compile and run, or to compile only. */
    source?: string;
    compileOnly?: boolean;
    /** Bytecode compiled earlier by the same plugin, to run without compiling. */
    bytecode?: Uint8Array;
    /** Whether the plugin needs `initialize-runtime` (known from an earlier compile). */
    initialize?: boolean;
    /** A module in the `javy build -C dynamic` shape, and the namespace it imports. */
    dynamic?: { module: WebAssembly.Module; namespace: string };
  }
  | { t: "reply"; call: number; json: string };

/** Worker → host. */
export type FromJavyWorker =
  | { t: "call"; call: number; server: string; tool: string; args: string }
  | { t: "compiled"; bytecode: Uint8Array; initialize: boolean }
  | { t: "done"; outcome: ExecuteOutcome };

// deno-lint-ignore no-explicit-any
const scope = self as any as {
  onmessage: ((e: MessageEvent<ToJavyWorker>) => void) | null;
  postMessage(m: FromJavyWorker): void;
};
const post = (m: FromJavyWorker) => scope.postMessage(m);
let current: JavyExecution | undefined;

scope.onmessage = (e) => {
  const m = e.data;
  if (m.t === "reply") current?.reply(m.call, m.json);
  else run(m).then((outcome) => outcome && post({ t: "done", outcome }));
};

interface PluginExports {
  memory: WebAssembly.Memory;
  cabi_realloc: (ptr: number, oldLen: number, align: number, len: number) => number;
  "compile-src": (ptr: number, len: number) => number;
  invoke: (...args: number[]) => void;
  "initialize-runtime": () => void;
  "config-schema"?: () => number;
}

/**
 * Whether the plugin takes Javy's shared runtime configuration (as the
 * default plugin does: `config-schema` lists the options and
 * `initialize-runtime` reads JSON from stdin) with an `event-loop` option.
 */
function takesEventLoopConfig(p: PluginExports): boolean {
  if (typeof p["config-schema"] !== "function") return false;
  try {
    const ret = p["config-schema"]!();
    const v = new DataView(p.memory.buffer);
    const json = new TextDecoder().decode(
      new Uint8Array(p.memory.buffer, v.getUint32(ret, true), v.getUint32(ret + 4, true)),
    );
    const schema = JSON.parse(json) as { supportedProperties?: { name?: unknown }[] };
    return schema.supportedProperties?.some((o) => o.name === "event-loop") ?? false;
  } catch {
    return false;
  }
}

const EVENT_LOOP_CONFIG = new TextEncoder().encode('{"event-loop":true}');

const promising = (WebAssembly as unknown as {
  promising: <F>(f: F) => (...args: unknown[]) => Promise<unknown>;
}).promising;

function instantiate(plugin: WebAssembly.Module, exec: JavyExecution): PluginExports {
  const wasi = new WasiHost(exec);
  const instance = new WebAssembly.Instance(plugin, pluginImports(plugin, wasi));
  const exports = instance.exports as unknown as PluginExports;
  wasi.memory = exports.memory;
  exec.memory = exports.memory;
  return exports;
}

function write(p: PluginExports, bytes: Uint8Array): number {
  const ptr = p.cabi_realloc(0, 0, 1, bytes.length);
  new Uint8Array(p.memory.buffer).set(bytes, ptr);
  return ptr;
}

/**
 * Calls an export through JSPI: every entry into the plugin may reach
 * `fd_read`, a suspending import, which traps when not entered this way.
 */
async function enter(f: (...args: never[]) => unknown, ...args: number[]): Promise<number> {
  return await promising(f)(...args) as number;
}

/** `compile-src`, with its canonical-ABI result: bytecode, or the plugin's error text. */
async function compile(
  p: PluginExports,
  source: Uint8Array,
): Promise<{ bytecode: Uint8Array } | { error: string }> {
  const ret = await enter(p["compile-src"], write(p, source), source.length);
  const v = new DataView(p.memory.buffer);
  const tag = v.getUint8(ret); // the canonical ABI discriminant of `result`
  const ptr = v.getUint32(ret + 4, true);
  const len = v.getUint32(ret + 8, true);
  const bytes = new Uint8Array(p.memory.buffer, ptr, len).slice();
  return tag === 0 ? { bytecode: bytes } : { error: new TextDecoder().decode(bytes) };
}

const NOT_INITIALIZED = /not initialized/i;

async function run(m: Extract<ToJavyWorker, { t: "run" }>): Promise<ExecuteOutcome | undefined> {
  const exec = new JavyExecution(
    m.limits,
    (call, server, tool, args) => post({ t: "call", call, server, tool, args }),
  );
  current = exec;
  exec.memoryCeiling = m.memoryCeiling;
  let initialize = m.initialize ?? false;
  try {
    let bytecode: Uint8Array | undefined = m.bytecode;
    if (m.source !== undefined) {
      const src = new TextEncoder().encode(m.source);
      let p = instantiate(m.plugin, exec);
      let c = await compile(p, src);
      if ("error" in c && NOT_INITIALIZED.test(c.error)) {
        // A plugin that `javy init-plugin` did not initialize: initialize it ourselves.
        initialize = true;
        p = instantiate(m.plugin, exec);
        await enter(p["initialize-runtime"]);
        c = await compile(p, src);
      }
      if ("error" in c) {
        const outcome = exec.outcome();
        return {
          ...outcome,
          ok: false,
          error: { code: "SANDBOX_COMPILE", name: "SyntaxError", message: c.error },
        };
      }
      bytecode = c.bytecode;
      post({ t: "compiled", bytecode, initialize });
      if (m.compileOnly) return undefined;
    }
    if (m.source === undefined && m.initialize === undefined) {
      const probe = await compile(instantiate(m.plugin, exec), new Uint8Array(0));
      initialize = "error" in probe && NOT_INITIALIZED.test(probe.error);
    }
    const p = instantiate(m.plugin, exec);
    if (takesEventLoopConfig(p)) {
      // Async programs need the event loop, which Javy's default plugin leaves off.
      exec.stdin = EVENT_LOOP_CONFIG;
      await enter(p["initialize-runtime"]);
      exec.stdin = new Uint8Array(0);
    } else if (initialize) {
      await enter(p["initialize-runtime"]);
    }
    if (m.dynamic !== undefined) {
      const program = new WebAssembly.Instance(m.dynamic.module, {
        [m.dynamic.namespace]: {
          cabi_realloc: p.cabi_realloc,
          invoke: p.invoke,
          memory: p.memory,
        },
      });
      await promising((program.exports as { _start: () => void })._start)();
    } else {
      const ptr = write(p, bytecode!);
      await enter(p.invoke, ptr, bytecode!.length, 0, 0, 0);
    }
    return exec.outcome();
  } catch (e) {
    return exec.outcome(e);
  } finally {
    current = undefined;
  }
}
