// Real MCP servers from npm, installed by `deno install` from deno.json's imports,
// started with Node over stdio (or Streamable HTTP) for the tests.
import { fileURLToPath } from "node:url";
import type { RemoteServerConfig, StdioServerConfig } from "../src/config/types.ts";

const root = fileURLToPath(new URL("../node_modules/@modelcontextprotocol/", import.meta.url));

function entry(pkg: string): string {
  return `${root}${pkg}/dist/index.js`;
}

/** `@modelcontextprotocol/server-everything` over stdio (13 tools). */
export function everythingServer(name = "everything"): StdioServerConfig {
  return { name, transport: "stdio", command: "node", args: [entry("server-everything"), "stdio"] };
}

/** `@modelcontextprotocol/server-filesystem` rooted in `dir` (14 tools). */
export function filesystemServer(dir: string, name = "filesystem"): StdioServerConfig {
  return { name, transport: "stdio", command: "node", args: [entry("server-filesystem"), dir] };
}

/** `@modelcontextprotocol/server-memory`, storing its graph in `file`. */
export function memoryServer(file: string, name = "memory"): StdioServerConfig {
  return {
    name,
    transport: "stdio",
    command: "node",
    args: [entry("server-memory")],
    env: { MEMORY_FILE_PATH: file },
  };
}

/** `@modelcontextprotocol/server-sequential-thinking`. */
export function thinkingServer(name = "thinking"): StdioServerConfig {
  return { name, transport: "stdio", command: "node", args: [entry("server-sequential-thinking")] };
}

/** A free TCP port on loopback. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Starts server-everything over Streamable HTTP (`/mcp`) or, with `mode`
 * `"sse"`, the legacy SSE transport (`/sse`), on a free port, and waits until
 * it listens. Dispose the result to stop it.
 */
export async function startEverythingHttp(
  name = "everything-http",
  mode: "streamableHttp" | "sse" = "streamableHttp",
): Promise<{ config: RemoteServerConfig; [Symbol.asyncDispose](): Promise<void> }> {
  const port = freePort();
  const child = new Deno.Command("node", {
    args: [entry("server-everything"), mode],
    env: { PORT: String(port) },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const ready = mode === "sse" ? "running on port" : "listening";
  let seen = "";
  const deadline = Date.now() + 15_000;
  while (!seen.includes(ready)) {
    if (Date.now() > deadline) throw new Error(`server-everything did not listen: ${seen}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`server-everything exited: ${seen}`);
    seen += value;
  }
  // Keep draining stderr so the child never blocks on a full pipe.
  const drained = (async () => {
    try {
      while (!(await reader.read()).done) { /* drain */ }
    } catch { /* closed */ }
  })();
  return {
    config: mode === "sse"
      ? { name, transport: "sse", url: `http://127.0.0.1:${port}/sse` }
      : { name, transport: "http", url: `http://127.0.0.1:${port}/mcp` },
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await drained;
    },
  };
}

const SERVE_CLI = new URL("../cli.ts", import.meta.url).pathname;

/** A running `mcpx serve --http` child: its URL, what it logged while starting, and the process. */
export interface ServeProcess extends AsyncDisposable {
  url: string;
  /** Its stderr up to and including the "listening on" line. */
  log: string;
  child: Deno.ChildProcess;
}

/**
 * Starts `mcpx serve --http <port> ...args` (`port` a free one unless given,
 * `env` added to the environment) and waits until it listens; its stderr
 * keeps draining so that it never blocks on a full pipe. Disposing sends
 * SIGTERM and waits for the exit.
 */
export async function startServe(
  args: string[],
  opts: { port?: number; env?: Record<string, string> } = {},
): Promise<ServeProcess> {
  const port = opts.port ?? freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVE_CLI, "serve", "--http", String(port), ...args],
    env: opts.env ?? {},
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`mcpx serve --http exited: ${seen}`);
    seen += value;
  }
  const drained = (async () => {
    try {
      while (!(await reader.read()).done) { /* drain */ }
    } catch { /* closed */ }
  })();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    log: seen,
    child,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await drained;
    },
  };
}

/** Starts `mcpx serve --http` on config `cfg` and waits until it listens. */
export function startHttp(cfg: string): Promise<ServeProcess> {
  return startServe(["--config", cfg]);
}
