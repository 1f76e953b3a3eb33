/**
 * The runtime: a sandbox, a bridge and a catalogue of servers, created once and
 * reused for many executions.
 *
 * @module
 */
import { ToolListChangedNotificationSchema } from "../_sdk.ts";
import type { ClientCapabilities, McpClient } from "../mcp_types.ts";
import {
  Bridge,
  type BridgeOptions,
  type BridgePolicy,
  DEFAULT_CALL_TIMEOUT_MS,
} from "../bridge/bridge.ts";
import { DEFAULT_LIMITS } from "../sandbox/limits.ts";
import { ClientPool, type Connector } from "../bridge/client_pool.ts";
import type { ServerConfig } from "../config/types.ts";
import { connect } from "../introspect/connect.ts";
import type { LoadedPlugin } from "../plugin_store/plugin_store.ts";
import type { OAuthStore } from "../auth/oauth_store.ts";
import type { Engine, EngineLimits } from "../sandbox/engine.ts";
import type { JavyPlugin } from "../sandbox/javy/plugin.ts";
import type { JavyEngine } from "../sandbox/javy/javy_engine.ts";
import { type ExecutionResult, Sandbox, type ToolCallback } from "../sandbox/sandbox.ts";
import { type ExecutionContext, newExecutionId } from "../routing/execution_context.ts";
import type { ApprovalOptions, Plan } from "../policy/approval_gate.ts";
import type { AuditLog } from "../policy/audit_log.ts";
import { bindTrace, contextFromMeta, endSpan, mcpxTracer, SpanKind } from "../policy/tracing.ts";
import { trace } from "@opentelemetry/api";
import type { McpxErrorCode } from "../errors.ts";
import { embedded } from "../sandbox/_embedded.ts";
import { formatTypeErrors } from "../typecheck/diagnostics.ts";
import { TypeChecker, type TypeCheckerOptions } from "../typecheck/type_checker.ts";
import { Catalog } from "./catalog.ts";
import { McpxError } from "../errors.ts";
import type { DrainReport } from "../lifecycle/shutdown.ts";

/**
 * The per-call deadline: the policy's, or 25 s, but always below the
 * execution limit (5/6 of it) unless the policy sets one, so that a guest can
 * catch `TOOL_TIMEOUT` before its own time runs out.
 */
export function callTimeoutFor(opts: Pick<RuntimeOptions, "policy" | "limits">): number {
  if (opts.policy?.callTimeoutMs !== undefined) return opts.policy.callTimeoutMs;
  const execution = opts.limits?.timeoutMs ?? DEFAULT_LIMITS.timeoutMs;
  return Math.max(1, Math.min(DEFAULT_CALL_TIMEOUT_MS, Math.floor(execution * 5 / 6)));
}
import { resolveLimits } from "../sandbox/limits.ts";

/**
 * Options of {@link Runtime.create}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: RuntimeOptions = {
 *   servers: [{ name: "fs", transport: "stdio", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "."] }],
 *   policy: { allow: { fs: ["read_*", "list_*"] } },
 *   limits: { timeoutMs: 10_000 },
 *   typeCheck: false,
 * };
 * assert.equal(opts.servers?.length, 1); // for Runtime.create(opts)
 * ```
 */
