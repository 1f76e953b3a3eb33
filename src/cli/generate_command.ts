import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { generate, type GenerateResult } from "../codegen/generate.ts";
import { loadTemplates } from "../codegen/templates.ts";
import type { ServerConfig } from "../config/types.ts";
import { McpxError } from "../errors.ts";
import { Redactor, redactPatterns } from "../redact.ts";
import { introspectAll } from "../introspect/introspect.ts";
import { connect } from "../introspect/connect.ts";
import { learnRefusal, learnTools } from "../learn/learn.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { GENERATE_HELP } from "./help.ts";
import { escapeControl } from "./_safe_text.ts";
import { UsageError } from "./usage_error.ts";
import type { CliIo } from "./io.ts";
import { note, progressOf } from "./progress.ts";
import { intOption, resolveServers, SERVER_OPTIONS, splitInline } from "./_servers.ts";

/** `mcpx generate`. */
export async function generateCommand(args: string[], io: CliIo): Promise<number> {
  const [opts, inline] = splitInline(args);
  const { values: v, positionals } = parseArgs({
    args: opts,
    allowPositionals: true,
    options: {
      ...SERVER_OPTIONS,
      out: { type: "string", short: "o" },
      "save-plugin": { type: "boolean" },
      "plugin-dir": { type: "string" },
      templates: { type: "string" },
      learn: { type: "boolean" },
      yes: { type: "boolean", short: "y" },
    },
  });
  if (v.help) {
    io.out(GENERATE_HELP);
    return 0;
  }
  const timeoutMs = intOption("generate", "timeout", v.timeout) ?? 20_000;
  const servers = await resolveServers("generate", {
    config: v.config,
    name: v.name,
    url: v.url,
    transport: v.transport,
    inline,
    names: positionals,
    env: io.env,
  });
  const templates = v.templates ? await loadTemplates(v.templates) : undefined;
  const saveTo = v["save-plugin"]
    ? new PluginStore(v["plugin-dir"] ?? PluginStore.defaultDir(io.env), { env: io.env })
    : undefined;
  if (!v.out && !saveTo && !v.json) {
    note(io, "neither --out nor --save-plugin given: printing the file list only");
  }

  const started = performance.now();
  const pending = new Set(servers.map((s) => s.name));
  const line = progressOf(io).start(
    "introspecting servers",
    () => ({ done: servers.length - pending.size, total: servers.length, pending: [...pending] }),
  );
  const introspected = await introspectAll(servers, {
    connect: { timeoutMs },
    onSettled: (name) => pending.delete(name),
  }).finally(() => line.end());
  const { failures } = introspected;
  let snapshots = introspected.snapshots;
  const redactor = Redactor.forServers(servers);
  // Messages carry what servers wrote: no secrets of the config, no terminal escapes.
  const clean = (text: string) => escapeControl(redactor.redact(text));
  for (const f of failures) io.err(`error: ${clean(f.error.message)}\n`);
  for (const s of snapshots) {
    for (const w of s.warnings ?? []) io.err(`warning: ${clean(w)}\n`);
  }
  if (snapshots.length === 0) return 1;
  if (v.learn) snapshots = await learnAll(snapshots, servers, timeoutMs, io);

  const genStarted = performance.now();
  const result = generate(snapshots, { templates });
  const genMs = performance.now() - genStarted;
  for (const w of result.warnings) io.err(`warning: ${w}\n`);

  const summary: Record<string, unknown> = {
    servers: result.servers.map((s) => ({ name: s.name, dir: s.dir, tools: s.tools.length })),
    files: result.files.length,
    warnings: result.warnings,
    failures: failures.map((f) => ({ server: f.server, error: redactor.redact(f.error.message) })),
  };
  if (v.out) {
    await writeTree(resolve(v.out), result);
    summary.out = resolve(v.out);
  }
  if (saveTo) {
    await confirmCommandChanges(saveTo, snapshots, servers, v.yes === true, io);
    summary.plugins = await savePlugins(saveTo, snapshots, servers, templates);
  }
  const totalMs = performance.now() - started;
  if (v.json) {
    io.out(JSON.stringify(summary, null, 2) + "\n");
  } else {
    const tools = result.servers.reduce((n, s) => n + s.tools.length, 0);
    io.out(
      `Generated ${tools} tool module${
        tools === 1 ? "" : "s"
      } from ${result.servers.length} server${result.servers.length === 1 ? "" : "s"} in ${
        genMs.toFixed(1)
      } ms (${totalMs.toFixed(0)} ms with introspection)\n`,
    );
    if (v.out) io.out(`Wrote ${result.files.length} files to ${summary.out}\n`);
    for (const p of (summary.plugins as SavedPlugin[] | undefined) ?? []) {
      io.out(
        `Saved plugin "${p.name}" (${p.tools} tools, root ${
          p.rootChecksum.slice(0, 16)
        }…) in ${p.path}\n`,
      );
    }
    if (!v.out && !saveTo) { for (const f of result.files) io.out(`${f.path}\n`); }
  }
  return failures.length > 0 ? 1 : 0;
}

/**
 * A saved plugin records how to start its server, and `mcpx run` and `serve`
 * start that command. Saving over a plugin whose command, arguments, URL,
 * transport or working directory differ shows the old and the new command and
 * asks; without a terminal to ask on, it refuses unless `--yes` was given.
 *
 * @throws {UsageError} when a change is not confirmed.
 */
