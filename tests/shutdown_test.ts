// Graceful shutdown of `mcpx serve` with work in flight, over stdio and HTTP
// (defect 6): the execution in flight is answered with a cancellation, a
// second SIGTERM during the close does not abandon the upstream server (one
// that ignores both the end of its input and SIGTERM), nothing is orphaned,
// and serve exits 0.
import assert from "node:assert/strict";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Client, StdioClientTransport } from "../src/_sdk.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { faultyServer } from "./_faulty.ts";
import { freePort } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const PID_CODE = `import { pid } from "./servers/faulty/index.ts";
export default await pid({});`;
const HANG_CODE = `import { hang } from "./servers/faulty/index.ts";
await hang({});
export default "never";`;

function textOf(r: unknown): string {
  return (r as { content: { text: string }[] }).content[0].text;
}

/** Runs the scenario against a connected client; `serve` is the mcpx process id. */
async function scenario(client: Client, serve: number, exited: Promise<number | null>) {
  const upstream = Number(
    /\d+/.exec(textOf(
      await client.callTool({
        name: "execute_code",
        arguments: { code: PID_CODE },
      }),
    ))![0],
  );
  assert.ok(alive(upstream));
  const inFlight = client.callTool(
    { name: "execute_code", arguments: { code: HANG_CODE } },
    undefined,
    {
      timeout: 60_000,
    },
  );
  inFlight.catch(() => {});
  await new Promise((r) => setTimeout(r, 700));
  Deno.kill(serve, "SIGTERM");
  // What SDK clients and desktop apps do: a second SIGTERM soon after.
  await new Promise((r) => setTimeout(r, 400));
  if (alive(serve)) Deno.kill(serve, "SIGTERM");
  const reply = await inFlight;
  assert.equal(reply.isError, true);
  assert.match(textOf(reply), /(cancelled|refused): mcpx is shutting down/);
  assert.equal(await exited, 0);
  for (let i = 0; i < 20 && alive(upstream); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(upstream), false, `upstream ${upstream} was orphaned`);
}

Deno.test("serve over stdio: SIGTERM with work in flight answers it, closes upstreams, exits 0", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [faultyServer({ faults: ["ignore-sigterm"] })]);
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      "run",
      "-A",
      CLI,
      "serve",
      "-c",
      config,
      "--plugin-dir",
      `${dir.path}/p`,
      "--shutdown-grace",
      "300",
    ],
    stderr: "ignore",
  });
  const client = new Client({ name: "t", version: "1" });
  await client.connect(transport);
  const child = (transport as unknown as {
    _process: { once(e: "exit", f: (code: number | null) => void): void };
  })._process;
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  try {
    await scenario(client, transport.pid!, exited);
  } finally {
    await client.close().catch(() => {});
  }
});

Deno.test("serve over HTTP: SIGTERM with work in flight answers it, closes upstreams, exits 0", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [faultyServer({ faults: ["ignore-sigterm"] })]);
  const port = freePort();
  const serve = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CLI,
      "serve",
      "-c",
      config,
      "--plugin-dir",
      `${dir.path}/p`,
      "--http",
      String(port),
      "--shutdown-grace",
      "300",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = serve.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve exited: ${seen}`);
    seen += value;
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  const client = new Client({ name: "t", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  try {
    await scenario(client, serve.pid, serve.status.then((s) => s.code));
  } finally {
    await client.close().catch(() => {});
  }
});

Deno.test("serve over stdio: a client that closes stdin (then signals) sees serve finish its close, upstreams gone", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [faultyServer({ faults: ["ignore-sigterm"] })]);
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    // Unchecked: the hanging program must be running, not still being type-checked, when stdin closes.
    args: ["run", "-A", CLI, "serve", "-c", config, "--plugin-dir", `${dir.path}/p`, "--no-check"],
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr!.on("data", (chunk: Uint8Array) => stderr += new TextDecoder().decode(chunk));
  const client = new Client({ name: "t", version: "1" });
  await client.connect(transport);
  const upstream = Number(
    /\d+/.exec(textOf(
      await client.callTool({
        name: "execute_code",
        arguments: { code: PID_CODE },
      }),
    ))![0],
  );
  client.callTool({ name: "execute_code", arguments: { code: HANG_CODE } }).catch(() => {});
  await new Promise((r) => setTimeout(r, 500));
  // The SDK's close: end stdin, SIGTERM after 2 s, SIGKILL after 4 s.
  await client.close();
  for (let i = 0; i < 40 && !stderr.includes("stopped"); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // The execution in flight is answered: cancelled by the drain, or ended with the session.
  assert.match(
    stderr,
    /shutting down: (1 execution\(s\) finished, 0|0 execution\(s\) finished, 1) cancelled/,
  );
  assert.match(stderr, /mcpx serve: stopped/, `serve did not finish closing:\n${stderr}`);
  for (let i = 0; i < 20 && alive(upstream); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(upstream), false, `upstream ${upstream} was orphaned`);
});
