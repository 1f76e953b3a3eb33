// Learned result types: `generate --learn` calls the read-only tools of
// server-everything that need no arguments, records the shapes of their
// responses in the plugin snapshot, and programs then receive (and are typed
// against) the learned value.
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, denoCheck, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer } from "./_servers.ts";

Deno.test("CLI: generate --learn types results of tools without an output schema", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [everythingServer()]);
  const plugins = join(dir.path, "plugins");
  const tree = join(dir.path, "tree");
  const r = await cli([
    "generate",
    "--config",
    config,
    "--learn",
    "--save-plugin",
    "--plugin-dir",
    plugins,
    "--out",
    tree,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^learned: everything\/get-env$/m);
  // Tools that are not read-only, or need arguments, are never called.
  assert.doesNotMatch(r.stderr, /toggle-simulated-logging|get-sum|echo/);

  const mod = await Deno.readTextFile(join(tree, "servers/everything/getEnv.ts"));
  assert.match(
    mod,
    /\/\*\* Learned by mcpx from 1 response \(JSON text\); the tool declares no output schema\. \*\//,
  );
  assert.match(mod, /export interface GetEnvOutput \{[\s\S]*PATH: string;/);
  assert.doesNotMatch(mod, /GetEnvOutput = \$\.ToolContent/);

  const snapshot = JSON.parse(
    await Deno.readTextFile(join(plugins, "everything", "snapshot.json")),
  );
  const getEnv = snapshot.servers[0].tools.find((t: { name: string }) => t.name === "get-env");
  assert.equal(getEnv._meta["mcpx/learned"].from, "text");
  assert.equal((await cli(["plugin", "verify", "everything", "--plugin-dir", plugins])).code, 0);

  // A program typed against the learned type gets exactly that value.
  const program = `import { getEnv } from "./servers/everything/index.ts";
const env = await getEnv();
const path: string = env.PATH;
export default typeof path;
`;
  await Deno.writeTextFile(join(tree, "program.ts"), program);
  const checked = await denoCheck(["program.ts"], tree);
  assert.equal(checked.code, 0, checked.output);
  const run = await cli(["run", "-", "--plugin-dir", plugins, "--json"], { stdin: program });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(JSON.parse(run.stdout).result, "string");
});

Deno.test("CLI: run --learn keeps the shapes of the program's own calls in the plugin", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [everythingServer()]);
  const plugins = join(dir.path, "plugins");
  const saved = await cli([
    "generate",
    "--config",
    config,
    "--save-plugin",
    "--plugin-dir",
    plugins,
  ]);
  assert.equal(saved.code, 0, saved.stderr);

  // Before learning, the tool returns its content blocks.
  const first = await cli(["run", "-", "--plugin-dir", plugins, "--learn", "--json"], {
    stdin: `import { getEnv } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default JSON.parse(text(await getEnv())).PATH !== undefined;`,
  });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.equal(JSON.parse(first.stdout).result, true);
  assert.match(
    first.stderr,
    /^learned: everything\/get-env \(1 response\), saved in plugin "everything"$/m,
  );
  assert.equal((await cli(["plugin", "verify", "everything", "--plugin-dir", plugins])).code, 0);

  // The regenerated plugin types the result, and the bridge returns that value.
  const loaded = await cli(["plugin", "load", "everything", "-o", "json", "--plugin-dir", plugins]);
  const module =
    JSON.parse(loaded.stdout).files.find((f: { path: string }) =>
      f.path === "servers/everything/getEnv.ts"
    ).content;
  assert.match(module, /Learned by mcpx from 1 response/);
  const second = await cli(["run", "-", "--plugin-dir", plugins, "--json"], {
    stdin: `import { getEnv } from "./servers/everything/index.ts";
export default typeof (await getEnv()).PATH;`,
  });
  assert.equal(second.code, 0, second.stdout + second.stderr);
  assert.equal(JSON.parse(second.stdout).result, "string");
});
