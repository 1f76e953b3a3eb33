import { parseArgs } from "node:util";
import { delimiter, join } from "node:path";
import { findDefaultConfig, loadConfig } from "../config/load_config.ts";
import type { ServerConfig } from "../config/types.ts";
import { introspect } from "../introspect/introspect.ts";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { Redactor, redactPatterns } from "../redact.ts";
import { Sandbox } from "../sandbox/sandbox.ts";
import { DOCTOR_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { intOption } from "./_servers.ts";
import { UsageError } from "./usage_error.ts";

/** The outcome of one check. */
export interface Check {
  /** What was checked: `deno`, `sandbox`, `server fs`, … */
  name: string;
  status: "ok" | "warn" | "fail";
  /** What was found. */
  detail: string;
  /** How to fix it, for warnings and failures. */
  fix?: string;
}

/** `mcpx doctor`: one line per check, with a fix for each problem. */
export async function doctorCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: "string", short: "c" },
      "plugin-dir": { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(DOCTOR_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}"`, "doctor");
  }
  const timeoutMs = intOption("doctor", "timeout", v.timeout) ?? 20_000;
  const checks: Check[] = [];
  const report = (c: Check) => {
    checks.push(c);
    if (!v.json) io.out(formatCheck(c));
  };

  report(checkDeno());
  report(await checkWorkerPermissions());
  report(await checkSandbox());
  for (const c of await checkServers(v.config, io.env, timeoutMs)) report(c);
  report(await checkJavy(io.env));
  for (const c of await checkPlugins(v["plugin-dir"], io.env)) report(c);

  const failed = checks.filter((c) => c.status === "fail").length;
  if (v.json) io.out(JSON.stringify({ ok: failed === 0, checks }, null, 2) + "\n");
  else {
    const warned = checks.filter((c) => c.status === "warn").length;
    io.out(`\n${checks.length} checks: ${failed} failed, ${warned} warnings\n`);
  }
  return failed > 0 ? 1 : 0;
}

/** One check as the text report shows it. */
export function formatCheck(c: Check): string {
  const head = `${c.status.padEnd(4)}  ${c.name}: ${c.detail}\n`;
  return c.fix !== undefined && c.status !== "ok" ? `${head}      fix: ${c.fix}\n` : head;
}

function checkDeno(): Check {
  const [major, minor] = Deno.version.deno.split(".").map(Number);
  const ok = major > 2 || (major === 2 && minor >= 9);
  return ok ? { name: "deno", status: "ok", detail: `Deno ${Deno.version.deno}` } : {
    name: "deno",
    status: "warn",
    detail: `Deno ${Deno.version.deno}; mcpx is tested with 2.9`,
    fix: "run with npx -y deno@2.9.6, or upgrade Deno (deno upgrade)",
  };
}

async function checkWorkerPermissions(): Promise<Check> {
  const name = "worker permissions";
  try {
    const worker = new Worker(
      `data:text/javascript,${
        encodeURIComponent(
          `try { Deno.env.toObject(); postMessage("allowed"); } catch (e) { postMessage(e.name); }`,
        )
      }`,
      // @ts-ignore: Deno's worker options
      { type: "module", deno: { permissions: "none" } },
    );
    const answer = await new Promise<string>((resolve, reject) => {
      worker.onmessage = (e) => resolve(String(e.data));
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
    }).finally(() => worker.terminate());
    if (answer === "allowed") {
      return {
        name,
        status: "fail",
        detail: "a worker started without permissions could still read the environment",
        fix: "upgrade Deno to 2.9 or later",
      };
    }
    return { name, status: "ok", detail: `sandbox workers start without permissions (${answer})` };
  } catch (e) {
    return {
      name,
      status: "fail",
      detail: `cannot start a worker without permissions: ${(e as Error).message}`,
      fix: "run Deno with --unstable-worker-options (this checkout's deno.json and the bundle do)",
    };
  }
}

async function checkSandbox(): Promise<Check> {
  const name = "sandbox";
  const started = performance.now();
  try {
    await using sandbox = await Sandbox.create({ workers: { minWorkers: 1, maxWorkers: 1 } });
    const r = await sandbox.execute("export default 1 + 1");
    if (!r.ok || r.result !== 2) throw new Error(r.error?.message ?? `got ${r.resultJson}`);
    return {
      name,
      status: "ok",
      detail: `QuickJS WebAssembly runs code (${Math.round(performance.now() - started)} ms)`,
    };
  } catch (e) {
    return {
      name,
      status: "fail",
      detail: (e as Error).message,
      fix: "reinstall mcpx; run deno install in a checkout",
    };
  }
}