export interface RuntimeOptions {
  /** Servers from a configuration. */
  servers?: readonly ServerConfig[];
  /**
   * Verified plugins (from `PluginStore.load`). Their servers are in the tree
   * at once; they are reached with the configuration of the same name, or the
   * one saved in the plugin.
   */
  plugins?: readonly LoadedPlugin[];
  /** Tool-call policy: allowlist, validation, rate limits, cache, timeouts. */
  policy?: BridgePolicy;
  /** `allow` / `ask` / `deny` rules of upstream tools, `--yes`, the approval-token key. */
  approvals?: ApprovalOptions;
  /** Where every upstream call is recorded (default: not recorded). */
  audit?: AuditLog;
  /**
   * Told of tools left out of a server's list because their name or schema
   * is unusable (the server's other tools stay usable).
   */
  onWarning?: (message: string) => void;
  /** Sees every successful upstream tool result (see `BridgeOptions.onResult`). */
  onToolResult?: BridgeOptions["onResult"];
  /** Default limits of every execution. */
  limits?: Partial<EngineLimits>;
  /** Deadline for starting and initializing a server, in milliseconds. */
  connectTimeoutMs?: number;
  /**
   * Where remote servers' OAuth logins are kept (default: the store in
   * mcpx's config directory, from the process environment).
   */
  oauthStore?: OAuthStore;
  /**
   * How to reach a server (default: `connect` from the configuration), for
   * in-process servers over an in-memory transport.
   */
  connect?: Connector;
  /** How many sandbox workers to keep warm (default 2). */
  workers?: number;
  /**
   * The sandbox engine: `quickjs` (default, embedded) or `javy` (programs
   * compiled to QuickJS bytecode by a Javy plugin; see {@link RuntimeOptions.javy}).
   */
  engine?: "quickjs" | "javy";
  /** Where the Javy engine gets its plugin. */
  javy?: {
    /**
     * A loaded plugin, or the path of a plugin file; by default the plugin
     * the user's javy emits (`javy emit-plugin`), cached in `pluginDir`.
     */
    plugin?: string | JavyPlugin;
    /** Cache folder of emitted plugins' parent (default: the plugin dir). */
    pluginDir?: string;
    /** Environment for `MCPX_JAVY` and `PATH` (default: the process's). */
    env?: Record<string, string | undefined>;
  };
  /**
   * Start introspecting servers at once, while the sandbox starts, instead of
   * on first need (default false): `true` starts every server; `{ program }`
   * starts only the servers that program imports (see
   * {@link Catalog.serversUsedBy}), so that a program that needs none starts none.
   */
  eager?: boolean | { program: string; files?: ReadonlyMap<string, string> };
  /**
   * Type-check every program against the generated tree before it runs, in a
   * warm process started with the runtime (default true; false in the
   * single-file build, which does not carry the compiler, and when mcpx is
   * loaded from a remote URL). An object sets the checker's deadlines.
   */
  typeCheck?: boolean | TypeCheckerOptions;
  /**
   * Capabilities declared to upstream servers and a hook that installs their
   * handlers on each new connection (server-to-client requests, logs).
   */
  upstream?: UpstreamHooks;
}

/**
 * See {@link RuntimeOptions.upstream}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * const upstream: UpstreamHooks = {
 *   capabilities: { roots: { listChanged: true } },
 *   setup: (server) => void seen.push(server), // install request handlers on each client
 * };
 * upstream.setup("fs", {} as Parameters<UpstreamHooks["setup"]>[1]);
 * assert.deepEqual(seen, ["fs"]);
 * ```
 */
export interface UpstreamHooks {
  /** Declared to every upstream server. */
  capabilities: ClientCapabilities;
  /** Called with each new SDK client before it connects. */
  setup(server: string, client: McpClient): void;
}

/**
 * Receives a notification `method` with `params` from upstream `server`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const changed: string[] = [];
 * const listener: UpstreamNotificationListener = (server, method) => {
 *   if (method === "notifications/tools/list_changed") changed.push(server);
 * };
 * listener("fs", "notifications/tools/list_changed", undefined);
 * assert.deepEqual(changed, ["fs"]);
 * ```
 */
export type UpstreamNotificationListener = (
  server: string,
  method: string,
  params: Record<string, unknown> | undefined,
) => void;

/**
 * Options of {@link Runtime.execute}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: RuntimeExecuteOptions = { limits: { timeoutMs: 5_000 }, dryRun: true, check: false };
 * assert.equal(opts.dryRun, true); // runtime.execute(code, opts) records a plan instead of calling
 * ```
 */
export interface RuntimeExecuteOptions {
  /** Cancels the execution. */
  signal?: AbortSignal;
  /** Limits of this execution, over the runtime's defaults. */
  limits?: Partial<EngineLimits>;
  /** More files for the tree (absolute paths), such as `/skills/x.ts`. */
  files?: ReadonlyMap<string, string>;
  /**
   * The program's path in the tree (default `/main.ts`): type errors, syntax
   * errors and stack traces name it. It must not be a file of the tree.
   */
  entry?: string;
  /**
   * Handles calls to servers the bridge does not know, such as a session's
   * workspace; return `undefined` to let the bridge answer.
   */
  intercept?: (server: string, tool: string, args: unknown) => Promise<unknown> | undefined;
  /**
   * How long to wait for the servers the program imports that are still
   * being introspected (default 30 s). Servers it does not import are not waited for.
   */
  introspectTimeoutMs?: number;
  /** Who the execution runs for; passed with every upstream call. */
  context?: ExecutionContext;
  /**
   * Type-check this program before it runs (default: whether the runtime
   * has a checker, see {@link RuntimeOptions.typeCheck}). A program with a
   * type error is refused with `TYPE_ERROR` before any tool is called.
   */
  check?: boolean;
  /**
   * Waits for the caller's permission to start the sandbox, after the
   * program has type-checked (for example for a slot of a fair queue),
   * so that a program being checked holds no sandbox slot.
   */
  admit?: (signal?: AbortSignal) => Promise<void>;
  /**
   * Make `allow` calls only; record `ask` and `deny` calls in
   * {@link RuntimeResult.plan} and give the program placeholder results.
   */
  dryRun?: boolean;
  /** A dry run's approval token: exactly its calls are approved, in order. */
  approvalToken?: string;
  /** The caller's W3C `traceparent` (from a request's `_meta`): the parent of the execution's span. */
  traceparent?: string;
}

