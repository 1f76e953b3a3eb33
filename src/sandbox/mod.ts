/**
 * The mcpx sandbox: runs TypeScript against generated tool modules in
 * QuickJS (WebAssembly) inside permission-less Deno workers.
 *
 * ```ts ignore
 * import { Sandbox } from "./mod.ts";
 * await using sandbox = await Sandbox.create();
 * const { result } = await sandbox.execute("export default 1 + 1");
 * ```
 *
 * @module
 */

export {
  type ExecuteOptions,
  type ExecutionResult,
  Sandbox,
  type SandboxOptions,
  toMcpxError,
  type ToolCallback,
} from "./sandbox.ts";
export type {
  CallEnvelope,
  Engine,
  EngineHost,
  EngineLimits,
  ExecuteOutcome,
  ExecuteRequest,
  ExecutionError,
  ExecutionStats,
  LogEntry,
  LogLevel,
} from "./engine.ts";
export { DEFAULT_LIMITS, LIMIT_RANGES, resolveLimits } from "./limits.ts";
export { QuickJSEngine, type QuickJSEngineOptions, quickjsWasmModule } from "./quickjs_engine.ts";
export {
  loadTranspiler,
  SandboxCompileError,
  setTranspileTimeout,
  TRANSPILE_TIMEOUT_MS,
  type TranspiledModule,
  transpileModule,
} from "./transpile.ts";
