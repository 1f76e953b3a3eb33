/**
 * mcpx: code execution for the Model Context Protocol.
 *
 * Introspect MCP servers, generate one typed TypeScript module per tool, save
 * the tree as a checksummed plugin, run agent-written TypeScript against it in
 * a QuickJS WebAssembly sandbox inside a permission-less Deno worker, and serve
 * it all as one MCP server.
 *
 * ```ts ignore
 * import { generate, introspect, loadConfig, Runtime } from "@mcpx/cli";
 *
 * const { servers } = await loadConfig(".mcp.json");
 * const snapshot = await introspect(servers[0]);
 * const { files } = generate([snapshot]);          // typed modules, in memory
 *
 * await using runtime = await Runtime.create({ servers });
 * const run = await runtime.execute(`
 *   import { getSum } from "./servers/everything/index.ts";
 *   export default await getSum({ a: 1, b: 2 });
 * `);
 * console.log(run.result);
 * ```
 *
 * Running this module (`deno run -A mod.ts <command>`) runs the `mcpx` CLI.
 *
 * @module
 */

export {
  ConfigError,
  McpxError,
  type McpxErrorCode,
  PluginIntegrityError,
  SandboxMemoryError,
  SandboxTimeoutError,
  ServerConnectionError,
  ToolCallError,
} from "./src/errors.ts";
export { VERSION } from "./src/version.ts";

// Configuration
export type {
  McpxConfig,
  RemoteServerConfig,
  ServerConfig,
  StdioServerConfig,
} from "./src/config/types.ts";
export {
  findDefaultConfig,
  inlineServer,
  type InlineServerOptions,
  loadConfig,
  parseConfig,
  type ParseConfigOptions,
  selectServers,
} from "./src/config/load_config.ts";

// Introspection
export { connect, type Connection, type ConnectOptions } from "./src/introspect/connect.ts";
export {
  introspect,
  introspectAll,
  type IntrospectAllResult,
  type IntrospectOptions,
} from "./src/introspect/introspect.ts";
export type { ServerSnapshot } from "./src/introspect/types.ts";

// Code generation
export {
  generate,
  type GeneratedFile,
  type GeneratedServer,
  type GeneratedTool,
  type GenerateOptions,
  type GenerateResult,
} from "./src/codegen/generate.ts";
export { type SchemaConversion, schemaToTypeScript } from "./src/codegen/json_schema_to_ts.ts";
export {
  type CompiledTemplates,
  DEFAULT_TEMPLATES,
  loadTemplates,
} from "./src/codegen/templates.ts";

// Plugin store
export {
  type LoadedPlugin,
  type PluginContents,
  type PluginManifest,
  PluginStore,
  type PluginSummary,
} from "./src/plugin_store/plugin_store.ts";

// Bridge
export {
  Bridge,
  type BridgeOptions,
  type BridgePolicy,
  type BridgeStats,
} from "./src/bridge/bridge.ts";
export type { CallEnvelope } from "./src/bridge/envelope.ts";
export { installHostRuntime } from "./src/bridge/host_runtime.ts";
export {
  type AccessRules,
  GUEST_MCP_SERVER,
  ResourceAccess,
  type ResourceAccessOptions,
} from "./src/resources/resource_access.ts";

// Sandbox and runtime
export type { EngineLimits, LogEntry } from "./src/sandbox/engine.ts";
export { DEFAULT_LIMITS } from "./src/sandbox/limits.ts";
export { type ExecutionResult, Sandbox, type SandboxOptions } from "./src/sandbox/sandbox.ts";
export {
  Runtime,
  type RuntimeExecuteOptions,
  type RuntimeOptions,
  type UpstreamNotificationListener,
} from "./src/runtime/runtime.ts";

// Serving
export { SkillStore } from "./src/plugin_store/skill_store.ts";
export { ServeHost, type ServeHostOptions, ServeSession } from "./src/server/serve_host.ts";
export { serveStdio } from "./src/server/stdio_server.ts";
export { serveHttp } from "./src/server/http_server.ts";
export {
  EXECUTE_OUTPUT_SCHEMA,
  executeCodeAnnotations,
  MCPX_TOOLS,
  mcpxTools,
  SERVER_INSTRUCTIONS,
} from "./src/server/tool_definitions.ts";
export { extractContentBlocks, richExecution } from "./src/server/rich_result.ts";
export {
  namespacePrompt,
  namespaceUri,
  parseNamespacedPrompt,
  parseNamespacedUri,
  Passthrough,
  PassthroughError,
  type PassthroughOptions,
} from "./src/server/passthrough.ts";
export { guardHttp, type HttpGuardOptions } from "./src/server/http_guard.ts";
export { SseEventStore } from "./src/server/sse_event_store.ts";

// CLI
export { main } from "./src/cli/main.ts";

if (import.meta.main) {
  const { main } = await import("./src/cli/main.ts");
  Deno.exit(await main(Deno.args));
}
