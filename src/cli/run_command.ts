import { parseArgs } from "node:util";
import { oauthStoreFor } from "../auth/oauth_provider.ts";
import type { CallToolResult, Tool } from "../_sdk.ts";
import { learnedOutput } from "../bridge/result_shape.ts";
import { learnFromResult } from "../learn/learn.ts";
import { savePlugins } from "./generate_command.ts";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Root, routeUpstream, RUN_CAPABILITIES } from "../routing/upstream_router.ts";
import type { ServerConfig } from "../config/types.ts";
import { McpxError } from "../errors.ts";
import { Redactor } from "../redact.ts";
import { type LoadedPlugin, PluginStore } from "../plugin_store/plugin_store.ts";
import { Runtime, type RuntimeResult } from "../runtime/runtime.ts";
import type { EngineLimits } from "../sandbox/engine.ts";
import { RUN_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { escapeControl } from "./_safe_text.ts";
import { UsageError } from "./usage_error.ts";
import { engineOptions } from "./_engine.ts";
import {
  intOption,
  loadPlugins,
  policyOptions,
  resolveSetup,
  RUNTIME_OPTIONS,
} from "./_servers.ts";
import { POLICY_OPTIONS, policySetup } from "./_policy_setup.ts";
import { startTracing } from "../policy/trace_exporter.ts";
import { formatPlan } from "../policy/format_plan.ts";
import { askOnTerminal } from "../policy/terminal_prompt.ts";
import { note, progressOf, serverProgress } from "./progress.ts";
import type { ExecutionContext } from "../routing/execution_context.ts";
import { newExecutionId } from "../routing/execution_context.ts";

/** `mcpx run`. */
export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...RUNTIME_OPTIONS,
      ...POLICY_OPTIONS,
      "dry-run": { type: "boolean" },
      approve: { type: "string" },
      server: { type: "string", short: "s", multiple: true },
      "max-tool-calls": { type: "string" },
      "max-output": { type: "string" },
      root: { type: "string", multiple: true },
      json: { type: "boolean" },
      learn: { type: "boolean" },
      "no-check": { type: "boolean" },
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
  const callTimeout = intOption("run", "call-timeout", v["call-timeout"], [1, 86_400_000]);
  const connectTimeout = intOption("run", "connect-timeout", v["connect-timeout"], [
    1,
    86_400_000,
  ]);
  const memory = intOption("run", "memory", v.memory, [16, 1024]);
  if (memory) limits.memoryBytes = memory * 1024 * 1024;
  const calls = intOption("run", "max-tool-calls", v["max-tool-calls"], [0, 1_000_000]);
  if (calls !== undefined) limits.maxToolCalls = calls;
  const output = intOption("run", "max-output", v["max-output"], [1024, 1024 ** 3]);
  if (output) limits.maxOutputBytes = output;

  const file = positionals[0];
  const wasm = file.endsWith(".wasm");
  if (wasm && v.engine === "quickjs") {
    throw new UsageError(
      `Cannot run "${file}" with --engine quickjs: a .wasm module needs the javy engine`,
      "run",
    );
  }
  const engine = await engineOptions(
    "run",
    wasm ? "javy" : v.engine,
    v["javy-plugin"],
    v["plugin-dir"],
    io.env,
  );
  let code = "";
  let module: Uint8Array | undefined;
  try {
    if (wasm) module = await Deno.readFile(file);
    else code = file === "-" ? await io.readStdin() : await Deno.readTextFile(file);
  } catch (cause) {
    throw new McpxError("USAGE", `Cannot read program "${file}": ${(cause as Error).message}`, {
      cause,
    });
  }

  const names = v.server ?? [];
  if (v["dry-run"] && v.approve !== undefined) {
    throw new UsageError("Give either --dry-run or --approve TOKEN, not both", "run");
  }
  const [{ servers, mcpx }, plugins] = await Promise.all([
    resolveSetup("run", { config: v.config, inline: [], names: [], env: io.env, optional: true }),
    loadRunPlugins(v["plugin-dir"], io),
  ]);
  const setup = await policySetup("run", mcpx, v, io.env, (l) => io.err(`${l}\n`));
  setup.approvals.requiredHint = (name) =>
    io.prompt === undefined
      ? `There is no terminal to ask on: re-run with --yes, with --policy "${name}=allow", or with --dry-run and then --approve TOKEN`
      : `Re-run with --yes, with --policy "${name}=allow", or with --dry-run and then --approve TOKEN`;
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
  const redactor = Redactor.forServers([...servers, ...plugins.flatMap((p) => p.snapshot.configs)]);
  const pick = (s: { name: string }) => names.length === 0 || names.includes(s.name);
  const chosen: ServerConfig[] = servers.filter(pick);
  const chosenPlugins = plugins.map((p) => ({
    ...p,
    snapshot: {
      servers: p.snapshot.servers.filter(pick),
      configs: p.snapshot.configs.filter(pick),
    },
  })).filter((p) => p.snapshot.servers.length > 0);

  const tracing = await startTracing(io.env);
  await using _flush = { [Symbol.asyncDispose]: async () => await tracing?.shutdown() };
  await using audit = setup.audit;
  // --learn: the shapes of the responses this program's own calls receive.
  const learned = new Map<string, Map<string, Tool>>();
  const onToolResult = v.learn
    ? (server: string, tool: Tool, result: CallToolResult) => {
      const tools = learned.get(server) ?? new Map<string, Tool>();
      const next = learnFromResult(tools.get(tool.name) ?? tool, result);
      if (next !== tool) {
        tools.set(tool.name, next);
        learned.set(server, tools);
      }
    }
    : undefined;
  await using runtime = await Runtime.create({
    servers: chosen,
    plugins: chosenPlugins,
    oauthStore: oauthStoreFor(io.env),
    limits,
    policy: {
      ...policyOptions(v.allow, v.deny, v),
      ...(callTimeout ? { callTimeoutMs: callTimeout } : {}),
    },
    ...(connectTimeout ? { connectTimeoutMs: connectTimeout } : {}),
    approvals: setup.approvals,
    ...(audit ? { audit } : {}),
    // Only the servers the program imports start (none for a .wasm module:
    // its calls connect on their own).
    eager: { program: code },
    workers: 1,
    ...engine,
    onToolResult,
    onWarning: (w) => io.err(`warning: ${escapeControl(redactor.redact(w))}\n`),
    ...(v["no-check"] ? { typeCheck: false } : {}),
    // With --root, upstream servers that ask for roots get the working
    // directory and each --root (a server such as server-filesystem then uses
    // them instead of the folders on its command line).
    ...(v.root !== undefined && v.root.length > 0
      ? {
        upstream: {
          capabilities: RUN_CAPABILITIES,
          setup: (name: string, client: Parameters<typeof routeUpstream>[1]) =>
            routeUpstream(name, client, {
              capabilities: RUN_CAPABILITIES,
              roots: () => runRoots(v.root ?? []),
            }),
        },
      }
      : {}),
  });
  // Servers start in the background; the line shows the ones still starting
  // while the program waits for them, and gives way to any question asked.
  const line = progressOf(io).start(
    "starting servers",
    () => serverProgress(runtime.catalog.status()),
  );
  const prompt = io.prompt && {
    ...io.prompt,
    write: (text: string) => {
      line.end();
      io.prompt!.write(text);
    },
  };
  const context: ExecutionContext = {
    executionId: newExecutionId(),
    sessionId: `run-${crypto.randomUUID()}`,
    ...(prompt ? { elicit: (form) => askOnTerminal(form, prompt) } : {}),
  };
  const result: RuntimeResult =
    await (module !== undefined ? runtime.executeWasm(module) : runtime.execute(code, {
      context,
      entry: programEntry(file, runtime.catalog.files()),
      dryRun: v["dry-run"] === true,
      ...(v.approve !== undefined ? { approvalToken: v.approve } : {}),
    })).finally(() => line.end());
  if (learned.size > 0) await keepLearned(learned, plugins, v["plugin-dir"], io);
  for (const s of runtime.catalog.status()) {
    if (s.state === "failed") {
      io.err(
        `warning: server "${s.name}" is unavailable: ${
          escapeControl(redactor.redact(s.error ?? ""))
        }\n`,
      );
    }
  }
  if (result.plan !== undefined && !v.json) {
    io.out(
      formatPlan(
        result.plan,
        (token) => `To run it: the same mcpx run command with --approve ${token}`,
      ) + "\n",
    );
  }
  printResult(result, io, v.json ?? false);
  return result.ok ? 0 : 1;
}

