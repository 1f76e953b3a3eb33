import { parseArgs } from "node:util";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { SkillStore } from "../plugin_store/skill_store.ts";
import type { EngineLimits } from "../sandbox/engine.ts";
import { serveHttp } from "../server/http_server.ts";
import { validateOrigins } from "../server/http_guard.ts";
import { ServeHost } from "../server/serve_host.ts";
import { serveStdio } from "../server/stdio_server.ts";
import { SERVE_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";
import {
  intOption,
  loadPlugins,
  policyOptions,
  resolveServers,
  RUNTIME_OPTIONS,
} from "./_servers.ts";

/** `mcpx serve`. */
export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...RUNTIME_OPTIONS,
      http: { type: "string" },
      host: { type: "string" },
      "max-result-chars": { type: "string" },
      "allow-origin": { type: "string", multiple: true },
    },
  });
  if (v.help) {
    io.out(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}"`, "serve");
  }
  if (v.host !== undefined && v.http === undefined) {
    throw new UsageError("--host needs --http PORT", "serve");
  }
  if (v["allow-origin"] !== undefined && v.http === undefined) {
    throw new UsageError("--allow-origin needs --http PORT", "serve");
  }
  let allowOrigins: string[] | undefined;
  try {
    allowOrigins = v["allow-origin"] ? validateOrigins(v["allow-origin"]) : undefined;
  } catch (e) {
    throw new UsageError(`Invalid --allow-origin: ${(e as Error).message}`, "serve");
  }
  const port = intOption("serve", "http", v.http, [0, 65_535]);
  const limits: Partial<EngineLimits> = {};
  const timeout = intOption("serve", "timeout", v.timeout, [10, 3_600_000]);
  if (timeout) limits.timeoutMs = timeout;
  const memory = intOption("serve", "memory", v.memory, [16, 1024]);
  if (memory) limits.memoryBytes = memory * 1024 * 1024;
  const maxResultChars = intOption("serve", "max-result-chars", v["max-result-chars"], [
    500,
    10_000_000,
  ]);

  const log = (line: string) => io.err(`${line}\n`);
  const pluginDir = v["plugin-dir"] ?? PluginStore.defaultDir(io.env);
  const [servers, plugins] = await Promise.all([
    resolveServers("serve", {
      config: v.config,
      inline: [],
      names: [],
      env: io.env,
      optional: true,
    }),
    loadPlugins(new PluginStore(pluginDir), log),
  ]);
  const host = await ServeHost.create({
    runtime: {
      servers,
      plugins,
      policy: policyOptions(v.allow, v.deny, v),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    },
    skills: new SkillStore(pluginDir),
    ...(maxResultChars ? { maxResultChars } : {}),
    log,
  });
  host.warm();
  const names = [
    ...new Set([
      ...servers.map((s) => s.name),
      ...plugins.flatMap((p) => p.snapshot.servers.map((s) => s.name)),
    ]),
  ];
  if (names.length === 0) log("warning: no servers configured: pass --config FILE or save plugins");
  const summary = `${names.length} server${names.length === 1 ? "" : "s"}${
    names.length ? ` (${names.join(", ")})` : ""
  }, ${host.skills.length} skill${host.skills.length === 1 ? "" : "s"}`;

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, onSignal);
  try {
    if (port === undefined) {
      log(`mcpx serve: ${summary}; speaking MCP on stdio`);
      await Promise.race([
        serveStdio(host),
        new Promise((r) => stop.signal.addEventListener("abort", r, { once: true })),
      ]);
    } else {
      const server = serveHttp(host, {
        port,
        hostname: v.host ?? "127.0.0.1",
        signal: stop.signal,
        onListen: () => {},
        ...(allowOrigins ? { allowOrigins } : {}),
      });
      log(`mcpx serve: ${summary}; listening on ${server.url}`);
      await server.finished;
    }
  } finally {
    for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(sig, onSignal);
    await host.close();
  }
  return 0;
}
