// `mcpx doctor` against a real server, a server that cannot start and a tampered plugin.
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { memoryServer } from "./_servers.ts";

Deno.test("mcpx doctor names each problem with a fix and exits 1", async () => {
  await using dir = await tempDir("mcpx-doctor-");
  const good = memoryServer(join(dir.path, "memory.jsonl"));
  const config = await writeConfig(dir.path, [
    good,
    { name: "broken", transport: "stdio", command: "node", args: ["-e", "process.exit(3)"] },
  ]);
  const plugins = join(dir.path, "plugins");
  const saved = await cli([
    "generate",
    "memory",
    "-c",
    config,
    "--save-plugin",
    "--plugin-dir",
    plugins,
  ]);
  assert.equal(saved.code, 0, saved.stderr);

  const healthy = await cli([
    "doctor",
    "-c",
    await writeConfig(dir.path, [good], "good.json"),
    "--plugin-dir",
    plugins,
  ]);
  assert.equal(healthy.code, 0, healthy.stdout);
  assert.match(healthy.stdout, /^ok {4}sandbox: QuickJS WebAssembly runs code/m);
  assert.match(
    healthy.stdout,
    /^ok {4}worker permissions: sandbox workers start without permissions \(NotCapable\)/m,
  );
  assert.match(healthy.stdout, /^ok {4}server memory: \d+ tools in \d+ ms \(stdio\)/m);
  assert.match(healthy.stdout, /^ok {4}plugins: 1 verified/m);

  await Deno.writeTextFile(join(plugins, "memory", "runtime.ts"), "export const evil = 1;\n");
  const r = await cli(["doctor", "-c", config, "--plugin-dir", plugins, "--timeout", "10000"]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(
    r.stdout,
    /^fail {2}server broken: .*\n {6}fix: check that "node" starts the server: mcpx introspect broken -c /m,
  );
  assert.match(
    r.stdout,
    /^fail {2}plugin memory: .*"runtime\.ts" was modified.*\n {6}fix: regenerate it/m,
  );
  assert.match(r.stdout, /checks: 2 failed/);

  const json = await cli(["doctor", "-c", config, "--plugin-dir", plugins, "--json"]);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.ok, false);
  assert.deepEqual(
    parsed.checks.filter((c: { status: string }) => c.status === "fail").map((
      c: { name: string },
    ) => c.name).sort(),
    ["plugin memory", "server broken"],
  );
});
