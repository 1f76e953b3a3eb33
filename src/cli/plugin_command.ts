import { parseArgs } from "node:util";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { PLUGIN_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";
import { formatTree } from "./_tree.ts";

/** `mcpx plugin`. */
export async function pluginCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "plugin-dir": { type: "string" },
      output: { type: "string", short: "o" },
      yes: { type: "boolean", short: "y" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(PLUGIN_HELP);
    return 0;
  }
  const [sub, name, ...extra] = positionals;
  const store = new PluginStore(v["plugin-dir"] ?? PluginStore.defaultDir(io.env));
  const needName = () => {
    if (name === undefined) throw new UsageError(`"plugin ${sub}" needs a plugin name`, "plugin");
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`, "plugin");
    return name;
  };
  switch (sub) {
    case "list": {
      const list = await store.list();
      if (v.json) io.out(JSON.stringify(list, null, 2) + "\n");
      else if (list.length === 0) io.err(`No plugins in "${store.dir}"\n`);
      else {
        const w = Math.max(4, ...list.map((p) => p.name.length));
        io.out(`${"name".padEnd(w)}  tools  servers  created\n`);
        for (const p of list) {
          io.out(
            `${p.name.padEnd(w)}  ${String(p.tools).padStart(5)}  ${
              (p.servers.join(",") || "(broken)").padEnd(7)
            }  ${p.createdAt}\n`,
          );
        }
      }
      return 0;
    }
    case "info": {
      const m = await store.info(needName());
      if (v.json) {
        io.out(JSON.stringify(m, null, 2) + "\n");
        return 0;
      }
      io.out(`name:        ${m.name}\n`);
      io.out(`path:        ${store.pathOf(m.name)}\n`);
      io.out(`created:     ${m.createdAt}\n`);
      io.out(
        `generator:   ${m.generator.name} ${m.generator.version} (manifest v${m.schemaVersion})\n`,
      );
      io.out(`files:       ${Object.keys(m.files).length}\n`);
      io.out(`root blake3: ${m.rootChecksum}\n`);
      for (const s of m.servers) {
        io.out(
          `server:      ${s.name} (${s.serverInfo.name} ${s.serverInfo.version}), ${s.tools.length} tools\n`,
        );
        for (const t of s.tools) io.out(`  ${t.name} → ${t.path}\n`);
      }
      return 0;
    }
    case "load": {
      const format = v.output ?? "pretty";
      if (!["json", "pretty", "text"].includes(format)) {
        throw new UsageError(
          `Invalid --output "${format}": use "json", "pretty" or "text"`,
          "plugin",
        );
      }
      const plugin = await store.load(needName());
      if (format === "json") {
        io.out(JSON.stringify({ manifest: plugin.manifest, files: plugin.files }, null, 2) + "\n");
      } else if (format === "text") {
        for (const f of plugin.files) {
          io.out(`=== ${f.path} ===\n${f.content}${f.content.endsWith("\n") ? "" : "\n"}`);
        }
      } else {
        io.out(
          `Plugin "${plugin.manifest.name}" verified (${plugin.files.length + 1} files, root ${
            plugin.manifest.rootChecksum.slice(0, 16)
          }…)\n`,
        );
        io.out(
          formatTree([
            ...plugin.files.map((f) => f.path),
            "snapshot.json",
            "manifest.json",
          ], store.pathOf(plugin.manifest.name)),
        );
      }
      return 0;
    }
    case "verify": {
      const n = needName();
      const plugin = await store.verify(n);
      if (v.json) {
        io.out(
          JSON.stringify({ name: n, ok: true, rootChecksum: plugin.manifest.rootChecksum }) + "\n",
        );
      } else {io.out(
          `Plugin "${n}" is intact: ${
            Object.keys(plugin.manifest.files).length
          } files match their BLAKE3 checksums\n`,
        );}
      return 0;
    }
    case "remove": {
      const n = needName();
      store.pathOf(n);
      if (!v.yes && !io.confirm(`Remove plugin "${n}" from "${store.dir}"?`)) {
        throw new UsageError(`Not removing plugin "${n}" without confirmation: pass -y`, "plugin");
      }
      await store.remove(n);
      io.err(`Removed plugin "${n}"\n`);
      return 0;
    }
    case undefined:
      throw new UsageError("Missing subcommand: list, info, load, remove or verify", "plugin");
    default:
      throw new UsageError(
        `Unknown subcommand "${sub}": use list, info, load, remove or verify`,
        "plugin",
      );
  }
}
