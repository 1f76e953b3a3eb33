/**
 * The path of a guest's tool call to a real MCP server: allowlist, argument
 * size and schema checks, rate limit, result cache, pooled client, and a reply
 * envelope. Guest-caused problems never throw: they come back as envelopes.
 *
 * @module
 */

import { CallToolResultSchema, ErrorCode, McpError } from "../_sdk.ts";
import type { CallToolResult, Tool } from "../mcp_types.ts";
import type { ServerConfig } from "../config/types.ts";
import { McpxError, quoteList } from "../errors.ts";
import { Redactor } from "../redact.ts";
import { formatBytes } from "../_bytes.ts";
import type { Connection } from "../introspect/connect.ts";
import { listAllTools } from "../introspect/introspect.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { closest } from "./_suggest.ts";
import { Allowlist, type AllowSpec } from "./allowlist.ts";
import { ArgValidator } from "./arg_validator.ts";
import { ClientPool } from "./client_pool.ts";
import { type CallEnvelope, errorEnvelope, okEnvelope } from "./envelope.ts";
import type { ExecutionContext } from "../routing/execution_context.ts";
import { ApprovalGate, type ApprovalOptions } from "../policy/approval_gate.ts";
import type { AuditLog } from "../policy/audit_log.ts";
import { type CallRecord, recordCall } from "../policy/call_record.ts";
import type { CallInfo } from "../sandbox/sandbox.ts";
import { progressFor, trackUpstreamCall } from "../routing/upstream_router.ts";
import { RateLimiter, type RateSpec } from "./rate_limiter.ts";
import { shapeResult } from "./result_shape.ts";
import { callAdvice } from "./call_hints.ts";
import {
  type AccessRules,
  GUEST_MCP_SERVER,
  ResourceAccess,
  type UpstreamClient,
} from "../resources/resource_access.ts";
import { cacheKey, ResultCache } from "./result_cache.ts";
import { describeUpstreamError } from "./upstream_errors.ts";

/** Default limit on the JSON size of one call's arguments: 1 MiB. */
export const DEFAULT_MAX_ARG_BYTES: number = 1024 * 1024;

/**
 * Default deadline of one tool call: 25 seconds, below the 30-second default
 * execution limit, so that guest code can catch `TOOL_TIMEOUT`.
 */
export const DEFAULT_CALL_TIMEOUT_MS: number = 25_000;

/**
 * Result caching; off unless a {@link BridgePolicy.cache} object is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const cache: CachePolicy = { maxEntries: 500, ttlMs: 30_000, tools: ["fs/read_*"] };
 * assert.equal(cache.ttlMs, 30_000); // for a BridgePolicy's `cache`
 * ```
 */
export interface CachePolicy {
  /** Most cached results (default 256). */
  maxEntries?: number;
  /** Lifetime of a cached result in milliseconds (default 60,000). */
  ttlMs?: number;
  /**
   * Cache tools annotated `readOnlyHint` or `idempotentHint` (default true).
   * Set false to cache only the tools listed in {@link CachePolicy.tools}.
   */
  annotated?: boolean;
  /** Patterns (`"fs/read_*"`) of further tools whose results may be cached. */
  tools?: readonly string[];
}

/**
 * What guest code may do with tools, and how calls are limited.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const policy: BridgePolicy = {
 *   allow: { fs: ["read_*", "list_*"] },
 *   deny: ["fs/read_secret"],
 *   rateLimits: { fs: { callsPerSecond: 10, burst: 20 } },
 *   cache: { ttlMs: 60_000 },
 * };
 * assert.equal(policy.rateLimits?.fs.burst, 20); // for new Bridge({ servers, policy })
 * ```
 */
export interface BridgePolicy {
  /** Tools that may be called (default: every tool of every configured server). */
  allow?: AllowSpec;
  /** Tool patterns refused even when allowed. */
  deny?: readonly string[];
  /** Limit on the JSON size of one call's arguments, in bytes (default 1 MiB). */
  maxArgBytes?: number;
  /** Validate arguments against the tool's `inputSchema` (default true). */
  validateArgs?: boolean;
  /** Rate limits by tool pattern, such as `{ "*": { callsPerSecond: 20 } }` (default none). */
  rateLimits?: Readonly<Record<string, RateSpec>>;
  /** Result cache (default off). */
  cache?: CachePolicy | false;
  /**
   * Deadline of one call in milliseconds (default 25,000). A server's
   * `timeouts.callMs` and `timeouts.toolsMs[tool]` in its configuration take
   * precedence.
   */
  callTimeoutMs?: number;
  /** Which upstream resources guest code may list and read, by `server/uri` (default all). */
  resources?: AccessRules;
  /** Which upstream prompts guest code may list and get, by `server/name` (default all). */
  prompts?: AccessRules;
}

