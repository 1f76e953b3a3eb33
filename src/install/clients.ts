/**
 * The MCP clients mcpx installs itself into, and where each keeps its
 * configuration on Linux, macOS and Windows.
 *
 * @module
 */
import { join } from "node:path";
import { homeDir as home, userConfigDir } from "../config/user_dirs.ts";

/** A client `mcpx install` knows. */
export type ClientName = "claude-desktop" | "claude-code" | "vscode" | "cursor";

/** Every client `mcpx install` knows, in the order help lists them. */
export const CLIENT_NAMES: readonly ClientName[] = [
  "claude-desktop",
  "claude-code",
  "vscode",
  "cursor",
];

/** How one client stores its MCP servers. */
export interface ClientInfo {
  /** The name on the command line. */
  name: ClientName;
  /** The product's name, for messages. */
  label: string;
  /** The key of the server map: `mcpServers` (Claude, Cursor) or `servers` (VS Code). */
  serversKey: "mcpServers" | "servers";
  /** Whether the config belongs to the user (`user`) or to the project in the working directory. */
  scope: "user" | "project";
  /** Whether stdio entries carry `"type": "stdio"` (VS Code requires it). */
  typedEntries: boolean;
}

const INFO: Record<ClientName, ClientInfo> = {
  "claude-desktop": {
    name: "claude-desktop",
    label: "Claude Desktop",
    serversKey: "mcpServers",
    scope: "user",
    typedEntries: false,
  },
  "claude-code": {
    name: "claude-code",
    label: "Claude Code",
    serversKey: "mcpServers",
    scope: "project",
    typedEntries: false,
  },
  vscode: {
    name: "vscode",
    label: "VS Code",
    serversKey: "servers",
    scope: "project",
    typedEntries: true,
  },
  cursor: {
    name: "cursor",
    label: "Cursor",
    serversKey: "mcpServers",
    scope: "user",
    typedEntries: false,
  },
};

/** What the paths depend on: the operating system, the environment and the working directory. */
export interface Surroundings {
  /** `Deno.build.os`. */
  os: string;
  /** Environment variables (`HOME`, `USERPROFILE`, `APPDATA`, `XDG_CONFIG_HOME`). */
  env: Record<string, string | undefined>;
  /** The project directory, for project-scoped clients. */
  cwd: string;
}

/**
 * The client called `name`.
 *
 * @example
 * ```ts
 * import { clientInfo } from "./clients.ts";
 * clientInfo("vscode").serversKey; // "servers"
 * ```
 * @throws {TypeError} naming the client when it is unknown.
 */
export function clientInfo(name: string): ClientInfo {
  const info = (INFO as Record<string, ClientInfo | undefined>)[name];
  if (info === undefined) {
    throw new TypeError(
      `Unknown client "${name}": known clients are ${CLIENT_NAMES.map((c) => `"${c}"`).join(", ")}`,
    );
  }
  return info;
}

/**
 * Where `client` keeps its configuration:
 * - Claude Desktop: `~/Library/Application Support/Claude/claude_desktop_config.json` (macOS),
 *   `%APPDATA%\Claude\claude_desktop_config.json` (Windows),
 *   `$XDG_CONFIG_HOME/Claude/claude_desktop_config.json` (Linux, default `~/.config`);
 * - Claude Code: `.mcp.json` in the project;
 * - VS Code: `.vscode/mcp.json` in the project;
 * - Cursor: `~/.cursor/mcp.json`.
 *
 * @example
 * ```ts
 * import { clientConfigPath } from "./clients.ts";
 * clientConfigPath("cursor", { os: "linux", env: { HOME: "/home/me" }, cwd: "/p" });
 * // "/home/me/.cursor/mcp.json"
 * ```
 */
export function clientConfigPath(client: ClientName, at: Surroundings): string {
  switch (client) {
    case "claude-desktop":
      return join(userConfigDir(at), "Claude", "claude_desktop_config.json");
    case "claude-code":
      return join(at.cwd, ".mcp.json");
    case "vscode":
      return join(at.cwd, ".vscode", "mcp.json");
    case "cursor":
      return join(home(at), ".cursor", "mcp.json");
  }
}

/**
 * Where `mcpx install` writes the mcpx config of `client`'s servers: beside
 * the project for project-scoped clients (`mcpx.json`), else
 * `<user config dir>/mcpx/<client>.json`.
 */
export function defaultMcpxConfigPath(client: ClientName, at: Surroundings): string {
  return clientInfo(client).scope === "project"
    ? join(at.cwd, "mcpx.json")
    : join(userConfigDir(at), "mcpx", `${client}.json`);
}
