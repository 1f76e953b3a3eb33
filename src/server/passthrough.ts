/**
 * Upstream resources, resource templates, prompts, subscriptions and
 * completions, passed through `mcpx serve` to its clients, namespaced per
 * server:
 *
 * - a resource URI `u` of server `s` becomes `mcpx://<s>/<u>` (the server
 *   name percent-encoded), so `demo://resource/static/document/a.md` of
 *   `everything` is `mcpx://everything/demo://resource/static/document/a.md`;
 *   resource templates get the same prefix, so a client expands them as
 *   usual and the read reaches the right server;
 * - a prompt `p` of server `s` becomes `s/p` (server names never contain `/`);
 * - completions follow the prompt name or template URI of their reference.
 *
 * A list gathers every server at once and leaves out (with a warning in the
 * log) a server that fails or takes longer than `listTimeoutMs`.
 *
 * Upstream `list_changed` notifications reach every listener; `updated`
 * reaches the subscribers of that URI. The upstream is subscribed once per URI
 * while any client is. The resource and prompt rules of the bridge apply.
 *
 * Plain values in and out: the MCP SDK glue is elsewhere.
 *
 * @module
 */
import type { ResourceAccess, UpstreamRequestOptions } from "../resources/resource_access.ts";
import { pages } from "../resources/resource_access.ts";

/** Scheme of namespaced resource URIs. */
export const PASSTHROUGH_SCHEME = "mcpx";

/** JSON-RPC error codes the passthrough raises. */
export const PassthroughErrorCode = {
  InvalidParams: -32602,
  ResourceNotFound: -32002,
  MethodNotFound: -32601,
} as const;

/**
 * A request the passthrough refuses: carries the JSON-RPC error code to answer with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const error = new PassthroughError(PassthroughErrorCode.ResourceNotFound, 'Unknown resource "x"');
 * assert.equal(error.code, -32002);
 * ```
 */
export class PassthroughError extends Error {
  /** JSON-RPC error code. */
  readonly code: number;
  /** A refusal with JSON-RPC error `code`. */
  constructor(code: number, message: string) {
    super(message);
    this.name = "PassthroughError";
    this.code = code;
  }
}

/**
 * `uri` of `server` as mcpx's clients see it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(namespaceUri("everything", "demo://a.md"), "mcpx://everything/demo://a.md");
 * ```
 */
export function namespaceUri(server: string, uri: string): string {
  return `${PASSTHROUGH_SCHEME}://${encodeURIComponent(server)}/${uri}`;
}

/**
 * The server and upstream URI of a namespaced URI, or `undefined` when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseNamespacedUri("mcpx://everything/demo://a.md"), {
 *   server: "everything",
 *   uri: "demo://a.md",
 * });
 * assert.equal(parseNamespacedUri("file:///a.md"), undefined);
 * ```
 */
export function parseNamespacedUri(uri: string): { server: string; uri: string } | undefined {
  const prefix = `${PASSTHROUGH_SCHEME}://`;
  if (!uri.startsWith(prefix)) return undefined;
  const slash = uri.indexOf("/", prefix.length);
  if (slash < 0) return undefined;
  try {
    const server = decodeURIComponent(uri.slice(prefix.length, slash));
    return server === "" ? undefined : { server, uri: uri.slice(slash + 1) };
  } catch {
    return undefined;
  }
}

/**
 * Prompt `name` of `server` as mcpx's clients see it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(namespacePrompt("everything", "simple-prompt"), "everything/simple-prompt");
 * ```
 */
export function namespacePrompt(server: string, name: string): string {
  return `${server}/${name}`;
}

/**
 * The server and upstream name of a namespaced prompt name, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseNamespacedPrompt("everything/simple-prompt"), {
 *   server: "everything",
 *   name: "simple-prompt",
 * });
 * assert.equal(parseNamespacedPrompt("no-server"), undefined);
 * ```
 */
export function parseNamespacedPrompt(name: string): { server: string; name: string } | undefined {
  const slash = name.indexOf("/");
  if (slash <= 0 || slash === name.length - 1) return undefined;
  return { server: name.slice(0, slash), name: name.slice(slash + 1) };
}

