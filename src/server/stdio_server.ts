/**
 * `mcpx serve` over stdio: one session on the process's stdin and stdout.
 * The SDK's `serveStdio` chooses the protocol era from the client's opening
 * message (`server/discover` for 2026-07-28, `initialize` for the 2025
 * revisions); either way the connection is one session with one workspace.
 * In the 2026-07-28 era the SDK serves the connection's `subscriptions/listen`
 * streams; mcpx holds the upstream subscriptions they name (listen_streams.ts).
 *
 * @module
 */
import process from "node:process";
import { serveStdio as sdkServeStdio, StdioServerTransport } from "../_sdk_server.ts";
import type { ServeHost } from "./serve_host.ts";
import { watchListenRequests } from "./listen_streams.ts";

/** Largest JSON-RPC message read from stdin, in bytes (64 MiB). */
export const STDIO_MAX_MESSAGE_BYTES: number = 64 * 1024 * 1024;

/**
 * Serves one session of `host` on stdin/stdout and resolves when the client
 * goes away (stdin ends or the transport closes). Running executions are
 * cancelled then.
 *
 * @example
 * ```ts
 * import { ServeHost } from "@mcpx/cli";
 *
 * // Run as a program that an MCP client starts; it serves on this process's
 * // stdin and stdout until the client goes away.
 * if (import.meta.main) {
 *   await using host = await ServeHost.create({ runtime: { servers: [] } });
 *   await serveStdio(host);
 * }
 * ```
 */
export async function serveStdio(
  host: ServeHost,
  opts: { beforeClose?: () => Promise<void> } = {},
): Promise<void> {
  const session = host.createSession();
  const transport = new StdioServerTransport(process.stdin, process.stdout, {
    maxBufferSize: STDIO_MAX_MESSAGE_BYTES,
  });
  const closed = new Promise<void>((resolve) => {
    session.onclose = resolve;
  });
  // At the end of input, executions in flight may still finish and answer first.
  const end = () => void (opts.beforeClose?.() ?? Promise.resolve()).finally(() => session.close());
  process.stdin.once("end", end);
  process.stdin.once("close", end);
  // 2026-07-28 listen streams: the SDK serves them; mcpx subscribes upstream
  // to the resources they name.
  const watched = watchListenRequests(
    transport,
    session._listenSubscriptions(),
    (line) => host.log(line),
  );
  const handle = sdkServeStdio(() => session.newServer(), {
    transport: watched,
    onerror: (e) => host.log(`error: ${e.message}`),
  });
  try {
    await closed;
  } finally {
    process.stdin.off("end", end);
    process.stdin.off("close", end);
    await handle.close().catch(() => {});
  }
}
