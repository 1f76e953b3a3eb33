// Shared helpers for the end-to-end tests.
import { join } from "node:path";
import { main } from "../src/cli/main.ts";
import { memoryIo } from "../src/cli/io.ts";
import type { ServerConfig } from "../src/config/types.ts";

/** A temporary directory removed at the end of the scope. */
export async function tempDir(prefix = "mcpx-test-"): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** Writes a Claude-Code style `.mcp.json` for `servers` into `dir` and returns its path. */
export async function writeConfig(
  dir: string,
  servers: ServerConfig[],
  file = "mcp.json",
): Promise<string> {
  const mcpServers: Record<string, unknown> = {};
  for (const s of servers) {
    mcpServers[s.name] = s.transport === "stdio"
      ? { command: s.command, args: s.args, ...(s.env ? { env: s.env } : {}) }
      : { type: s.transport, url: s.url };
  }
  const path = join(dir, file);
  await Deno.writeTextFile(path, JSON.stringify({ mcpServers }, null, 2));
  return path;
}

/** Runs the CLI in-process and captures its output. */
export async function cli(
  args: string[],
  init: { stdin?: string; env?: Record<string, string>; confirm?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo(init);
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** Runs `deno check` on files; returns its exit code and output. */
export async function denoCheck(
  files: string[],
  cwd: string,
): Promise<{ code: number; output: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--no-config", ...files],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/** Lists files below `dir` as sorted relative paths. */
export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}