/**
 * Parameters of a passed-through MCP request, as plain JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const params: PassthroughParams = { cursor: "next" };
 * assert.equal(params.cursor, "next");
 * ```
 */
export type PassthroughParams = Record<string, unknown>;
/**
 * PassthroughResult of a passed-through MCP request, as plain JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const passthrough = new Passthrough({ servers: () => [], client: () => Promise.reject(new Error()) });
 * const result: PassthroughResult = await passthrough.listResourceTemplates();
 * assert.deepEqual(result.resourceTemplates, []);
 * ```
 */
export type PassthroughResult = Record<string, unknown>;

/**
 * The part of an MCP client the passthrough uses (SDK v1 and v2 clients have it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Any MCP SDK client has these methods; a stand-in without resources:
 * const empty = () => Promise.resolve({});
 * const client: PassthroughClient = {
 *   getServerCapabilities: () => ({}),
 *   listResources: empty,
 *   listResourceTemplates: empty,
 *   readResource: empty,
 *   subscribeResource: empty,
 *   unsubscribeResource: empty,
 *   listPrompts: empty,
 *   getPrompt: empty,
 *   complete: empty,
 * };
 * assert.deepEqual(client.getServerCapabilities(), {});
 * ```
 */
export interface PassthroughClient {
  /** Capabilities the server declared. */
  getServerCapabilities(): Record<string, unknown> | undefined;
  /** MCP `resources/list`. */
  listResources(
    params?: PassthroughParams,
    opts?: UpstreamRequestOptions,
  ): Promise<PassthroughResult>;
  /** MCP `resources/templates/list`. */
  listResourceTemplates(
    params?: PassthroughParams,
    opts?: UpstreamRequestOptions,
  ): Promise<PassthroughResult>;
  /** MCP `resources/read`. */
  readResource(params: { uri: string }, opts?: UpstreamRequestOptions): Promise<PassthroughResult>;
  /** MCP `resources/subscribe`. */
  subscribeResource(params: { uri: string }, opts?: UpstreamRequestOptions): Promise<unknown>;
  /** MCP `resources/unsubscribe`. */
  unsubscribeResource(params: { uri: string }, opts?: UpstreamRequestOptions): Promise<unknown>;
  /** MCP `prompts/list`. */
  listPrompts(
    params?: PassthroughParams,
    opts?: UpstreamRequestOptions,
  ): Promise<PassthroughResult>;
  /** MCP `prompts/get`. */
  getPrompt(
    params: { name: string; arguments?: Record<string, string> },
    opts?: UpstreamRequestOptions,
  ): Promise<PassthroughResult>;
  /** MCP `completion/complete`. */
  complete(params: never, opts?: UpstreamRequestOptions): Promise<PassthroughResult>;
}

/**
 * What a client session receives from the passthrough.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const changed: string[] = [];
 * const listener: PassthroughListener = { listChanged: (kind) => void changed.push(kind) };
 * listener.listChanged?.("resources");
 * assert.deepEqual(changed, ["resources"]);
 * ```
 */
export interface PassthroughListener {
  /** `notifications/resources/list_changed` or `notifications/prompts/list_changed`. */
  listChanged?(kind: "resources" | "prompts"): void;
  /** `notifications/resources/updated` for a namespaced URI it subscribed to. */
  resourceUpdated?(uri: string): void;
}

/**
 * Options of {@link Passthrough}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: PassthroughOptions = {
 *   servers: () => ["docs"],
 *   client: () => Promise.reject(new Error("offline")),
 *   listTimeoutMs: 1_000,
 *   log: () => {},
 * };
 * // A server that fails is left out of lists.
 * assert.deepEqual((await new Passthrough(opts).listPrompts()).prompts, []);
 * ```
 */
