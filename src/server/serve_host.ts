/**
 * `mcpx serve` as a library: one {@link ServeHost} per process holds the
 * runtime (sandbox, bridge, catalogue), the search index and the saved
 * skills (skills.ts) and runs the tools; each MCP session gets a
 * {@link ServeSession} (serve_session.ts) with its own SDK `Server` and
 * workspace, connected to any transport (stdio, Streamable HTTP, in-memory).
 *
 * The host answers `initialize` and `tools/list` at once: the runtime is
 * created in the background and upstream servers are introspected only when a
 * tool first needs them.
 *
 * @module
 */
import type { CallToolResult, ServerContext, Tool } from "../mcp_types.ts";
import {
  createRequestStateCodec,
  type InputRequest,
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
  type RequestStateCodec,
} from "../_sdk_server.ts";
import { McpxError } from "../errors.ts";
import { formatPlan } from "../policy/format_plan.ts";
import { FairQueue, QueueFullError } from "./fair_queue.ts";
import { legacyChannel, modernChannel, requestAbilities } from "../routing/client_channels.ts";
import { CLIENT_MODULE, CLIENT_SERVER, handleClientCall } from "../routing/client_module.ts";
import {
  type ClientChannel,
  type ExecutionContext,
  executionContext,
  type LogLevel,
} from "../routing/execution_context.ts";
import {
  type PendingInput,
  type SuspendedExecution,
  SuspendedExecutions,
  type SuspendState,
} from "../routing/suspended_executions.ts";
import { PASSTHROUGH_CAPABILITIES, type Root, routeUpstream } from "../routing/upstream_router.ts";
import type { SkillStore } from "../plugin_store/skill_store.ts";
import type { SkillLimits } from "../quotas/serve_limits.ts";
import { Runtime, type RuntimeOptions } from "../runtime/runtime.ts";
import { transpileModule } from "../sandbox/transpile.ts";
import { cut, DEFAULT_MAX_RESULT_CHARS } from "./format_execution.ts";
import { richExecution } from "./rich_result.ts";
import { Passthrough, type PassthroughClient } from "./passthrough.ts";
import { isModern } from "./_protocol_era.ts";
import {
  type Args,
  errorText,
  firstLine,
  firstSentence,
  invalid,
  stringArg,
  text,
} from "./_tool_results.ts";
import { SearchIndex, type ToolDoc } from "./search_index.ts";
import { type CallOrigin, ServeSession, type SessionOptions } from "./serve_session.ts";
import { SavedSkills } from "./skills.ts";
import { toolSignature } from "./signature.ts";
import {
  MCPX_TOOLS,
  type McpxToolName,
  mcpxTools,
  type UpstreamToolHints,
} from "./tool_definitions.ts";
import { closestPaths, listDirectory, normalizeTreePath } from "./virtual_tree.ts";
import {
  Workspace,
  WORKSPACE_MODULE,
  WORKSPACE_SERVER,
  type WorkspaceLimits,
} from "./workspace.ts";

export { type CallOrigin, ServeSession, type SessionOptions } from "./serve_session.ts";
export { importSpecifiers, rebaseImports } from "./skills.ts";

/** Default largest `code` accepted by `execute_code` and `save_skill`, in characters. */
export const DEFAULT_MAX_CODE_CHARS: number = 1_000_000;

/** Most workspaces kept for stateless (2026-07-28) HTTP requests at once. */
const MAX_WORKSPACE_HANDLES = 256;

/** Search-index server name of saved skills. */
const SKILLS = "skills";
const SKILL_SERVER = "@skills";

/**
 * Options of {@link ServeHost.create}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ServeHostOptions = {
 *   runtime: { servers: [], typeCheck: false },
 *   maxResultChars: 20_000,
 *   workspace: { maxFiles: 100 },
 * };
 * assert.equal(opts.workspace?.maxFiles, 100); // for ServeHost.create(opts)
 * ```
 */