/**
 * Saves the learned result shapes into the plugins of their servers, which
 * are regenerated; shapes of servers that are not saved plugins are reported
 * and dropped.
 */
async function keepLearned(
  learned: Map<string, Map<string, Tool>>,
  plugins: readonly LoadedPlugin[],
  dir: string | undefined,
  io: CliIo,
): Promise<void> {
  const store = new PluginStore(dir ?? PluginStore.defaultDir(io.env), { env: io.env });
  for (const [server, tools] of learned) {
    const names = [...tools.keys()].map((t) => `"${server}/${t}"`).join(", ");
    const plugin = plugins.find((p) =>
      p.manifest.name === server && p.snapshot.servers.length === 1 &&
      p.snapshot.servers[0].name === server
    );
    if (plugin === undefined) {
      note(
        io,
        `not keeping the learned result types of ${names}: server "${server}" is not a saved plugin (mcpx generate --save-plugin)`,
      );
      continue;
    }
    const snapshot = plugin.snapshot.servers[0];
    const updated = { ...snapshot, tools: snapshot.tools.map((t) => tools.get(t.name) ?? t) };
    await savePlugins(store, [updated], plugin.snapshot.configs);
    for (const tool of tools.values()) {
      const n = learnedOutput(tool)?.samples ?? 0;
      if (io.quiet !== true) {
        io.err(
          `learned: ${server}/${tool.name} (${n} ${
            n === 1 ? "response" : "responses"
          }), saved in plugin "${server}"\n`,
        );
      }
    }
  }
}

