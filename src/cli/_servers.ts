import type { BridgePolicy } from "../bridge/bridge.ts";
import type { LoadedPlugin, PluginStore } from "../plugin_store/plugin_store.ts";
import {
  findDefaultConfig,
  inlineServer,
  loadConfig,
  selectServers,
} from "../config/load_config.ts";
import type { McpxSettings, ServerConfig } from "../config/types.ts";
import { UsageError } from "./usage_error.ts";

/** Options every server-using command shares. */
export interface ServerOptions {
  config?: string;
  name?: string;
  url?: string;
  transport?: string;
  /** The words after `--`: an inline stdio server's command and arguments. */
  inline: string[];
  /** Server names given as positionals or with --server. */
  names: string[];
  env: Record<string, string | undefined>;
  /** Whether no server at all is acceptable (then an empty list is returned). */
  optional?: boolean;
}

/** Resolves the servers a command should use: inline, or from a config file. */
export async function resolveServers(command: string, o: ServerOptions): Promise<ServerConfig[]> {
  return (await resolveSetup(command, o)).servers;
}

/** The servers and the config file's `"mcpx"` block, when there is a file. */
export async function resolveSetup(
  command: string,
  o: ServerOptions,
): Promise<{ servers: ServerConfig[]; mcpx?: McpxSettings }> {
  if (o.transport !== undefined && o.transport !== "http" && o.transport !== "sse") {
    throw new UsageError(`Invalid --transport "${o.transport}": use "http" or "sse"`, command);
  }
  if (o.inline.length > 0 || o.url !== undefined) {
    if (o.name === undefined) {
      throw new UsageError("An inline server needs --name NAME", command);
    }
    if (o.inline.length > 0 && o.url !== undefined) {
      throw new UsageError("Give either -- <command> or --url, not both", command);
    }
    return {
      servers: [
        inlineServer(
          o.url !== undefined
            ? { name: o.name, url: o.url, transport: o.transport as "http" | "sse" | undefined }
            : { name: o.name, command: o.inline[0], args: o.inline.slice(1) },
        ),
      ],
    };
  }
  if (o.name !== undefined) {
    throw new UsageError(
      "--name needs an inline server: -- <command> [args…] or --url URL",
      command,
    );
  }
  const path = o.config ?? findDefaultConfig(Deno.cwd());
  if (path === undefined) {
    if (o.optional) return { servers: [] };
    throw new UsageError(
      "No servers: pass --config FILE, or an inline server (--name NAME -- <command>), or create ./mcpx.json or ./.mcp.json",
      command,
    );
  }
  const config = await loadConfig(path, { env: o.env as Record<string, string> });
  const servers = o.names.length > 0 ? selectServers(config, o.names) : config.servers;
  return { servers, ...(config.mcpx ? { mcpx: config.mcpx } : {}) };
}

/** Splits `args` at the first `--`: options before, inline command after. */
export function splitInline(args: readonly string[]): [string[], string[]] {
  const i = args.indexOf("--");
  return i < 0 ? [[...args], []] : [args.slice(0, i), args.slice(i + 1)];
}

/** Parses a positive integer option, or throws a usage error naming it. */
export function intOption(
  command: string,
  name: string,
  value: string | undefined,
  range: [number, number] = [1, Number.MAX_SAFE_INTEGER],
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
    throw new UsageError(
      `Invalid --${name} "${value}": expected a whole number from ${range[0]} to ${range[1]}`,
      command,
    );
  }
  return n;
}

/** Resource and prompt rule options: `server/uri` and `server/name` patterns. */
export interface AccessFlags {
  "allow-resource"?: string[];
  "deny-resource"?: string[];
  "allow-prompt"?: string[];
  "deny-prompt"?: string[];
}

/**
 * The bridge policy from `--allow` and `--deny` patterns (`server/tool`, `*`
 * wildcards) and the resource and prompt rules.
 */
export function policyOptions(
  allow: string[] | undefined,
  deny: string[] | undefined,
  access: AccessFlags = {},
): BridgePolicy {
  const rules = (a: string[] | undefined, d: string[] | undefined) =>
    (a && a.length > 0) || (d && d.length > 0)
      ? {
        ...(a && a.length > 0 ? { allow: a } : {}),
        ...(d && d.length > 0 ? { deny: d } : {}),
      }
      : undefined;
  const resources = rules(access["allow-resource"], access["deny-resource"]);
  const prompts = rules(access["allow-prompt"], access["deny-prompt"]);
  return {
    ...(allow && allow.length > 0 ? { allow } : {}),
    ...(deny && deny.length > 0 ? { deny } : {}),
    ...(resources ? { resources } : {}),
    ...(prompts ? { prompts } : {}),
  };
}

/** Verified plugins of `store`; each one that fails verification is named and skipped. */
export async function loadPlugins(
  store: PluginStore,
  log: (line: string) => void,
): Promise<LoadedPlugin[]> {
  const { plugins, failures } = await store.loadAll();
  for (const f of failures) log(`warning: skipping plugin "${f.name}": ${f.error.message}`);
  return plugins;
}

/** Options of the commands that connect to servers named in a config or inline. */
export const SERVER_OPTIONS = {
  config: { type: "string", short: "c" },
  name: { type: "string" },
  url: { type: "string" },
  transport: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Options of the commands that run code: servers, plugins, policy and limits. */
export const RUNTIME_OPTIONS = {
  config: { type: "string", short: "c" },
  "plugin-dir": { type: "string" },
  allow: { type: "string", multiple: true },
  deny: { type: "string", multiple: true },
  "allow-resource": { type: "string", multiple: true },
  "deny-resource": { type: "string", multiple: true },
  "allow-prompt": { type: "string", multiple: true },
  "deny-prompt": { type: "string", multiple: true },
  timeout: { type: "string" },
  "call-timeout": { type: "string" },
  "connect-timeout": { type: "string" },
  memory: { type: "string" },
  engine: { type: "string" },
  "javy-plugin": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
