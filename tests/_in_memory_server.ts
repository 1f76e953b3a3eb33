// An in-process MCP server on the SDK's low-level `Server`, linked to its
// client by an in-memory transport. Only for edge cases a real server cannot
// provoke: endless pagination, slow tools, tools that report errors on demand,
// a server that goes away mid-call.

import {
  CallToolRequestSchema,
  type CallToolResult,
  InMemoryTransport,
  ListToolsRequestSchema,
  type Tool,
} from "../src/_sdk.ts";
import { V1Server as Server } from "../src/_sdk_v1_server.ts";
import type { ServerConfig, StdioServerConfig } from "../src/config/types.ts";
import { connect, type Connection, type ConnectOptions } from "../src/introspect/connect.ts";

/** One page of a tool list. */
export type ToolPage = {
  tools: Tool[];
  nextCursor?: string;
};

/** Behaviour of an {@link inMemoryServer}. */
export interface InMemoryServerOptions {
  /** Server name (default `"mem"`). */
  name?: string;
  /** The tools, or a function returning the page for a cursor. */
  tools: Tool[] | ((cursor: string | undefined) => ToolPage);
  /** Answers `tools/call`; the default echoes the arguments as text. */
  call?: (
    name: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    meta: Record<string, unknown> | undefined,
  ) =>
    | CallToolResult
    | Promise<CallToolResult>;
}

/** A running in-memory server and the ways to reach it. */
export interface InMemoryServer {
  /** A configuration naming the server; it is never spawned. */
  config: StdioServerConfig;
  /** A connector for `ClientPool`/`connect`: each call links a fresh server instance. */
  connector: (server: ServerConfig, opts?: ConnectOptions) => Promise<Connection>;
  /** Connects directly. */
  connect(): Promise<Connection>;
  /** Number of `tools/call` requests the server received. */
  readonly calls: number;
  /** Most `tools/call` requests in flight at once. */
  readonly maxInFlight: number;
  /** Number of server instances linked so far. */
  readonly instances: number;
  /** Drops every live link, as if the server process died. */
  crash(): Promise<void>;
}

/** Starts an in-memory MCP server. */
export function inMemoryServer(opts: InMemoryServerOptions): InMemoryServer {
  const name = opts.name ?? "mem";
  const config: StdioServerConfig = { name, transport: "stdio", command: "in-memory", args: [] };
  const live = new Set<InMemoryTransport>();
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let instances = 0;

  const connector = async (
    server: ServerConfig,
    connectOpts?: ConnectOptions,
  ): Promise<Connection> => {
    instances++;
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const srv = new Server({ name, version: "1.0.0" }, { capabilities: { tools: {} } });
    srv.setRequestHandler(ListToolsRequestSchema, (request) => {
      const cursor = request.params?.cursor;
      if (Array.isArray(opts.tools)) return { tools: opts.tools };
      return opts.tools(cursor);
    });
    srv.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const args = (request.params.arguments ?? {}) as Record<string, unknown>;
        if (opts.call) {
          return await opts.call(request.params.name, args, extra.signal, request.params._meta);
        }
        return { content: [{ type: "text", text: JSON.stringify(args) }] };
      } finally {
        inFlight--;
      }
    });
    live.add(serverSide);
    serverSide.onclose = () => live.delete(serverSide);
    await srv.connect(serverSide);
    return await connect(server, { ...connectOpts, transport: clientSide });
  };

  return {
    config,
    connector,
    connect: () => connector(config),
    get calls() {
      return calls;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get instances() {
      return instances;
    },
    async crash() {
      for (const t of [...live]) await t.close();
    },
  };
}

/** Waits `ms` milliseconds, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