async function checkServers(
  configPath: string | undefined,
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<Check[]> {
  const path = configPath ?? findDefaultConfig(Deno.cwd());
  if (path === undefined) {
    return [{
      name: "config",
      status: "warn",
      detail: "no config found (./mcpx.json, ./.mcp.json, ./.vscode/mcp.json)",
      fix: "pass --config FILE, or create one: mcpx add NAME -- <command>",
    }];
  }
  let servers: ServerConfig[];
  try {
    servers = (await loadConfig(path, { env: env as Record<string, string> })).servers;
  } catch (e) {
    return [{
      name: "config",
      status: "fail",
      detail: redactPatterns((e as Error).message),
      fix: `fix the file named above`,
    }];
  }
  const checks: Check[] = [{
    name: "config",
    status: servers.length > 0 ? "ok" : "warn",
    detail: `"${path}" with ${servers.length} server${servers.length === 1 ? "" : "s"}`,
    ...(servers.length === 0 ? { fix: "add one: mcpx add NAME -- <command>" } : {}),
  }];
  const results = await Promise.all(servers.map(async (s): Promise<Check> => {
    const started = performance.now();
    const name = `server ${s.name}`;
    try {
      const snap = await introspect(s, { connect: { timeoutMs } });
      const auth = s.transport === "stdio"
        ? ""
        : s.headers?.authorization || s.headers?.Authorization
        ? ", authenticated by a header"
        : ", no credentials";
      return {
        name,
        status: "ok",
        detail: `${snap.tools.length} tool${snap.tools.length === 1 ? "" : "s"} in ${
          Math.round(performance.now() - started)
        } ms (${s.transport}${auth})`,
      };
    } catch (e) {
      return {
        name,
        status: "fail",
        detail: Redactor.forServers(servers).redact((e as Error).message.split("\n")[0]),
        fix: s.transport === "stdio"
          ? `check that "${s.command}" starts the server: mcpx introspect ${s.name} -c ${path}`
          : `check the URL and credentials: mcpx introspect ${s.name} -c ${path}`,
      };
    }
  }));
  return [...checks, ...results];
}

async function checkJavy(env: Record<string, string | undefined>): Promise<Check> {
  const name = "javy";
  const javy = env.MCPX_JAVY || findOnPath("javy", env);
  if (javy === undefined) {
    return {
      name,
      status: "ok",
      detail: "not installed (optional: only --engine javy and mcpx build need it)",
    };
  }
  try {
    const out = await new Deno.Command(javy, {
      args: ["--version"],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    const version = new TextDecoder().decode(out.stdout).trim();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr).trim());
    return { name, status: "ok", detail: `${version} at "${javy}"` };
  } catch (e) {
    return {
      name,
      status: "warn",
      detail: `"${javy}" does not run: ${(e as Error).message}`,
      fix: "reinstall Javy from its GitHub releases, or unset MCPX_JAVY",
    };
  }
}

async function checkPlugins(
  dir: string | undefined,
  env: Record<string, string | undefined>,
): Promise<Check[]> {
  const store = new PluginStore(dir ?? PluginStore.defaultDir(env), { env });
  try {
    const { plugins, failures } = await store.loadAll();
    return [
      {
        name: "plugins",
        status: "ok",
        detail: `${plugins.length} verified in "${store.dir}"`,
      },
      ...failures.map((f): Check => ({
        name: `plugin ${f.name}`,
        status: "fail",
        detail: f.error.message,
        fix:
          `regenerate it (mcpx generate --save-plugin) or remove it: mcpx plugin remove ${f.name}`,
      })),
    ];
  } catch (e) {
    return [{
      name: "plugins",
      status: "fail",
      detail: (e as Error).message,
      fix: `check "${store.dir}"`,
    }];
  }
}

function findOnPath(program: string, env: Record<string, string | undefined>): string | undefined {
  const exe = Deno.build.os === "windows" ? `${program}.exe` : program;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      if (Deno.statSync(join(dir, exe)).isFile) return join(dir, exe);
    } catch { /* not here */ }
  }
  return undefined;
}
