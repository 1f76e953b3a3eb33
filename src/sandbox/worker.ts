/**
 * The sandbox worker. The host starts it without any permission
 * (`deno: { permissions: "none" }`), sends it the QuickJS WebAssembly module
 * it compiled, then one `run` message per execution; tool calls travel back
 * to the host as messages and their replies come in the same way.
 *
 * @module
 */

import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-ng-wasmfile-release-sync";
import { GuestRunner } from "./_guest_runner.ts";
import { MemoryGuard } from "./_memory_guard.ts";
import type { FromWorker, ToWorker } from "./_protocol.ts";
import type { WasmLayout } from "./_wasm_layout.ts";

// The variant's types come through CommonJS interop; it is the sync variant.
const syncVariant = variant as unknown as Extract<
  Parameters<typeof newVariant>[0],
  { type: "sync" }
>;

// deno-lint-ignore no-explicit-any
const scope = self as any as {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker): void;
};

let runner: GuestRunner | undefined;
/** Slot 0: the execution to cancel; slot 1: the host's messages since `init`. */
let shared: Int32Array | undefined;
/** The host's messages handled since `init`. */
let received = 0;
/** The last tree the host sent, kept across executions. */
let tree: { id: number; files: ReadonlyMap<string, string> } | undefined;
const post = (m: FromWorker): void => scope.postMessage(m);

scope.onmessage = (e: MessageEvent<ToWorker>): void => {
  const m = e.data;
  if (m.t !== "init") {
    received++;
    handle(m);
    linger();
    return;
  }
  shared = new Int32Array(m.cancel);
  init(m.wasm, m.cancel, m.recycleBytes, m.layout).then(
    () =>
      post(
        runner!.coldReason === undefined
          ? { t: "ready" }
          : { t: "ready", cold: runner!.coldReason },
      ),
    (err) => post({ t: "initError", message: err instanceof Error ? err.message : String(err) }),
  );
};

/**
 * Waits on the doorbell until the host sends the next message, when that is
 * all there is to do: the message is then handled as soon as this returns,
 * without the slower wake-up of an idle event loop. The wait ends before the
 * running execution's deadline, so that its timer fires on time; a message
 * already on its way (the doorbell is ahead) ends it at once.
 */
function linger(): void {
  if (shared === undefined || runner === undefined) return;
  const ms = Math.min(LINGER_MS, runner.untilDeadline());
  if (ms <= 0 || Atomics.load(shared, 1) !== received) return;
  Atomics.wait(shared, 1, received, ms);
}

/** The longest wait on the doorbell; past it the event loop waits instead. */
const LINGER_MS = 5_000;

function handle(m: Exclude<ToWorker, { t: "init" }>): void {
  switch (m.t) {
    case "run": {
      if (m.files !== undefined) tree = { id: m.treeId, files: m.files };
      else if (tree?.id !== m.treeId) {
        // The host believed this worker held the tree; it does not. Fail loudly.
        throw new Error(`Sandbox worker has no tree ${m.treeId}`);
      }
      runner!.start({
        id: m.id,
        entry: m.entry,
        limits: m.limits,
        tree: tree!.files,
        treeId: m.treeId,
        extra: m.extraFiles,
      });
      if (m.treeId === 0) tree = undefined;
      return;
    }
    case "reply":
      runner?.reply(m.id, m.call, m.json);
      return;
    case "cancel":
      runner?.cancel(m.id);
      return;
    case "hold":
      runner?.hold(m.id, m.on);
      return;
  }
}

async function init(
  wasm: WebAssembly.Module,
  cancel: SharedArrayBuffer,
  recycleBytes: number,
  layout: WasmLayout | string,
): Promise<void> {
  const guard = new MemoryGuard();
  const qjs = await newQuickJSWASMModuleFromVariant(
    newVariant(syncVariant, { wasmModule: wasm, wasmMemory: guard.memory }),
  );
  runner = new GuestRunner(
    qjs,
    guard,
    {
      call: (id, call, server, tool, args, line) =>
        post({ t: "call", id, call, server, tool, args, ...(line === undefined ? {} : { line }) }),
      done: (id, outcome, recycle) => post({ t: "done", id, outcome, recycle }),
      poisoned: (message) => post({ t: "poisoned", message }),
    },
    new Int32Array(cancel),
    recycleBytes,
    layout,
  );
  runner.prepare();
}
