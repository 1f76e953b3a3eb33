// One elicitation round trip through `mcpx serve` over stdio: guest code calls
// server-everything's trigger-elicitation-request, whose elicitation/create
// reaches the client and whose answer goes back.
//
// - 2026-07-28 (SDK v2 client, auto mode): the execution is suspended, the
//   client gets an InputRequiredResult, answers, and retries; mcpx resumes it.
// - 2025-11-25 (SDK v1 client): a server-initiated request on the session.
//
// Baselines: the same execute_code without elicitation (echo) in each era,
// and the elicitation tool called directly by an SDK client, without mcpx.
//
// Run: deno bench -A bench/elicitation_bench.ts
import { fileURLToPath } from "node:url";
import { Client, ElicitRequestSchema, StdioClientTransport } from "../src/_sdk.ts";
import { V2Client, V2StdioClientTransport } from "../src/_sdk_client.ts";
import { writeConfig } from "../tests/_helpers.ts";
import { everythingServer } from "../tests/_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const tmp = await Deno.makeTempDir({ prefix: "mcpx-elicit-bench-" });
const config = await writeConfig(tmp, [everythingServer()]);
const serve = ["run", "-A", CLI, "serve", "--config", config, "--plugin-dir", `${tmp}/plugins`];
const CAPS = { elicitation: { form: {} } };
const ANSWER = { action: "accept" as const, content: { name: "Ada", check: true } };
const ELICIT = `import { triggerElicitationRequest } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await triggerElicitationRequest({}));`;
const ECHO = `import { echo } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await echo({ message: "hi" }));`;

function check(r: unknown, expect: RegExp): void {
  const text = (r as { content: { text: string }[] }).content[0].text;
  if (!expect.test(text)) throw new Error(`Unexpected reply: ${text}`);
}

const v1 = new Client({ name: "bench-v1", version: "1" }, { capabilities: CAPS });
v1.setRequestHandler(ElicitRequestSchema, () => ANSWER);
await v1.connect(
  new StdioClientTransport({ command: Deno.execPath(), args: serve, stderr: "ignore" }),
);

const v2 = new V2Client({ name: "bench-v2", version: "1" }, {
  capabilities: CAPS,
  versionNegotiation: { mode: "auto" },
});
v2.setRequestHandler("elicitation/create", () => ANSWER);
await v2.connect(
  new V2StdioClientTransport({ command: Deno.execPath(), args: serve, stderr: "ignore" }),
);
if (v2.getNegotiatedProtocolVersion() !== "2026-07-28") {
  throw new Error("v2 did not negotiate 2026-07-28");
}

const direct = new Client({ name: "bench-direct", version: "1" }, { capabilities: CAPS });
direct.setRequestHandler(ElicitRequestSchema, () => ANSWER);
const e = everythingServer();
await direct.connect(
  new StdioClientTransport({ command: e.command, args: e.args, stderr: "ignore" }),
);

const v1Call = (code: string) =>
  v1.callTool({ name: "execute_code", arguments: { code } }, undefined, { timeout: 60_000 });
const v2Call = (code: string) =>
  v2.callTool({ name: "execute_code", arguments: { code } }, { timeout: 60_000 });
for (let i = 0; i < 20; i++) {
  check(await v1Call(ELICIT), /Name: Ada/);
  check(await v2Call(ELICIT), /Name: Ada/);
  check(await v1Call(ECHO), /^Echo: hi/);
  check(await v2Call(ECHO), /^Echo: hi/);
}

const OPTS = { n: 100, warmup: 10 };

Deno.bench(
  "2026-07-28: execute_code, no elicitation",
  { group: "modern", baseline: true, ...OPTS },
  async () => {
    check(await v2Call(ECHO), /^Echo: hi/);
  },
);
Deno.bench("2026-07-28: execute_code with one elicitation (suspend, InputRequiredResult, resume)", {
  group: "modern",
  ...OPTS,
}, async () => {
  check(await v2Call(ELICIT), /Name: Ada/);
});
Deno.bench(
  "2025-11-25: execute_code, no elicitation",
  { group: "legacy", baseline: true, ...OPTS },
  async () => {
    check(await v1Call(ECHO), /^Echo: hi/);
  },
);
Deno.bench("2025-11-25: execute_code with one elicitation (server-initiated request)", {
  group: "legacy",
  ...OPTS,
}, async () => {
  check(await v1Call(ELICIT), /Name: Ada/);
});
Deno.bench(
  "direct SDK call of trigger-elicitation-request, no mcpx",
  { group: "direct", ...OPTS },
  async () => {
    check(
      await direct.callTool({ name: "trigger-elicitation-request", arguments: {} }),
      /provided/,
    );
  },
);

globalThis.addEventListener("unload", () => {
  for (const c of [v1, v2, direct]) void c.close();
});
