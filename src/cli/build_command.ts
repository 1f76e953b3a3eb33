import { parseArgs } from "node:util";
import { McpxError } from "../errors.ts";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { Runtime } from "../runtime/runtime.ts";
import { BUILD_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { note, progressOf, serverProgress } from "./progress.ts";
import { UsageError } from "./usage_error.ts";
import { engineOptions } from "./_engine.ts";
import { loadPlugins, resolveServers } from "./_servers.ts";

/** `mcpx build`. */
export async function buildCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      config: { type: "string", short: "c" },
      "plugin-dir": { type: "string" },
      "javy-plugin": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(BUILD_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "Give a program to build"
        : `Unexpected argument "${positionals[1]}"`,
      "build",
    );
  }
  if (v.out === undefined) throw new UsageError("Give the output file with -o FILE", "build");
  const file = positionals[0];
  let code: string;
  try {
    code = await Deno.readTextFile(file);
  } catch (cause) {
    throw new McpxError("USAGE", `Cannot read program "${file}": ${(cause as Error).message}`, {
      cause,
    });
  }
  const engine = await engineOptions("build", "javy", v["javy-plugin"], v["plugin-dir"], io.env);
  const [servers, plugins] = await Promise.all([
    resolveServers("build", {
      config: v.config,
      inline: [],
      names: [],
      env: io.env,
      optional: true,
    }),
    loadPlugins(
      new PluginStore(v["plugin-dir"] ?? PluginStore.defaultDir(io.env), { env: io.env }),
      (line) => io.err(`${line}\n`),
    ),
  ]);
  await using runtime = await Runtime.create({ servers, plugins, eager: true, ...engine });
  const { buildDynamicModule } = await import("../sandbox/javy/build.ts");
  {
    using _line = progressOf(io).start(
      "starting servers",
      () => serverProgress(runtime.catalog.status()),
    );
    await runtime.catalog.ensure({ timeoutMs: 30_000 });
  }
  const wasm = await buildDynamicModule({
    code,
    files: runtime.catalog.files(),
    engine: runtime.javy!,
  });
  await Deno.writeFile(v.out, wasm);
  note(io, `wrote ${v.out} (${wasm.length.toLocaleString("en-US")} bytes)`);
  return 0;
}
