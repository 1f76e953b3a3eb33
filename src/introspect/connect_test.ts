import assert from "node:assert/strict";
import type { StdioServerConfig } from "../config/types.ts";
import { ServerConnectionError } from "../errors.ts";
import { everythingServer, filesystemServer, startEverythingHttp } from "../../tests/_servers.ts";
import { type CloseInfo, connect } from "./connect.ts";

function nodeServer(name: string, script: string): StdioServerConfig {
  return { name, transport: "stdio", command: "node", args: ["-e", script] };
}

function isAlive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

async function rejection(promise: Promise<unknown>): Promise<ServerConnectionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ServerConnectionError, `expected ServerConnectionError: ${error}`);
    return error;
  }
  assert.fail("expected the connection to fail");
}

Deno.test("connect: server-everything over stdio", async () => {
  await using conn = await connect(everythingServer());
  assert.equal(conn.server.name, "everything");
  assert.match(conn.client.getServerVersion()?.name ?? "", /everything/);
  assert.ok(conn.protocolVersion !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(conn.protocolVersion));
  const pid = conn.pid;
  assert.ok(pid !== undefined && isAlive(pid));
  const result = await conn.client.callTool({ name: "echo", arguments: { message: "hi" } });
  assert.deepEqual(result.content, [{ type: "text", text: "Echo: hi" }]);
  let info: CloseInfo | undefined;
  conn.onClose((i) => info = i);
  await conn.close();
  assert.equal(conn.closed, true);
  assert.equal(info?.expected, true);
  assert.equal(isAlive(pid), false);
});

Deno.test("connect: server-filesystem rooted in a temp dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/hello.txt`, "hello from mcpx");
    await using conn = await connect(filesystemServer(dir));
    const result = await conn.client.callTool({
      name: "read_text_file",
      arguments: { path: `${dir}/hello.txt` },
    });
    assert.equal((result.content as { text: string }[])[0].text, "hello from mcpx");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("connect: server-everything over Streamable HTTP", async () => {
  await using http = await startEverythingHttp();
  await using conn = await connect(http.config);
  assert.equal(conn.pid, undefined);
  assert.ok(conn.protocolVersion !== undefined);
  const { tools } = await conn.client.listTools();
  assert.ok(tools.some((t) => t.name === "echo"));
});

Deno.test("connect: a server that exits at start-up reports its code and stderr", async () => {
  const server = nodeServer("crashy", "console.error('boom'); process.exit(3)");
  const error = await rejection(connect(server, { timeoutMs: 10_000 }));
  assert.equal(error.code, "SERVER_START_FAILED");
  assert.equal(error.server, "crashy");
  assert.equal(error.exitCode, 3);
  assert.equal(
    error.message,
    `Server "crashy" exited with code 3 during start-up. Last stderr lines:\n  boom`,
  );
  assert.equal(error.stderrTail, "boom");
});

function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).includes(marker)) {
        pids.push(Number(entry.name));
      }
    } catch { /* gone */ }
  }
  return pids;
}

Deno.test("connect: a server that never answers times out and is killed", async () => {
  const marker = `mcpx-mute-${crypto.randomUUID()}`;
  const server = nodeServer("mute", `setInterval(() => {}, 1000) // ${marker}`);
  const started = performance.now();
  const pending = rejection(connect(server, { timeoutMs: 1_500 }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(processesWith(marker).length, 1, "the child should be running meanwhile");
  const error = await pending;
  const elapsed = performance.now() - started;
  assert.equal(error.code, "SERVER_TIMEOUT");
  assert.equal(error.message, `Server "mute" did not answer initialize within 1500 ms`);
  assert.ok(elapsed < 2_500, `took ${elapsed} ms`);
  assert.deepEqual(processesWith(marker), []);
});

Deno.test("connect: a command that does not exist is named", async () => {
  const server: StdioServerConfig = {
    name: "ghost",
    transport: "stdio",
    command: "mcpx-no-such-command",
    args: [],
  };
  const error = await rejection(connect(server));
  assert.equal(error.code, "SERVER_START_FAILED");
  assert.match(
    error.message,
    /^Cannot start server "ghost": command "mcpx-no-such-command" was not found/,
  );
});

Deno.test("connect: an unreachable URL is explained", async () => {
  const error = await rejection(
    connect({ name: "web", transport: "http", url: "http://127.0.0.1:9/mcp" }, {
      timeoutMs: 5_000,
    }),
  );
  assert.match(error.message, /^Cannot reach server "web" at http:\/\/127\.0\.0\.1:9\/mcp: /);
});

Deno.test("connect: an aborted signal stops the attempt", async () => {
  const ac = new AbortController();
  const pending = connect(nodeServer("slow", "setInterval(() => {}, 1000)"), {
    signal: ac.signal,
  });
  setTimeout(() => ac.abort(new Error("stop")), 200);
  await assert.rejects(pending, /stop/);
});

Deno.test("connect: onClose reports a server that dies", async () => {
  await using conn = await connect(everythingServer());
  const closed = new Promise<CloseInfo>((resolve) => conn.onClose(resolve));
  Deno.kill(conn.pid!, "SIGKILL");
  const info = await closed;
  assert.equal(info.expected, false);
  assert.equal(info.signal, "SIGKILL");
  assert.equal(conn.closed, true);
});

async function startEverythingSse(): Promise<{ url: string } & AsyncDisposable> {
  const server = await startEverythingHttp("legacy", "sse");
  return { url: server.config.url, [Symbol.asyncDispose]: () => server[Symbol.asyncDispose]() };
}

Deno.test("connect: SSE, and an http URL that only speaks SSE falls back to it", async () => {
  await using sse = await startEverythingSse();
  {
    await using conn = await connect({ name: "legacy", transport: "sse", url: sse.url });
    const { tools } = await conn.client.listTools();
    assert.equal(tools.length, 13);
  }
  {
    await using conn = await connect({ name: "auto", transport: "http", url: sse.url });
    const result = await conn.client.callTool({ name: "echo", arguments: { message: "sse" } });
    assert.deepEqual(result.content, [{ type: "text", text: "Echo: sse" }]);
  }
});