/**
 * One finished call, reported to {@link BridgeOptions.onCall}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const event: CallEvent = { server: "fs", tool: "read_file", ok: false, code: "TOOL_ERROR", cached: false, ms: 12 };
 * assert.equal(`${event.server}/${event.tool}: ${event.code}`, "fs/read_file: TOOL_ERROR");
 * ```
 */
export interface CallEvent {
  /** Server name. */
  server: string;
  /** Tool name as the server spells it. */
  tool: string;
  /** True when the envelope is `ok`. */
  ok: boolean;
  /** Error code of a failed call. */
  code?: string;
  /** True when the result came from the cache. */
  cached: boolean;
  /** Wall-clock time of the call in milliseconds. */
  ms: number;
}

/**
 * Options of {@link Bridge}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: BridgeOptions = {
 *   servers: [{ name: "fs", transport: "stdio", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "."] }],
 *   policy: { allow: { fs: ["read_*"] } },
 *   onCall: (event) => console.error(`${event.server}/${event.tool} ${event.ms} ms`),
 * };
 * assert.equal(opts.servers.length, 1); // for new Bridge(opts)
 * ```
 */
export interface BridgeOptions {
  /** The servers calls may go to. */
  servers: readonly ServerConfig[];
  /**
   * Known tools by server name, from snapshots. A server missing here has its
   * tools listed on its first call.
   */
  tools?: ReadonlyMap<string, readonly Tool[]>;
  /** Limits and permissions. */
  policy?: BridgePolicy;
  /** The clients to use; by default the bridge opens (and closes) its own. */
  pool?: ClientPool;
  /** Called after every call, for logging and metrics. */
  onCall?: (event: CallEvent) => void;
  /**
   * The `allow` / `ask` / `deny` policy of upstream tools and how approvals
   * are asked (default: annotation defaults, no rules).
   */
  approvals?: ApprovalGate | ApprovalOptions;
  /** Where every call is recorded (default: not recorded). */
  audit?: AuditLog;
  /**
   * Called with every successful upstream result (not cached ones, not
   * errors) and the tool's definition, before it is shaped for the program;
   * `mcpx run --learn` learns result types from it.
   */
  onResult?: (server: string, tool: Tool, result: CallToolResult) => void;
}

/**
 * Counters of a {@link Bridge}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const stats: BridgeStats = { calls: 3, ok: 2, failed: 1, cacheHits: 1, upstreamCalls: 2, inFlight: 0, errors: { TOOL_DENIED: 1 } };
 * assert.equal(stats.ok + stats.failed, stats.calls); // what bridge.stats() returns
 * ```
 */
export interface BridgeStats {
  /** Calls made through {@link Bridge.callTool}. */
  calls: number;
  /** Calls that returned an `ok` envelope. */
  ok: number;
  /** Calls that returned an error envelope. */
  failed: number;
  /** Calls answered from the cache. */
  cacheHits: number;
  /** Calls sent to a server. */
  upstreamCalls: number;
  /** Calls running now. */
  inFlight: number;
  /** Failed calls by error code. */
  errors: Record<string, number>;
}

interface ToolIndex {
  byName: Map<string, Tool>;
  names: string[];
}

/**
 * Bridges tool calls from guest code to MCP servers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
 * import { ClientPool, connect, type Connector } from "@mcpx/cli";
 *
 * const link: Connector = async (config, opts) => {
 *   const server = new McpServer({ name: "demo", version: "1.0.0" });
 *   server.registerTool("ping", {}, () => ({ content: [{ type: "text", text: "pong" }] }));
 *   server.registerTool("wipe", {}, () => ({ content: [{ type: "text", text: "wiped" }] }));
 *   const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 *   await server.connect(serverSide);
 *   return await connect(config, { ...opts, transport: clientSide });
 * };
 *
 * const servers = [{ name: "demo", transport: "stdio" as const, command: "demo", args: [] }];
 * await using bridge = new Bridge({
 *   servers,
 *   pool: new ClientPool(servers, { connect: link }),
 *   policy: { allow: ["demo/ping"] },
 * });
 * const reply = await bridge.callTool("demo", "ping", {});
 * assert.deepEqual(reply, { ok: true, value: [{ type: "text", text: "pong" }] });
 * const denied = await bridge.callTool("demo", "wipe", {});
 * assert.equal(denied.ok ? undefined : denied.error.code, "TOOL_DENIED");
 * ```
 */
