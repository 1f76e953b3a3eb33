/**
 * Where mcpx keeps per-user data such as the audit log: `$MCPX_DATA_DIR`,
 * else `$XDG_DATA_HOME/mcpx`, else `~/.local/share/mcpx`; none when the
 * environment names no home.
 *
 * @module
 */
import { join } from "node:path";

/**
 * The user's mcpx data directory, or `undefined` when there is no home.
 *
 * @example
 * ```ts
 * import { dataDir } from "./data_dir.ts";
 * dataDir({ XDG_DATA_HOME: "/x" }); // "/x/mcpx"
 * ```
 */
export function dataDir(env: Record<string, string | undefined>): string | undefined {
  if (env.MCPX_DATA_DIR) return env.MCPX_DATA_DIR;
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, "mcpx");
  const home = env.HOME ?? env.USERPROFILE;
  return home ? join(home, ".local", "share", "mcpx") : undefined;
}

/**
 * The secret that signs approval tokens, kept in `ledger.key` of `dir`
 * (created with mode 0600 on first use), so that a token from
 * `mcpx run --dry-run` works in the next `mcpx run`.
 */
export async function ledgerKey(dir: string): Promise<Uint8Array> {
  const path = join(dir, "ledger.key");
  try {
    const key = await Deno.readFile(path);
    if (key.length >= 32) return key;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const key = crypto.getRandomValues(new Uint8Array(32));
  await Deno.writeFile(path, key, { mode: 0o600 });
  return key;
}
