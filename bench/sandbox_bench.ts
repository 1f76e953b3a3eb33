/**
 * Sandbox latency, each figure as a ratio against its floor in the same run.
 *
 * "warm trivial": `export default 1 + 1` through `Sandbox.execute` and
 * `Runtime.execute` (transpile cache, worker hop, a QuickJS context reset to
 * its pristine state, limits) against bare QuickJS on the main thread: a
 * fresh runtime and context that evaluate `1+1` and are disposed.
 *
 * "one tool": a program that imports the generated tree and calls
 * server-everything's `echo` once through `Runtime.execute`, against a direct
 * SDK `client.callTool` to the same server process over stdio.
 *
 * "parallel tool calls": 10 tool calls of 100 ms each with `Promise.all`.
 *
 * A third line in "warm trivial" runs the sandbox with a fresh QuickJS runtime
 * and context per execution (`QuickJSEngine.create({ warm: false })`).
 *
 * Before the benches, the file prints p50 and p95 of 1,000 executions of each
 * kind, and the process RSS before, between and after them.
 *
 * @module
 */

import { newQuickJSWASMModuleFromVariant } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-ng-wasmfile-release-sync";
import { Sandbox } from "../src/sandbox/sandbox.ts";
import { QuickJSEngine } from "../src/sandbox/quickjs_engine.ts";
import { Runtime } from "../src/runtime/runtime.ts";
import { connect } from "../src/introspect/connect.ts";
import { everythingServer } from "../tests/_servers.ts";

const qjs = await newQuickJSWASMModuleFromVariant(
  variant as unknown as Parameters<typeof newQuickJSWASMModuleFromVariant>[0],
);
const sandbox = await Sandbox.create();
// The same sandbox with a fresh QuickJS runtime and context per execution.
const fresh = await Sandbox.create({
  engine: await QuickJSEngine.create({ warm: false }),
  ownsEngine: true,
});
const server = everythingServer();
const direct = await connect(server);
const runtime = await Runtime.create({
  servers: [server],
  typeCheck: false,
  policy: { cache: false },
});

function bareQuickJS(): void {
  const rt = qjs.newRuntime();
  const ctx = rt.newContext();
  const r = ctx.unwrapResult(ctx.evalCode("1+1"));
  if (ctx.getNumber(r) !== 2) throw new Error("bad result");
  r.dispose();
  ctx.dispose();
  rt.dispose();
}

const ONE_TOOL = `import { echo } from "./servers/everything/index.ts";
export default await echo({ message: "hi" });`;

async function trivial(): Promise<void> {
  const r = await sandbox.execute("export default 1 + 1");
  if (r.result !== 2) throw new Error(`bad result ${JSON.stringify(r)}`);
}

async function freshTrivial(): Promise<void> {
  const r = await fresh.execute("export default 1 + 1");
  if (r.result !== 2) throw new Error(`bad result ${JSON.stringify(r)}`);
}

async function runtimeTrivial(): Promise<void> {
  const r = await runtime.execute("export default 1 + 1");
  if (r.result !== 2) throw new Error(`bad result ${JSON.stringify(r)}`);
}

async function oneTool(): Promise<void> {
  const r = await runtime.execute(ONE_TOOL);
  if (!r.ok) throw new Error(`bad result ${JSON.stringify(r)}`);
}

async function directCall(): Promise<void> {
  await direct.client.callTool({ name: "echo", arguments: { message: "hi" } });
}

// Warm every path before measuring.
for (let i = 0; i < 300; i++) bareQuickJS();
for (let i = 0; i < 300; i++) await trivial();
for (let i = 0; i < 300; i++) await freshTrivial();
for (let i = 0; i < 300; i++) await runtimeTrivial();
for (let i = 0; i < 300; i++) await oneTool();
for (let i = 0; i < 300; i++) await directCall();

