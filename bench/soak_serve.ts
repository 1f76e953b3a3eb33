// Soak test of `mcpx serve`: 10,000 execute_code calls over stdio (each with
// one echo call to server-everything and one workspace write), printing the
// resident memory of the mcpx process as it goes. Memory should level off
// once warm, not grow with the number of executions.
//
// Run: deno run -A bench/soak_serve.ts [executions] [concurrency]
import { fileURLToPath } from "node:url";
import { Client, StdioClientTransport } from "../src/_sdk.ts";
import { writeConfig } from "../tests/_helpers.ts";
import { everythingServer } from "../tests/_servers.ts";

const TOTAL = Number(Deno.args[0] ?? 10_000);
const CONCURRENCY = Number(Deno.args[1] ?? 4);
const EVERY = Math.max(1, Math.round(TOTAL / 10));
const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const tmp = await Deno.makeTempDir({ prefix: "mcpx-soak-" });
const config = await writeConfig(tmp, [everythingServer()]);

const transport = new StdioClientTransport({
  command: Deno.execPath(),
  args: ["run", "-A", CLI, "serve", "--config", config, "--plugin-dir", `${tmp}/plugins`],
  stderr: "ignore",
});
const client = new Client({ name: "soak", version: "1" });
await client.connect(transport);
const pid = transport.pid!;

function rssMiB(): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

const code = (i: number) =>
  `import { echo } from "./servers/everything/index.ts";
import { writeFile } from "./workspace.ts";
import { text } from "./runtime.ts";
await writeFile("slot-${i % 64}.txt", "x".repeat(1024));
export default text(await echo({ message: "n${i}" }));`;

console.log(`mcpx serve pid ${pid}; ${TOTAL} executions, ${CONCURRENCY} at a time`);
console.log(`executions  rss MiB  executions/s`);
console.log(`${"0".padStart(10)}  ${rssMiB().toFixed(1).padStart(7)}`);
let next = 0;
let done = 0;
let failures = 0;
let mark = performance.now();
const started = mark;
async function worker(): Promise<void> {
  while (next < TOTAL) {
    const i = next++;
    const r = await client.callTool({ name: "execute_code", arguments: { code: code(i) } });
    const text = (r.content as { text: string }[])[0].text;
    if (r.isError || !text.startsWith(`Echo: n${i}`)) {
      failures++;
      if (failures <= 3) console.error(`execution ${i} failed: ${text.slice(0, 300)}`);
    }
    done++;
    if (done % EVERY === 0) {
      const now = performance.now();
      console.log(
        `${String(done).padStart(10)}  ${rssMiB().toFixed(1).padStart(7)}  ${
          (EVERY / ((now - mark) / 1000)).toFixed(0).padStart(12)
        }`,
      );
      mark = now;
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
console.log(
  `${done} executions in ${
    ((performance.now() - started) / 1000).toFixed(1)
  } s, ${failures} failed`,
);
await client.close();
await Deno.remove(tmp, { recursive: true });
if (failures > 0) Deno.exitCode = 1;
