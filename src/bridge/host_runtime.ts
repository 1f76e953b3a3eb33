/**
 * Running generated tool modules outside the sandbox: installs the host hook
 * their `runtime.ts` calls, backed by a {@link Bridge}.
 *
 * @module
 */

import type { CallEnvelope } from "./envelope.ts";

/** The `globalThis` key under which the runtime looks for its host hook. */
export const HOST_HOOK_KEY: symbol = Symbol.for("mcpx.host");

/** The hook the generated runtime calls for every tool call. */
export interface HostHook {
  callTool(server: string, tool: string, args: unknown): Promise<CallEnvelope>;
}

/**
 * Anything that can answer tool calls, such as a {@link Bridge}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const caller: ToolCaller = {
 *   callTool: (server, tool) => Promise.resolve({ ok: true, value: `${server}/${tool}` }),
 * };
 * assert.deepEqual(await caller.callTool("fs", "list", {}), { ok: true, value: "fs/list" });
 * ```
 */
export interface ToolCaller {
  /** Calls `tool` of `server` and answers with an envelope instead of throwing. */
  callTool(server: string, tool: string, args: unknown): Promise<CallEnvelope>;
}

/**
 * Sets `globalThis[Symbol.for("mcpx.host")]` so generated modules imported in
 * this process call tools through `bridge`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const calls: string[] = [];
 * const uninstall = installHostRuntime({
 *   callTool: (server, tool) => {
 *     calls.push(`${server}/${tool}`);
 *     return Promise.resolve({ ok: true, value: 3 });
 *   },
 * });
 * try {
 *   // Generated tool modules call through the hook installed on globalThis.
 *   const hook = (globalThis as Record<symbol, unknown>)[Symbol.for("mcpx.host")] as {
 *     callTool(s: string, t: string, a: unknown): Promise<unknown>;
 *   };
 *   assert.deepEqual(await hook.callTool("calc", "add", { a: 1, b: 2 }), { ok: true, value: 3 });
 *   assert.deepEqual(calls, ["calc/add"]);
 * } finally {
 *   uninstall();
 * }
 * ```
 * @returns A function that restores the previous hook (or removes this one).
 */
export function installHostRuntime(bridge: ToolCaller): () => void {
  const g = globalThis as unknown as Record<symbol, unknown>;
  const had = Object.prototype.hasOwnProperty.call(g, HOST_HOOK_KEY);
  const previous = g[HOST_HOOK_KEY];
  const hook: HostHook = { callTool: (s, t, a) => bridge.callTool(s, t, a) };
  g[HOST_HOOK_KEY] = hook;
  return () => {
    if (g[HOST_HOOK_KEY] !== hook) return;
    if (had) g[HOST_HOOK_KEY] = previous;
    else delete g[HOST_HOOK_KEY];
  };
}