/**
 * An execution's result, with the plan of a dry run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function plannedCalls(r: RuntimeResult): string[] {
 *   return (r.plan?.calls ?? []).map((c) => `${c.server}/${c.tool}`);
 * }
 * const stats = { durationMs: 1, toolCalls: 0, outputBytes: 0, truncated: false };
 * assert.deepEqual(plannedCalls({ ok: true, logs: [], stats, plan: { calls: [] } }), []);
 * ```
 */
export interface RuntimeResult extends ExecutionResult {
  /** The calls a dry run recorded instead of making, and their approval token. */
  plan?: Plan;
}

/**
 * Runs TypeScript against MCP servers' generated modules in the sandbox.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
 * import { z } from "zod";
 * import { connect, type Connector, Runtime } from "@mcpx/cli";
 *
 * // A small in-process server; usually `servers` come from a config and need no `connect`.
 * const link: Connector = async (config, opts) => {
 *   const server = new McpServer({ name: "calc", version: "1.0.0" });
 *   server.registerTool("add", { inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }: { a: number; b: number }) => ({
 *     content: [{ type: "text", text: String(a + b) }],
 *   }));
 *   const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 *   await server.connect(serverSide);
 *   return await connect(config, { ...opts, transport: clientSide });
 * };
 *
 * await using runtime = await Runtime.create({
 *   servers: [{ name: "calc", transport: "stdio", command: "calc", args: [] }],
 *   connect: link,
 *   typeCheck: false, // on by default; it starts a TypeScript process
 * });
 * const run = await runtime.execute(`
 *   import { add } from "./servers/calc/index.ts";
 *   import { text } from "./runtime.ts";
 *   export default text(await add({ a: 1, b: 2 }));
 * `);
 * assert.equal(run.result, "3");
 * ```
 */
export class Runtime implements AsyncDisposable {
  /** Servers, snapshots and the generated tree. */
  readonly catalog: Catalog;
  /** The tool-call path to real MCP clients. */
  readonly bridge: Bridge;
  /** The WebAssembly sandbox. */
  readonly sandbox: Sandbox;
  #checker: TypeChecker | undefined;
  readonly #checkByDefault: boolean;
  readonly #pool: ClientPool;
  readonly #inFlight = new Map<Promise<unknown>, AbortController>();
  #draining?: string;
  readonly #javy: JavyEngine | undefined;
  readonly #upstreamListeners: Set<UpstreamNotificationListener>;
  #closed = false;

  private constructor(
    catalog: Catalog,
    bridge: Bridge,
    sandbox: Sandbox,
    pool: ClientPool,
    javy: JavyEngine | undefined,
    checker: TypeChecker | undefined,
    upstreamListeners: Set<UpstreamNotificationListener>,
  ) {
    this.catalog = catalog;
    this.bridge = bridge;
    this.sandbox = sandbox;
    this.#pool = pool;
    this.#javy = javy;
    this.#checker = checker;
    this.#checkByDefault = checker !== undefined;
    this.#upstreamListeners = upstreamListeners;
  }

  /** The type-checker of programs; `undefined` while type-checking is off. */
  get typeChecker(): TypeChecker | undefined {
    return this.#checker;
  }

  /**
   * Calls `listener` with the notifications of upstream servers that mcpx does
   * not handle itself (resource and prompt list changes, resource updates).
   * Returns a function that removes it.
   */
  onUpstreamNotification(listener: UpstreamNotificationListener): () => void {
    this.#upstreamListeners.add(listener);
    return () => void this.#upstreamListeners.delete(listener);
  }