export interface PassthroughOptions {
  /** Names of the configured servers (asked on each request). */
  servers: () => readonly string[] | Promise<readonly string[]>;
  /** The client of a server, opened on first need. */
  client: (server: string, signal?: AbortSignal) => Promise<PassthroughClient>;
  /** Resource and prompt rules (the bridge's). */
  rules?: Pick<ResourceAccess, "allowsResource" | "allowsPrompt">;
  /** Deadline of one upstream request in milliseconds (default 60,000). */
  timeoutMs?: number;
  /**
   * How long a list waits for one server (starting it included) before
   * answering without it, in milliseconds (default 10,000).
   */
  listTimeoutMs?: number;
  /** Where failures of single servers are reported (a list leaves them out). */
  log?: (line: string) => void;
}

/** The upstream capabilities a client of mcpx is offered. */
export const RESOURCE_CAPABILITIES: {
  resources: { subscribe: true; listChanged: true };
  prompts: { listChanged: true };
  completions: Record<string, never>;
} = {
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
};

/**
 * Passes resources, templates, prompts, subscriptions and completions of every
 * upstream server through to mcpx's clients.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const passthrough = new Passthrough({
 *   servers: () => [],
 *   client: () => Promise.reject(new Error("no servers")),
 * });
 * assert.deepEqual((await passthrough.listResources()).resources, []);
 * ```
 */
export class Passthrough {
  readonly #servers: PassthroughOptions["servers"];
  readonly #client: PassthroughOptions["client"];
  readonly #rules?: PassthroughOptions["rules"];
  readonly #timeoutMs: number;
  readonly #listTimeoutMs: number;
  readonly #log: (line: string) => void;
  readonly #listeners = new Set<PassthroughListener>();
  /** Namespaced URI → subscribed listeners. */
  readonly #subscriptions = new Map<string, Set<PassthroughListener>>();

  /** A passthrough over `opts.servers`. */
  constructor(opts: PassthroughOptions) {
    this.#servers = opts.servers;
    this.#client = opts.client;
    this.#rules = opts.rules;
    this.#timeoutMs = opts.timeoutMs ?? 60_000;
    this.#listTimeoutMs = opts.listTimeoutMs ?? 10_000;
    this.#log = opts.log ?? (() => {});
  }

