// Load soak of `mcpx serve --http`: 16 HTTP clients (each its own session)
// running execute_code back to back (one echo call to server-everything each)
// for a while, then 64 clients for half as long; prints executions/s, p50 and p99 latency,
// errors and the resident memory of the serve process. With --baseline-ref,
// the same load runs first against that git revision of mcpx (extracted with
// `git archive`), so both figures come from one run on one machine.
//
// Run: deno run -A bench/soak_http.ts [--seconds 60] [--baseline-ref main] [--no-check] [--distinct]
// (--no-check adds a run of this tree whose programs are not type-checked first;
// --distinct makes every execution's program text different, so that nothing
// kept for a program seen before, such as its type-check result, helps.)
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Client } from "../src/_sdk.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
import { writeConfig } from "../tests/_helpers.ts";
import { everythingServer, freePort } from "../tests/_servers.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string" },
    "baseline-ref": { type: "string" },
    "no-check": { type: "boolean" },
    distinct: { type: "boolean" },
  },
});
const SECONDS = Number(values.seconds ?? 60);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
let programs = 0;
/** The program of the next execution: the same text each time, or with --distinct a new one. */
function program(): string {
  const message = values.distinct ? `hi ${programs++}` : "hi";
  return `import { echo } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await echo({ message: ${JSON.stringify(message)} }));`;
}

interface Phase {
  clients: number;
  executions: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  rssMiB: number;
}

function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function phase(url: string, pid: number, clients: number, seconds: number): Promise<Phase> {
  const transports: StreamableHTTPClientTransport[] = [];
  const sessions = await Promise.all(Array.from({ length: clients }, async () => {
    const c = new Client({ name: "soak", version: "1" });
    const transport = new StreamableHTTPClientTransport(new URL(url));
    transports.push(transport);
    await c.connect(transport);
    return c;
  }));
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  let maxRss = rssMiB(pid);
  const sampler = setInterval(() => maxRss = Math.max(maxRss, rssMiB(pid)), 500);
  const started = performance.now();
  await Promise.all(sessions.map(async (c) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const r = await c.callTool({ name: "execute_code", arguments: { code: program() } });
        const text = (r.content as { text: string }[])[0]?.text ?? "";
        if (r.isError || !text.startsWith("Echo: hi")) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  // End each session (DELETE), as a client that is done should, then close.
  await Promise.all(transports.map((t) => t.terminateSession().catch(() => {})));
  await Promise.all(sessions.map((c) => c.close().catch(() => {})));
  latencies.sort((a, b) => a - b);
  return {
    clients,
    executions: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    rssMiB: maxRss,
  };
}

async function soak(label: string, root: string, extra: string[] = []): Promise<Phase[]> {
  const tmp = await Deno.makeTempDir({ prefix: "mcpx-soak-http-" });
  const config = await writeConfig(tmp, [everythingServer()]);
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(root, "cli.ts"),
      "serve",
      "--http",
      String(port),
      "--config",
      config,
      "--plugin-dir",
      join(tmp, "plugins"),
      ...extra,
    ],
    cwd: root,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${label}: serve exited: ${seen}`);
    seen += value;
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    await phase(url, child.pid, 4, 2); // warm-up
    return [
      await phase(url, child.pid, 16, SECONDS),
      await phase(url, child.pid, 64, Math.max(5, SECONDS / 2)),
    ];
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

async function extract(ref: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mcpx-baseline-" });
  const archive = new Deno.Command("git", { args: ["archive", ref], cwd: ROOT, stdout: "piped" })
    .spawn();
  const tar = new Deno.Command("tar", { args: ["-x", "-C", dir], stdin: "piped" }).spawn();
  await archive.stdout.pipeTo(tar.stdin);
  if (!(await archive.status).success || !(await tar.status).success) {
    throw new Error(`Cannot extract revision "${ref}"`);
  }
  // Same dependencies: share the installed packages.
  await Deno.symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const rows: [string, Phase][] = [];
if (values["baseline-ref"]) {
  const ref = values["baseline-ref"];
  const dir = await extract(ref);
  try {
    for (const p of await soak(ref, dir)) rows.push([`${ref} (baseline)`, p]);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
for (const p of await soak("this tree", ROOT)) rows.push(["this tree", p]);
if (values["no-check"]) {
  for (const p of await soak("this tree --no-check", ROOT, ["--no-check"])) {
    rows.push(["this tree --no-check", p]);
  }
}

console.log(
  `\nprograms: ${values.distinct ? "a new text for every execution" : "the same text every time"}`,
);
console.log(
  `${"mcpx".padEnd(22)} clients  executions  errors  exec/s   p50 ms   p99 ms  max RSS MiB`,
);
for (const [label, p] of rows) {
  console.log(
    `${label.padEnd(22)} ${String(p.clients).padStart(7)}  ${String(p.executions).padStart(10)}  ${
      String(p.errors).padStart(6)
    }  ${p.perSecond.toFixed(0).padStart(6)}  ${p.p50.toFixed(1).padStart(7)}  ${
      p.p99.toFixed(1).padStart(7)
    }  ${p.rssMiB.toFixed(1).padStart(11)}`,
  );
}
if (rows.some(([, p]) => p.errors > 0)) Deno.exitCode = 1;
