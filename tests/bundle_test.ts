// The single-file build: `deno task bundle` writes mcpx.js, which runs with
// `deno run -A` from any directory, sandbox included.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer } from "./_servers.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

async function deno(args: string[], cwd: string, stdin?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("deno task bundle writes one file that runs the CLI and the sandbox", async () => {
  await using dir = await tempDir();
  const bundle = join(dir.path, "mcpx.js");
  const built = await deno(["run", "-A", "scripts/bundle.ts", bundle], root);
  assert.equal(built.code, 0, built.stderr);

  // Run it from a directory with no deno.json and no node_modules.
  const version = await deno(["run", "-A", bundle, "--version"], dir.path);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^mcpx \d+\.\d+\.\d+\n$/);

  const config = await writeConfig(dir.path, [everythingServer()]);
  const r = await deno(
    ["run", "-A", bundle, "run", "-", "--config", config, "--json"],
    dir.path,
    `import { getSum } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default { sum: text(await getSum({ a: 20, b: 22 })), deno: typeof Deno };`,
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.match(out.result.sum, /42/);
  assert.equal(out.result.deno, "undefined");
});
