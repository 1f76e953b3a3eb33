/**
 * mcpx beside its peers, in one run: `deno task bench:peers [--full]`.
 *
 * Every contender runs in a process of its own, started by this driver (one
 * process tree), and answers the JSON-lines protocol of
 * `bench/peers/_protocol.mjs`:
 *
 * - mcpx: the `Runtime` of mod.ts (QuickJS engine), in Deno;
 * - UTCP code-mode (`@utcp/code-mode`, isolated-vm 5.0.4), in Node;
 * - Vercel's `@ai-sdk/code-mode` (QuickJS in Node workers), in Node;
 * - bare QuickJS: a fresh `quickjs-emscripten-core` runtime and context per
 *   run, on the wasm mcpx uses, in Deno;
 * - `new Function` (an async function made from the program), in Deno;
 * - a direct SDK `client.callTool`, the floor for tool calls, in Deno.
 *
 * Each one that calls tools reaches its own server-everything over stdio.
 * Phases: start every contender; RSS over executions (one-tool runs; bare
 * QuickJS runs the trivial program); latency, round-robin over contenders and
 * kinds, repeated, each run timed alone inside its process; cold start to the
 * first result, whole processes, interleaved. Then the report
 * (`bench/results/peers.md`) and the charts (`peers_latency.svg`,
 * `peers_rss.svg`).
 *
 * The Node peers are installed into `bench/peers/node_modules` from
 * `bench/peers/package-lock.json` with `npm ci` when missing or stale (the
 * first install compiles isolated-vm, which takes minutes).
 *
 * @module
 */

import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { barChart, lineChart } from "./_svg_chart.ts";
import { syntheticSnapshot } from "./_synthetic.ts";
import { generate } from "../mod.ts";

type Kind = "trivial" | "one" | "ten";
const KINDS: Kind[] = ["trivial", "one", "ten"];
const KIND_LABEL: Record<Kind, string> = {
  trivial: "warm trivial execution",
  one: "warm one-tool program",
  ten: "ten parallel tool calls",
};

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    full: { type: "boolean", default: false },
    out: { type: "string", default: "bench/results" },
    from: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log(`Usage: deno task bench:peers [--full] [--out DIR]

  --full   the run quoted in the README: more rounds, RSS over 2,000 executions,
           10 cold starts (several minutes); the default is a quick run (RSS over 100
           executions, 2 cold starts; 1–2 minutes once the peers are installed)
  --out    where peers.md, peers.json (the raw figures), peers_latency.svg and
           peers_rss.svg go (default bench/results)
  --from   make the report and charts again from a peers.json, without measuring`);
  Deno.exit(0);
}

const MODE = flags.full
  ? {
    name: "full",
    rounds: 15,
    batch: 20,
    tenBatch: 8,
    warmup: 50,
    rssRuns: 2000,
    rssStep: 50,
    cold: 10,
    codegenRuns: 30,
  }
  : {
    name: "quick",
    rounds: 4,
    batch: 10,
    tenBatch: 4,
    warmup: 20,
    rssRuns: 100,
    rssStep: 20,
    cold: 2,
    codegenRuns: 10,
  };