/** p50 and p95 of `n` sequential runs, in ms. */
async function percentiles(n: number, fn: () => unknown): Promise<[number, number]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return [times[Math.floor(n * 0.5)], times[Math.floor(n * 0.95)]];
}

const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
const fmt = ([p50, p95]: [number, number]) =>
  `p50 ${(p50 * 1000).toFixed(0)} µs, p95 ${(p95 * 1000).toFixed(0)} µs, p95/p50 ${
    (p95 / p50).toFixed(2)
  }`;
const rss0 = Deno.memoryUsage().rss;
const tBare = await percentiles(1_000, bareQuickJS);
const tTrivial = await percentiles(1_000, trivial);
const tFresh = await percentiles(1_000, freshTrivial);
const rss1 = Deno.memoryUsage().rss;
const tOne = await percentiles(1_000, oneTool);
const rss2 = Deno.memoryUsage().rss;
const tDirect = await percentiles(1_000, directCall);
await percentiles(1_000, oneTool);
const rss3 = Deno.memoryUsage().rss;
console.log(`bare QuickJS 1+1:              ${fmt(tBare)}`);
console.log(
  `warm trivial (Sandbox):        ${fmt(tTrivial)}, ${
    (tTrivial[0] / tBare[0]).toFixed(2)
  }× bare p50`,
);
console.log(
  `fresh-runtime trivial:         ${fmt(tFresh)}, ${(tFresh[0] / tBare[0]).toFixed(2)}× bare p50`,
);
console.log(
  `one tool (Runtime):            ${fmt(tOne)}, ${(tOne[0] / tDirect[0]).toFixed(2)}× direct p50`,
);
console.log(`direct SDK callTool(echo):     ${fmt(tDirect)}`);
console.log(
  `RSS: ${mib(rss0)} MiB → ${mib(rss1)} after 2,000 trivial → ${mib(rss2)} after 1,000 one-tool → ${
    mib(rss3)
  } after 1,000 more one-tool`,
);

Deno.bench({
  name: "bare QuickJS: fresh runtime + context, eval 1+1, dispose",
  group: "warm trivial",
  baseline: true,
  n: 1500,
  warmup: 100,
}, bareQuickJS);

Deno.bench({
  name: 'sandbox.execute("export default 1 + 1")',
  group: "warm trivial",
  n: 1500,
  warmup: 100,
}, trivial);

Deno.bench({
  name: 'sandbox.execute("export default 1 + 1"), fresh runtime per execution',
  group: "warm trivial",
  n: 800,
  warmup: 100,
}, freshTrivial);

Deno.bench({
  name: 'runtime.execute("export default 1 + 1")',
  group: "warm trivial",
  n: 800,
  warmup: 100,
}, runtimeTrivial);

Deno.bench({
  name: "direct SDK client.callTool(echo) over stdio",
  group: "one tool",
  baseline: true,
  n: 800,
  warmup: 100,
}, directCall);

Deno.bench({
  name: "runtime.execute: import the tree, await echo()",
  group: "one tool",
  n: 800,
  warmup: 100,
}, oneTool);

const tenCalls = `
const host = (globalThis as any)[Symbol.for("mcpx.host")];
const results = await Promise.all(Array.from({ length: 10 }, (_, i) => host.callTool("s", "sleep", { i })));
export default results.length;
`;
const sleepTool = (_s: string, _t: string, args: unknown) =>
  new Promise<{ ok: true; value: unknown }>((resolve) =>
    setTimeout(() => resolve({ ok: true, value: args }), 100)
  );

Deno.bench({
  name: "10 parallel tool calls of 100 ms",
  group: "parallel tool calls",
  n: 20,
  warmup: 2,
}, async () => {
  const r = await sandbox.execute(tenCalls, { callTool: sleepTool });
  if (r.result !== 10) throw new Error(`bad result ${JSON.stringify(r)}`);
});

globalThis.addEventListener("unload", () => {
  sandbox.close();
  fresh.close();
  runtime.close();
  direct[Symbol.asyncDispose]();
});
