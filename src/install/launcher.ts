/**
 * How an MCP client should start this mcpx: the same way it is running now
 * (from JSR, from a checkout, or as the single-file bundle).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Launcher } from "./install_plan.ts";

/** Where mcpx runs from, and which `deno` a client should use. */
export interface LauncherSource {
  /** The entry module's URL (`Deno.mainModule`). */
  mainModule: string;
  /** The `deno` program to name (default: `deno` when it is on the PATH, else this process's). */
  deno?: string;
  /** Environment (for `PATH`). */
  env?: Record<string, string | undefined>;
}

/** The JSR specifier clients use when mcpx runs from JSR or its origin is unknown. */
export const JSR_SPECIFIER = "jsr:@mcpx/cli";

/**
 * The command and arguments that start this mcpx from any working directory:
 * - from a checkout: `deno run -A --unstable-worker-options --config <checkout>/deno.json <checkout>/cli.ts`;
 * - from the bundle: `deno run -A <dir>/mcpx.js` (it turns the worker option on itself);
 * - otherwise: `deno run -A --unstable-worker-options jsr:@mcpx/cli`.
 *
 * @example
 * ```ts
 * import { launcherFor } from "./launcher.ts";
 * launcherFor({ mainModule: "https://jsr.io/@mcpx/cli/0.1.0/cli.ts", deno: "deno" }).args;
 * // ["run", "-A", "--unstable-worker-options", "jsr:@mcpx/cli"]
 * ```
 */
export function launcherFor(source: LauncherSource): Launcher {
  const command = source.deno ?? defaultDeno(source.env ?? {});
  const main = source.mainModule;
  if (main.startsWith("file:")) {
    const path = fileURLToPath(main);
    if (path.endsWith(".js")) return { command, args: ["run", "-A", path] };
    const config = join(dirname(path), "deno.json");
    if (existsSync(config)) {
      return {
        command,
        args: ["run", "-A", "--unstable-worker-options", "--config", config, path],
      };
    }
  }
  return { command, args: ["run", "-A", "--unstable-worker-options", JSR_SPECIFIER] };
}

function defaultDeno(env: Record<string, string | undefined>): string {
  const sep = Deno.build.os === "windows" ? ";" : ":";
  const exe = Deno.build.os === "windows" ? "deno.exe" : "deno";
  for (const dir of (env.PATH ?? "").split(sep)) {
    if (dir && existsSync(join(dir, exe))) return "deno";
  }
  return Deno.execPath();
}
