/**
 * Where mcpx keeps the user's own files: the configuration directory
 * (signing keys, trusted keys, client installs) per platform.
 *
 * @module
 */
import { join } from "node:path";

/** What the directories depend on. */
export interface DirEnv {
  /** `Deno.build.os`. */
  os: string;
  /** Environment variables (`HOME`, `USERPROFILE`, `APPDATA`, `XDG_CONFIG_HOME`, `MCPX_CONFIG_DIR`). */
  env: Record<string, string | undefined>;
}

/** The user's home directory. */
export function homeDir(at: DirEnv): string {
  const dir = at.os === "windows" ? at.env.USERPROFILE ?? at.env.HOME : at.env.HOME;
  if (!dir) {
    throw new TypeError(
      `Cannot find the home directory: ${at.os === "windows" ? "USERPROFILE" : "HOME"} is not set`,
    );
  }
  return dir;
}

/**
 * The user's configuration directory: `~/Library/Application Support` on
 * macOS, `%APPDATA%` on Windows, `$XDG_CONFIG_HOME` or `~/.config` elsewhere.
 *
 * @example
 * ```ts
 * import { userConfigDir } from "./user_dirs.ts";
 * userConfigDir({ os: "linux", env: { HOME: "/home/me" } }); // "/home/me/.config"
 * ```
 */
export function userConfigDir(at: DirEnv): string {
  if (at.os === "darwin") return join(homeDir(at), "Library", "Application Support");
  if (at.os === "windows") return at.env.APPDATA ?? join(homeDir(at), "AppData", "Roaming");
  return at.env.XDG_CONFIG_HOME || join(homeDir(at), ".config");
}

/** mcpx's own configuration directory: `$MCPX_CONFIG_DIR`, else `<user config dir>/mcpx`. */
export function mcpxConfigDir(at: DirEnv): string {
  return at.env.MCPX_CONFIG_DIR || join(userConfigDir(at), "mcpx");
}