async function loadRunPlugins(dir: string | undefined, io: CliIo): Promise<LoadedPlugin[]> {
  const store = new PluginStore(dir ?? PluginStore.defaultDir(io.env), { env: io.env });
  const plugins = await loadPlugins(store, (line) => io.err(`${line}\n`));
  if (dir !== undefined && plugins.length === 0) io.err(`warning: no plugins in "${store.dir}"\n`);
  return plugins;
}

/** Prints an execution the way `mcpx run` does. */
export function printResult(r: RuntimeResult, io: CliIo, json: boolean): void {
  if (json) {
    io.out(
      JSON.stringify({
        result: r.result ?? null,
        logs: r.logs,
        ...(r.error ? { error: r.error } : {}),
        ...(r.plan ? { plan: r.plan } : {}),
        stats: r.stats,
      }) + "\n",
    );
    return;
  }
  for (const l of r.logs) {
    const line = l.level === "log" || l.level === "info" ? l.message : `[${l.level}] ${l.message}`;
    const safe = escapeControl(line);
    io.out(safe.endsWith("\n") ? safe : safe + "\n");
  }
  if (r.ok) {
    if (r.resultJson !== undefined) {
      const shown = r.result !== undefined ? JSON.stringify(r.result, null, 2) : r.resultJson;
      io.out(escapeControl(shown) + "\n");
    }
  } else if (r.error) {
    io.err(`error: ${escapeControl(r.error.stack ?? `${r.error.name}: ${r.error.message}`)}\n`);
  }
  if (r.stats.truncated) note(io, "output was truncated at the output limit (--max-output)");
}

/** The roots of `mcpx run`: the working directory, then each `--root`. */
function runRoots(dirs: readonly string[]): Root[] {
  const out = new Map<string, Root>();
  for (const dir of [Deno.cwd(), ...dirs]) {
    const path = resolve(dir);
    out.set(path, { uri: pathToFileURL(path).href, name: basename(path) || path });
  }
  return [...out.values()];
}

/**
 * The program's path in the sandbox: its own file name when that is a plain
 * TypeScript module name the tree does not hold, so that errors and stack
 * traces name the file the user ran; else `/main.ts` (also for stdin).
 */
function programEntry(file: string, tree: ReadonlyMap<string, string>): string {
  const name = file === "-" ? "" : basename(file);
  const path = `/${name}`;
  const plain = /^[A-Za-z0-9_][\w.-]*\.ts$/.test(name) && name !== "runtime.ts";
  return plain && !tree.has(path) ? path : "/main.ts";
}