const root = new URL("..", import.meta.url).pathname;
const peersDir = `${root}bench/peers`;
const everything = `${root}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
const startedAt = performance.now();

function log(text: string): void {
  console.error(`[${((performance.now() - startedAt) / 1000).toFixed(1)} s] ${text}`);
}

// ---------------------------------------------------------------------------
// Contenders

interface Spec {
  id: string;
  label: string;
  cmd: string;
  args: string[];
  cwd: string;
  /** What its RSS phase and its cold start run. */
  rssKind: Kind;
}

const deno = Deno.execPath();
const SPECS: Spec[] = [
  {
    id: "mcpx",
    label: "mcpx (Runtime, QuickJS)",
    cmd: deno,
    args: ["run", "-A", "bench/_peer_deno.ts", "mcpx"],
    cwd: root,
    rssKind: "one",
  },
  {
    id: "utcp",
    label: "UTCP code-mode (isolated-vm)",
    cmd: "node",
    args: ["peer_node.mjs", "utcp"],
    cwd: peersDir,
    rssKind: "one",
  },
  {
    id: "aisdk",
    label: "@ai-sdk/code-mode (QuickJS, workers)",
    cmd: "node",
    args: ["peer_node.mjs", "aisdk"],
    cwd: peersDir,
    rssKind: "one",
  },
  {
    id: "quickjs",
    label: "bare QuickJS (fresh context)",
    cmd: deno,
    args: ["run", "-A", "bench/_peer_deno.ts", "quickjs"],
    cwd: root,
    rssKind: "trivial",
  },
  {
    id: "function",
    label: "new Function",
    cmd: deno,
    args: ["run", "-A", "bench/_peer_deno.ts", "function"],
    cwd: root,
    rssKind: "one",
  },
  {
    id: "sdk",
    label: "direct SDK callTool",
    cmd: deno,
    args: ["run", "-A", "bench/_peer_deno.ts", "sdk"],
    cwd: root,
    rssKind: "one",
  },
];

/** A running contender process, driven over JSON lines. */
class Peer {
  readonly spec: Spec;
  kinds: Kind[] = [];
  runtime = "";
  startMs = NaN;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncIterator<string>;
  readonly #stderr: string[] = [];
  #next = 1;

  constructor(spec: Spec) {
    this.spec = spec;
    this.#child = new Deno.Command(spec.cmd, {
      args: spec.args,
      cwd: spec.cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { MCPX_PEERS_EVERYTHING: everything },
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = lines(this.#child.stdout)[Symbol.asyncIterator]();
    this.#keepStderr();
  }

  async #keepStderr(): Promise<void> {
    for await (const line of lines(this.#child.stderr)) {
      this.#stderr.push(line);
      if (this.#stderr.length > 20) this.#stderr.shift();
    }
  }

  /** The last lines the process wrote to stderr. */
  get stderr(): string {
    return this.#stderr.join("\n");
  }

  async request(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.#next++;
    await this.#writer.write(new TextEncoder().encode(JSON.stringify({ id, ...req }) + "\n"));
    const { value, done } = await this.#lines.next();
    if (done) {
      throw new Error(`The ${this.spec.id} process ended: ${this.stderr.slice(-1500)}`);
    }
    const answer = JSON.parse(value);
    if (answer.id !== id) throw new Error(`Answer ${answer.id} to request ${id}`);
    if (!answer.ok) throw new Error(String(answer.error));
    return answer;
  }

  async init(): Promise<void> {
    const a = await this.request({ op: "init" });
    this.kinds = a.kinds as Kind[];
    this.runtime = String(a.runtime);
    this.startMs = Number(a.startMs);
  }

  async run(kind: Kind, n: number): Promise<number[]> {
    return (await this.request({ op: "run", kind, n })).ms as number[];
  }

  async rss(): Promise<number> {
    return Number((await this.request({ op: "rss" })).rss);
  }

  async close(): Promise<void> {
    try {
      await this.request({ op: "close" });
    } catch { /* it may be gone already */ }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* ended */ }
    }, 5000);
    await this.#child.status;
    clearTimeout(timer);
  }
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, at).trim();
      buffer = buffer.slice(at + 1);
      if (line) yield line;
    }
  }
  if (buffer.trim()) yield buffer.trim();
}

// ---------------------------------------------------------------------------
// Install the Node peers

async function installPeers(): Promise<string | undefined> {
  const stamp = `${peersDir}/node_modules/.package-lock.json`;
  const lock = await Deno.stat(`${peersDir}/package-lock.json`);
  const installed = await Deno.stat(stamp).catch(() => undefined);
  if (installed && (installed.mtime?.getTime() ?? 0) >= (lock.mtime?.getTime() ?? 0)) return;
  log("installing the Node peers (npm ci in bench/peers; the first time compiles isolated-vm)");
  try {
    const out = await new Deno.Command("npm", {
      args: ["ci", "--no-audit", "--no-fund"],
      cwd: peersDir,
      stdout: "inherit",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (!out.success) return `npm ci failed (exit ${out.code}): ${stderr.slice(-1500)}`;
  } catch (e) {
    return `npm ci could not run: ${(e as Error).message}`;
  }
}

// ---------------------------------------------------------------------------
// Statistics

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

interface Stat {
  n: number;
  p50: number;
  p95: number;
}

function stat(samples: number[]): Stat {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

// ---------------------------------------------------------------------------
// The run

/** Everything a run measured: the report and charts are made from this alone. */
interface RunData {
  mode: typeof MODE;
  full: boolean;
  date: string;
  elapsedS: number;
  machine: {
    cpu: string;
    cores: number;
    ramGiB: number;
    loadBefore: number[];
    loadAfter: number[];
  };
  versions: [string, string][];
  /** Why a contender failed, by id. */
  errors: Record<string, string>;
  /** Milliseconds per run, by `id/kind`. */
  samples: Record<string, number[]>;
  /** Milliseconds to the first result of a new process, by id. */
  cold: Record<string, number[]>;
  /** MiB resident after x executions, by id. */
  rss: Record<string, { x: number; y: number }[]>;
  /** Start-up inside each process, by id. */
  startMs: Record<string, number>;
  runtimes: Record<string, string>;
  codegenMs: number[];
}

async function measure(): Promise<RunData> {
  const errors = new Map<string, string>();
  const installError = await installPeers();
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const machine = {
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU",
    cores: navigator.hardwareConcurrency,
    ramGiB: Number(/MemTotal:\s*(\d+)/.exec(meminfo)?.[1] ?? 0) / 1048576,
    loadBefore: Deno.loadavg().map((v) => Math.round(v * 10) / 10),
  };

  // Start every contender, one after the other.
  const peers: Peer[] = [];
  for (const spec of SPECS) {
    if (installError && spec.cmd === "node") {
      errors.set(spec.id, installError);
      continue;
    }
    log(`starting ${spec.id}`);
    let peer: Peer | undefined;
    try {
      peer = new Peer(spec); // throws when the command (deno, node) is missing
      await peer.init();
      peers.push(peer);
    } catch (e) {
      errors.set(spec.id, `could not start: ${(e as Error).message}`);
      await peer?.close();
    }
  }

  async function guarded(peer: Peer, what: string, f: () => Promise<void>): Promise<boolean> {
    try {
      await f();
      return true;
    } catch (e) {
      errors.set(peer.spec.id, `${what}: ${(e as Error).message}`);
      peers.splice(peers.indexOf(peer), 1);
      await peer.close();
      return false;
    }
  }

  function rotated<T>(list: T[], by: number): T[] {
    const k = list.length ? by % list.length : 0;
    return [...list.slice(k), ...list.slice(0, k)];
  }

  // RSS over executions, sampled every rssStep, interleaved in chunks.
  const rssSeries = new Map<string, { x: number; y: number }[]>();
  for (const peer of [...peers]) {
    await guarded(peer, "RSS", async () => {
      rssSeries.set(peer.spec.id, [{ x: 0, y: (await peer.rss()) / 1048576 }]);
    });
  }
  for (let done = 0, round = 0; done < MODE.rssRuns; done += MODE.rssStep, round++) {
    if (done % 500 === 0) log(`RSS phase: ${done} of ${MODE.rssRuns} executions`);
    for (const peer of rotated([...peers], round)) {
      await guarded(peer, "RSS phase", async () => {
        await peer.run(peer.spec.rssKind, MODE.rssStep);
        rssSeries.get(peer.spec.id)!.push({
          x: done + MODE.rssStep,
          y: (await peer.rss()) / 1048576,
        });
      });
    }
  }

  // Warm-up, then latency: round-robin over contenders within each kind, repeated.
  log("warm-up");
  for (const kind of KINDS) {
    for (const peer of [...peers]) {
      if (!peer.kinds.includes(kind)) continue;
      await guarded(peer, `warm-up (${kind})`, async () => {
        await peer.run(kind, kind === "ten" ? MODE.tenBatch : MODE.warmup);
      });
    }
  }
  const samples = new Map<string, number[]>();
  for (let round = 0; round < MODE.rounds; round++) {
    log(`latency round ${round + 1} of ${MODE.rounds}`);
    for (const kind of KINDS) {
      for (const peer of rotated([...peers], round)) {
        if (!peer.kinds.includes(kind)) continue;
        await guarded(peer, `latency (${kind})`, async () => {
          const ms = await peer.run(kind, kind === "ten" ? MODE.tenBatch : MODE.batch);
          const key = `${peer.spec.id}/${kind}`;
          samples.set(key, [...(samples.get(key) ?? []), ...ms]);
        });
      }
    }
  }
  const startMs = Object.fromEntries(peers.map((p) => [p.spec.id, p.startMs]));
  const runtimes = Object.fromEntries(peers.map((p) => [p.spec.id, p.runtime]));
  await Promise.all(peers.map((p) => p.close()));

  // Cold start to the first result: whole processes, interleaved.
  async function coldOnce(spec: Spec): Promise<number> {
    const t0 = performance.now();
    const child = new Deno.Command(spec.cmd, {
      args: [...spec.args, "--cold", spec.rssKind],
      cwd: spec.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { MCPX_PEERS_EVERYTHING: everything },
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    let ms = NaN;
    let answer: { ok?: boolean; error?: string } = {};
    for await (const line of lines(child.stdout)) {
      if (!line.startsWith('{"cold"')) continue;
      ms = performance.now() - t0;
      answer = JSON.parse(line);
    }
    await child.status;
    clearTimeout(timer);
    if (!answer.ok) {
      throw new Error(answer.error ?? `no result; stderr: ${(await stderr).slice(-1500)}`);
    }
    return ms;
  }
  const cold = new Map<string, number[]>();
  const coldSpecs = SPECS.filter((s) => s.id in startMs);
  for (let rep = 0; rep < MODE.cold; rep++) {
    log(`cold starts, ${rep + 1} of ${MODE.cold}`);
    for (const spec of rotated(coldSpecs, rep)) {
      try {
        cold.set(spec.id, [...(cold.get(spec.id) ?? []), await coldOnce(spec)]);
      } catch (e) {
        errors.set(spec.id, `cold start: ${(e as Error).message}`);
      }
    }
  }

  // Code generation for 1,000 tools (median of steady runs).
  const snapshot = syntheticSnapshot(1000);
  for (let i = 0; i < 10; i++) generate([snapshot]);
  const codegenMs: number[] = [];
  for (let i = 0; i < MODE.codegenRuns; i++) {
    const t0 = performance.now();
    generate([snapshot]);
    codegenMs.push(performance.now() - t0);
  }
  const loadAfter = Deno.loadavg().map((v) => Math.round(v * 10) / 10);
  const elapsedS = (performance.now() - startedAt) / 1000;

  // ---------------------------------------------------------------------------
  // Versions

  async function pkgVersion(dir: string): Promise<string> {
    try {
      return JSON.parse(await Deno.readTextFile(`${dir}/package.json`)).version;
    } catch {
      return "not installed";
    }
  }
  const nodeVersion = await new Deno.Command("node", { args: ["--version"] }).output()
    .then((o) => new TextDecoder().decode(o.stdout).trim()).catch(() => "not found");
  const versions: [string, string][] = [
    ["deno", Deno.version.deno],
    ["node", nodeVersion],
    ["mcpx", (await import("../mod.ts")).VERSION],
    ...await Promise.all(
      [
        "@utcp/code-mode",
        "@utcp/sdk",
        "@utcp/mcp",
        "isolated-vm",
        "@ai-sdk/code-mode",
        "@ai-sdk/mcp",
        "ai",
        "run",
      ].map(async (
        p,
      ): Promise<[string, string]> => [p, await pkgVersion(`${peersDir}/node_modules/${p}`)]),
    ),
    ...await Promise.all(
      [
        "quickjs-emscripten-core",
        "@jitl/quickjs-ng-wasmfile-release-sync",
        "@modelcontextprotocol/sdk",
        "@modelcontextprotocol/server-everything",
      ].map(async (
        p,
      ): Promise<[string, string]> => [p, await pkgVersion(`${root}node_modules/${p}`)]),
    ),
  ];

  return {
    mode: MODE,
    full: flags.full,
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    elapsedS,
    machine: { ...machine, loadAfter },
    versions,
    errors: Object.fromEntries(errors),
    samples: Object.fromEntries(samples),
    cold: Object.fromEntries(cold),
    rss: Object.fromEntries(rssSeries),
    startMs,
    runtimes,
    codegenMs,
  };
}

// ---------------------------------------------------------------------------
// Report

const data: RunData = flags.from
  ? JSON.parse(await Deno.readTextFile(flags.from))
  : await measure();
const out = flags.out.replace(/\/$/, "");
await Deno.mkdir(out, { recursive: true });
// The raw figures first, so that a report can be made again with --from.
if (!flags.from) await Deno.writeTextFile(`${out}/peers.json`, JSON.stringify(data) + "\n");
const errors = new Map(Object.entries(data.errors));
const samples = new Map(Object.entries(data.samples));
const cold = new Map(Object.entries(data.cold));
const rssSeries = new Map(Object.entries(data.rss));
const codegen = stat(data.codegenMs);
const date = data.date;

const label = new Map(SPECS.map((s) => [s.id, s.label]));
const fmtMs = (v: number) =>
  !Number.isFinite(v)
    ? "n/a"
    : v < 1
    ? `${(v * 1000).toFixed(0)} µs`
    : v < 100
    ? `${v.toFixed(2)} ms`
    : `${v.toFixed(0)} ms`;
const fmtX = (v: number) =>
  !Number.isFinite(v) ? "n/a" : v < 0.1 ? `${v.toPrecision(2)}×` : `${v.toFixed(2)}×`;

function latencyTable(get: (id: string) => Stat | undefined): string[] {
  const base = get("mcpx");
  const rows = [
    "| contender | p50 | p95 | p95 ÷ p50 | p50 ÷ mcpx's p50 | runs |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const spec of SPECS) {
    const s = get(spec.id);
    if (!s) {
      const why = errors.get(spec.id);
      rows.push(`| ${spec.label} | ${why ? "failed (see below)" : "not applicable"} | | | | |`);
      continue;
    }
    rows.push(
      `| ${spec.label} | ${fmtMs(s.p50)} | ${fmtMs(s.p95)} | ${fmtX(s.p95 / s.p50)} | ${
        base ? fmtX(s.p50 / base.p50) : "n/a"
      } | ${s.n} |`,
    );
  }
  return rows;
}

const warm = (id: string, kind: Kind) => {
  const s = samples.get(`${id}/${kind}`);
  return s && s.length ? stat(s) : undefined;
};
const coldStat = (id: string) => {
  const s = cold.get(id);
  return s && s.length ? stat(s) : undefined;
};
const rssAt = (id: string, x: number) => rssSeries.get(id)?.find((p) => p.x === x)?.y ?? NaN;
const mib = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} MiB` : "n/a");

