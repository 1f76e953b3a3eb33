// `mcpx serve` end to end, with the MCP SDK client as the model's host would
// use it.
//
// stdio: one execute_code whose script makes one tool call (SDK client → mcpx
// serve subprocess → sandbox → server-everything echo), against the baseline
// of the same echo called directly by an SDK client over stdio.
//
// http: 8 clients, each with its own session, run executions concurrently;
// each iteration runs a batch of 8 × 4 executions and the rate is printed at
// the end.
//
// Run: deno bench -A bench/serve_bench.ts
import { fileURLToPath } from "node:url";
import { Client, StdioClientTransport } from "../src/_sdk.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
import { writeConfig } from "../tests/_helpers.ts";
import { everythingServer, freePort } from "../tests/_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const tmp = await Deno.makeTempDir({ prefix: "mcpx-serve-bench-" });
const config = await writeConfig(tmp, [everythingServer()]);
const common = ["--config", config, "--plugin-dir", `${tmp}/plugins`];
const CODE = `import { echo } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await echo({ message: "hi" }));`;

function check(r: Record<string, unknown>): void {
  const text = (r.content as { text: string }[])[0].text;
  if (r.isError || !text.startsWith("Echo: hi")) throw new Error(`Unexpected reply: ${text}`);
}

// Direct client to server-everything (baseline).
const direct = new Client({ name: "bench-direct", version: "1" });
const e = everythingServer();
await direct.connect(
  new StdioClientTransport({ command: e.command, args: e.args, stderr: "ignore" }),
);

// mcpx serve over stdio.
const viaStdio = new Client({ name: "bench-stdio", version: "1" });
await viaStdio.connect(
  new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", CLI, "serve", ...common],
    stderr: "ignore",
  }),
);
for (let i = 0; i < 50; i++) {
  check(await viaStdio.callTool({ name: "execute_code", arguments: { code: CODE } }));
}

// mcpx serve over HTTP with 8 sessions.
const port = freePort();
const httpChild = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", CLI, "serve", "--http", String(port), ...common],
  stdin: "null",
  stdout: "null",
  stderr: "piped",
}).spawn();
{
  const reader = httpChild.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`mcpx serve --http exited: ${seen}`);
    seen += value;
  }
  reader.releaseLock();
  httpChild.stderr.cancel().catch(() => {});
}
const CLIENTS = 8;
const PER_CLIENT = 4;
const httpClients: Client[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const c = new Client({ name: `bench-http-${i}`, version: "1" });
  await c.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  httpClients.push(c);
}
async function batch(): Promise<void> {
  await Promise.all(httpClients.map(async (c) => {
    for (let i = 0; i < PER_CLIENT; i++) {
      check(await c.callTool({ name: "execute_code", arguments: { code: CODE } }));
    }
  }));
}
for (let i = 0; i < 5; i++) await batch();

let httpExecutions = 0;
let httpMs = 0;

Deno.bench({
  name: "direct SDK client: everything echo over stdio",
  group: "stdio",
  baseline: true,
  async fn() {
    const r = await direct.callTool({ name: "echo", arguments: { message: "hi" } });
    check(r);
  },
});

Deno.bench({
  name: "mcpx serve: execute_code with one echo call over stdio",
  group: "stdio",
  async fn() {
    check(await viaStdio.callTool({ name: "execute_code", arguments: { code: CODE } }));
  },
});

Deno.bench({
  name: `mcpx serve --http: ${CLIENTS} clients × ${PER_CLIENT} execute_code`,
  group: "http",
  async fn() {
    const t0 = performance.now();
    await batch();
    httpMs += performance.now() - t0;
    httpExecutions += CLIENTS * PER_CLIENT;
  },
});

globalThis.addEventListener("unload", () => {
  if (httpExecutions > 0) {
    console.log(
      `http: ${httpExecutions} executions by ${CLIENTS} concurrent clients at ${
        (httpExecutions / (httpMs / 1000)).toFixed(0)
      } executions/s`,
    );
  }
  try {
    httpChild.kill("SIGTERM");
  } catch { /* gone */ }
  Deno.removeSync(tmp, { recursive: true });
});
