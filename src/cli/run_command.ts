import { parseArgs } from "node:util";
import type { ServerConfig } from "../config/types.ts";
import { McpxError } from "../errors.ts";
import { type LoadedPlugin, PluginStore } from "../plugin_store/plugin_store.ts";
import { Runtime } from "../runtime/runtime.ts";
import type { EngineLimits } from "../sandbox/engine.ts";
import type { ExecutionResult } from "../sandbox/sandbox.ts";
import { RUN_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";
import {
  intOption,
  loadPlugins,
  policyOptions,
  resolveServers,
  RUNTIME_OPTIONS,
} from "./_servers.ts";

/** `mcpx run`. */
export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...RUNTIME_OPTIONS,
      server: { type: "string", short: "s", multiple: true },
      "max-tool-calls": { type: "string" },
      "max-output": { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (v.help) {
    io.out(RUN_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? "Give a file to run, or - for standard input"
        : `Unexpected argument "${positionals[1]}"`,
      "run",
    );
  }
  const limits: Partial<EngineLimits> = {};
  const timeout = intOption("run", "timeout", v.timeout, [1, 3_600_000]);
  if (timeout) limits.timeoutMs = timeout;
  const memory = intOption("run", "memory", v.memory, [16, 1024]);
  if (memory) limits.memoryBytes = memory * 1024 * 1024;
  const calls = intOption("run", "max-tool-calls", v["max-tool-calls"], [0, 1_000_000]);
  if (calls !== undefined) limits.maxToolCalls = calls;
  const output = intOption("run", "max-output", v["max-output"], [1024, 1024 ** 3]);
  if (output) limits.maxOutputBytes = output;

  const file = positionals[0];
  let code: string;
  try {
    code = file === "-" ? await io.readStdin() : await Deno.readTextFile(file);
  } catch (cause) {
    throw new McpxError("USAGE", `Cannot read program "${file}": ${(cause as Error).message}`, {
      cause,
    });
  }

  const names = v.server ?? [];
  const [servers, plugins] = await Promise.all([
    resolveServers("run", { config: v.config, inline: [], names: [], env: io.env, optional: true }),
    loadRunPlugins(v["plugin-dir"], io),
  ]);
  const known = [
    ...new Set([
      ...servers.map((s) => s.name),
      ...plugins.flatMap((p) => p.snapshot.servers.map((s) => s.name)),
    ]),
  ];
  for (const n of names) {
    if (!known.includes(n)) {
      throw new McpxError(
        "UNKNOWN_SERVER",
        `Unknown server "${n}": known servers are ${
          known.map((k) => `"${k}"`).join(", ") || "none"
        }`,
      );
    }
  }
  const pick = (s: { name: string }) => names.length === 0 || names.includes(s.name);
  const chosen: ServerConfig[] = servers.filter(pick);
  const chosenPlugins = plugins.map((p) => ({
    ...p,
    snapshot: {
      servers: p.snapshot.servers.filter(pick),
      configs: p.snapshot.configs.filter(pick),
    },
  })).filter((p) => p.snapshot.servers.length > 0);

  await using runtime = await Runtime.create({
    servers: chosen,
    plugins: chosenPlugins,
    limits,
    policy: policyOptions(v.allow, v.deny, v),
    eager: true,
    workers: 1,
  });
  const result = await runtime.execute(code);
  for (const s of runtime.catalog.status()) {
    if (s.state === "failed") io.err(`warning: server "${s.name}" is unavailable: ${s.error}\n`);
  }
  printResult(result, io, v.json ?? false);
  return result.ok ? 0 : 1;
}

async function loadRunPlugins(dir: string | undefined, io: CliIo): Promise<LoadedPlugin[]> {
  const store = new PluginStore(dir ?? PluginStore.defaultDir(io.env));
  const plugins = await loadPlugins(store, (line) => io.err(`${line}\n`));
  if (dir !== undefined && plugins.length === 0) io.err(`warning: no plugins in "${store.dir}"\n`);
  return plugins;
}

/** Prints an execution the way `mcpx run` does. */
export function printResult(r: ExecutionResult, io: CliIo, json: boolean): void {
  if (json) {
    io.out(
      JSON.stringify({
        result: r.result ?? null,
        logs: r.logs,
        ...(r.error ? { error: r.error } : {}),
        stats: r.stats,
      }) + "\n",
    );
    return;
  }
  for (const l of r.logs) {
    const line = l.level === "log" || l.level === "info" ? l.message : `[${l.level}] ${l.message}`;
    io.out(line.endsWith("\n") ? line : line + "\n");
  }
  if (r.ok) {
    if (r.resultJson !== undefined) {
      io.out((r.result !== undefined ? JSON.stringify(r.result, null, 2) : r.resultJson) + "\n");
    }
  } else if (r.error) {
    io.err(`error: ${r.error.stack ?? `${r.error.name}: ${r.error.message}`}\n`);
  }
  if (r.stats.truncated) io.err("note: output was truncated at the output limit (--max-output)\n");
}