// Targets.
const m = (k: Kind) => warm("mcpx", k);
const ratio = (a?: Stat, b?: Stat) => (a && b ? a.p50 / b.p50 : NaN);
const verdict = (ok: boolean | undefined) =>
  ok === undefined ? "not measured" : ok ? "**met**" : "**not met**";
const trivialVsQjs = ratio(m("trivial"), warm("quickjs", "trivial"));
const oneVsSdk = ratio(m("one"), warm("sdk", "one"));
const p95s = KINDS.map((k) => m(k)).filter((s): s is Stat => !!s).map((s) => s.p95 / s.p50);
const rssMid = Math.min(1000, data.mode.rssRuns);
const rssEnd = data.mode.rssRuns;
const mcpxRss1000 = rssAt("mcpx", rssMid);
const utcpRss1000 = rssAt("utcp", rssMid);
const mcpxGrowth = rssAt("mcpx", rssEnd) - mcpxRss1000;
const utcpGrowth = rssAt("utcp", rssEnd) - utcpRss1000;
const peerIds = ["utcp", "aisdk"];
const ahead = KINDS.map((k) => {
  const mine = m(k);
  const missing = peerIds.filter((id) => !warm(id, k));
  const beaten = peerIds.filter((id) => mine && warm(id, k) && mine.p50 < warm(id, k)!.p50);
  const lost = peerIds.length - missing.length - beaten.length;
  const text = !mine
    ? "not measured"
    : lost > 0
    ? "**not met**"
    : missing.length
    ? `**met** against the peers measured (no figure: ${missing.join(", ")})`
    : "**met**";
  return { k, text };
});
const codegenTarget = 22.8 / 1.5;
const rssFull = data.mode.rssRuns >= 2000;
const targets: [string, string, string][] = [
  [
    "warm trivial execution ≤ 1× bare fresh QuickJS context",
    `${fmtX(trivialVsQjs)} (${fmtMs(m("trivial")?.p50 ?? NaN)} vs ${
      fmtMs(warm("quickjs", "trivial")?.p50 ?? NaN)
    })`,
    verdict(Number.isFinite(trivialVsQjs) ? trivialVsQjs <= 1 : undefined),
  ],
  [
    "one-tool program ≤ 2× direct SDK callTool",
    `${fmtX(oneVsSdk)} (${fmtMs(m("one")?.p50 ?? NaN)} vs ${
      fmtMs(warm("sdk", "one")?.p50 ?? NaN)
    })`,
    verdict(Number.isFinite(oneVsSdk) ? oneVsSdk <= 2 : undefined),
  ],
  [
    "mcpx p95 ≤ 2× p50 (trivial, one-tool, ten parallel)",
    p95s.map(fmtX).join(", "),
    verdict(p95s.length ? p95s.every((r) => r <= 2) : undefined),
  ],
  [
    `RSS after ${rssMid.toLocaleString("en-US")} executions ≤ UTCP's`,
    `${mib(mcpxRss1000)} vs ${mib(utcpRss1000)}`,
    rssFull
      ? verdict(
        Number.isFinite(mcpxRss1000 + utcpRss1000) ? mcpxRss1000 <= utcpRss1000 : undefined,
      )
      : "not measured (quick run: use --full)",
  ],
  [
    "RSS flat over the next 1,000 executions (growth ≤ 5% of the RSS at 1,000)",
    rssFull ? `${mib(mcpxGrowth)} growth (UTCP: ${mib(utcpGrowth)})` : "n/a",
    // "Flat": under 5% of the RSS at 1,000 executions.
    rssFull
      ? verdict(Number.isFinite(mcpxGrowth) ? mcpxGrowth <= mcpxRss1000 * 0.05 : undefined)
      : "not measured (quick run: use --full)",
  ],
  ...ahead.map(({ k, text }): [string, string, string] => [
    `mcpx ahead of every peer: ${KIND_LABEL[k]}`,
    peerIds.map((id) => `${id} at ${fmtX(ratio(warm(id, k), m(k)))}`).join(", ") + " of mcpx's p50",
    text,
  ]),
  [
    "codegen at 1,000 tools ≤ 22.8 ms ÷ 1.5 = 15.2 ms",
    `${fmtMs(codegen.p50)} p50 (${fmtMs(codegen.p95)} p95, ${codegen.n} runs)`,
    verdict(codegen.p50 <= codegenTarget),
  ],
];

