// Messages between the host (QuickJSEngine) and a sandbox worker. One
// message goes each way per execution, plus one pair per tool call. Every
// host message after `init` also rings the worker's doorbell (slot 1 of the
// shared `cancel` buffer counts them), which the worker waits on when it has
// nothing else to do.

import type { EngineLimits, ExecuteOutcome } from "./engine.ts";
import type { WasmLayout } from "./_wasm_layout.ts";

/** Host → worker. */
export type ToWorker =
  | {
    t: "init";
    /** The QuickJS WebAssembly module, compiled once on the host. */
    wasm: WebAssembly.Module;
    /**
     * Two Int32 slots: the id of an execution to cancel, read by the
     * interrupt handler; the host's messages sent since `init` (the doorbell).
     */
    cancel: SharedArrayBuffer;
    /** Replace the worker when its WebAssembly memory grew past this after an execution. */
    recycleBytes: number;
    /** Where the module keeps static data, stack and heap; a string says why the warm path is off. */
    layout: WasmLayout | string;
  }
  | {
    t: "run";
    id: number;
    entry: string;
    /** The tree, when the worker does not hold tree `treeId` yet. */
    files?: ReadonlyMap<string, string>;
    /** Identity of the tree; 0 for a tree that is not kept. */
    treeId: number;
    /** Files of this execution only (the entry and session files). */
    extraFiles: ReadonlyMap<string, string>;
    limits: EngineLimits;
  }
  | { t: "reply"; id: number; call: number; json: string }
  | { t: "cancel"; id: number }
  /** Stops (`on`) or restarts the clock of execution `id`, while a person is asked. */
  | { t: "hold"; id: number; on: boolean };

/** Worker → host. */
export type FromWorker =
  /** `cold`: why the worker runs each execution in a fresh runtime, when it does. */
  | { t: "ready"; cold?: string }
  | { t: "initError"; message: string }
  | {
    t: "call";
    id: number;
    call: number;
    server: string;
    tool: string;
    args: string;
    /** The entry program's line that made the call, when known. */
    line?: number;
  }
  | { t: "done"; id: number; outcome: ExecuteOutcome; recycle: boolean }
  | { t: "poisoned"; message: string };
