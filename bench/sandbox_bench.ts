/**
 * Sandbox latency.
 *
 * "warm execution": a trivial program through `Sandbox.execute` (transpile
 * cache, worker hop, fresh QuickJS runtime with limits) against bare QuickJS
 * on the same thread doing the same job: a fresh runtime and context that
 * evaluate the program as an ES module, read its default export as JSON and
 * are disposed. A second reference line is the plainest eval there is: fresh
 * runtime + context, eval `1+1`, dispose.
 *
 * "parallel tool calls": 10 tool calls of 100 ms each with `Promise.all`.
 *
 * @module
 */

import { newQuickJSWASMModuleFromVariant } from "quickjs-emscripten-core";
import variant from "@jitl/quickjs-ng-wasmfile-release-sync";
import { Sandbox } from "../src/sandbox/sandbox.ts";

const qjs = await newQuickJSWASMModuleFromVariant(
  variant as unknown as Parameters<typeof newQuickJSWASMModuleFromVariant>[0],
);
const sandbox = await Sandbox.create();

function bareQuickJS(): void {
  const rt = qjs.newRuntime();
  const ctx = rt.newContext();
  const r = ctx.unwrapResult(ctx.evalCode("1+1"));
  if (ctx.getNumber(r) !== 2) throw new Error("bad result");
  r.dispose();
  ctx.dispose();
  rt.dispose();
}

function bareQuickJSModule(): void {
  const rt = qjs.newRuntime();
  const ctx = rt.newContext();
  const ns = ctx.unwrapResult(ctx.evalCode("export default 1 + 1", "/main.ts", { type: "module" }));
  const value = ctx.getProp(ns, "default");
  const json = JSON.stringify(ctx.dump(value));
  if (json !== "2") throw new Error("bad result");
  value.dispose();
  ns.dispose();
  ctx.dispose();
  rt.dispose();
}

// Warm up both sides before measuring.
for (let i = 0; i < 500; i++) bareQuickJS();
for (let i = 0; i < 500; i++) bareQuickJSModule();
for (let i = 0; i < 500; i++) await sandbox.execute("export default 1 + 1");

Deno.bench({
  name: "bare QuickJS, same program: fresh runtime + context, module, default export",
  group: "warm execution",
  baseline: true,
  n: 3000,
  warmup: 200,
}, () => {
  bareQuickJSModule();
});

Deno.bench({
  name: "bare QuickJS: fresh runtime + context, eval 1+1, dispose",
  group: "warm execution",
  n: 3000,
  warmup: 200,
}, () => {
  bareQuickJS();
});

Deno.bench({
  name: 'sandbox.execute("export default 1 + 1")',
  group: "warm execution",
  n: 3000,
  warmup: 200,
}, async () => {
  const r = await sandbox.execute("export default 1 + 1");
  if (r.result !== 2) throw new Error(`bad result ${JSON.stringify(r)}`);
});

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
});