export interface ServeHostOptions {
  /** Servers, plugins, policy and limits of the runtime. */
  runtime?: RuntimeOptions;
  /** A runtime to use instead of creating one (the host then does not close it). */
  runtimeInstance?: Runtime | Promise<Runtime>;
  /** Where `save_skill` stores skills and where saved skills are loaded from. */
  skills?: SkillStore;
  /** Bounds of saved skills: each, per session and in all (see serve_limits.ts). */
  skillLimits?: Partial<SkillLimits>;
  /** Budget of a tool reply, in characters (default 20,000). */
  maxResultChars?: number;
  /** Largest code accepted, in characters (default 1,000,000). */
  maxCodeChars?: number;
  /** Caps of each session's workspace. */
  workspace?: Partial<WorkspaceLimits>;
  /** How long search and listing wait for servers still being introspected (default 15,000 ms). */
  introspectTimeoutMs?: number;
  /** Where diagnostics go (never stdout in stdio mode); default nowhere. */
  log?: (line: string) => void;
  /**
   * Roots given to upstream servers that ask while no client call is in
   * flight (or whose client has no roots), such as `--root` folders.
   */
  roots?: readonly Root[];
  /**
   * Pass server-to-client requests (sampling, elicitation, roots), progress
   * and logs of upstream servers through to the clients (default true; only
   * for a runtime the host creates).
   */
  passthrough?: boolean;
  /** How long a 2026-07-28 execution waits for its client's answers (default 10 minutes). */
  suspendTtlMs?: number;
  /** How long an unused stateless-HTTP workspace is kept (default 30 minutes). */
  workspaceIdleMs?: number;
}

/**
 * Figures of a {@link ServeHost}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const stats: ServeStats = { sessions: 1, running: 0, executions: 5, cancelled: 1, failed: 0 };
 * assert.equal(stats.executions - stats.cancelled - stats.failed, 4);
 * ```
 */
export interface ServeStats {
  /** Sessions open now. */
  sessions: number;
  /** Executions running now. */
  running: number;
  /** Executions started since the host was created. */
  executions: number;
  /** Executions that ended cancelled (client gone or request cancelled). */
  cancelled: number;
  /** Executions that failed (including cancelled ones). */
  failed: number;
}

/**
 * The state every session of one `mcpx serve` shares.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
 *
 * await using host = await ServeHost.create({ runtime: { servers: [] } });
 * const session = host.createSession();
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * await session.server.connect(serverSide);
 * const client = new Client({ name: "example", version: "1.0.0" });
 * await client.connect(clientSide);
 * const reply = await client.callTool({
 *   name: "execute_code",
 *   arguments: { code: "export default [1, 2, 3].map((n) => n * 2);" },
 * });
 * assert.deepEqual((reply.structuredContent as { result: unknown }).result, [2, 4, 6]);
 * await client.close();
 * ```
 */
export class ServeHost implements AsyncDisposable {
  #runtime?: Promise<Runtime>;
  readonly #runtimeOptions: RuntimeOptions;
  readonly #ownsRuntime: boolean;
  readonly #skills: SavedSkills;
  readonly #maxResultChars: number;
  readonly #maxCodeChars: number;
  readonly #workspaceLimits: Partial<WorkspaceLimits>;
  readonly #introspectTimeoutMs: number;
  readonly #log: (line: string) => void;
  readonly #sessions = new Set<ServeSession>();
  #index?: { key: string; index: SearchIndex };
  #stats = { running: 0, executions: 0, cancelled: 0, failed: 0 };
  #closed = false;
  readonly #roots: readonly Root[];
  readonly #passthrough: boolean;
  readonly #suspended: SuspendedExecutions;
  readonly #codec: RequestStateCodec<SuspendState>;
  readonly #handles = new Map<string, { workspace: Workspace; lastSeen: number }>();
  readonly #workspaceIdleMs: number;
  readonly #clientRoots = new Map<ServeSession, readonly Root[]>();
  /** Points a suspended execution's progress and logs at the request now carrying it. */
  readonly #rounds = new WeakMap<
    SuspendedExecution<unknown>,
    (ctx: ServerContext | undefined) => void
  >();
  /** Upstream resources, prompts and completions, for every session. */
  readonly passthrough: Passthrough;
  /** Executions per session and in all, shared fairly between sessions. */
  readonly #queue = new FairQueue({ perSession: 2, total: 4 });

