/**
 * Reading everything a server offers (tools, resources, resource templates,
 * prompts) into a {@link ServerSnapshot}, following pagination.
 *
 * @module
 */

import { z } from "zod";
import type { Client, Prompt, Resource, ResourceTemplate, Tool } from "../_sdk.ts";
import type { ServerConfig } from "../config/types.ts";
import { ServerConnectionError } from "../errors.ts";
import { formatBytes } from "../_bytes.ts";
import { connect, type Connection, type ConnectOptions } from "./connect.ts";
import type { ServerSnapshot } from "./types.ts";
import { checkTools, showToolName, type SkippedTool, skippedToolMessage } from "./tool_check.ts";

/** Most pages mcpx reads from one list before it gives up on a server. */
export const DEFAULT_MAX_PAGES: number = 1_000;

/** Default deadline for each list request, in milliseconds. */
export const DEFAULT_LIST_TIMEOUT_MS: number = 30_000;

/**
 * Options of {@link listAllTools}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ListOptions = { maxPages: 10, signal: AbortSignal.timeout(30_000) };
 * assert.equal(opts.maxPages, 10);
 * ```
 */
export interface ListOptions {
  /** Most pages to read before failing (default 1,000). */
  maxPages?: number;
  /** Deadline for each list request, in milliseconds (default 30,000). */
  requestTimeoutMs?: number;
  /** Cancels the listing. */
  signal?: AbortSignal;
  /**
   * Told of each tool left out because its name or schema is unusable
   * (default: nobody; {@link introspect} keeps them in the snapshot's warnings).
   */
  onWarning?: (message: string) => void;
}

/**
 * Options of {@link introspect} and {@link introspectAll}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: IntrospectOptions = { toolsOnly: true, requestTimeoutMs: 10_000, connect: { timeoutMs: 5_000 } };
 * assert.equal(opts.toolsOnly, true);
 * ```
 */
export interface IntrospectOptions extends ListOptions {
  /** Read only the server's info and tools, not its resources and prompts (default false). */
  toolsOnly?: boolean;
  /** How to connect when given a server configuration rather than a connection. */
  connect?: ConnectOptions;
}

/**
 * A server {@link introspectAll} could not read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const failure: IntrospectFailure = { server: "fs", error: new Error("spawn npx ENOENT") };
 * assert.match(`${failure.server}: ${failure.error.message}`, /^fs: spawn/);
 * ```
 */
export interface IntrospectFailure {
  /** Server name. */
  server: string;
  /** Why it failed; usually a {@link ServerConnectionError}. */
  error: Error;
}

/**
 * Result of {@link introspectAll}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function report(result: IntrospectAllResult): string[] {
 *   return result.failures.map((f) => `${f.server}: ${f.error.message}`);
 * }
 * assert.deepEqual(report({ snapshots: [], failures: [{ server: "fs", error: new Error("gone") }] }), ["fs: gone"]);
 * ```
 */
export interface IntrospectAllResult {
  /** Snapshots of the servers that answered, in the order given. */
  snapshots: ServerSnapshot[];
  /** Servers that could not be read, in the order given. */
  failures: IntrospectFailure[];
}

/**
 * Reads a server's info, capabilities, instructions, tools, resources,
 * resource templates and prompts. Lists are only requested when the server
 * advertises the capability. A failing tool list is an error; a failing
 * resource or prompt list becomes a warning in the snapshot.
 *
 * Given a configuration, it connects and closes the connection afterwards;
 * given a {@link Connection}, it leaves it open.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
 *
 * const server = new McpServer({ name: "demo", version: "1.0.0" });
 * server.registerTool("ping", { description: "Answers pong" }, () => ({
 *   content: [{ type: "text", text: "pong" }],
 * }));
 * const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
 * await server.connect(serverSide);
 *
 * const config = { name: "demo", transport: "stdio" as const, command: "demo", args: [] };
 * const snapshot = await introspect(config, { connect: { transport: clientSide } });
 * assert.equal(snapshot.serverInfo.name, "demo");
 * assert.equal(snapshot.tools[0].description, "Answers pong");
 * ```
 * @throws {ServerConnectionError} when the server cannot be reached or its tool list fails.
 */
