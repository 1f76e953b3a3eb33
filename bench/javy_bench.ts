/**
 * The Javy engine against the default engine, in the same run: compile and
 * run of a trivial script and of a one-tool script (the tool answers at
 * once, in process, so the figures are the engines' own overhead).
 *
 * The Javy engine runs with the fixture plugin (a WAT plugin with Javy's
 * ABI that interprets a fixed protocol instead of JavaScript), because no
 * javy binary is available here; set MCPX_JAVY (or put javy on the PATH) to
 * measure a real plugin instead, with real JavaScript. The trivial script also
 * runs on a real third-party plugin from npm (`@chainlink/cre-sdk-javy-plugin`,
 * or MCPX_JAVY_PLUGIN), which has no `Javy.IO` and so cannot call tools. With the fixture, the
 * figures cover everything mcpx itself does on the Javy path (bundling,
 * a fresh worker, plugin instances, `compile-src`, `invoke` entered through
 * JSPI, the WASI host and the bridge), not QuickJS executing inside Javy.
 *
 * @module
 */

import { Sandbox } from "../src/sandbox/sandbox.ts";
import { JavyEngine } from "../src/sandbox/javy/javy_engine.ts";
import { findJavy, JavyPlugin, resolveJavyPlugin } from "../src/sandbox/javy/plugin.ts";
import { fixturePluginBytes } from "../src/sandbox/javy/testdata/fixture_plugin.ts";
import type { ToolCallback } from "../src/sandbox/sandbox.ts";

const env = Deno.env.toObject();
const real = findJavy(env) !== undefined;
const plugin = real
  ? await resolveJavyPlugin({ pluginDir: await Deno.makeTempDir(), env })
  : await JavyPlugin.fromBytes(await fixturePluginBytes(), "fixture");
const label = real ? "javy" : "javy (fixture plugin)";

// A real, third-party Javy plugin from npm (no Javy.IO, so console-only programs).
const npmPluginPath = Deno.env.get("MCPX_JAVY_PLUGIN") ??
  new URL(
    "../node_modules/@chainlink/cre-sdk-javy-plugin/dist/javy-chainlink-sdk.plugin.wasm",
    import.meta.url,
  ).pathname;
const npmPlugin = await JavyPlugin.fromFile(npmPluginPath).catch(() => undefined);
const javyNpm = npmPlugin === undefined ? undefined : await Sandbox.create({
  engine: await JavyEngine.create({ plugin: npmPlugin }),
  ownsEngine: true,
});

const quickjs = await Sandbox.create({ workers: { minWorkers: 1, maxWorkers: 1 } });
const javy = await Sandbox.create({
  engine: await JavyEngine.create({ plugin }),
  ownsEngine: true,
});

const files = new Map([
  [
    "/runtime.ts",
    `export async function callTool(s: string, t: string, a: unknown): Promise<unknown> {
  const r = await (globalThis as any)[Symbol.for("mcpx.host")].callTool(s, t, a);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}`,
  ],
]);
const callTool: ToolCallback = (_s, _t, args) => Promise.resolve({ ok: true, value: args });

// Every iteration runs a new program, so each one is compiled (no cache hit).
let i = 0;
const TRIVIAL_JS = () => `console.log("hi ${i++}");\nexport default 1 + 1;`;
const ONE_TOOL_JS = () =>
  `import { callTool } from "./runtime.ts";
export default await callTool("s", "t", { n: ${i++} });`;
// What the fixture plugin runs in their place: the same effects, as its operations.
const TRIVIAL_FIXTURE = () => `//! out hi ${i++}\n//! bridge {"t":"done","json":"2"}\nexport {};`;
const ONE_TOOL_FIXTURE = () =>
  `//! bridge {"t":"call","id":1,"server":"s","tool":"t","args":{"n":${i++}}}
//! read
//! bridge {"t":"done","json":"{\\"n\\":1}"}
export {};`;

async function check(sandbox: Sandbox, code: string): Promise<void> {
  const r = await sandbox.execute(code, { files, callTool });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
}

Deno.bench({
  name: "quickjs (default engine)",
  group: "trivial script, compile and run",
  baseline: true,
  n: 40,
  async fn() {
    await check(quickjs, TRIVIAL_JS());
  },
});
Deno.bench({
  name: label,
  group: "trivial script, compile and run",
  n: 40,
  async fn() {
    await check(javy, real ? TRIVIAL_JS() : TRIVIAL_FIXTURE());
  },
});
Deno.bench({
  name: "javy (real plugin from npm)",
  group: "trivial script, compile and run",
  ignore: javyNpm === undefined,
  n: 40,
  async fn() {
    await check(javyNpm!, TRIVIAL_JS());
  },
});
Deno.bench({
  name: "quickjs (default engine)",
  group: "one-tool script, compile and run",
  baseline: true,
  n: 40,
  async fn() {
    await check(quickjs, ONE_TOOL_JS());
  },
});
Deno.bench({
  name: label,
  group: "one-tool script, compile and run",
  n: 40,
  async fn() {
    await check(javy, real ? ONE_TOOL_JS() : ONE_TOOL_FIXTURE());
  },
});

globalThis.addEventListener("unload", () => {
  quickjs.close();
  javy.close();
  javyNpm?.close();
});
