// What keeping guest- and server-supplied work off the main thread costs an
// `execute_code`: type stripping in its own worker (against amaro on the main
// thread, as before) and argument validation with linear-time patterns
// (against @cfworker/json-schema with JavaScript's backtracking RegExp, as
// before), both set against `execute_code` with one tool call through
// `mcpx serve` over stdio, in the same run. The first line printed is the
// verdict: the extra time as a share of one execute_code.
//
//   deno bench -A bench/guarded_checks_bench.ts

import { transformSync } from "amaro";
import { Validator } from "@cfworker/json-schema";
import { fileURLToPath } from "node:url";
import { Client, StdioClientTransport } from "../src/_sdk.ts";
import { ArgValidator } from "../src/bridge/arg_validator.ts";
import { loadTranspiler, transpileModule } from "../src/sandbox/transpile.ts";
import { writeConfig } from "../tests/_helpers.ts";
import { everythingServer } from "../tests/_servers.ts";

// A program as a model writes it; every execution sends a new one, so the
// stripper's cache never answers.
let serial = 0;
const program = () =>
  `import { echo } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
interface Row { id: number; name: string }
const rows: Row[] = [{ id: ${serial++}, name: "a" }];
const reply: string = text(await echo({ message: rows.map((r) => r.name).join(",") }));
export default { reply, n: rows.length as number };`;

// server-everything's echo, as it declares its input.
const echo = {
  name: "echo",
  inputSchema: {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties: { message: { type: "string", description: "Message to echo", pattern: "^.*$" } },
    required: ["message"],
    additionalProperties: false,
  },
};
const args = { message: "a" };
const before = new Validator(echo.inputSchema as never, "7", true);
const now = new ArgValidator();

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const tmp = await Deno.makeTempDir({ prefix: "mcpx-guarded-bench-" });
const config = await writeConfig(tmp, [everythingServer()]);
const serve = new Client({ name: "bench", version: "1" });
await serve.connect(
  new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", CLI, "serve", "--config", config, "--plugin-dir", `${tmp}/plugins`],
    stderr: "ignore",
  }),
);
async function executeCode(): Promise<void> {
  const r = await serve.callTool({ name: "execute_code", arguments: { code: program() } });
  if (r.isError) throw new Error(JSON.stringify(r.content));
}

await loadTranspiler();
// Warm every path (JIT, tool list, compiled schemas, both stripper paths).
for (let i = 0; i < 200; i++) {
  await executeCode();
  transformSync(program(), { mode: "strip-only", filename: "/main.ts" });
  before.validate(args);
  await now.validate(echo, args);
}

async function avgMs(n: number, fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}
const N = 300;
const exec = await avgMs(N, executeCode);
const stripBefore = await avgMs(
  N,
  () => transformSync(program(), { mode: "strip-only", filename: "/main.ts" }),
);
const stripNow = await avgMs(N, () => transpileModule("/main.ts", program()));
const validateBefore = await avgMs(N * 10, () => before.validate(args));
const validateNow = await avgMs(N * 10, () => now.validate(echo, args));
const extra = stripNow - stripBefore + validateNow - validateBefore;
console.log(
  `execute_code with one tool call (serve, stdio): ${(exec * 1000).toFixed(0)} µs; ` +
    `stripping ${(stripBefore * 1000).toFixed(0)} → ${(stripNow * 1000).toFixed(0)} µs, ` +
    `validation ${(validateBefore * 1000).toFixed(1)} → ${(validateNow * 1000).toFixed(1)} µs: ` +
    `${(extra * 1000).toFixed(0)} µs more, ${(100 * extra / exec).toFixed(1)}% of the execution`,
);

Deno.bench({
  name: "amaro on the main thread (before)",
  group: "strip a new program",
  baseline: true,
  fn() {
    transformSync(program(), { mode: "strip-only", filename: "/main.ts" });
  },
});

Deno.bench({
  name: "amaro in its worker (now)",
  group: "strip a new program",
  async fn() {
    await transpileModule("/main.ts", program());
  },
});

Deno.bench({
  name: "@cfworker/json-schema, backtracking patterns (before)",
  group: "validate echo's arguments",
  baseline: true,
  fn() {
    before.validate(args);
  },
});

Deno.bench({
  name: "hyperjump with linear-time patterns (now)",
  group: "validate echo's arguments",
  async fn() {
    await now.validate(echo, args);
  },
});

Deno.bench({
  name: "execute_code, one echo call, mcpx serve over stdio (now, both included)",
  group: "execute_code",
  fn: executeCode,
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(tmp, { recursive: true });
});