export async function introspect(
  target: ServerConfig | Connection,
  opts: IntrospectOptions = {},
): Promise<ServerSnapshot> {
  if (!isConnection(target)) {
    await using conn = await connect(target, { signal: opts.signal, ...opts.connect });
    return await introspect(conn, opts);
  }
  const conn = target;
  const { client } = conn;
  const name = conn.server.name;
  const capabilities = (client.getServerCapabilities() ?? {}) as Record<string, unknown>;
  const info = client.getServerVersion();
  const warnings: string[] = [];
  const request = {
    timeout: opts.requestTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS,
    signal: opts.signal,
  };
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES;

  const optional = async <T>(
    capability: string,
    what: string,
    page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>,
  ): Promise<T[]> => {
    if (capabilities[capability] === undefined) return [];
    try {
      return await paginate(name, what, page, maxPages);
    } catch (error) {
      if (opts.signal?.aborted) throw error;
      warnings.push(`Cannot list ${what} of server "${name}": ${(error as Error).message}`);
      return [];
    }
  };

  // The lists are independent: ask for them all at once.
  const all = !opts.toolsOnly;
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    capabilities.tools === undefined ? [] : listAllTools(conn, {
      ...opts,
      onWarning: (w) => {
        warnings.push(w);
        opts.onWarning?.(w);
      },
    }),
    all
      ? optional<Resource>("resources", "resources", async (cursor) => {
        const r = await client.listResources(cursor ? { cursor } : undefined, request);
        return { items: r.resources, nextCursor: r.nextCursor };
      })
      : [],
    all
      ? optional<ResourceTemplate>("resources", "resource templates", async (cursor) => {
        const r = await client.listResourceTemplates(cursor ? { cursor } : undefined, request);
        return { items: r.resourceTemplates, nextCursor: r.nextCursor };
      })
      : [],
    all
      ? optional<Prompt>("prompts", "prompts", async (cursor) => {
        const r = await client.listPrompts(cursor ? { cursor } : undefined, request);
        return { items: r.prompts, nextCursor: r.nextCursor };
      })
      : [],
  ]);

  const snapshot: ServerSnapshot = {
    name,
    serverInfo: {
      name: info?.name ?? name,
      version: info?.version ?? "",
      ...(info?.title !== undefined ? { title: info.title } : {}),
    },
    ...(conn.protocolVersion !== undefined ? { protocolVersion: conn.protocolVersion } : {}),
    capabilities,
    ...(client.getInstructions() !== undefined ? { instructions: client.getInstructions() } : {}),
    tools,
    resources,
    resourceTemplates,
    prompts,
  };
  if (warnings.length > 0) snapshot.warnings = warnings;
  return snapshot;
}

/**
 * Lists every tool of a connected server, following `nextCursor`. The list is
 * read leniently and checked tool by tool: a tool whose name or schema does
 * not match the MCP schema of a tool (or whose output schema cannot be
 * compiled) is left out and reported through {@link ListOptions.onWarning},
 * and the other tools stay usable.
 *
 * @throws {ServerConnectionError} `SERVER_ERROR` when the request fails or the
 * server paginates without end.
 */
export async function listAllTools(conn: Connection, opts: ListOptions = {}): Promise<Tool[]> {
  const request = {
    timeout: opts.requestTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS,
    signal: opts.signal,
  };
  const name = conn.server.name;
  const skipped: SkippedTool[] = [];
  let tools: Tool[];
  try {
    tools = await paginate(name, "tools", async (cursor) => {
      const r = await conn.client.request(
        { method: "tools/list", ...(cursor ? { params: { cursor } } : {}) },
        LenientToolsPage,
        request,
      );
      const checked = checkTools(r.tools);
      skipped.push(...checked.skipped);
      return { items: checked.tools, nextCursor: r.nextCursor };
    }, opts.maxPages ?? DEFAULT_MAX_PAGES);
  } catch (error) {
    if (error instanceof ServerConnectionError || opts.signal?.aborted) throw error;
    const limit = conn.closeInfo?.overLimitBytes;
    throw new ServerConnectionError(
      name,
      `Cannot list tools of server "${name}": ${
        limit === undefined
          ? (error as Error).message
          : `it sent a message larger than the size limit of ${
            formatBytes(limit)
          } for one message, and the connection was closed`
      }`,
      { code: "SERVER_ERROR", cause: error },
    );
  }
  tools = primeOutputValidators(conn.client, tools, skipped);
  for (const s of skipped) {
    try {
      opts.onWarning?.(skippedToolMessage(name, s));
    } catch { /* a listener's failure is its own */ }
  }
  return tools;
}

