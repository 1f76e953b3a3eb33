import { parseArgs } from "node:util";
import { generate } from "../codegen/generate.ts";
import type { StdioServerConfig } from "../config/types.ts";
import { introspect } from "../introspect/introspect.ts";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { Runtime } from "../runtime/runtime.ts";
import { DEMO_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { printResult } from "./run_command.ts";
import { savePlugins } from "./generate_command.ts";
import { formatTree } from "./_tree.ts";

/** The server the demo uses: the MCP reference server with every feature, from npm. */
export const DEMO_SERVER: StdioServerConfig = {
  name: "everything",
  transport: "stdio",
  command: "npx",
  args: ["-y", "@modelcontextprotocol/server-everything@2026.8.31", "stdio"],
};

/** The program the demo runs: two tools chained, the bulky data kept in the sandbox. */
export const DEMO_PROGRAM: string =
  `import { getSum, getTinyImage } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";

// A base64 image: bulky data that never reaches the model.
const blocks = await getTinyImage();
const chars = blocks.reduce((n, b) => n + (b.type === "image" ? b.data.length : 0), 0);
console.log(\`image payload: \${chars} base64 characters, kept inside the sandbox\`);

// Chain a second tool on the intermediate result.
const sum = text(await getSum({ a: chars, b: 1000 }));
export default { imageChars: chars, sum };
`;

/** `mcpx demo`. */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v } = parseArgs({
    args,
    options: {
      "plugin-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(DEMO_HELP);
    return 0;
  }
  const step = (s: string) => io.out(`\n▶ ${s}\n`);
  const server = DEMO_SERVER;

  step(`Introspecting "${server.name}": ${server.command} ${server.args.join(" ")}`);
  let t = performance.now();
  const snapshot = await introspect(server, { connect: { timeoutMs: 120_000 } });
  io.out(
    `${snapshot.serverInfo.name} ${snapshot.serverInfo.version}: ${snapshot.tools.length} tools, ${snapshot.resources.length} resources, ${snapshot.prompts.length} prompts (${
      (performance.now() - t).toFixed(0)
    } ms)\n`,
  );

  step("Generating one typed module per tool");
  t = performance.now();
  const result = generate([snapshot]);
  io.out(`${result.files.length} files in ${(performance.now() - t).toFixed(1)} ms\n`);

  const store = new PluginStore(v["plugin-dir"] ?? PluginStore.defaultDir(io.env), { env: io.env });
  step(`Saving the plugin to ${store.dir}`);
  const [saved] = await savePlugins(store, [snapshot], [server]);
  const loaded = await store.load(saved.name);
  io.out(
    `saved and verified: ${
      Object.keys(loaded.manifest.files).length
    } files, root BLAKE3 ${saved.rootChecksum}\n`,
  );
  io.out(
    formatTree([...loaded.files.map((f) => f.path), "snapshot.json", "manifest.json"], saved.path),
  );

  const sample = loaded.files.find((f) => f.path.endsWith("/getSum.ts"));
  if (sample) {
    step(`What an agent reads: ${sample.path}`);
    io.out(
      sample.content.split("\n").filter((l) => !l.startsWith("//") && !l.startsWith("import")).join(
        "\n",
      ).trim() + "\n",
    );
  }

  step("Running a program in the WebAssembly sandbox");
  io.out(DEMO_PROGRAM.replace(/^/gm, "  │ ") + "\n");
  await using runtime = await Runtime.create({ plugins: [loaded] });
  const r = await runtime.execute(DEMO_PROGRAM);
  printResult(r, io, false);
  io.out(
    `(${
      r.stats.durationMs.toFixed(0)
    } ms including the server's start, ${r.stats.toolCalls} tool calls, ${
      r.ok ? "ok" : "failed"
    })\n`,
  );
  if (r.ok) {
    const warm = await runtime.execute(DEMO_PROGRAM);
    io.out(
      `again, warm: ${
        warm.stats.durationMs.toFixed(1)
      } ms for the same program, fresh sandbox, ${warm.stats.toolCalls} tool calls\n`,
    );
  }

  step("Next");
  io.out(`mcpx plugin verify everything      check every checksum again\n`);
  io.out(`mcpx run my_script.ts              run your own program against the saved plugin\n`);
  io.out(`mcpx serve --config .mcp.json      give an agent search, files and code execution\n`);
  return r.ok ? 0 : 1;
}