  /** Creates a runtime; servers connect lazily, on first need. */
  static async create(opts: RuntimeOptions = {}): Promise<Runtime> {
    const configs = new Map<string, ServerConfig>();
    for (const p of opts.plugins ?? []) for (const c of p.snapshot.configs) configs.set(c.name, c);
    for (const c of opts.servers ?? []) configs.set(c.name, c);
    const servers = [...configs.values()];
    const upstreamListeners = new Set<UpstreamNotificationListener>();
    const pool = new ClientPool(servers, {
      connectTimeoutMs: opts.connectTimeoutMs,
      connect: async (server, o) => {
        const up = opts.upstream;
        const withStore = opts.oauthStore ? { ...o, oauthStore: opts.oauthStore } : o;
        const conn = await (opts.connect ?? connect)(
          server,
          up
            ? {
              ...withStore,
              capabilities: up.capabilities,
              setup: (c) => up.setup(server.name, c),
            }
            : withStore,
        );
        // The catalogue re-reads the tool list; its change listener below updates the bridge.
        // Coalesced: a flood of notifications costs a few re-reads, the last one current.
        conn.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
          void catalog.requestRefresh(server.name);
        });
        // Other notifications (resource and prompt changes) go to the runtime's listeners.
        conn.client.fallbackNotificationHandler = (n) => {
          for (const l of upstreamListeners) {
            try {
              l(server.name, n.method, n.params as Record<string, unknown> | undefined);
            } catch { /* a listener's failure is its own */ }
          }
          return Promise.resolve();
        };
        return conn;
      },
    });
    const catalog = new Catalog({
      servers,
      plugins: opts.plugins,
      pool,
      onWarning: opts.onWarning,
    });
    const known = new Map(catalog.snapshots().map((s) => [s.name, s.tools]));
    const bridge = new Bridge({
      servers,
      tools: known,
      policy: { ...opts.policy, callTimeoutMs: callTimeoutFor(opts) },
      pool,
      approvals: opts.approvals,
      audit: opts.audit,
      onResult: opts.onToolResult,
    });
    catalog.onChange((name) => {
      const tools = catalog.snapshot(name)?.tools;
      if (tools) bridge.setTools(name, tools);
    });
    // Servers take the longest to start: begin before the sandbox loads.
    if (opts.eager === true) catalog.ensure().catch(() => {});
    else if (typeof opts.eager === "object") {
      const names = catalog.serversUsedBy(opts.eager.program, opts.eager.files);
      if (names === undefined || names.length > 0) {
        catalog.ensure(names ? { names } : {}).catch(() => {});
      }
    }
    const typeCheck = opts.typeCheck ??
      (embedded.workerSource === undefined && TypeChecker.supported);
    const checker = typeCheck === false
      ? undefined
      : new TypeChecker(typeCheck === true ? {} : typeCheck);
    // The compiler loads in its worker while servers and the sandbox start.
    checker?.warmUp().catch(() => {});
    let sandbox: Sandbox;
    let javy: JavyEngine | undefined;
    try {
      let engine: Engine | undefined;
      if (opts.engine === "javy") {
        javy = await createJavyEngine(opts.javy ?? {});
        engine = javy;
      } else if (opts.engine !== undefined && opts.engine !== "quickjs") {
        throw new TypeError(`Unknown engine "${opts.engine}": use "quickjs" or "javy"`);
      }
      sandbox = await Sandbox.create({
        limits: opts.limits,
        ...(engine ? { engine, ownsEngine: true } : {}),
        ...(opts.workers
          ? { workers: { minWorkers: opts.workers, maxWorkers: Math.max(opts.workers, 4) } }
          : {}),
      });
    } catch (e) {
      // Servers may already be starting: stop them before giving up.
      await Promise.allSettled([pool.close(), checker?.close()]);
      throw e;
    }
    // While servers start, warm the sandbox's cold paths.
    if (opts.eager) sandbox.warmUp().catch(() => {});
    return new Runtime(catalog, bridge, sandbox, pool, javy, checker, upstreamListeners);
  }

  /** The Javy engine, when the runtime uses it. */
  get javy(): JavyEngine | undefined {
    return this.#javy;
  }

  /**
   * Runs a module in the `javy build -C dynamic` shape (as `mcpx build`
   * writes) with the bridge of this runtime. Needs the `javy` engine.
   *
   * @throws {McpxError} `USAGE` when the runtime does not use the Javy engine.
   * @throws {TypeError} When `wasm` is not such a module.
   */
  async executeWasm(
    wasm: Uint8Array,
    opts: Pick<RuntimeExecuteOptions, "signal" | "limits" | "context"> = {},
  ): Promise<ExecutionResult> {
    if (this.#javy === undefined) {
      throw new McpxError("USAGE", 'Cannot run a WebAssembly module: use the "javy" engine');
    }
    const limits = resolveLimits(opts.limits, this.sandbox.limits);
    const bridge = this.bridge;
    const outcome = await this.#javy.executeDynamic(wasm, limits, {
      async callTool(server, tool, argsJson, signal) {
        try {
          return JSON.stringify(
            await bridge.callTool(server, tool, JSON.parse(argsJson), signal, opts.context),
          );
        } catch (e) {
          return JSON.stringify({
            ok: false,
            error: { code: (e as { code?: string }).code ?? "TOOL_ERROR", message: String(e) },
          });
        }
      },
    }, opts.signal);
    const result = outcome as ExecutionResult;
    if (outcome.resultJson !== undefined && outcome.resultTruncated !== true) {
      result.result = JSON.parse(outcome.resultJson);
    }
    return result;
  }

  /**
   * Runs `code` (TypeScript) with the generated tree at its root. Its result
   * is its awaited `export default`. Unless type-checking is off, a program
   * with a type error is refused first: `error.code` is `TYPE_ERROR` and
   * `error.message` lists the first errors with their lines.
   */
  async execute(code: string, opts: RuntimeExecuteOptions = {}): Promise<RuntimeResult> {
    if (this.#draining !== undefined) {
      throw new McpxError("SANDBOX_CANCELLED", `Execution refused: ${this.#draining}`);
    }
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    const running = this.#traced(code, { ...opts, signal });
    this.#inFlight.set(running, stop);
    try {
      const result = await running;
      if (stop.signal.aborted && result.error?.code === "SANDBOX_CANCELLED") {
        result.error.message = `Execution was cancelled: ${stop.signal.reason}`;
      }
      return result;
    } finally {
      this.#inFlight.delete(running);
    }
  }

  /**
   * Stops taking executions, waits up to `graceMs` for those in flight, then
   * cancels the rest with `reason` (they end as `SANDBOX_CANCELLED`, and their
   * callers get that answer). Later {@link execute} calls are refused.
   */
  async drain(graceMs: number, reason = "mcpx is shutting down"): Promise<DrainReport> {
    this.#draining ??= reason;
    const running = [...this.#inFlight.keys()];
    if (running.length === 0) return { finished: 0, cancelled: 0 };
    const settled = Promise.allSettled(running);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([settled, new Promise((r) => timer = setTimeout(r, graceMs))]);
    clearTimeout(timer);
    const left = running.filter((p) => this.#inFlight.has(p));
    for (const p of left) this.#inFlight.get(p)?.abort(reason);
    await settled;
    return { finished: running.length - left.length, cancelled: left.length };
  }

  async #traced(code: string, opts: RuntimeExecuteOptions): Promise<RuntimeResult> {
    const context: ExecutionContext = opts.context ??
      { executionId: newExecutionId(), sessionId: "local" };
    // A bad approval token fails here, before anything runs.
    const scope = this.bridge.approvals.begin(context, {
      dryRun: opts.dryRun,
      approvalToken: opts.approvalToken,
    });
    const parent = contextFromMeta({ traceparent: opts.traceparent });
    const span = mcpxTracer().startSpan("mcpx.execute", {
      kind: SpanKind.INTERNAL,
      attributes: {
        "mcpx.execution_id": context.executionId,
        "mcpx.session_id": context.sessionId,
        "mcpx.dry_run": opts.dryRun === true,
      },
    }, parent);
    bindTrace(context, trace.setSpan(parent, span));
    let failure: { code: string; message: string } | undefined;
    try {
      // Only the servers this program imports are waited for: a slow or down
      // server never delays a program that does not use it.
      const names = this.catalog.serversUsedBy(code, opts.files);
      if (names === undefined || names.length > 0) {
        await this.catalog.ensure({
          ...(names ? { names } : {}),
          timeoutMs: opts.introspectTimeoutMs ?? 30_000,
        });
      }
      const result: RuntimeResult = await this.#execute(code, opts, context);
      if (opts.dryRun) result.plan = scope.plan();
      span.setAttribute("mcpx.tool_calls", result.stats.toolCalls);
      if (!result.ok) {
        failure = {
          code: result.error?.code ?? "SANDBOX_RUNTIME",
          message: result.error?.message ?? "failed",
        };
      }
      return result;
    } catch (e) {
      failure = { code: "SANDBOX_CRASHED", message: (e as Error).message };
      throw e;
    } finally {
      scope.end();
      endSpan(span, failure);
    }
  }

  async #execute(
    code: string,
    opts: RuntimeExecuteOptions,
    context: ExecutionContext,
  ): Promise<ExecutionResult> {
    const files = this.catalog.files();
    if (opts.entry !== undefined && (files.has(opts.entry) || opts.files?.has(opts.entry))) {
      throw new TypeError(`Invalid entry "${opts.entry}": it is a file of the tree`);
    }
    if (opts.check ?? this.#checkByDefault) {
      const refused = await this.#typeCheck(code, files, opts);
      if (refused !== undefined) return refused;
    }
    await opts.admit?.(opts.signal);
    const bridge = this.bridge;
    const intercept = opts.intercept;
    const callTool: ToolCallback = intercept
      ? async (server, tool, args, signal, site) => {
        const handled = intercept(server, tool, args);
        if (handled !== undefined) {
          try {
            return { ok: true, value: await handled };
          } catch (e) {
            return {
              ok: false,
              error: {
                code: (e as { code?: string }).code ?? "TOOL_ERROR",
                message: (e as Error).message,
              },
            };
          }
        }
        return await bridge.callTool(server, tool, args, signal, context, site);
      }
      : (server, tool, args, signal, site) =>
        bridge.callTool(server, tool, args, signal, context, site);
    return await this.sandbox.execute(code, {
      files,
      extraFiles: opts.files,
      ...(opts.entry ? { entry: opts.entry } : {}),
      callTool,
      limits: opts.limits,
      signal: opts.signal,
    });
  }

  /** The refusal of a program that does not type-check, or `undefined` to run it. */
  async #typeCheck(
    code: string,
    files: ReadonlyMap<string, string>,
    opts: RuntimeExecuteOptions,
  ): Promise<ExecutionResult | undefined> {
    const t0 = performance.now();
    const refuse = (code: McpxErrorCode, message: string): ExecutionResult & {
      error: { code: McpxErrorCode };
    } => ({
      ok: false,
      logs: [],
      error: { code, name: "TypeCheckError", message },
      stats: { durationMs: performance.now() - t0, toolCalls: 0, outputBytes: 0, truncated: false },
    });
    // Off for the runtime but asked for by this execution: started now, kept.
    const checker = this.#checker ??= new TypeChecker();
    try {
      const r = await checker.check(code, {
        files,
        extraFiles: opts.files,
        ...(opts.entry ? { entry: opts.entry } : {}),
        signal: opts.signal,
      });
      return r.ok ? undefined : refuse("TYPE_ERROR", formatTypeErrors(r));
    } catch (e) {
      if (opts.signal?.aborted) {
        const cancelled = refuse("TYPE_CHECK_FAILED", "Execution cancelled while type-checking");
        cancelled.error.code = "SANDBOX_CANCELLED";
        return cancelled;
      }
      return refuse("TYPE_CHECK_FAILED", (e as Error).message);
    }
  }

  /** Closes the sandbox, the type-checker and every server connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.catalog.close();
    await Promise.allSettled([
      this.sandbox.close(),
      this.bridge.close(),
      this.#pool.close(),
      this.typeChecker?.close(),
    ]);
  }

  /** Same as {@link Runtime.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function createJavyEngine(o: NonNullable<RuntimeOptions["javy"]>): Promise<JavyEngine> {
  const [{ JavyEngine }, { resolveJavyPlugin }] = await Promise.all([
    import("../sandbox/javy/javy_engine.ts"),
    import("../sandbox/javy/plugin.ts"),
  ]);
  const env = o.env ?? Deno.env.toObject();
  const plugin = typeof o.plugin === "object" ? o.plugin : await resolveJavyPlugin({
    file: o.plugin,
    pluginDir: o.pluginDir ?? (env.MCPX_PLUGIN_DIR || "plugins"),
    env,
  });
  return await JavyEngine.create({ plugin });
}
