/**
 * Upstream resources, resource templates and prompts for guest code: the
 * `listResources`, `readResource`, `listPrompts`, `getPrompt`, … functions of
 * the generated `runtime.ts` reach the host as calls to the reserved server
 * {@link GUEST_MCP_SERVER}, and the bridge hands them to
 * {@link ResourceAccess.handle}. Allow and deny rules apply as for tools.
 *
 * The upstream client is typed structurally ({@link UpstreamClient}), so this
 * file depends on no particular MCP SDK version.
 *
 * @module
 */
import type { CallEnvelope } from "../bridge/envelope.ts";
import { errorEnvelope, okEnvelope } from "../bridge/envelope.ts";
import { Allowlist, type AllowSpec } from "../bridge/allowlist.ts";
import { quoteList } from "../errors.ts";

/**
 * The server name under which the generated runtime sends resource and prompt requests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(GUEST_MCP_SERVER, "@mcp");
 * ```
 */
export const GUEST_MCP_SERVER = "@mcp";

/** Operations of {@link GUEST_MCP_SERVER}, named after the MCP methods. */
export type GuestMcpOperation =
  | "resources/list"
  | "resources/templates/list"
  | "resources/read"
  | "prompts/list"
  | "prompts/get";

const OPERATIONS: readonly GuestMcpOperation[] = [
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "prompts/list",
  "prompts/get",
];

/**
 * Allow and deny rules of one kind (resources by `server/uri`, prompts by `server/name`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const resources: AccessRules = { allow: { docs: "*" }, deny: ["docs/secret://*"] };
 * const access = new ResourceAccess({ servers: ["docs"], client: () => Promise.reject(new Error()), resources });
 * assert.ok(!access.allowsResource("docs", "secret://key"));
 * ```
 */
export interface AccessRules {
  /** Allowed patterns (`"everything/demo://resource/static/*"`, `"memory"`); default all. */
  allow?: AllowSpec;
  /** Patterns refused even when allowed. */
  deny?: readonly string[];
}

/**
 * A result page of an MCP list request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResourcePage } from "@mcpx/cli";
 *
 * const page: ResourcePage = { resources: [], nextCursor: "2" };
 * assert.equal(page.nextCursor, "2");
 * ```
 */
export interface Page {
  /** Cursor of the next page, absent on the last one. */
  nextCursor?: string;
  /** The page's items and other fields. */
  [key: string]: unknown;
}

/**
 * Request options every MCP SDK client accepts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: UpstreamRequestOptions = { timeout: 10_000, signal: new AbortController().signal };
 * assert.equal(opts.timeout, 10_000);
 * ```
 */
export interface UpstreamRequestOptions {
  /** Aborts the request. */
  signal?: AbortSignal;
  /** Request timeout in milliseconds. */
  timeout?: number;
}

/**
 * The part of an MCP client this file uses (SDK v1 and v2 clients have it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Any MCP SDK client has these methods; a stand-in with one resource:
 * const empty = () => Promise.resolve({});
 * const client: UpstreamClient = {
 *   getServerCapabilities: () => ({ resources: {} }),
 *   listResources: () => Promise.resolve({ resources: [{ uri: "docs://a", name: "a" }] }),
 *   listResourceTemplates: empty,
 *   readResource: empty,
 *   listPrompts: empty,
 *   getPrompt: empty,
 * };
 * assert.equal(((await client.listResources()).resources as unknown[]).length, 1);
 * ```
 */
export interface UpstreamClient {
  /** Capabilities the server declared. */
  getServerCapabilities(): Record<string, unknown> | undefined;
  /** MCP `resources/list`. */
  listResources(params?: { cursor?: string }, opts?: UpstreamRequestOptions): Promise<Page>;
  /** MCP `resources/templates/list`. */
  listResourceTemplates(
    params?: { cursor?: string },
    opts?: UpstreamRequestOptions,
  ): Promise<Page>;
  /** MCP `resources/read`. */
  readResource(params: { uri: string }, opts?: UpstreamRequestOptions): Promise<Page>;
  /** MCP `prompts/list`. */
  listPrompts(params?: { cursor?: string }, opts?: UpstreamRequestOptions): Promise<Page>;
  /** MCP `prompts/get`. */
  getPrompt(
    params: { name: string; arguments?: Record<string, string> },
    opts?: UpstreamRequestOptions,
  ): Promise<Page>;
}