  private constructor(opts: ServeHostOptions) {
    this.#ownsRuntime = opts.runtimeInstance === undefined;
    this.#runtimeOptions = opts.runtime ?? {};
    if (opts.runtimeInstance !== undefined) {
      this.#runtime = Promise.resolve(opts.runtimeInstance);
      this.#runtime.then((rt) => this.#adopt(rt), () => {});
    }
    this.#skills = new SavedSkills(opts.skills, opts.skillLimits);
    this.#maxResultChars = opts.maxResultChars ?? DEFAULT_MAX_RESULT_CHARS;
    this.#maxCodeChars = opts.maxCodeChars ?? DEFAULT_MAX_CODE_CHARS;
    this.#workspaceLimits = opts.workspace ?? {};
    this.#introspectTimeoutMs = opts.introspectTimeoutMs ?? 15_000;
    this.#log = opts.log ?? (() => {});
    this.#roots = opts.roots ?? [];
    this.#passthrough = opts.passthrough ?? true;
    this.#suspended = new SuspendedExecutions({ ttlMs: opts.suspendTtlMs });
    this.#codec = createRequestStateCodec<SuspendState>({
      key: crypto.getRandomValues(new Uint8Array(32)),
      ttlSeconds: Math.ceil(this.#suspended.ttlMs / 1000),
    });
    this.#workspaceIdleMs = opts.workspaceIdleMs ?? 30 * 60_000;
    this.passthrough = new Passthrough({
      servers: async () => (await this.runtime()).catalog.status().map((s) => s.name),
      client: async (server, signal) =>
        (await (await this.runtime()).bridge.pool.acquire(server, signal))
          .client as unknown as PassthroughClient,
      rules: { // The bridge's resource and prompt rules, once the runtime exists.
        allowsResource: (s, u) => this.#rt?.bridge.resources.allowsResource(s, u) ?? true,
        allowsPrompt: (s, n) => this.#rt?.bridge.resources.allowsPrompt(s, n) ?? true,
      },
      log: this.#log,
    });
  }

  /** The runtime once created, for the passthrough's rules. */
  #rt?: Runtime;

  /**
   * Creates a host and loads the verified saved skills (a tampered one is
   * skipped with a warning). The runtime is created on first need, or by
   * {@link ServeHost.warm}.
   */
  static async create(opts: ServeHostOptions = {}): Promise<ServeHost> {
    const host = new ServeHost(opts);
    await host.#skills.load(host.#log);
    return host;
  }

  /** The runtime, created on the first call. */
  runtime(): Promise<Runtime> {
    if (this.#runtime === undefined) {
      if (this.#closed) return Promise.reject(new McpxError("USAGE", "The server is closed"));
      this.#runtime = Runtime.create(
        this.#passthrough
          ? {
            ...this.#runtimeOptions,
            upstream: {
              capabilities: PASSTHROUGH_CAPABILITIES,
              setup: (name, client) =>
                routeUpstream(name, client, {
                  capabilities: PASSTHROUGH_CAPABILITIES,
                  roots: () => this.roots(),
                  onLog: (server, level, data) => this.#broadcastLog(server, level, data),
                }),
            },
          }
          : this.#runtimeOptions,
      );
      // Reported when a tool needs it; not unhandled meanwhile.
      this.#runtime.catch(() => {});
      this.#runtime.then((rt) => this.#adopt(rt), () => {});
    }
    return this.#runtime;
  }

  /** Upstream notifications of `rt` reach the passthrough. */
  #adopt(rt: Runtime): void {
    this.#rt = rt;
    rt.onUpstreamNotification((server, method, params) =>
      this.passthrough.upstreamNotification(server, method, params)
    );
    // execute_code's hints follow the upstream tools: tell clients when they change.
    rt.catalog.onChange(() => this.#hintsMaybeChanged());
  }

  #lastHints = JSON.stringify(mcpxTools(undefined));

  #hintsMaybeChanged(): void {
    const now = JSON.stringify(this._tools());
    if (now === this.#lastHints) return;
    this.#lastHints = now;
    for (const s of this.#sessions) s._toolListChanged();
  }

  /** Starts creating the runtime (sandbox workers) in the background, without waiting. */
  warm(): void {
    void this.runtime();
  }

  /** Writes a diagnostic line (never to stdout). */
  log(line: string): void {
    this.#log(line);
  }

  /** Names of the loaded skills, sorted. */
  get skills(): string[] {
    return this.#skills.names;
  }

  /** Bytes and number of saved skills, in all or of one session (by its key). */
  skillUsage(sessionKey?: string): { bytes: number; count: number } {
    return this.#skills.usage(sessionKey);
  }

  /** Counters of sessions and executions. */
  stats(): ServeStats {
    return { sessions: this.#sessions.size, ...this.#stats };
  }

  /**
   * A new session: connect {@link ServeSession.server} to a transport, or
   * hand {@link ServeSession.newServer} to a serving entry as its factory.
   */
  createSession(opts: SessionOptions = {}): ServeSession {
    if (this.#closed) throw new McpxError("USAGE", "Cannot open a session: the server is closed");
    const session = new ServeSession(this, new Workspace(this.#workspaceLimits), opts);
    this.#sessions.add(session);
    return session;
  }

  /** Closes every session and, when the host created it, the runtime. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#suspended.cancelAll(new DOMException("The server is closing", "AbortError"));
    this.#handles.clear();
    await Promise.allSettled([...this.#sessions].map((s) => s.close()));
    if (this.#ownsRuntime && this.#runtime) {
      await (await this.#runtime.catch(() => undefined))?.close();
    }
  }

  /** Same as {@link ServeHost.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal Drops a closed session's "approve all" answers. */
  _forgetApprovals(sessionKey: string): void {
    this.#runtime?.then((rt) => rt.bridge.approvals.forgetSession(sessionKey), () => {});
  }

  /** @internal */
  _forget(session: ServeSession): void {
    this.#sessions.delete(session);
    if (this.#clientRoots.has(session)) this._setClientRoots(session, undefined);
  }

  /**
   * Roots given to upstream servers that ask while no client call is in
   * flight: the host's own (`--root`), then those of every 2025-era session
   * whose client lists roots (upstream connections are shared by all
   * sessions, so a server sees them all).
   */
  roots(): Root[] {
    const out = new Map<string, Root>();
    for (const r of this.#roots) out.set(r.uri, r);
    for (const list of this.#clientRoots.values()) for (const r of list) out.set(r.uri, r);
    return [...out.values()];
  }

  /** @internal Records the roots a session's client listed; tells upstream servers. */
  _setClientRoots(session: ServeSession, roots: readonly Root[] | undefined): void {
    const before = JSON.stringify(this.roots());
    if (roots === undefined) this.#clientRoots.delete(session);
    else {this.#clientRoots.set(
        session,
        roots.map((r) => ({ uri: r.uri, ...(r.name ? { name: r.name } : {}) })),
      );}
    if (JSON.stringify(this.roots()) === before || this.#runtime === undefined) return;
    void this.#runtime.then((rt) => {
      for (const server of rt.bridge.pool.servers) {
        rt.bridge.pool.peek(server.name)?.client.sendRootsListChanged().catch(() => {});
      }
    }, () => {});
  }

  /** @internal Verifies a sealed `requestState`. */
  _verifyState(state: string, ctx: ServerContext): Promise<SuspendState> {
    return this.#codec.verify(state, ctx);
  }

  /**
   * @internal The five tools, with `execute_code`'s hints from the allowed
   * upstream tools when every server's tools are known (cautious ones before).
   * `stateless` sessions declare the `Mcp-Param-Workspace` header.
   */
  _tools(stateless = false): Tool[] {
    let allowed: UpstreamToolHints[] | undefined;
    // Never waits for the runtime: tools/list answers at once.
    const rt = this.#rt;
    if (rt && rt.catalog.status().every((s) => s.state === "ready")) {
      allowed = [];
      for (const snap of rt.catalog.snapshots()) {
        for (const t of snap.tools) if (rt.bridge.allows(snap.name, t.name)) allowed.push(t);
      }
    }
    return mcpxTools(allowed, { paramHeaders: stateless });
  }

  /** @internal Runs one tool call of `session`. */
  async _call(
    session: ServeSession,
    name: string,
    args: Args,
    signal: AbortSignal,
    origin?: CallOrigin,
  ): Promise<CallToolResult> {
    let workspace = session.workspace;
    let handle: string | undefined;
    if (
      session.stateless &&
      (name === "execute_code" || name === "list_files" || name === "read_file")
    ) {
      const found = this.#workspaceFor(args, name === "execute_code");
      if (typeof found === "string") return errorText(found);
      ({ workspace, handle } = found);
    }
    switch (name as McpxToolName) {
      case "search_tools":
        return await this.#search(args);
      case "list_files":
        return await this.#listFiles(workspace, args);
      case "read_file":
        return await this.#readFile(workspace, args);
      case "execute_code": {
        const result = await this.#execute(session, workspace, args, signal, origin);
        if (handle !== undefined && !("inputRequests" in result)) {
          result.content = [
            ...(result.content ?? []),
            {
              type: "text",
              text: `workspace: ${handle} (pass "workspace": "${handle}" to keep using its files)`,
            },
          ];
        }
        return result;
      }
      case "save_skill":
        return await this.#skills.save(session.key, args, {
          checkSize: (what, value) => this.#checkSize(what, value),
          runtime: () => this.#runtimeOrError(),
        });
      default:
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Unknown tool "${name}": tools are ${MCPX_TOOLS.map((t) => `"${t.name}"`).join(", ")}`,
        );
    }
  }

  /** The workspace a stateless call names (or a new one for `execute_code`). */
  #workspaceFor(
    args: Args,
    create: boolean,
  ): { workspace: Workspace; handle?: string } | string {
    const now = Date.now();
    for (const [h, w] of this.#handles) {
      if (now - w.lastSeen > this.#workspaceIdleMs) this.#handles.delete(h);
    }
    const handle = stringArg(args, "workspace");
    if (handle === undefined) {
      if (!create) return { workspace: new Workspace(this.#workspaceLimits) };
      const h = `ws-${crypto.randomUUID()}`;
      const workspace = new Workspace(this.#workspaceLimits);
      // Bounded: the least recently used handle goes first (the map keeps use order).
      if (this.#handles.size >= MAX_WORKSPACE_HANDLES) {
        this.#handles.delete(this.#handles.keys().next().value!);
      }
      this.#handles.set(h, { workspace, lastSeen: now });
      return { workspace, handle: h };
    }
    const entry = this.#handles.get(handle);
    if (entry === undefined) {
      return `Unknown workspace "${handle}": it expired or never existed; omit "workspace" to start a new one`;
    }
    entry.lastSeen = now;
    this.#handles.delete(handle);
    this.#handles.set(handle, entry);
    return { workspace: entry.workspace, handle };
  }

  /** Upstream log messages not tied to a call: to every 2025-era session. */
  #broadcastLog(server: string, level: LogLevel, data: unknown): void {
    for (const s of this.#sessions) s._log(level, server, data);
  }

  // ---- search_tools -------------------------------------------------------

  async #search(args: Args): Promise<CallToolResult> {
    const query = stringArg(args, "query", true)!;
    const detail = args.detail ?? "summary";
    if (detail !== "name" && detail !== "summary" && detail !== "full") {
      throw invalid(`Invalid detail ${JSON.stringify(detail)}: use "name", "summary" or "full"`);
    }
    const server = stringArg(args, "server");
    const limit = args.limit ?? (detail === "full" ? 5 : 10);
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
      throw invalid(`Invalid limit ${JSON.stringify(limit)}: expected a positive integer`);
    }
    const rt = await this.#ready();
    const down = this.#unavailable(rt, server === undefined ? undefined : [server]);
    if (
      server !== undefined && server !== SKILLS && down.length > 0 && !rt.catalog.snapshot(server)
    ) {
      return errorText(down.join("\n"));
    }
    const index = this.#searchIndex(rt);
    let hits;
    try {
      hits = index.search(query, { server: server === SKILLS ? SKILL_SERVER : server, limit });
    } catch (e) {
      if (e instanceof McpxError) {
        return errorText(e.message.replaceAll(`"${SKILL_SERVER}"`, `"${SKILLS}"`));
      }
      throw e;
    }
    const lines: string[] = [];
    if (hits.length === 0) {
      lines.push(
        `No tools match ${JSON.stringify(query)}. Try other words, or list_files servers/.`,
      );
    }
    const files = rt.catalog.files();
    for (const { doc } of hits) {
      const isSkill = doc.server === SKILL_SERVER;
      if (detail === "name") lines.push(`${doc.fn} (${doc.path})`);
      else if (detail === "summary") {
        const about = firstSentence(doc.description ?? doc.title ?? "");
        lines.push(`${doc.fn} (${doc.path})${about ? `: ${about}` : ""}`);
      } else {
        const source = isSkill ? this.#skills.get(doc.tool)?.code : files.get(`/${doc.path}`);
        const body = source === undefined ? "" : isSkill ? source.trimEnd() : toolSignature(source);
        lines.push(
          `// ${doc.path}${isSkill && doc.description ? ` — ${doc.description}` : ""}\n${body}\n`,
        );
      }
    }
    lines.push(...down);
    return text(cut(lines.join("\n").trimEnd(), this.#maxResultChars));
  }

  #searchIndex(rt: Runtime): SearchIndex {
    const key = `${rt.catalog.version}:${this.#skills.version}`;
    if (this.#index?.key === key) return this.#index.index;
    const docs: ToolDoc[] = [];
    for (const s of rt.catalog.generated().servers) {
      for (const t of s.tools) {
        docs.push({
          server: s.name,
          tool: t.name,
          fn: t.fn,
          path: t.path,
          ...(t.title ? { title: t.title } : {}),
          ...(t.description ? { description: t.description } : {}),
        });
      }
    }
    for (const s of this.#skills.values()) {
      docs.push({
        server: SKILL_SERVER,
        tool: s.name,
        fn: s.exports.join(", ") || s.name,
        path: `skills/${s.name}.ts`,
        description: s.description,
      });
    }
    const index = new SearchIndex(docs);
    for (const snap of rt.catalog.snapshots()) {
      const about = [snap.serverInfo.title, snap.instructions?.slice(0, 300)].filter(Boolean).join(
        " ",
      );
      if (about) index.describeServer(snap.name, about);
    }
    index.describeServer(SKILL_SERVER, "saved skill");
    this.#index = { key, index };
    return index;
  }

  // ---- list_files / read_file ---------------------------------------------

  /** Every file a session sees: path relative to the root → content. */
  #tree(rt: Runtime, workspace: Workspace): Map<string, string> {
    const tree = new Map<string, string>();
    for (const [p, c] of rt.catalog.files()) tree.set(p.slice(1), c);
    tree.set("workspace.ts", WORKSPACE_MODULE);
    tree.set("client.ts", CLIENT_MODULE);
    for (const [p, c] of this.#skills.files) tree.set(p.slice(1), c);
    for (const [p, c] of workspace.entries()) tree.set(p, c);
    return tree;
  }

  async #listFiles(workspace: Workspace, args: Args): Promise<CallToolResult> {
    const raw = stringArg(args, "path");
    const dir = normalizeTreePath(raw);
    if (dir === undefined) {
      return errorText(`Invalid path ${JSON.stringify(raw)}: ".." is not allowed`);
    }
    const rt = await this.#ready();
    const tree = this.#tree(rt, workspace);
    let entries = listDirectory(tree.keys(), dir);
    if (dir === "") {
      entries = entries ?? [];
      for (const name of ["skills/", "workspace/"]) {
        if (!entries.some((e) => e.name === name)) entries.unshift({ name, files: 0 });
      }
      entries.sort((a, b) =>
        Number(!a.name.endsWith("/")) - Number(!b.name.endsWith("/")) || (a.name < b.name ? -1 : 1)
      );
    } else if (entries === undefined && (dir === SKILLS || dir === "workspace")) {
      entries = [];
    }
    if (entries === undefined) {
      if (tree.has(dir)) return this.#readFile(workspace, { path: dir });
      return errorText(this.#notFound(dir, tree, rt));
    }
    const lines = entries.map((e) =>
      e.files === undefined ? e.name : `${e.name} (${e.files} file${e.files === 1 ? "" : "s"})`
    );
    if (lines.length === 0) lines.push("(empty)");
    if (dir === "" || dir === "servers" || dir.startsWith("servers/")) {
      lines.push(...this.#unavailable(rt));
    }
    return text(lines.join("\n"));
  }

  async #readFile(workspace: Workspace, args: Args): Promise<CallToolResult> {
    const raw = stringArg(args, "path", true)!;
    const path = normalizeTreePath(raw);
    if (path === undefined) {
      return errorText(`Invalid path ${JSON.stringify(raw)}: ".." is not allowed`);
    }
    const rt = await this.#ready();
    const tree = this.#tree(rt, workspace);
    const content = tree.get(path);
    if (content === undefined) {
      if (path === "" || listDirectory(tree.keys(), path) !== undefined) {
        return this.#listFiles(workspace, { path });
      }
      return errorText(this.#notFound(path, tree, rt));
    }
    return text(cut(content, this.#maxResultChars));
  }

  #notFound(path: string, tree: Map<string, string>, rt: Runtime): string {
    const near = closestPaths(path, tree.keys(), 3);
    const lines = [`No file "${path}". Closest: ${near.map((p) => `"${p}"`).join(", ")}`];
    lines.push(...this.#unavailable(rt));
    return lines.join("\n");
  }

  // ---- execute_code -------------------------------------------------------

  async #execute(
    session: ServeSession,
    workspace: Workspace,
    args: Args,
    signal: AbortSignal,
    origin?: CallOrigin,
  ): Promise<CallToolResult> {
    if (origin === undefined) {
      return await this.#run(workspace, args, signal, executionContext(session.key));
    }
    const { server, ctx } = origin;
    const meta = ctx.mcpReq._meta?.traceparent;
    const traceparent = typeof meta === "string" ? meta : undefined;
    const abilities = requestAbilities(ctx, server.getClientCapabilities());
    if (!isModern(server.getNegotiatedProtocolVersion())) {
      const context = executionContext(session.key, legacyChannel(ctx, abilities));
      return await this.#run(workspace, args, signal, context, traceparent);
    }
    // 2026-07-28: the execution may be suspended between requests.
    const state = ctx.mcpReq.requestState<SuspendState>();
    let exec: SuspendedExecution<CallToolResult>;
    let setRound: (ctx: ServerContext | undefined) => void;
    if (state !== undefined && typeof state === "object") {
      try {
        exec = this.#suspended.resume<CallToolResult>(state);
      } catch (e) {
        return errorText((e as Error).message);
      }
      setRound = this.#rounds.get(exec as SuspendedExecution<unknown>) ?? (() => {});
      exec.answer(ctx.mcpReq.inputResponses ?? {});
    } else {
      const { channel, setRound: set } = modernChannel(() => exec as never, abilities);
      setRound = set;
      exec = this.#suspended.start<CallToolResult>(
        session.key,
        (self) =>
          this.#run(
            workspace,
            args,
            self.controller.signal,
            this.#context(session, channel),
            traceparent,
          ),
      );
      this.#rounds.set(exec as SuspendedExecution<unknown>, set);
    }
    setRound(ctx);
    let outcome;
    try {
      outcome = await exec.next(signal);
    } finally {
      setRound(undefined);
    }
    if (outcome.kind === "done") {
      this.#suspended.forget(exec as SuspendedExecution<unknown>);
      return outcome.value;
    }
    const requestState = await this.#codec.mint({ e: exec.id, s: session.key });
    this.#suspended.park(exec as SuspendedExecution<unknown>);
    return inputRequired({
      inputRequests: Object.fromEntries(outcome.inputs.map((i) => [i.key, inputRequest(i)])),
      requestState,
    }) as unknown as CallToolResult;
  }

  #context(session: ServeSession, channel: ClientChannel): ExecutionContext {
    return executionContext(session.key, channel);
  }

  async #run(
    workspace: Workspace,
    args: Args,
    signal: AbortSignal,
    context: ExecutionContext,
    traceparent?: string,
  ): Promise<CallToolResult> {
    const code = stringArg(args, "code", true)!;
    const approvalToken = stringArg(args, "approvalToken");
    const dryRun = args.dryRun ?? false;
    if (typeof dryRun !== "boolean") {
      throw invalid(`Invalid argument "dryRun": expected a boolean, got ${typeof dryRun}`);
    }
    const tooBig = this.#checkSize("code", code);
    if (tooBig) return errorText(tooBig);
    const rt = await this.#runtimeOrError();
    if (typeof rt === "string") return errorText(rt);
    const files = new Map(this.#skills.files);
    files.set("/workspace.ts", WORKSPACE_MODULE);
    files.set("/client.ts", CLIENT_MODULE);
    for (const [p, c] of workspace.importable()) {
      // A workspace file that does not compile must not break every execution.
      try {
        await transpileModule(p, c);
        files.set(p, c);
      } catch { /* left out of the tree */ }
    }
    const stats = this.#stats;
    stats.running++;
    stats.executions++;
    try {
      // Sessions share the sandbox fairly: a flood from one waits behind the
      // others. A program takes its sandbox slot once it has type-checked.
      const ticket = await this.#queue.enter(context.sessionId, signal);
      const result = await rt.execute(code, {
        signal,
        context,
        files,
        admit: (s) => ticket.admit(s),
        intercept: (server, tool, a) =>
          server === WORKSPACE_SERVER
            ? new Promise((resolve) => resolve(workspace.handle(tool, a)))
            : server === CLIENT_SERVER
            ? handleClientCall(context, tool, a)
            : undefined,
        ...(traceparent !== undefined ? { traceparent } : {}),
        dryRun,
        ...(approvalToken === undefined ? {} : { approvalToken }),
      }).finally(() => ticket.leave());
      if (!result.ok) {
        stats.failed++;
        if (result.error?.code === "SANDBOX_CANCELLED") stats.cancelled++;
      }
      const out = richExecution(result, this.#maxResultChars);
      if (result.plan !== undefined) {
        const plan = formatPlan(
          result.plan,
          (token) =>
            `To run it: show this plan to the user; once they approve, call execute_code with the same code and approvalToken: "${token}"`,
        );
        // The plan leads the execution's own text, which the model reads first.
        const first = out.content?.[0];
        if (first?.type === "text") first.text = `${plan}\n\n${first.text}`;
        else out.content = [{ type: "text", text: plan }, ...(out.content ?? [])];
      }
      return out;
    } catch (e) {
      stats.failed++;
      if (signal.aborted) stats.cancelled++;
      if (e instanceof McpxError || e instanceof QueueFullError) return errorText(e.message);
      return errorText(`${(e as Error).name}: ${(e as Error).message}`);
    } finally {
      stats.running--;
    }
  }

  // ---- helpers ------------------------------------------------------------

  #checkSize(what: string, value: string): string | undefined {
    if (value.length <= this.#maxCodeChars) return undefined;
    return `The ${what} is ${value.length.toLocaleString("en-US")} characters: the limit is ${
      this.#maxCodeChars.toLocaleString("en-US")
    }. Send smaller code; keep data in upstream tools or the workspace`;
  }

  async #runtimeOrError(): Promise<Runtime | string> {
    try {
      return await this.runtime();
    } catch (e) {
      this.#log(`error: the runtime did not start: ${(e as Error).stack ?? e}`);
      return `The code runtime did not start: ${(e as Error).message}`;
    }
  }

  /** The runtime with every server introspected (or given up on for now). */
  async #ready(): Promise<Runtime> {
    const rt = await this.#runtimeOrError();
    if (typeof rt === "string") throw new McpxError("SANDBOX_CRASHED", rt);
    await rt.catalog.ensure({ timeoutMs: this.#introspectTimeoutMs });
    return rt;
  }

  /** One line each for failed and still-loading servers (of `names`, or all). */
  #unavailable(rt: Runtime, names?: string[]): string[] {
    const status = rt.catalog.status().filter((s) => !names || names.includes(s.name));
    const failed = status.filter((s) => s.state === "failed");
    const loading = status.filter((s) => s.state === "loading" || s.state === "idle");
    const out: string[] = [];
    if (failed.length > 0) {
      out.push(
        `Unavailable: ${
          failed.map((s) => `${s.name} (${firstLine(s.error ?? "failed").slice(0, 160)})`).join(
            "; ",
          )
        }`,
      );
    }
    if (loading.length > 0) out.push(`Still starting: ${loading.map((s) => s.name).join(", ")}`);
    return out;
  }
}

/** The embedded request of one question of a suspended execution. */
function inputRequest(i: PendingInput): InputRequest {
  // deno-lint-ignore no-explicit-any
  const p = i.params as any;
  switch (i.method) {
    case "sampling/createMessage":
      return inputRequired.createMessage(p);
    case "roots/list":
      return inputRequired.listRoots();
    case "elicitation/create": {
      if (i.params.mode === "url") {
        const { mode: _m, elicitationId: _e, ...rest } = p;
        return inputRequired.elicitUrl(rest);
      }
      const { mode: _m, ...rest } = p;
      return inputRequired.elicit(rest);
    }
  }
}
