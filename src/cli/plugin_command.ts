import { parseArgs } from "node:util";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { fingerprint, type SigningKeys } from "../plugin_store/plugin_signing.ts";
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
      label: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(PLUGIN_HELP);
    return 0;
  }
  const [sub, name, ...extra] = positionals;
  const store = new PluginStore(v["plugin-dir"] ?? PluginStore.defaultDir(io.env), { env: io.env });
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
          } files match their BLAKE3 checksums, and the manifest is signed by a trusted key\n`,
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
    case "sign": {
      const n = needName();
      const keys = signingKeys(store);
      // Show what the plugin starts before vouching for it.
      const unchecked = await new PluginStore(store.dir, { keys: null }).verify(n);
      io.err(`Plugin "${n}" starts:\n`);
      for (const c of unchecked.snapshot.configs ?? []) {
        io.err(
          `  ${c.name}: ${
            c.transport === "stdio" ? [c.command, ...c.args].join(" ") : `${c.transport} ${c.url}`
          }\n`,
        );
      }
      if (!v.yes && !io.confirm(`Sign plugin "${n}" with your key, vouching for these commands?`)) {
        throw new UsageError(`Not signing plugin "${n}" without confirmation: pass -y`, "plugin");
      }
      await store.sign(n);
      io.err(`Signed plugin "${n}" with ${fingerprint((await keys.own()).publicKey)}\n`);
      return 0;
    }
    case "trust": {
      const key = needName();
      const added = await signingKeys(store).trust(key, v.label ?? "");
      io.err(
        `Trusting plugins signed by ${added.fingerprint}${
          added.label ? ` (${added.label})` : ""
        }\n`,
      );
      return 0;
    }
    case "untrust": {
      const key = needName();
      const was = await signingKeys(store).untrust(key);
      io.err(
        was ? `No longer trusting ${fingerprint(key)}\n` : `${fingerprint(key)} was not trusted\n`,
      );
      return 0;
    }
    case "keys": {
      const keys = await signingKeys(store).trusted();
      if (v.json) io.out(JSON.stringify(keys, null, 2) + "\n");
      else for (const k of keys) io.out(`${k.publicKey}  ${k.label}\n`);
      return 0;
    }
    case undefined:
      throw new UsageError(
        "Missing subcommand: list, info, load, remove, verify, sign, trust, untrust or keys",
        "plugin",
      );
    default:
      throw new UsageError(
        `Unknown subcommand "${sub}": use list, info, load, remove, verify, sign, trust, untrust or keys`,
        "plugin",
      );
  }
}

function signingKeys(store: PluginStore): SigningKeys {
  if (store.keys === null) throw new TypeError("Plugin signing is turned off");
  return store.keys;
}
