import { parseArgs } from "node:util";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { createTwoFilesPatch } from "diff";
import {
  clientConfigPath,
  clientInfo,
  defaultMcpxConfigPath,
  type Surroundings,
} from "../install/clients.ts";
import { DEFAULT_ENTRY_NAME, planInstall, planUninstall } from "../install/install_plan.ts";
import { launcherFor } from "../install/launcher.ts";
import { McpxError } from "../errors.ts";
import { INSTALL_HELP, UNINSTALL_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

/** Where install and uninstall run; tests point these at temporary directories. */
export interface InstallContext {
  /** The entry module, to tell how clients should start mcpx (default `Deno.mainModule`). */
  mainModule?: string;
  /** The working directory (default `Deno.cwd()`). */
  cwd?: string;
  /** The clock, for backup names. */
  now?: () => Date;
}

/** `mcpx install`. */
// deno-lint-ignore require-await -- a command: its failures are rejections, like every other's
export async function installCommand(
  args: string[],
  io: CliIo,
  ctx: InstallContext = {},
): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      client: { type: "string" },
      "config-path": { type: "string" },
      "mcpx-config": { type: "string" },
      server: { type: "string", short: "s", multiple: true },
      name: { type: "string" },
      deno: { type: "string" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(INSTALL_HELP);
    return 0;
  }
  const servers = [...positionals, ...(v.server ?? [])];
  const { client, clientPath, cwd, at } = target("install", v.client, v["config-path"], io, ctx);
  const mcpxPath = resolve(cwd, v["mcpx-config"] ?? defaultMcpxConfigPath(client.name, at));
  const launcher = launcherFor({
    mainModule: ctx.mainModule ?? Deno.mainModule,
    deno: v.deno,
    env: io.env,
  });
  // VS Code expands ${workspaceFolder}; a config inside the project is named through it.
  const configArg = client.name === "vscode" && mcpxPath.startsWith(cwd + "/")
    ? "${workspaceFolder}/" + mcpxPath.slice(cwd.length + 1)
    : mcpxPath;

  const clientText = readIfExistsSync(clientPath);
  if (clientText === undefined) {
    throw new McpxError(
      "INSTALL",
      `No ${client.label} config at "${clientPath}": pass --config-path FILE if it lives elsewhere`,
    );
  }
  const mcpxText = readIfExistsSync(mcpxPath);
  const plan = planInstall({
    client,
    clientPath,
    clientText,
    mcpxPath,
    mcpxText,
    launcher,
    servers,
    entryName: v.name ?? DEFAULT_ENTRY_NAME,
    configArg,
  });

  io.out(patch(clientPath, clientText, plan.clientText));
  io.out(patch(mcpxPath, mcpxText ?? "", plan.mcpxText));
  const list = plan.moved.map((n) => `"${n}"`).join(", ");
  if (v["dry-run"]) {
    io.err(
      `Dry run: would move ${plan.moved.length} server(s) (${list}) behind mcpx; nothing written\n`,
    );
    return 0;
  }
  const backup = backupFile(clientPath, clientText, ctx.now?.() ?? new Date());
  Deno.mkdirSync(dirname(mcpxPath), { recursive: true });
  writeAtomically(mcpxPath, plan.mcpxText, 0o600);
  writeAtomically(clientPath, plan.clientText);
  io.err(
    `Moved ${plan.moved.length} server(s) (${list}) into "${mcpxPath}".\n` +
      `${client.label} now starts mcpx in their place; restart it to pick up the change.\n` +
      `Backup of the old config: "${backup}". Undo with: mcpx uninstall --client ${client.name}` +
      (v["config-path"] ? ` --config-path ${clientPath}` : "") + "\n",
  );
  return 0;
}

/** `mcpx uninstall`. */
// deno-lint-ignore require-await -- a command: its failures are rejections, like every other's
export async function uninstallCommand(
  args: string[],
  io: CliIo,
  ctx: InstallContext = {},
): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      client: { type: "string" },
      "config-path": { type: "string" },
      name: { type: "string" },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(UNINSTALL_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}"`, "uninstall");
  }
  const { client, clientPath, cwd } = target("uninstall", v.client, v["config-path"], io, ctx);
  const clientText = readIfExistsSync(clientPath);
  if (clientText === undefined) {
    throw new McpxError("INSTALL", `No ${client.label} config at "${clientPath}"`);
  }
  const plan = planUninstall({
    client,
    clientPath,
    clientText,
    entryName: v.name ?? DEFAULT_ENTRY_NAME,
    readMcpxConfig: (arg) => {
      const expanded = arg.replace("${workspaceFolder}", cwd);
      const path = isAbsolute(expanded) ? expanded : resolve(dirname(clientPath), expanded);
      const text = readIfExistsSync(path);
      if (text === undefined) {
        throw new McpxError(
          "INSTALL",
          `The mcpx config "${path}" that "${clientPath}" names is gone: restore from a backup beside "${clientPath}"`,
        );
      }
      return { path, text };
    },
  });
  io.out(patch(clientPath, clientText, plan.clientText));
  const list = plan.restored.map((n) => `"${n}"`).join(", ");
  if (v["dry-run"]) {
    io.err(`Dry run: would restore ${plan.restored.length} server(s) (${list}); nothing written\n`);
    return 0;
  }
  const backup = backupFile(clientPath, clientText, ctx.now?.() ?? new Date());
  writeAtomically(clientPath, plan.clientText);
  io.err(
    `Restored ${plan.restored.length} server(s) (${list}) into "${clientPath}" and removed mcpx.\n` +
      `"${plan.mcpxPath}" is left in place. Backup: "${backup}". Restart ${client.label}.\n`,
  );
  return 0;
}

function target(
  command: string,
  name: string | undefined,
  configPath: string | undefined,
  io: CliIo,
  ctx: InstallContext,
) {
  if (name === undefined) {
    throw new UsageError(
      "Missing --client: one of claude-desktop, claude-code, vscode, cursor",
      command,
    );
  }
  let client;
  try {
    client = clientInfo(name);
  } catch (e) {
    throw new UsageError((e as Error).message, command);
  }
  const cwd = ctx.cwd ?? Deno.cwd();
  const at: Surroundings = { os: Deno.build.os, env: io.env, cwd };
  const clientPath = configPath !== undefined
    ? resolve(cwd, configPath)
    : clientConfigPath(client.name, at);
  return { client, clientPath, cwd, at };
}

function readIfExistsSync(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new McpxError("INSTALL", `Cannot read "${path}": ${(e as Error).message}`, { cause: e });
  }
}

/** Copies the file beside itself as `<file>.mcpx-backup-<UTC time>`; returns the copy's path. */
function backupFile(path: string, text: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  let backup = `${path}.mcpx-backup-${stamp}`;
  for (let i = 2; existsFile(backup); i++) backup = `${path}.mcpx-backup-${stamp}-${i}`;
  Deno.writeTextFileSync(backup, text, { createNew: true, mode: 0o600 });
  return backup;
}

function existsFile(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function writeAtomically(path: string, text: string, mode?: number): void {
  const tmp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  let fileMode = mode;
  if (fileMode === undefined) {
    try {
      fileMode = Deno.statSync(path).mode ?? undefined;
    } catch { /* a new file */ }
  }
  Deno.writeTextFileSync(tmp, text, fileMode !== undefined ? { mode: fileMode & 0o777 } : {});
  try {
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* gone */ }
    throw e;
  }
}

function patch(path: string, before: string, after: string): string {
  if (before === after) return "";
  return createTwoFilesPatch(path, path, before, after, "", "", { context: 2 });
}
