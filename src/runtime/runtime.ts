/**
 * The runtime: a sandbox, a bridge and a catalogue of servers, created once and
 * reused for many executions.
 *
 * @module
 */
import { ToolListChangedNotificationSchema } from "../_sdk.ts";
import { Bridge, type BridgePolicy } from "../bridge/bridge.ts";
import { ClientPool, type Connector } from "../bridge/client_pool.ts";
import type { ServerConfig } from "../config/types.ts";
import { connect } from "../introspect/connect.ts";
import type { LoadedPlugin } from "../plugin_store/plugin_store.ts";
import type { EngineLimits } from "../sandbox/engine.ts";
import { type ExecutionResult, Sandbox, type ToolCallback } from "../sandbox/sandbox.ts";
import type { ExecutionContext } from "../routing/execution_context.ts";
import { Catalog } from "./catalog.ts";

/** Options of {@link Runtime.create}. */
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
  /** Default limits of every execution. */
  limits?: Partial<EngineLimits>;
  /** Deadline for starting and initializing a server, in milliseconds. */
  connectTimeoutMs?: number;
  /**
   * How to reach a server (default: `connect` from the configuration), for
   * in-process servers over an in-memory transport.
   */
  connect?: Connector;
  /** How many sandbox workers to keep warm (default 2). */
  workers?: number;
  /**
   * Start introspecting every server at once, while the sandbox starts,
   * instead of on first need (default false).
   */
  eager?: boolean;
}

/** Receives a notification `method` with `params` from upstream `server`. */
export type UpstreamNotificationListener = (
  server: string,
  method: string,
  params: Record<string, unknown> | undefined,
) => void;

/** Options of {@link Runtime.execute}. */
export interface RuntimeExecuteOptions {
  /** Cancels the execution. */
  signal?: AbortSignal;
  /** Limits of this execution, over the runtime's defaults. */
  limits?: Partial<EngineLimits>;
  /** More files for the tree (absolute paths), such as `/skills/x.ts`. */
  files?: ReadonlyMap<string, string>;
  /**
   * Handles calls to servers the bridge does not know, such as a session's
   * workspace; return `undefined` to let the bridge answer.
   */
  intercept?: (server: string, tool: string, args: unknown) => Promise<unknown> | undefined;
  /** How long to wait for servers that are still being introspected (default 30 s). */
  introspectTimeoutMs?: number;
  /** Who the execution runs for; passed with every upstream call. */
  context?: ExecutionContext;
}

/**
 * Runs TypeScript against MCP servers' generated modules in the sandbox.
 *
 * @example
 * ```ts ignore
 * import { Runtime } from "@mcpx/cli";
 * await using runtime = await Runtime.create({ servers: [everything] });
 * const r = await runtime.execute(`
 *   import { getSum } from "./servers/everything/index.ts";
 *   export default await getSum({ a: 1, b: 2 });
 * `);
 * console.log(r.result);
 * ```
 */
export class Runtime implements AsyncDisposable {
  /** Servers, snapshots and the generated tree. */
  readonly catalog: Catalog;
  /** The tool-call path to real MCP clients. */
  readonly bridge: Bridge;
  /** The WebAssembly sandbox. */
  readonly sandbox: Sandbox;
  readonly #pool: ClientPool;
  readonly #upstreamListeners: Set<UpstreamNotificationListener>;
  #closed = false;

  private constructor(
    catalog: Catalog,
    bridge: Bridge,
    sandbox: Sandbox,
    pool: ClientPool,
    upstreamListeners: Set<UpstreamNotificationListener>,
  ) {
    this.catalog = catalog;
    this.bridge = bridge;
    this.sandbox = sandbox;
    this.#pool = pool;
    this.#upstreamListeners = upstreamListeners;
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
        const conn = await (opts.connect ?? connect)(server, o);
        // The catalogue re-reads the tool list; its change listener below updates the bridge.
        conn.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
          await catalog.refreshTools(server.name).catch(() => {});
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
    const catalog = new Catalog({ servers, plugins: opts.plugins, pool });
    const known = new Map(catalog.snapshots().map((s) => [s.name, s.tools]));
    const bridge = new Bridge({ servers, tools: known, policy: opts.policy, pool });
    catalog.onChange((name) => {
      const tools = catalog.snapshot(name)?.tools;
      if (tools) bridge.setTools(name, tools);
    });
    // Servers take the longest to start: begin before the sandbox loads.
    if (opts.eager) catalog.ensure().catch(() => {});
    let sandbox: Sandbox;
    try {
      sandbox = await Sandbox.create({
        limits: opts.limits,
        ...(opts.workers
          ? { workers: { minWorkers: opts.workers, maxWorkers: Math.max(opts.workers, 4) } }
          : {}),
      });
    } catch (e) {
      // Servers may already be starting: stop them before giving up.
      await pool.close();
      throw e;
    }
    // While servers start, warm the sandbox's cold paths.
    if (opts.eager) sandbox.warmUp().catch(() => {});
    return new Runtime(catalog, bridge, sandbox, pool, upstreamListeners);
  }

  /**
   * Runs `code` (TypeScript) with the generated tree at its root. Its result
   * is its awaited `export default`.
   */
  async execute(code: string, opts: RuntimeExecuteOptions = {}): Promise<ExecutionResult> {
    await this.catalog.ensure({ timeoutMs: opts.introspectTimeoutMs ?? 30_000 });
    const files = this.catalog.files();
    const bridge = this.bridge;
    const intercept = opts.intercept;
    const context = opts.context;
    const callTool: ToolCallback = intercept
      ? async (server, tool, args, signal) => {
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
        return await bridge.callTool(server, tool, args, signal, context);
      }
      : (server, tool, args, signal) => bridge.callTool(server, tool, args, signal, context);
    return await this.sandbox.execute(code, {
      files,
      extraFiles: opts.files,
      callTool,
      limits: opts.limits,
      signal: opts.signal,
    });
  }

  /** Closes the sandbox and every server connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([this.sandbox.close(), this.bridge.close(), this.#pool.close()]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