/**
 * Options of {@link ResourceAccess}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ResourceAccessOptions = {
 *   servers: ["docs"],
 *   client: () => Promise.reject(new Error("no connection in this example")),
 *   prompts: { deny: ["docs/*"] },
 * };
 * assert.ok(!new ResourceAccess(opts).allowsPrompt("docs", "summarize"));
 * ```
 */
export interface ResourceAccessOptions {
  /** Names of the configured servers. */
  servers: readonly string[];
  /** The client of a server, opened on first need. */
  client: (server: string, signal?: AbortSignal) => Promise<UpstreamClient>;
  /** Rules for resources and resource templates, over `server/uri`. */
  resources?: AccessRules;
  /** Rules for prompts, over `server/name`. */
  prompts?: AccessRules;
  /** Deadline of one upstream request in milliseconds (default 60,000). */
  timeoutMs?: number;
}

/** Most pages read from one list request. */
const MAX_PAGES = 100;

/**
 * Answers the resource and prompt requests of guest code. Never throws:
 * refusals and failures come back as error envelopes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const access = new ResourceAccess({
 *   servers: ["everything"],
 *   client: () => Promise.reject(new Error("not needed for rule checks")),
 *   resources: { deny: ["everything/demo://resource/dynamic/*"] },
 * });
 * assert.ok(access.allowsResource("everything", "demo://resource/static/document/a.md"));
 * assert.ok(!access.allowsResource("everything", "demo://resource/dynamic/blob/1"));
 * ```
 */
export class ResourceAccess {
  readonly #servers: readonly string[];
  readonly #client: ResourceAccessOptions["client"];
  readonly #resources: Allowlist;
  readonly #prompts: Allowlist;
  readonly #timeoutMs: number;