function rssTable(): string[] {
  const cols = rssFull ? [0, 1000, rssEnd] : [0, rssEnd];
  const from = rssFull ? 1000 : 0;
  const rows = [
    `| contender | ${
      cols.map((x) => (x ? `after ${x.toLocaleString("en-US")}` : "at start")).join(" | ")
    } | growth ${from.toLocaleString("en-US")} → ${rssEnd.toLocaleString("en-US")} |`,
    `| --- |${cols.map(() => " ---: |").join("")} ---: |`,
  ];
  for (const s of SPECS) {
    if (!rssSeries.has(s.id)) {
      rows.push(`| ${s.label} | failed (see below) |${cols.map(() => " |").join("")}`);
      continue;
    }
    rows.push(
      `| ${s.label} | ${cols.map((x) => mib(rssAt(s.id, x))).join(" | ")} | ${
        mib(rssAt(s.id, rssEnd) - rssAt(s.id, from))
      } |`,
    );
  }
  return rows;
}

const md: string[] = [
  "# mcpx beside its peers",
  "",
  `Measured ${date} with \`deno task bench:peers${
    data.full ? " --full" : ""
  }\` (${data.mode.name} run, ${
    data.elapsedS.toFixed(0)
  } s), every contender in its own process under one driver, interleaved. Machine: ${data.machine.cpu}, ${data.machine.cores} cores, ${
    data.machine.ramGiB.toFixed(1)
  } GiB RAM; load average ${data.machine.loadBefore.join(" / ")} before and ${
    data.machine.loadAfter.join(" / ")
  } after (a shared machine: ratios within one run are the figures to read).`,
  "",
  `Versions: ${data.versions.map(([p, v]) => `${p} ${v}`).join(", ")}.`,
  "",
  "Each run is timed alone inside the contender's process (the driver's pipe is not in the " +
  `figure). Latency: ${data.mode.rounds} rounds; in each, every contender in turn (rotated) runs ${data.mode.batch} ` +
  `trivial, ${data.mode.batch} one-tool and ${data.mode.tenBatch} ten-call programs, after a warm-up. ` +
  "Tool calls go to `echo` of server-everything over stdio; every contender that calls tools " +
  "has its own server process. mcpx runs with type checking off (the peers do not type-check).",
  "",
  "## Warm trivial execution",
  "",
  "mcpx `export default 1 + 1`; the peers `return 1 + 1` (bare QuickJS evaluates mcpx's module).",
  "",
  ...latencyTable((id) => warm(id, "trivial")),
  "",
  "## Warm one-tool program",
  "",
  "One call to `echo`, its result returned.",
  "",
  ...latencyTable((id) => warm(id, "one")),
  "",
  "## Ten parallel tool calls in one program",
  "",
  "`Promise.all` over ten `echo` calls.",
  "",
  ...latencyTable((id) => warm(id, "ten")),
  "",
  "## Cold start to first result",
  "",
  `A new process each time: load the library, start server-everything, run one one-tool program ` +
  `(bare QuickJS: the trivial program), until its result is printed; ${data.mode.cold} starts each, interleaved.`,
  "",
  ...latencyTable(coldStat),
  "",
  "## RSS over executions",
  "",
  `Resident memory of the contender's process (not its server) after n one-tool executions ` +
  `(bare QuickJS: trivial), sampled every ${data.mode.rssStep}; chart: [peers_rss.svg](peers_rss.svg).`,
  "",
  ...rssTable(),
  "",
  "## Targets",
  "",
  "| target | measured | verdict |",
  "| --- | --- | --- |",
  ...targets.map(([t, v, ok]) => `| ${t} | ${v} | ${ok} |`),
  "",
  "Start-up inside each process (load, connect, list tools): " +
  SPECS.filter((s) => s.id in data.startMs).map((s) =>
    `${s.id} ${fmtMs(data.startMs[s.id])} (${data.runtimes[s.id]})`
  ).join(", ") + ".",
  "",
  "## Contenders that failed",
  "",
  ...(errors.size
    ? [...errors].flatMap(([id, e]) => [
      `- **${label.get(id)}**:`,
      "",
      "  ```",
      ...e.split("\n").slice(0, 12).map((l) => `  ${l}`),
      "  ```",
    ])
    : ["None: every contender installed, started and ran."]),
  "",
];

