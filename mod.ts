/**
 * mcpx: code execution for the Model Context Protocol.
 *
 * Introspect MCP servers, generate one typed TypeScript module per tool, save
 * the tree as a checksummed plugin, run agent-written TypeScript against it in
 * a QuickJS WebAssembly sandbox inside a permission-less Deno worker, and serve
 * it all as one MCP server.
 *
 * ```ts ignore
 * // Needs a .mcp.json naming @modelcontextprotocol/server-everything first.
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
  QuotaExceededError,
  SandboxMemoryError,
  SandboxTimeoutError,
  ServerConnectionError,
  ToolCallError,
} from "./src/errors.ts";
export { VERSION } from "./src/version.ts";
export type {
  AuthInfo,
  AuthorizationServerMetadata,
  CallToolResult,
  ClientCapabilities,
  ContentBlock,
  McpClient,
  McpServer,
  OAuthClientInformation,
  OAuthProtectedResourceMetadata,
  OAuthTokens,
  Prompt,
  Resource,
  ResourceTemplate,
  ServerContext,
  Tool,
  Transport,
} from "./src/mcp_types.ts";

// Configuration
export type {
  McpxConfig,
  McpxSettings,
  OAuthSettings,
  RemoteServerConfig,
  ResourceServerSettings,
  ServerConfig,
  ServerTimeouts,
  StdioServerConfig,
} from "./src/config/types.ts";
export type { OAuthRecord, OAuthStore } from "./src/auth/oauth_store.ts";
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
export {
  type CloseInfo,
  connect,
  type Connection,
  type ConnectOptions,
} from "./src/introspect/connect.ts";
export {
  introspect,
  introspectAll,
  type IntrospectAllResult,
  type IntrospectFailure,
  type IntrospectOptions,
  type ListOptions,
} from "./src/introspect/introspect.ts";
export type { ServerSnapshot } from "./src/introspect/types.ts";
export { type CheckedTools, checkTools, type SkippedTool } from "./src/introspect/tool_check.ts";

// Code generation
export {
  generate,
  type GeneratedFile,
  type GeneratedServer,
  type GeneratedTool,
  type GenerateOptions,
  type GenerateResult,
} from "./src/codegen/generate.ts";
export {
  type SchemaConversion,
  schemaToTypeScript,
  type SchemaToTypeScriptOptions,
} from "./src/codegen/json_schema_to_ts.ts";
export {
  LEARNED_META_KEY,
  type LearnedOutput,
  learnedOutput,
  type ResultKind,
  resultKind,
  type ShapedResult,
  shapeResult,
} from "./src/bridge/result_shape.ts";
export { learnFromResult, learnRefusal, type LearnReport, learnTools } from "./src/learn/learn.ts";
export { type InferredSchema, mergeSchemas, schemaOf } from "./src/learn/infer_schema.ts";
export {
  type CompiledTemplates,
  DEFAULT_TEMPLATES,
  loadTemplates,
  TEMPLATE_NAMES,
  type TemplateName,
  type TemplateSources,
} from "./src/codegen/templates.ts";

// Plugin store
export {
  type LoadedPlugin,
  type PluginContents,
  type PluginManifest,
  type PluginSnapshot,
  PluginStore,
  type PluginSummary,
} from "./src/plugin_store/plugin_store.ts";
export type { SigningKeys, TrustedKey } from "./src/plugin_store/plugin_signing.ts";

// Bridge
export {
  Bridge,
  type BridgeOptions,
  type BridgePolicy,
  type BridgeStats,
  type CachePolicy,
  type CallEvent,
} from "./src/bridge/bridge.ts";
export type { AllowSpec } from "./src/bridge/allowlist.ts";
export type { RateSpec } from "./src/bridge/rate_limiter.ts";
export type { CallEnvelope, CallEnvelopeError } from "./src/bridge/envelope.ts";
export { installHostRuntime, type ToolCaller } from "./src/bridge/host_runtime.ts";
export {
  ClientPool,
  type ClientPoolOptions,
  type ClientPoolStats,
  type Connector,
} from "./src/bridge/client_pool.ts";
export {
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from "./src/bridge/circuit_breaker.ts";
export {
  DEFAULT_SHUTDOWN_GRACE_MS,
  type DrainReport,
  SignalGuard,
} from "./src/lifecycle/shutdown.ts";
export {
  type AccessRules,
  GUEST_MCP_SERVER,
  type Page as ResourcePage,
  ResourceAccess,
  type ResourceAccessOptions,
  type UpstreamClient,
  type UpstreamRequestOptions,
} from "./src/resources/resource_access.ts";

// Sandbox and runtime
export type {
  CallEnvelope as EngineCallEnvelope,
  Engine,
  EngineHost,
  EngineLimits,
  ExecuteOutcome,
  ExecuteRequest,
  ExecutionError,
  ExecutionStats,
  LogEntry,
  LogLevel as ConsoleLevel,
} from "./src/sandbox/engine.ts";
export type { QuickJSEngineOptions } from "./src/sandbox/quickjs_engine.ts";
export { DEFAULT_LIMITS } from "./src/sandbox/limits.ts";
export {
  type CallInfo,
  type ExecuteOptions,
  type ExecutionResult,
  Sandbox,
  type SandboxOptions,
  type ToolCallback,
} from "./src/sandbox/sandbox.ts";
export type { Catalog, ServerState, ServerStatus } from "./src/runtime/catalog.ts";
export {
  Runtime,
  type RuntimeExecuteOptions,
  type RuntimeOptions,
  type RuntimeResult,
  type UpstreamHooks,
  type UpstreamNotificationListener,
} from "./src/runtime/runtime.ts";
export { JavyEngine, type JavyEngineOptions } from "./src/sandbox/javy/javy_engine.ts";
export {
  findJavy,
  JavyPlugin,
  resolveJavyPlugin,
  type ResolvePluginOptions,
} from "./src/sandbox/javy/plugin.ts";
export { buildDynamicModule, type BuildOptions } from "./src/sandbox/javy/build.ts";
export {
  dynamicModule,
  type DynamicModuleInfo,
  readDynamicModule,
} from "./src/sandbox/javy/wasm_binary.ts";

// Policy, approvals, audit and traces
export {
  defaultDecision,
  type PolicyDecision,
  type PolicyRules,
  type PolicyVerdict,
  type ToolHints,
  ToolPolicy,
} from "./src/policy/tool_policy.ts";
export {
  type ApprovalDecision,
  ApprovalGate,
  type ApprovalOptions,
  type ExecutionApprovals,
  type ExecutionScope,
  type GateCall,
  type GateResult,
  type Plan,
  type PlannedCall,
} from "./src/policy/approval_gate.ts";
export { approvalForm, type ApprovalRequest } from "./src/policy/approval_form.ts";
export { type LedgerEntry, PlanLedger } from "./src/policy/plan_ledger.ts";
export {
  type AuditEntry,
  type AuditFilter,
  AuditLog,
  type AuditLogOptions,
  readAudit,
} from "./src/policy/audit_log.ts";
export { startTracing, type TracingHandle } from "./src/policy/trace_exporter.ts";
export {
  TypeChecker,
  type TypeCheckerOptions,
  type TypeCheckOptions,
} from "./src/typecheck/type_checker.ts";
export {
  formatTypeErrors,
  type TypeCheckResult,
  type TypeDiagnostic,
} from "./src/typecheck/diagnostics.ts";

// Routing of what upstream servers send back toward clients
export {
  type ClientAbilities,
  type ClientChannel,
  type ClientRequestMethod,
  type ElicitAnswer,
  type ElicitForm,
  type ExecutionContext,
  executionContext,
  type LogLevel,
  newExecutionId,
  type ProgressUpdate,
} from "./src/routing/execution_context.ts";
export {
  PASSTHROUGH_CAPABILITIES,
  type Root,
  type RouteOptions,
  routeUpstream,
  RUN_CAPABILITIES,
} from "./src/routing/upstream_router.ts";

// Serving
export {
  type LoadedSkills,
  type Skill,
  type SkillInfo,
  SkillStore,
} from "./src/plugin_store/skill_store.ts";
export { ServeHost, type ServeHostOptions, type ServeStats } from "./src/server/serve_host.ts";
export { type CallOrigin, ServeSession, type SessionOptions } from "./src/server/serve_session.ts";
export type { Workspace, WorkspaceLimits } from "./src/server/workspace.ts";
export { serveStdio } from "./src/server/stdio_server.ts";
export { type HttpServeOptions, type HttpServer, serveHttp } from "./src/server/http_server.ts";
export {
  discoverIssuer,
  type IntrospectionCredentials,
  ResourceServer,
  type ResourceServerOptions,
} from "./src/auth/resource_server.ts";
export {
  EXECUTE_OUTPUT_SCHEMA,
  executeCodeAnnotations,
  MCPX_TOOLS,
  mcpxTools,
  type McpxToolsOptions,
  SERVER_INSTRUCTIONS,
  type ToolAnnotations,
  type UpstreamToolHints,
  WORKSPACE_HEADER,
} from "./src/server/tool_definitions.ts";
export {
  extractContentBlocks,
  type ExtractedBlocks,
  richExecution,
} from "./src/server/rich_result.ts";
export {
  namespacePrompt,
  namespaceUri,
  parseNamespacedPrompt,
  parseNamespacedUri,
  Passthrough,
  type PassthroughClient,
  PassthroughError,
  type PassthroughListener,
  type PassthroughOptions,
  type PassthroughParams,
  type PassthroughResult,
} from "./src/server/passthrough.ts";
export { type FetchHandler, guardHttp, type HttpGuardOptions } from "./src/server/http_guard.ts";
export { SseEventStore } from "./src/server/sse_event_store.ts";

// Quotas of serve
export {
  DEFAULT_HTTP_LIMITS,
  DEFAULT_SKILL_LIMITS,
  type HttpLimits,
  type SkillLimits,
} from "./src/quotas/serve_limits.ts";
export { SkillQuota, type SkillUsage } from "./src/quotas/skill_quota.ts";
export { CoalescedTask } from "./src/quotas/coalesced_task.ts";
export { type BodyRead, type BodyReadOptions, readBodyWithin } from "./src/quotas/body_deadline.ts";

// CLI
export { main } from "./src/cli/main.ts";
export type { CliIo } from "./src/cli/io.ts";
export type { PromptIo } from "./src/policy/terminal_prompt.ts";

if (import.meta.main) {
  const { main } = await import("./src/cli/main.ts");
  Deno.exit(await main(Deno.args));
}