async function confirmCommandChanges(
  store: PluginStore,
  snapshots: readonly ServerSnapshot[],
  configs: readonly ServerConfig[],
  yes: boolean,
  io: CliIo,
): Promise<void> {
  for (const snapshot of snapshots) {
    const name = snapshot.name;
    // The saved plugin as it is on disk; an unreadable one has no command to keep.
    const saved = await new PluginStore(store.dir, { keys: null }).verify(name).catch(() =>
      undefined
    );
    const before = saved?.snapshot.configs.find((c) => c.name === name);
    const after = configs.find((c) => c.name === name);
    if (before === undefined || after === undefined) continue;
    const was = redactPatterns(escapeControl(commandLine(before)));
    const now = redactPatterns(escapeControl(commandLine(after)));
    if (was === now) continue;
    io.err(
      `Plugin "${name}" changes its server command:\n  was: ${was}\n  now: ${now}\n`,
    );
    if (yes || io.confirm(`Save plugin "${name}" with the new command?`)) continue;
    throw new UsageError(
      `Not saving plugin "${name}": its server command changes from "${was}" to "${now}"; pass --yes to accept the change`,
      "generate",
    );
  }
}

/** How a server is started, as one comparable line. */
function commandLine(c: ServerConfig): string {
  if (c.transport === "stdio") {
    const cwd = c.cwd === undefined ? "" : ` (in ${c.cwd})`;
    return [c.command, ...c.args].map((a) => /[\s"']/.test(a) ? JSON.stringify(a) : a).join(" ") +
      cwd;
  }
  return `${c.transport} ${c.url}`;
}

/**
 * `--learn`: calls the read-only tools without required arguments and output
 * schema of every server once, and records the shapes of their responses.
 */
async function learnAll(
  snapshots: ServerSnapshot[],
  servers: readonly ServerConfig[],
  timeoutMs: number,
  io: CliIo,
): Promise<ServerSnapshot[]> {
  const out: ServerSnapshot[] = [];
  let current = "";
  using line = progressOf(io).start("learning result types", () => ({
    done: out.length,
    total: snapshots.length,
    pending: current ? [current] : [],
  }));
  for (const snapshot of snapshots) {
    current = snapshot.name;
    const config = servers.find((c) => c.name === snapshot.name)!;
    if (!snapshot.tools.some((t) => learnRefusal(t) === undefined)) {
      out.push(snapshot);
      continue;
    }
    try {
      await using conn = await connect(config, { timeoutMs });
      const report = await learnTools(conn, snapshot);
      if (io.quiet !== true) {
        for (const tool of report.learned) line.print(`learned: ${snapshot.name}/${tool}\n`);
        for (const { tool, reason } of report.skipped) {
          line.print(`note: not learned ${snapshot.name}/${tool}: ${reason}\n`);
        }
      }
      out.push(report.snapshot);
    } catch (error) {
      line.print(
        `warning: cannot learn from server "${snapshot.name}": ${(error as Error).message}\n`,
      );
      out.push(snapshot);
    }
  }
  return out;
}

/** One saved plugin, as reported. */
export interface SavedPlugin {
  name: string;
  path: string;
  tools: number;
  rootChecksum: string;
}

/** Saves one plugin per server, named after the server. */
export async function savePlugins(
  store: PluginStore,
  snapshots: readonly ServerSnapshot[],
  configs: readonly ServerConfig[],
  templates?: Awaited<ReturnType<typeof loadTemplates>>,
): Promise<SavedPlugin[]> {
  const out: SavedPlugin[] = [];
  for (const snapshot of snapshots) {
    const one = generate([snapshot], { templates });
    const manifest = await store.save(snapshot.name, {
      files: one.files,
      servers: one.servers,
      snapshots: [snapshot],
      configs: configs.filter((c) => c.name === snapshot.name),
    });
    out.push({
      name: snapshot.name,
      path: store.pathOf(snapshot.name),
      tools: one.servers[0]?.tools.length ?? 0,
      rootChecksum: manifest.rootChecksum,
    });
  }
  return out;
}

const MARKER = "runtime.ts";

/**
 * Writes a generated tree to `dir`, replacing an earlier generated tree there
 * atomically. Refuses a non-empty directory that is not an mcpx tree.
 */
export async function writeTree(dir: string, result: GenerateResult): Promise<void> {
  let existing = false;
  try {
    const entries = [];
    for await (const e of Deno.readDir(dir)) entries.push(e.name);
    existing = entries.length > 0;
    if (existing) {
      const marker = await Deno.readTextFile(join(dir, MARKER)).catch(() => "");
      if (!marker.includes("mcpx runtime")) {
        throw new McpxError(
          "USAGE",
          `Cannot write to "${dir}": it is not empty and holds no generated tree (no mcpx "${MARKER}"). Choose an empty or new directory`,
        );
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.mkdir(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${crypto.randomUUID()}`;
  try {
    for (const f of result.files) {
      const full = join(tmp, f.path);
      await Deno.mkdir(dirname(full), { recursive: true });
      await Deno.writeTextFile(full, f.content);
    }
    if (existing) {
      const old = `${dir}.old-${crypto.randomUUID()}`;
      await Deno.rename(dir, old);
      await Deno.rename(tmp, dir);
      await Deno.remove(old, { recursive: true });
    } else {
      await Deno.remove(dir).catch(() => {});
      await Deno.rename(tmp, dir);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
