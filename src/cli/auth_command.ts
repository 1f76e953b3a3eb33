import { parseArgs } from "node:util";
import { oauthLogin } from "../auth/oauth_login.ts";
import { loginStatus } from "../auth/oauth_login.ts";
import { OAuthStore } from "../auth/oauth_store.ts";
import { findDefaultConfig, loadConfig, selectServers } from "../config/load_config.ts";
import type { RemoteServerConfig } from "../config/types.ts";
import { mcpxConfigDir } from "../config/user_dirs.ts";
import { McpxError, quoteList } from "../errors.ts";
import { AUTH_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { intOption } from "./_servers.ts";
import { UsageError } from "./usage_error.ts";

/** What `mcpx auth login` does with the authorization URL; tests script a browser here. */
export interface AuthContext {
  openUrl?: (url: URL) => void | Promise<void>;
}

/** `mcpx auth login | logout | status [server…]`. */
export async function authCommand(
  args: string[],
  io: CliIo,
  ctx: AuthContext = {},
): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: "string", short: "c" },
      "no-browser": { type: "boolean" },
      timeout: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, ...names] = positionals;
  if (v.help || sub === undefined) {
    (v.help ? io.out : io.err)(AUTH_HELP);
    return v.help ? 0 : 2;
  }
  if (!["login", "logout", "status"].includes(sub)) {
    throw new UsageError(`Unknown sub-command "${sub}": use login, logout or status`, "auth");
  }
  const servers = await remoteServers(v.config, names, io);
  const store = new OAuthStore(mcpxConfigDir({ os: Deno.build.os, env: io.env }));

  if (sub === "status") {
    const rows = await Promise.all(servers.map(async (s) => ({
      server: s.name,
      url: s.url,
      ...loginStatus(await store.read(s.url)),
    })));
    if (v.json) {
      io.out(JSON.stringify(rows, null, 2) + "\n");
      return 0;
    }
    for (const r of rows) {
      const until = r.expiresAt !== undefined
        ? `, access token ${r.state === "expired" ? "expired" : "valid until"} ${
          new Date(r.expiresAt).toISOString()
        }`
        : "";
      const renew = r.state !== "logged-out"
        ? (r.refreshable ? ", renews itself" : ", no refresh token")
        : "";
      io.out(`${r.server}: ${r.state}${until}${renew}${r.scope ? ` (scope: ${r.scope})` : ""}\n`);
    }
    return 0;
  }

  if (sub === "logout") {
    for (const s of servers) {
      const had = await store.remove(s.url);
      io.err(had ? `Logged out of "${s.name}"\n` : `"${s.name}" had no login\n`);
    }
    return 0;
  }

  const timeoutMs = intOption("auth", "timeout", v.timeout) ?? 5 * 60_000;
  const openUrl = ctx.openUrl ?? ((url: URL) => openBrowser(url, io, v["no-browser"] ?? false));
  let failed = 0;
  for (const s of servers) {
    io.err(`Logging in to "${s.name}" (${s.url})…\n`);
    try {
      const tokens = await oauthLogin(s, { store, openUrl, timeoutMs });
      io.err(`Logged in to "${s.name}"${tokens.scope ? ` (scope: ${tokens.scope})` : ""}\n`);
    } catch (e) {
      failed++;
      io.err(`error: ${(e as Error).message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

async function remoteServers(
  config: string | undefined,
  names: string[],
  io: CliIo,
): Promise<RemoteServerConfig[]> {
  const path = config ?? findDefaultConfig(Deno.cwd());
  if (path === undefined) {
    throw new UsageError("No config: pass --config FILE or create ./mcpx.json", "auth");
  }
  const loaded = await loadConfig(path, { env: io.env as Record<string, string> });
  const chosen = names.length > 0 ? selectServers(loaded, names) : loaded.servers;
  const remote = chosen.filter((s): s is RemoteServerConfig => s.transport !== "stdio");
  for (const s of chosen) {
    if (s.transport === "stdio" && names.includes(s.name)) {
      throw new McpxError(
        "USAGE",
        `Server "${s.name}" runs over stdio: only remote servers log in`,
      );
    }
  }
  if (remote.length === 0) {
    throw new McpxError(
      "USAGE",
      `No remote servers in "${path}"${
        chosen.length ? ` (${quoteList(chosen.map((s) => s.name))} run over stdio)` : ""
      }`,
    );
  }
  return remote;
}

/** Prints the URL, and opens it in the browser when there is one. */
async function openBrowser(url: URL, io: CliIo, noBrowser: boolean): Promise<void> {
  io.err(`Open this address to log in:\n  ${url.href}\n`);
  if (noBrowser) return;
  const env = io.env;
  const [command, ...args] = env.BROWSER
    ? [env.BROWSER]
    : Deno.build.os === "darwin"
    ? ["open"]
    : Deno.build.os === "windows"
    ? ["cmd", "/c", "start", ""]
    : env.DISPLAY || env.WAYLAND_DISPLAY
    ? ["xdg-open"]
    : [];
  if (command === undefined) return;
  try {
    const child = new Deno.Command(command, {
      args: [...args, url.href],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await child.status;
  } catch {
    // No browser could be started: the printed address is enough.
  }
}