export class Bridge implements AsyncDisposable {
  readonly #servers: Map<string, ServerConfig>;
  readonly #pool: ClientPool;
  readonly #ownsPool: boolean;
  readonly #allow: Allowlist;
  readonly #validator: ArgValidator | undefined;
  readonly #limiter: RateLimiter | undefined;
  readonly #cache: ResultCache<unknown> | undefined;
  readonly #cacheAnnotated: boolean;
  readonly #cacheTools: Allowlist | undefined;
  readonly #maxArgBytes: number;
  readonly #timeoutMs: number;
  readonly #onCall: ((event: CallEvent) => void) | undefined;
  readonly #gate: ApprovalGate;
  readonly #audit: AuditLog | undefined;
  readonly #onResult: BridgeOptions["onResult"];
  readonly #given: ReadonlyMap<string, readonly Tool[]>;
  readonly #indexes = new Map<string, ToolIndex | Promise<ToolIndex>>();
  readonly #access: ResourceAccess;
  readonly #redactor: Redactor;
  #closed = false;
  readonly #stats: BridgeStats = {
    calls: 0,
    ok: 0,
    failed: 0,
    cacheHits: 0,
    upstreamCalls: 0,
    inFlight: 0,
    errors: {},
  };

  /**
   * A bridge over the given servers and policy.
   *
   * @throws {TypeError} or {RangeError} for an invalid policy (bad pattern or rate).
   */
  constructor(opts: BridgeOptions) {
    this.#servers = new Map(opts.servers.map((s) => [s.name, s]));
    // Error messages can carry what a server echoed of its secrets.
    this.#redactor = Redactor.forServers(opts.servers);
    this.#ownsPool = opts.pool === undefined;
    this.#pool = opts.pool ?? new ClientPool(opts.servers);
    const policy = opts.policy ?? {};
    this.#allow = new Allowlist(policy.allow, policy.deny);
    this.#validator = policy.validateArgs === false ? undefined : new ArgValidator();
    const rates = policy.rateLimits ?? {};
    this.#limiter = Object.keys(rates).length > 0 ? new RateLimiter(rates) : undefined;
    const cache = policy.cache === false ? undefined : policy.cache;
    this.#cache = cache === undefined
      ? undefined
      : new ResultCache({ maxEntries: cache.maxEntries, ttlMs: cache.ttlMs });
    this.#cacheAnnotated = cache?.annotated ?? true;
    this.#cacheTools = cache?.tools !== undefined && cache.tools.length > 0
      ? new Allowlist(cache.tools)
      : undefined;
    this.#maxArgBytes = policy.maxArgBytes ?? DEFAULT_MAX_ARG_BYTES;
    this.#timeoutMs = policy.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.#onCall = opts.onCall;
    this.#gate = opts.approvals instanceof ApprovalGate
      ? opts.approvals
      : new ApprovalGate(opts.approvals);
    this.#audit = opts.audit;
    this.#onResult = opts.onResult;
    this.#given = opts.tools ?? new Map();
    this.#access = new ResourceAccess({
      servers: [...this.#servers.keys()],
      client: async (s, sig) => (await this.#pool.acquire(s, sig)).client as UpstreamClient,
      resources: policy.resources,
      prompts: policy.prompts,
      timeoutMs: this.#timeoutMs,
    });
  }

  /** Resource and prompt rules, and the requests of the runtime's resource functions. */
  get resources(): ResourceAccess {
    return this.#access;
  }

  /** True when the allowlist lets guest code call `server/tool`. */
  allows(server: string, tool: string): boolean {
    return this.#servers.has(server) && this.#allow.allows(server, tool);
  }

  /** The policy and approvals of this bridge's calls. */
  get approvals(): ApprovalGate {
    return this.#gate;
  }

  /** The pool of clients this bridge calls through. */
  get pool(): ClientPool {
    return this.#pool;
  }

  /**
   * Calls `tool` on `server` with `args`. Never rejects: refusals, invalid
   * arguments, tool errors, timeouts and server failures come back as
   * `{ ok: false, error: { code, message } }`.
   *
   * @param signal Cancels the call (`TOOL_CANCELLED`; `TOOL_TIMEOUT` when the
   * reason is a `TimeoutError`).
   * @param context The execution the call comes from, for routing
   * server-to-client requests, progress and approvals to its client.
   * @param info The program line of the call (shown when approval is asked),
   * and how to stop the execution's clock while a person is asked.
   */
  async callTool(
    server: string,
    tool: string,
    args: unknown,
    signal?: AbortSignal,
    context?: ExecutionContext,
    info?: CallInfo,
  ): Promise<CallEnvelope> {
    const started = performance.now();
    const stats = this.#stats;
    stats.calls++;
    stats.inFlight++;
    const hit = recordCall(server, tool, args, context, info?.line, this.#audit);
    let reply: CallEnvelope;
    try {
      reply = server === GUEST_MCP_SERVER
        ? (this.#closed
          ? errorEnvelope("SERVER_ERROR", "The tool bridge is closed")
          : await this.#access.handle(tool, args, signal))
        : await this.#call(server, tool, args, signal, hit, context, info);
    } catch (error) {
      reply = errorEnvelope(
        "SERVER_ERROR",
        `Unexpected failure while calling "${server}/${tool}": ${messageOf(error)}`,
      );
    } finally {
      stats.inFlight--;
    }
    if (!reply.ok) {
      const message = this.#redactor.redact(reply.error.message);
      if (message !== reply.error.message) reply = { ...reply, error: { ...reply.error, message } };
    }
    if (reply.ok) stats.ok++;
    else {
      stats.failed++;
      stats.errors[reply.error.code] = (stats.errors[reply.error.code] ?? 0) + 1;
    }
    if (this.#onCall !== undefined) {
      try {
        this.#onCall({
          server: String(server),
          tool: String(tool),
          ok: reply.ok,
          ...(reply.ok ? {} : { code: reply.error.code }),
          cached: hit.cached,
          ms: performance.now() - started,
        });
      } catch { /* a listener's failure is its own */ }
    }
    hit.end(reply);
    return reply;
  }

  /** A copy of the counters. */
  /**
   * Replaces the known tool list of `server`, for example after the server
   * sent `notifications/tools/list_changed`. Later calls validate against it.
   */
  setTools(server: string, tools: readonly Tool[]): void {
    this.#indexes.set(server, makeIndex(tools));
  }

  /** Counters since the bridge was created. */
  stats(): BridgeStats {
    return { ...this.#stats, errors: { ...this.#stats.errors } };
  }

  /** Closes the clients (when the bridge opened them); later calls get `SERVER_ERROR`. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cache?.clear();
    if (this.#ownsPool) await this.#pool.close();
  }

  /** Same as {@link Bridge.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #call(
    server: string,
    tool: string,
    args: unknown,
    signal: AbortSignal | undefined,
    hit: CallRecord,
    context: ExecutionContext | undefined,
    info: CallInfo | undefined,
  ): Promise<CallEnvelope> {
    if (this.#closed) return errorEnvelope("SERVER_ERROR", "The tool bridge is closed");
    if (typeof server !== "string" || typeof tool !== "string") {
      return errorEnvelope("TOOL_INVALID_ARGS", "Server and tool names must be strings");
    }
    const name = `${server}/${tool}`;

    // 1. Known server, allowlist, known tool.
    if (!this.#servers.has(server)) {
      const known = [...this.#servers.keys()];
      const guess = closest(server, known);
      return errorEnvelope(
        "UNKNOWN_SERVER",
        guess !== undefined
          ? `Unknown server "${server}": did you mean "${guess}"?`
          : `Unknown server "${server}": known servers are ${quoteList(known)}`,
      );
    }
    if (!this.#allow.allows(server, tool)) {
      return errorEnvelope("TOOL_DENIED", `Tool "${name}" is not allowed by the allowlist`);
    }
    let index = this.#indexes.get(server);
    if (index === undefined || index instanceof Promise) {
      try {
        index = await this.#toolIndex(server, signal);
      } catch (error) {
        return this.#failure(error, server, tool, signal);
      }
    }
    const def = index.byName.get(tool);
    if (def === undefined) {
      const allowed = index.names.filter((t) => this.#allow.allows(server, t));
      const guess = closest(tool, allowed);
      const shown = allowed.length > 20
        ? `${quoteList(allowed.slice(0, 20))} and ${allowed.length - 20} more`
        : quoteList(allowed);
      return errorEnvelope(
        "UNKNOWN_TOOL",
        guess !== undefined
          ? `Unknown tool "${name}": did you mean "${guess}"?${
            callAdvice(index.byName.get(guess)!, undefined)
          }`
          : `Unknown tool "${name}": server "${server}" has ${shown}`,
      );
    }

    // 2. Size and schema of the arguments.
    if (args === undefined || args === null) args = {};
    if (typeof args !== "object" || Array.isArray(args)) {
      const kind = Array.isArray(args) ? "an array" : `a ${typeof args}`;
      return errorEnvelope(
        "TOOL_INVALID_ARGS",
        `Invalid arguments for "${name}": expected an object, got ${kind}.${
          callAdvice(def, undefined)
        }`,
      );
    }
    // Arguments that arrive as the JSON text they were just parsed from (from
    // the sandbox) are already plain, detached JSON: no second encoding.
    const fromJson = info?.argsJson !== undefined;
    let json: string;
    try {
      json = fromJson ? info!.argsJson! : JSON.stringify(args);
    } catch (error) {
      return errorEnvelope(
        "TOOL_INVALID_ARGS",
        `Invalid arguments for "${name}": not representable as JSON (${messageOf(error)})`,
      );
    }
    if (json.length * 3 > this.#maxArgBytes) {
      const bytes = new TextEncoder().encode(json).length;
      if (bytes > this.#maxArgBytes) {
        return errorEnvelope(
          "TOOL_LIMIT",
          `Arguments for "${name}" are ${formatBytes(bytes)} of JSON, over the ${
            formatBytes(this.#maxArgBytes)
          } limit`,
        );
      }
    }
    // What the server will receive: plain JSON, detached from the caller's objects.
    const wire = (fromJson ? args : JSON.parse(json)) as Record<string, unknown>;
    hit.wire = wire;
    if (this.#validator !== undefined) {
      const problems = await this.#validator.validate(def, wire, name);
      if (problems.length > 0) {
        return errorEnvelope(
          "TOOL_INVALID_ARGS",
          `Invalid arguments for "${name}": ${problems.join("; ")}.${callAdvice(def, wire)}`,
        );
      }
    }

    // 3. Policy: allow, ask (a human approves), deny; dry runs and approved plans.
    const gate = await this.#gate.check({
      server,
      tool,
      args: wire,
      def,
      context,
      line: info?.line,
      pauseClock: info?.pauseClock,
      signal,
    });
    hit.approval = gate.decision;
    if (gate.refusal !== undefined) return errorEnvelope(gate.refusal.code, gate.refusal.message);
    if (gate.placeholder !== undefined) return okEnvelope(gate.placeholder.value);

    // 4. Rate limit.
    const exceeded = this.#limiter?.take(server, tool);
    if (exceeded !== undefined) {
      return errorEnvelope(
        "TOOL_RATE_LIMITED",
        `Rate limit of ${exceeded.callsPerSecond} calls per second exceeded for "${name}"`,
      );
    }

    // 5. Cache.
    const key = this.#cacheable(server, tool, def) ? cacheKey(server, tool, wire) : undefined;
    if (key !== undefined) {
      const cached = this.#cache!.get(key);
      if (cached !== undefined) {
        this.#stats.cacheHits++;
        hit.cached = true;
        return okEnvelope(structuredClone(cached));
      }
    }

    // 6. The call, on a connection that heals itself (see ClientPool.run).
    if (signal?.aborted) return cancelled(name, signal);
    const timeoutMs = this.#timeoutFor(server, tool);
    let used: Connection | undefined;
    let result: CallToolResult;
    try {
      result = await hit.upstream((meta) =>
        this.#pool.run(server, (conn) => {
          used = conn;
          this.#stats.upstreamCalls++;
          return this.#send(conn, def, wire, signal, timeoutMs, meta, context);
        }, signal)
      );
    } catch (error) {
      return this.#failure(error, server, tool, signal, used, timeoutMs, def, wire);
    }

    // 7. The reply.
    if (result.isError === true) {
      const text = (result.content ?? [])
        .map((b) => b.type === "text" ? b.text : "")
        .filter((t) => t !== "")
        .join("\n");
      return errorEnvelope(
        "TOOL_ERROR",
        `Tool "${name}" reported an error: ${text || "no message"}.${callAdvice(def, wire)}`,
        result.content,
      );
    }
    if (this.#onResult !== undefined) {
      try {
        this.#onResult(server, def, result);
      } catch { /* a listener's failure is its own */ }
    }
    const shaped = shapeResult(server, def, result);
    if (!shaped.ok) return errorEnvelope("SERVER_ERROR", shaped.message, result.content);
    if (key !== undefined) this.#cache!.set(key, structuredClone(shaped.value));
    return okEnvelope(shaped.value);
  }

  #timeoutFor(server: string, tool: string): number {
    const t = this.#servers.get(server)?.timeouts;
    return t?.toolsMs?.[tool] ?? t?.callMs ?? this.#timeoutMs;
  }

  async #send(
    conn: Connection,
    def: Tool,
    args: Record<string, unknown>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    meta: Record<string, string>,
    context: ExecutionContext | undefined,
  ): Promise<CallToolResult> {
    // Server-to-client requests, progress and logs of this call go to the
    // client of the execution that made it.
    const params: {
      name: string;
      arguments: Record<string, unknown>;
      _meta?: Record<string, unknown>;
    } = meta.traceparent === undefined
      ? { name: def.name, arguments: args }
      : { name: def.name, arguments: args, _meta: meta };
    const release = trackUpstreamCall(conn.client, context, params);
    const onprogress = progressFor(context);
    const progress = onprogress ? { onprogress, resetTimeoutOnProgress: true } : {};
    // A per-call controller: the SDK never removes its listener from the signal it is given.
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const options = { timeout: timeoutMs, signal: ac.signal, ...progress };
    try {
      if (def.execution?.taskSupport === "required") {
        return await callAsTask(conn, params, options, onprogress);
      }
      return await conn.client.callTool(params, undefined, options) as CallToolResult;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      release();
    }
  }

  #cacheable(server: string, tool: string, def: Tool): boolean {
    if (this.#cache === undefined) return false;
    if (this.#cacheTools?.allows(server, tool)) return true;
    const a = def.annotations;
    return this.#cacheAnnotated && (a?.readOnlyHint === true || a?.idempotentHint === true);
  }

  #toolIndex(server: string, signal: AbortSignal | undefined): Promise<ToolIndex> {
    const given = this.#given.get(server);
    if (given !== undefined) {
      const index = makeIndex(given);
      this.#indexes.set(server, index);
      return Promise.resolve(index);
    }
    let pending = this.#indexes.get(server) as Promise<ToolIndex> | undefined;
    if (pending === undefined) {
      pending = (async () => {
        const conn = await this.#pool.acquire(server);
        return makeIndex(await listAllTools(conn, { requestTimeoutMs: this.#timeoutMs }));
      })();
      this.#indexes.set(server, pending);
      pending.then(
        (index) => this.#indexes.set(server, index),
        () => this.#indexes.delete(server),
      );
    }
    if (signal === undefined) return pending;
    return new Promise<ToolIndex>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  #failure(
    error: unknown,
    server: string,
    tool: string,
    signal: AbortSignal | undefined,
    conn?: Connection,
    timeoutMs = this.#timeoutMs,
    def?: Tool,
    args?: Record<string, unknown>,
  ): CallEnvelope {
    const name = `${server}/${tool}`;
    if (signal?.aborted) return cancelled(name, signal);
    if (error instanceof McpError) {
      if (error.code === ErrorCode.ParseError) {
        return errorEnvelope(
          "SERVER_PROTOCOL_ERROR",
          `Server "${server}" sent a corrupt reply to "${tool}": ${
            error.message.replace(/^MCP error -?\d+: /, "")
          }`,
        );
      }
      if (error.code === ErrorCode.RequestTimeout) {
        return errorEnvelope(
          "TOOL_TIMEOUT",
          `Tool "${name}" did not answer within ${timeoutMs} ms`,
        );
      }
      if (error.code === ErrorCode.ConnectionClosed || conn?.closed === true) {
        return errorEnvelope("SERVER_ERROR", closedMessage(server, tool, conn));
      }
      const text = error.message.replace(/^MCP error -?\d+: /, "");
      if (/^(Structured content does not match|Failed to validate structured content)/.test(text)) {
        return errorEnvelope("SERVER_ERROR", `Tool "${name}" returned an invalid result: ${text}`);
      }
      if (error.code === ErrorCode.InvalidParams) {
        return errorEnvelope(
          "TOOL_INVALID_ARGS",
          `Server "${server}" rejected the arguments of "${tool}": ${text}.${
            def === undefined ? "" : callAdvice(def, args)
          }`,
        );
      }
      return errorEnvelope(
        "TOOL_ERROR",
        `Tool "${name}" failed: ${text}.${def === undefined ? "" : callAdvice(def, args)}`,
      );
    }
    if (conn?.closed === true) {
      return errorEnvelope("SERVER_ERROR", closedMessage(server, tool, conn));
    }
    if (error instanceof McpxError) return errorEnvelope(error.code, error.message);
    return errorEnvelope(
      "SERVER_ERROR",
      `Server "${server}" failed during "${tool}": ${describeUpstreamError(error)}`,
    );
  }
}

/**
 * The tools of each snapshot by server name, for {@link BridgeOptions.tools}.
 *
 * @example
 * ```ts ignore
 * const { snapshots } = await introspectAll(servers);
 * const bridge = new Bridge({ servers, tools: toolMap(snapshots) });
 * ```
 */
export function toolMap(snapshots: readonly ServerSnapshot[]): Map<string, Tool[]> {
  return new Map(snapshots.map((s) => [s.name, s.tools]));
}

/**
 * Calls a tool that requires task execution: the server answers at once with
 * a task, and the SDK polls it to its result. Status changes are reported as
 * progress messages.
 */
async function callAsTask(
  conn: Connection,
  params: { name: string; arguments: Record<string, unknown> },
  options: { timeout: number; signal: AbortSignal },
  onprogress: ((p: { progress: number; message?: string }) => void) | undefined,
): Promise<CallToolResult> {
  let step = 0;
  const stream = conn.client.experimental.tasks.callToolStream(
    params,
    CallToolResultSchema,
    options,
  );
  for await (const message of stream) {
    if (message.type === "result") return message.result as CallToolResult;
    if (message.type === "error") throw message.error;
    if (message.type === "taskStatus" || message.type === "taskCreated") {
      const task = message.task;
      onprogress?.({
        progress: ++step,
        message: `task ${task.status}${task.statusMessage ? `: ${task.statusMessage}` : ""}`,
      });
    }
  }
  throw new McpxError("SERVER_ERROR", `Task of "${params.name}" ended without a result`);
}

function makeIndex(tools: readonly Tool[]): ToolIndex {
  return { byName: new Map(tools.map((t) => [t.name, t])), names: tools.map((t) => t.name) };
}

function cancelled(name: string, signal: AbortSignal): CallEnvelope {
  const reason = signal.reason;
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return errorEnvelope("TOOL_TIMEOUT", `Call to "${name}" timed out`);
  }
  return errorEnvelope("TOOL_CANCELLED", `Call to "${name}" was cancelled`);
}

function closedMessage(server: string, tool: string, conn: Connection | undefined): string {
  const info = conn?.closeInfo;
  if (info?.overLimitBytes !== undefined) {
    return `Server "${server}" sent a message larger than the size limit of ${
      formatBytes(info.overLimitBytes)
    } for one message during "${tool}": the connection was closed; it will be restarted on the next call`;
  }
  if (info?.expected === true) {
    return `The connection to server "${server}" was closed while "${tool}" was running`;
  }
  let how = "";
  if (info?.exitCode !== undefined && info.exitCode !== null) how = ` (exit code ${info.exitCode})`;
  else if (info?.signal) how = ` (killed by ${info.signal})`;
  const tail = info?.stderrTail ?? [];
  const stderr = tail.length > 0
    ? `. Last stderr lines:\n${tail.slice(-5).map((l) => `  ${l}`).join("\n")}`
    : "";
  return `Server "${server}" closed the connection during "${tool}"${how}; it will be restarted on the next call${stderr}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
