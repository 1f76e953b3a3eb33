// A cold `mcpx run` of a program making one tool call, against a minimal SDK
// client script making the same call. Both start Deno and server-everything
// from nothing; the target is at most 1.3× the baseline.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { everythingServer } from "../tests/_servers.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const server = everythingServer();
const dir = await Deno.makeTempDir({ prefix: "mcpx-bench-" });
const config = join(dir, "mcp.json");
await Deno.writeTextFile(
  config,
  JSON.stringify({ mcpServers: { everything: { command: server.command, args: server.args } } }),
);
const program = join(dir, "one_call.ts");
await Deno.writeTextFile(
  program,
  `import { getSum } from "./servers/everything/index.ts";\nexport default await getSum({ a: 1, b: 2 });\n`,
);

async function run(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success || !text.includes("The sum of 1 and 2 is 3")) {
    throw new Error(`Run failed (${out.code}): ${text}${new TextDecoder().decode(out.stderr)}`);
  }
}

Deno.bench({
  name: "SDK client script, one call (baseline)",
  group: "cold run",
  baseline: true,
  n: 15,
  warmup: 2,
}, async () => {
  await run(["run", "-A", "bench/_sdk_one_call.ts", server.command, ...server.args]);
});

Deno.bench({ name: "mcpx run, one call", group: "cold run", n: 15, warmup: 2 }, async () => {
  await run(["run", "-A", "cli.ts", "run", program, "--config", config]);
});

Deno.bench({
  name: "mcpx run --no-check, one call",
  group: "cold run",
  n: 15,
  warmup: 2,
}, async () => {
  await run(["run", "-A", "cli.ts", "run", program, "--config", config, "--no-check"]);
});

globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