  /**
   * Access to `opts.client` under the resource and prompt rules.
   *
   * @throws {TypeError} for an empty pattern.
   */
  constructor(opts: ResourceAccessOptions) {
    this.#servers = opts.servers;
    this.#client = opts.client;
    this.#resources = new Allowlist(opts.resources?.allow, opts.resources?.deny);
    this.#prompts = new Allowlist(opts.prompts?.allow, opts.prompts?.deny);
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** True when guest code may read resource `uri` of `server` (or use a template of that name). */
  allowsResource(server: string, uri: string): boolean {
    return this.#resources.allows(server, uri);
  }

  /** True when guest code may get prompt `name` of `server`. */
  allowsPrompt(server: string, name: string): boolean {
    return this.#prompts.allows(server, name);
  }

  /**
   * Runs `operation` with `args` (`{ server, uri? , name?, arguments? }`).
   * Lists leave out what the rules refuse; reading or getting a refused one
   * gives `RESOURCE_DENIED` / `PROMPT_DENIED`.
   */
  async handle(operation: string, args: unknown, signal?: AbortSignal): Promise<CallEnvelope> {
    if (!(OPERATIONS as readonly string[]).includes(operation)) {
      return errorEnvelope(
        "UNKNOWN_TOOL",
        `Unknown operation "${operation}": operations are ${quoteList([...OPERATIONS])}`,
      );
    }
    const op = operation as GuestMcpOperation;
    const a = (typeof args === "object" && args !== null ? args : {}) as Record<string, unknown>;
    const server = a.server;
    if (typeof server !== "string") {
      return errorEnvelope(
        "TOOL_INVALID_ARGS",
        `Invalid argument "server" of ${op}: expected a server name, got ${typeOf(server)}`,
      );
    }
    if (!this.#servers.includes(server)) {
      return errorEnvelope(
        "UNKNOWN_SERVER",
        `Unknown server "${server}": known servers are ${quoteList([...this.#servers])}`,
      );
    }
    // Check arguments and rules before reaching the server.
    let uri: string | undefined;
    let name: string | undefined;
    let promptArgs: Record<string, string> | undefined;
    if (op === "resources/read") {
      const raw = typeof a.uri === "object" && a.uri !== null
        ? (a.uri as { uri?: unknown }).uri
        : a.uri;
      if (typeof raw !== "string" || raw === "") {
        return errorEnvelope(
          "TOOL_INVALID_ARGS",
          `Invalid argument "uri" of readResource: expected a URI or a resource link, got ${
            typeOf(raw)
          }`,
        );
      }
      uri = raw;
      if (!this.#resources.allows(server, uri)) {
        return errorEnvelope(
          "RESOURCE_DENIED",
          `Resource "${uri}" of server "${server}" is not allowed by the resource rules`,
        );
      }
    }
    if (op === "prompts/get") {
      if (typeof a.name !== "string" || a.name === "") {
        return errorEnvelope(
          "TOOL_INVALID_ARGS",
          `Invalid argument "name" of getPrompt: expected a prompt name, got ${typeOf(a.name)}`,
        );
      }
      name = a.name;
      if (a.arguments !== undefined && a.arguments !== null) {
        if (typeof a.arguments !== "object" || Array.isArray(a.arguments)) {
          return errorEnvelope(
            "TOOL_INVALID_ARGS",
            `Invalid argument "arguments" of getPrompt "${name}": expected an object of strings`,
          );
        }
        promptArgs = {};
        for (const [k, v] of Object.entries(a.arguments)) {
          if (typeof v !== "string") {
            return errorEnvelope(
              "TOOL_INVALID_ARGS",
              `Invalid argument "${k}" of prompt "${name}": expected a string, got ${typeOf(v)}`,
            );
          }
          promptArgs[k] = v;
        }
      }
      if (!this.#prompts.allows(server, name)) {
        return errorEnvelope(
          "PROMPT_DENIED",
          `Prompt "${name}" of server "${server}" is not allowed by the prompt rules`,
        );
      }
    }

    let client: UpstreamClient;
    try {
      client = await this.#client(server, signal);
    } catch (e) {
      return failure(e, server, op, signal);
    }
    const caps = client.getServerCapabilities() ?? {};
    const kind = op.startsWith("prompts/") ? "prompts" : "resources";
    if (caps[kind] === undefined) {
      if (op.endsWith("/list")) return okEnvelope([]);
      return errorEnvelope("UNKNOWN_TOOL", `Server "${server}" offers no ${kind}`);
    }
    const opts: UpstreamRequestOptions = { timeout: this.#timeoutMs, signal };
    try {
      switch (op) {
        case "resources/list": {
          const all = await pages((p) => client.listResources(p, opts), "resources");
          return okEnvelope(
            all.filter((r) => this.#resources.allows(server, (r as { uri: string }).uri)),
          );
        }
        case "resources/templates/list": {
          const all = await pages(
            (p) => client.listResourceTemplates(p, opts),
            "resourceTemplates",
          );
          return okEnvelope(
            all.filter((r) =>
              this.#resources.allows(server, (r as { uriTemplate: string }).uriTemplate)
            ),
          );
        }
        case "resources/read": {
          const r = await client.readResource({ uri: uri! }, opts);
          return okEnvelope(r.contents ?? []);
        }
        case "prompts/list": {
          const all = await pages((p) => client.listPrompts(p, opts), "prompts");
          return okEnvelope(
            all.filter((p) => this.#prompts.allows(server, (p as { name: string }).name)),
          );
        }
        case "prompts/get": {
          const r = await client.getPrompt(
            promptArgs ? { name: name!, arguments: promptArgs } : { name: name! },
            opts,
          );
          const { _meta: _, ...rest } = r;
          return okEnvelope(rest);
        }
      }
    } catch (e) {
      return failure(e, server, op, signal);
    }
  }
}

/** Every item of a paginated list, following `nextCursor` (at most 100 pages). */
export async function pages(
  fetchPage: (params: { cursor?: string } | undefined) => Promise<Page>,
  key: string,
): Promise<unknown[]> {
  const out: unknown[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetchPage(cursor === undefined ? undefined : { cursor });
    const items = page[key];
    if (Array.isArray(items)) out.push(...items);
    if (typeof page.nextCursor !== "string" || page.nextCursor === cursor) break;
    cursor = page.nextCursor;
  }
  return out;
}

function failure(
  e: unknown,
  server: string,
  op: GuestMcpOperation,
  signal?: AbortSignal,
): CallEnvelope {
  if (signal?.aborted) {
    return errorEnvelope("TOOL_CANCELLED", `${op} on server "${server}" was cancelled`);
  }
  const code = (e as { code?: unknown })?.code;
  const message = (e instanceof Error ? e.message : String(e)).replace(/^MCP error -?\d+: /, "");
  if (code === -32001) {
    return errorEnvelope("TOOL_TIMEOUT", `${op} on server "${server}" timed out: ${message}`);
  }
  if (typeof code === "string" && /^[A-Z_]+$/.test(code)) {
    return errorEnvelope(code as never, message);
  }
  return errorEnvelope("TOOL_ERROR", `${op} on server "${server}" failed: ${message}`);
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return v === undefined ? "nothing" : typeof v;
}