  /** Adds a session; returns a function that removes it and its subscriptions. */
  listen(listener: PassthroughListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
      for (const uri of [...this.#subscriptions.keys()]) void this.unsubscribe(listener, uri);
    };
  }

  /** Every allowed resource of every server that offers resources. */
  async listResources(signal?: AbortSignal): Promise<PassthroughResult> {
    const resources = await this.#gather(
      "resources",
      signal,
      async (s, c, o) =>
        (await pages((p) => c.listResources(p, o), "resources"))
          .filter((r) => this.#allowsResource(s, (r as { uri: string }).uri))
          .map((r) => ({
            ...(r as PassthroughResult),
            uri: namespaceUri(s, (r as { uri: string }).uri),
          })),
    );
    return { resources };
  }

  /** Every allowed resource template, with namespaced URI templates. */
  async listResourceTemplates(signal?: AbortSignal): Promise<PassthroughResult> {
    const resourceTemplates = await this.#gather(
      "resources",
      signal,
      async (s, c, o) =>
        (await pages((p) => c.listResourceTemplates(p, o), "resourceTemplates"))
          .filter((r) => this.#allowsResource(s, (r as { uriTemplate: string }).uriTemplate))
          .map((r) => ({
            ...(r as PassthroughResult),
            uriTemplate: namespaceUri(s, (r as { uriTemplate: string }).uriTemplate),
          })),
    );
    return { resourceTemplates };
  }

  /** Reads a namespaced resource; its contents come back with namespaced URIs. */
  async readResource(params: { uri: string }, signal?: AbortSignal): Promise<PassthroughResult> {
    const { server, uri } = await this.#resolveUri(params.uri);
    const client = await this.#clientWith(server, "resources", signal);
    const r = await client.readResource({ uri }, this.#opts(signal));
    const contents = Array.isArray(r.contents)
      ? r.contents.map((c: PassthroughResult) =>
        typeof c.uri === "string" ? { ...c, uri: namespaceUri(server, c.uri) } : c
      )
      : [];
    return { ...r, contents };
  }

  /**
   * Subscribes `listener` to a namespaced URI; the upstream is subscribed on
   * the first listener of that URI.
   */
  async subscribe(listener: PassthroughListener, namespaced: string): Promise<void> {
    const { server, uri } = await this.#resolveUri(namespaced);
    const client = await this.#clientWith(server, "resources");
    const caps = client.getServerCapabilities()?.resources as { subscribe?: boolean } | undefined;
    if (caps?.subscribe !== true) {
      throw new PassthroughError(
        PassthroughErrorCode.MethodNotFound,
        `Server "${server}" does not support resource subscriptions`,
      );
    }
    let set = this.#subscriptions.get(namespaced);
    if (set === undefined) {
      set = new Set();
      this.#subscriptions.set(namespaced, set);
      try {
        await client.subscribeResource({ uri }, this.#opts());
      } catch (e) {
        this.#subscriptions.delete(namespaced);
        throw e;
      }
    }
    set.add(listener);
  }

  /** Ends a subscription; the upstream is unsubscribed when no listener is left. */
  async unsubscribe(listener: PassthroughListener, namespaced: string): Promise<void> {
    const set = this.#subscriptions.get(namespaced);
    if (set === undefined || !set.delete(listener)) return;
    if (set.size > 0) return;
    this.#subscriptions.delete(namespaced);
    const target = parseNamespacedUri(namespaced);
    if (!target) return;
    try {
      const client = await this.#client(target.server);
      await client.unsubscribeResource({ uri: target.uri }, this.#opts());
    } catch (e) {
      this.#log(`warning: unsubscribing "${namespaced}" failed: ${(e as Error).message}`);
    }
  }

  /** How many listeners are subscribed to a namespaced URI. */
  subscribers(namespaced: string): number {
    return this.#subscriptions.get(namespaced)?.size ?? 0;
  }

  /** Every allowed prompt of every server that offers prompts, with namespaced names. */
  async listPrompts(signal?: AbortSignal): Promise<PassthroughResult> {
    const prompts = await this.#gather(
      "prompts",
      signal,
      async (s, c, o) =>
        (await pages((p) => c.listPrompts(p, o), "prompts"))
          .filter((p) => this.#allowsPrompt(s, (p as { name: string }).name))
          .map((p) => ({
            ...(p as PassthroughResult),
            name: namespacePrompt(s, (p as { name: string }).name),
          })),
    );
    return { prompts };
  }

  /** Gets a namespaced prompt. */
  async getPrompt(
    params: { name: string; arguments?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<PassthroughResult> {
    const { server, name } = await this.#resolvePrompt(params.name);
    const client = await this.#clientWith(server, "prompts", signal);
    return await client.getPrompt(
      params.arguments ? { name, arguments: params.arguments } : { name },
      this.#opts(signal),
    );
  }

  /** Completes an argument of a namespaced prompt or resource template. */
  async complete(params: PassthroughParams, signal?: AbortSignal): Promise<PassthroughResult> {
    const ref = params.ref as { type?: string; name?: string; uri?: string } | undefined;
    let server: string;
    let upstreamRef: PassthroughResult;
    if (ref?.type === "ref/prompt" && typeof ref.name === "string") {
      const p = await this.#resolvePrompt(ref.name);
      server = p.server;
      upstreamRef = { ...ref, name: p.name };
    } else if (ref?.type === "ref/resource" && typeof ref.uri === "string") {
      const r = await this.#resolveUri(ref.uri);
      server = r.server;
      upstreamRef = { ...ref, uri: r.uri };
    } else {
      throw new PassthroughError(
        PassthroughErrorCode.InvalidParams,
        `Invalid completion reference ${
          JSON.stringify(ref)
        }: expected "ref/prompt" or "ref/resource"`,
      );
    }
    const client = await this.#client(server, signal);
    if (client.getServerCapabilities()?.completions === undefined) {
      return { completion: { values: [], hasMore: false } };
    }
    return await client.complete({ ...params, ref: upstreamRef } as never, this.#opts(signal));
  }

  /**
   * Handles a notification from upstream `server`: list changes reach every
   * listener, resource updates the subscribers of that URI.
   */
  upstreamNotification(server: string, method: string, params?: PassthroughParams): void {
    const safe = (f: () => void) => {
      try {
        f();
      } catch { /* a closed session */ }
    };
    if (method === "notifications/resources/list_changed") {
      for (const l of this.#listeners) safe(() => l.listChanged?.("resources"));
    } else if (method === "notifications/prompts/list_changed") {
      for (const l of this.#listeners) safe(() => l.listChanged?.("prompts"));
    } else if (method === "notifications/resources/updated" && typeof params?.uri === "string") {
      const uri = namespaceUri(server, params.uri);
      for (const l of this.#subscriptions.get(uri) ?? []) safe(() => l.resourceUpdated?.(uri));
    }
  }

  // ---- helpers ------------------------------------------------------------

  #opts(signal?: AbortSignal): UpstreamRequestOptions {
    return signal ? { timeout: this.#timeoutMs, signal } : { timeout: this.#timeoutMs };
  }

  #allowsResource(server: string, uri: string): boolean {
    return this.#rules?.allowsResource(server, uri) ?? true;
  }

  #allowsPrompt(server: string, name: string): boolean {
    return this.#rules?.allowsPrompt(server, name) ?? true;
  }

  async #resolveUri(namespaced: string): Promise<{ server: string; uri: string }> {
    const target = parseNamespacedUri(namespaced);
    if (target === undefined || !(await this.#servers()).includes(target.server)) {
      throw new PassthroughError(
        PassthroughErrorCode.ResourceNotFound,
        target === undefined
          ? `Unknown resource "${namespaced}": mcpx resource URIs look like "${PASSTHROUGH_SCHEME}://<server>/<uri>"`
          : `Unknown server "${target.server}" in resource "${namespaced}"`,
      );
    }
    if (!this.#allowsResource(target.server, target.uri)) {
      throw new PassthroughError(
        PassthroughErrorCode.InvalidParams,
        `Resource "${target.uri}" of server "${target.server}" is not allowed by the resource rules`,
      );
    }
    return target;
  }

  async #resolvePrompt(namespaced: string): Promise<{ server: string; name: string }> {
    const target = parseNamespacedPrompt(namespaced);
    if (target === undefined || !(await this.#servers()).includes(target.server)) {
      throw new PassthroughError(
        PassthroughErrorCode.InvalidParams,
        target === undefined
          ? `Unknown prompt "${namespaced}": mcpx prompt names look like "<server>/<prompt>"`
          : `Unknown server "${target.server}" in prompt "${namespaced}"`,
      );
    }
    if (!this.#allowsPrompt(target.server, target.name)) {
      throw new PassthroughError(
        PassthroughErrorCode.InvalidParams,
        `Prompt "${target.name}" of server "${target.server}" is not allowed by the prompt rules`,
      );
    }
    return target;
  }

  async #clientWith(
    server: string,
    capability: "resources" | "prompts",
    signal?: AbortSignal,
  ): Promise<PassthroughClient> {
    const client = await this.#client(server, signal);
    if (client.getServerCapabilities()?.[capability] === undefined) {
      throw new PassthroughError(
        PassthroughErrorCode.MethodNotFound,
        `Server "${server}" offers no ${capability}`,
      );
    }
    return client;
  }

  /** The items of every server that has `capability`, in server order; failures are logged. */
  async #gather(
    capability: "resources" | "prompts",
    signal: AbortSignal | undefined,
    list: (
      server: string,
      c: PassthroughClient,
      o: UpstreamRequestOptions,
    ) => Promise<PassthroughResult[]>,
  ): Promise<PassthroughResult[]> {
    const servers = await this.#servers();
    const parts = await Promise.all(servers.map(async (server) => {
      // A slow or hanging server does not hold up the others.
      const deadline = AbortSignal.timeout(this.#listTimeoutMs);
      const each = signal ? AbortSignal.any([signal, deadline]) : deadline;
      try {
        const client = await this.#client(server, each);
        if (client.getServerCapabilities()?.[capability] === undefined) return [];
        return await list(server, client, this.#opts(each));
      } catch (e) {
        if (signal?.aborted) throw e;
        this.#log(`warning: listing ${capability} of "${server}" failed: ${(e as Error).message}`);
        return [];
      }
    }));
    return parts.flat();
  }
}
