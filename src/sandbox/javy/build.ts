/**
 * `mcpx build`'s core: a program and the tree it imports, bundled, compiled
 * to QuickJS bytecode by the plugin and written as a module in the
 * `javy build -C dynamic` shape.
 *
 * @module
 */

import { bundleProgram } from "./bundle.ts";
import type { JavyEngine } from "./javy_engine.ts";
import { dynamicModule } from "./wasm_binary.ts";

/**
 * Options of {@link buildDynamicModule}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { JavyEngine } from "@mcpx/cli";
 *
 * function options(engine: JavyEngine): BuildOptions {
 *   return { code: "export default 1;", files: new Map(), engine, entry: "/main.ts" };
 * }
 * assert.equal(typeof options, "function");
 * ```
 */
export interface BuildOptions {
  /** The program (TypeScript). */
  code: string;
  /** The tree it imports from: absolute path → TypeScript source. */
  files: ReadonlyMap<string, string>;
  /** The engine whose plugin compiles it. */
  engine: JavyEngine;
  /** Path of the program in the tree; default `/main.ts`. */
  entry?: string;
}

/**
 * Bundles, compiles and wraps a program into a portable module.
 *
 * @throws {McpxError} `SANDBOX_COMPILE` with the bundler's or the plugin's message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JavyEngine, JavyPlugin, readDynamicModule } from "@mcpx/cli";
 *
 * const plugin = await JavyPlugin.fromFile(
 *   "node_modules/@chainlink/cre-sdk-javy-plugin/dist/javy-chainlink-sdk.plugin.wasm",
 * );
 * const engine = await JavyEngine.create({ plugin });
 * try {
 *   const wasm = await buildDynamicModule({ code: "export default 1 + 1;", files: new Map(), engine });
 *   assert.equal(readDynamicModule(wasm).namespace, plugin.namespace);
 * } finally {
 *   await engine.dispose();
 * }
 * ```
 */
export async function buildDynamicModule(opts: BuildOptions): Promise<Uint8Array> {
  const entry = opts.entry ?? "/main.ts";
  const files = opts.files;
  const source = await bundleProgram({
    entry,
    loader: "ts",
    files: {
      get: (p) => p === entry ? opts.code : files.get(p),
      has: (p) => p === entry || files.has(p),
    },
  });
  const bytecode = await opts.engine.compile(source);
  return dynamicModule(opts.engine.plugin.namespace, bytecode);
}