await Deno.writeTextFile(`${out}/peers.md`, md.join("\n"));

const micros = (s?: Stat) => (s ? s.p50 * 1000 : NaN);
await Deno.writeTextFile(
  `${out}/peers_latency.svg`,
  barChart({
    title: `Latency per contender, p50 (${date})`,
    unit: "p50 of each kind of run",
    series: ["warm trivial", "warm one-tool", "ten parallel calls", "cold start"],
    groups: SPECS.map((s) => ({
      label: s.label,
      values: [
        micros(warm(s.id, "trivial")),
        micros(warm(s.id, "one")),
        micros(warm(s.id, "ten")),
        micros(coldStat(s.id)),
      ],
    })),
    log: true,
    format: (v) => fmtMs(v / 1000),
  }),
);
await Deno.writeTextFile(
  `${out}/peers_rss.svg`,
  lineChart({
    title: `RSS over executions (${date})`,
    xLabel: "executions (one-tool programs; bare QuickJS: trivial)",
    yLabel: "MiB resident",
    series: SPECS.filter((s) => rssSeries.has(s.id)).map((s) => ({
      label: s.label,
      points: rssSeries.get(s.id)!,
    })),
  }),
);
// Formatted as `deno fmt --check` expects of committed files.
await new Deno.Command(Deno.execPath(), {
  args: [
    "fmt",
    "--quiet",
    ...["peers.md", "peers.json", "peers_latency.svg", "peers_rss.svg"]
      .map((f) => `${out}/${f}`)
      .filter((f) => existsSync(f)),
  ],
  stdout: "null",
}).output();
log(`wrote ${out}/peers.md, peers.json, peers_latency.svg, peers_rss.svg`);
console.log(md.join("\n"));