// A page of tools/list as any server may send it: the tools are checked one by one.
const LenientToolsPage = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});

/**
 * Hands the tools to the SDK client, which compiles their output schemas to
 * check `structuredContent` later (as its own `listTools` does). A schema
 * that does not compile leaves its tool out instead of failing them all.
 */
function primeOutputValidators(client: Client, tools: Tool[], skipped: SkippedTool[]): Tool[] {
  const sdk = client as unknown as { cacheToolMetadata?: (tools: Tool[]) => void };
  if (typeof sdk.cacheToolMetadata !== "function") return tools;
  const cache = (list: Tool[]) => sdk.cacheToolMetadata!.call(client, list);
  try {
    cache(tools);
    return tools;
  } catch { /* find the tools at fault below */ }
  const usable: Tool[] = [];
  for (const tool of tools) {
    try {
      if (tool.outputSchema !== undefined) cache([tool]);
      usable.push(tool);
    } catch (error) {
      skipped.push({
        name: showToolName(tool.name),
        reason: `its output schema cannot be compiled: ${
          (error as Error)?.message ?? String(error)
        }`.slice(0, 300),
      });
    }
  }
  cache(usable);
  return usable;
}

/**
 * Connects to all `servers` in parallel and introspects each; a server that
 * fails does not stop the others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const missing = { name: "missing", transport: "stdio" as const, command: "/no/such/server", args: [] };
 * const { snapshots, failures } = await introspectAll([missing]);
 * assert.equal(snapshots.length, 0);
 * assert.equal(failures[0].server, "missing");
 * ```
 */
export async function introspectAll(
  servers: readonly ServerConfig[],
  opts: IntrospectOptions & {
    /** Called as each server is read or fails, in the order they finish. */
    onSettled?: (server: string, error?: unknown) => void;
  } = {},
): Promise<IntrospectAllResult> {
  const { onSettled, ...one } = opts;
  const settled = await Promise.allSettled(servers.map(async (s) => {
    try {
      const snapshot = await introspect(s, one);
      onSettled?.(s.name);
      return snapshot;
    } catch (e) {
      onSettled?.(s.name, e);
      throw e;
    }
  }));
  const result: IntrospectAllResult = { snapshots: [], failures: [] };
  settled.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") result.snapshots.push(outcome.value);
    else {
      const error = outcome.reason instanceof Error
        ? outcome.reason
        : new Error(String(outcome.reason));
      result.failures.push({ server: servers[i].name, error });
    }
  });
  return result;
}

async function paginate<T>(
  server: string,
  what: string,
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>,
  maxPages: number,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let n = 0;; n++) {
    if (n >= maxPages) {
      throw new ServerConnectionError(
        server,
        `Server "${server}" returned more than ${maxPages} pages of ${what}; giving up`,
        { code: "SERVER_ERROR" },
      );
    }
    const r = await page(cursor);
    items.push(...r.items);
    if (r.nextCursor === undefined || r.nextCursor === null) return items;
    if (seen.has(r.nextCursor)) {
      throw new ServerConnectionError(
        server,
        `Server "${server}" repeated the cursor "${r.nextCursor}" while listing ${what}`,
        { code: "SERVER_ERROR" },
      );
    }
    seen.add(r.nextCursor);
    cursor = r.nextCursor;
  }
}

function isConnection(target: ServerConfig | Connection): target is Connection {
  return "client" in target && "server" in target;
}
