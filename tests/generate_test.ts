// End to end: real MCP servers → introspection → generated tree → deno check,
// and the generate / introspect / plugin commands of the CLI.
import assert from "node:assert/strict";
import { join } from "node:path";
import { generate } from "../src/codegen/generate.ts";
import { introspect } from "../src/introspect/introspect.ts";
import { cli, denoCheck, listFiles, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, filesystemServer, startEverythingHttp } from "./_servers.ts";

Deno.test("real servers generate a tree that type-checks, deterministically", async () => {
  await using root = await tempDir();
  const [everything, filesystem] = await Promise.all([
    introspect(everythingServer()),
    introspect(filesystemServer(root.path)),
  ]);
  assert.equal(everything.tools.length, 13);
  assert.equal(filesystem.tools.length, 14);

  const a = generate([everything, filesystem]);
  const b = generate([filesystem, everything]);
  assert.deepEqual(a.files, b.files, "same input in another order gives byte-identical files");

  const paths = a.files.map((f) => f.path);
  for (
    const p of [
      "README.md",
      "runtime.ts",
      "servers/index.ts",
      "servers/everything/index.ts",
      "servers/everything/README.md",
      "servers/everything/getSum.ts",
      "servers/filesystem/readTextFile.ts",
    ]
  ) {
    assert.ok(paths.includes(p), `missing ${p}`);
  }
  assert.equal(
    paths.filter((p) => p.startsWith("servers/everything/") && !/index\.ts|README/.test(p)).length,
    13,
  );
  assert.equal(
    paths.filter((p) => p.startsWith("servers/filesystem/") && !/index\.ts|README/.test(p)).length,
    14,
  );

  const getSum = a.files.find((f) => f.path === "servers/everything/getSum.ts")!.content;
  assert.match(getSum, /export interface GetSumInput \{/);
  assert.match(
    getSum,
    /export const getSum = \$\.tool<GetSumInput, GetSumOutput>\("everything", "get-sum"\);/,
  );
  // A tool with an outputSchema gets a typed result.
  const structured =
    a.files.find((f) => f.path === "servers/everything/getStructuredContent.ts")!.content;
  assert.doesNotMatch(structured, /GetStructuredContentOutput = ToolContent/);
  assert.match(structured, /GetStructuredContentOutput/);
  // The catalogue has one line per tool.
  const readme = a.files.find((f) => f.path === "servers/everything/README.md")!.content;
  assert.equal(readme.split("\n").filter((l) => l.startsWith("- `")).length, 13);

  await using out = await tempDir();
  for (const f of a.files) {
    await Deno.mkdir(join(out.path, f.path, ".."), { recursive: true });
    await Deno.writeTextFile(join(out.path, f.path), f.content);
  }
  const ts = a.files.filter((f) => f.path.endsWith(".ts")).map((f) => f.path);
  const checked = await denoCheck(ts, out.path);
  assert.equal(checked.code, 0, checked.output);
});

Deno.test("introspection and generation work over Streamable HTTP", async () => {
  await using http = await startEverythingHttp();
  const snapshot = await introspect(http.config);
  assert.equal(snapshot.tools.length, 13);
  assert.ok(snapshot.tools.some((t) => t.name === "get-sum"));
  const { files } = generate([snapshot]);
  assert.ok(files.some((f) => f.path === "servers/everythingHttp/getSum.ts"));
});

Deno.test("CLI: generate --out, --save-plugin, and plugin list/info/load/verify/remove", async (t) => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [everythingServer(), filesystemServer(dir.path)]);
  const out = join(dir.path, "tree");
  const plugins = join(dir.path, "plugins");

  await t.step("generate --out writes the tree", async () => {
    const r = await cli(["generate", "--config", config, "everything", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Generated 13 tool modules from 1 server/);
    const files = await listFiles(out);
    assert.ok(files.includes("servers/everything/echo.ts"));
    assert.ok(!files.some((f) => f.startsWith("servers/filesystem/")));
    // Regenerating over a generated tree replaces it.
    const again = await cli(["generate", "--config", config, "--out", out]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok((await listFiles(out)).some((f) => f.startsWith("servers/filesystem/")));
  });

  await t.step("generate refuses a non-empty directory that is not a tree", async () => {
    const foreign = join(dir.path, "foreign");
    await Deno.mkdir(foreign);
    await Deno.writeTextFile(join(foreign, "notes.txt"), "keep me");
    const r = await cli(["generate", "--config", config, "everything", "--out", foreign]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Cannot write to ".*foreign": it is not empty/);
    assert.equal(await Deno.readTextFile(join(foreign, "notes.txt")), "keep me");
  });

  await t.step("generate --save-plugin then plugin commands", async () => {
    const r = await cli([
      "generate",
      "--config",
      config,
      "everything",
      "--save-plugin",
      "--plugin-dir",
      plugins,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Saved plugin "everything" \(13 tools/);

    const list = await cli(["plugin", "list", "--plugin-dir", plugins, "--json"]);
    assert.deepEqual(
      JSON.parse(list.stdout).map((p: { name: string; tools: number }) => [p.name, p.tools]),
      [["everything", 13]],
    );

    const info = await cli(["plugin", "info", "everything", "--plugin-dir", plugins]);
    assert.match(info.stdout, /root blake3: [0-9a-f]{64}/);
    assert.match(info.stdout, /get-sum → servers\/everything\/getSum\.ts/);

    const verify = await cli(["plugin", "verify", "everything", "--plugin-dir", plugins]);
    assert.equal(verify.code, 0);
    assert.match(verify.stdout, /is intact/);

    const pretty = await cli(["plugin", "load", "everything", "--plugin-dir", plugins]);
    assert.match(pretty.stdout, /getSum\.ts/);
    const json = await cli(["plugin", "load", "everything", "-o", "json", "--plugin-dir", plugins]);
    assert.ok(
      JSON.parse(json.stdout).files.some((f: { path: string }) =>
        f.path === "servers/everything/echo.ts"
      ),
    );
    const text = await cli(["plugin", "load", "everything", "-o", "text", "--plugin-dir", plugins]);
    assert.match(
      text.stdout,
      /=== servers\/everything\/echo\.ts ===\nimport \* as \$ from "\.\.\/\.\.\/runtime\.ts";/,
    );
  });

  await t.step("a tampered plugin is refused, naming the file", async () => {
    const file = join(plugins, "everything", "servers", "everything", "echo.ts");
    const original = await Deno.readTextFile(file);
    await Deno.writeTextFile(file, original.replace("$.tool", "fetch"));
    for (const sub of ["verify", "load"]) {
      const r = await cli(["plugin", sub, "everything", "--plugin-dir", plugins]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /file "servers\/everything\/echo\.ts" was modified/);
    }
    await Deno.writeTextFile(file, original);
    assert.equal((await cli(["plugin", "verify", "everything", "--plugin-dir", plugins])).code, 0);
  });

  await t.step("MCPX_PLUGIN_DIR sets the plugin directory; --plugin-dir wins over it", async () => {
    const env = { MCPX_PLUGIN_DIR: plugins };
    const viaEnv = await cli(["plugin", "list", "--json"], { env });
    assert.deepEqual(JSON.parse(viaEnv.stdout).map((p: { name: string }) => p.name), [
      "everything",
    ]);
    const other = join(dir.path, "elsewhere");
    const flag = await cli(["plugin", "list", "--json", "--plugin-dir", other], { env });
    assert.deepEqual(JSON.parse(flag.stdout), []);
  });

  await t.step("plugin remove asks, -y removes", async () => {
    const no = await cli(["plugin", "remove", "everything", "--plugin-dir", plugins]);
    assert.equal(no.code, 2);
    assert.match(no.stderr, /without confirmation/);
    const yes = await cli(["plugin", "remove", "everything", "-y", "--plugin-dir", plugins]);
    assert.equal(yes.code, 0);
    assert.equal(
      (await cli(["plugin", "list", "--plugin-dir", plugins, "--json"])).stdout.trim(),
      "[]",
    );
  });

  await t.step("hostile plugin names are rejected", async () => {
    const r = await cli(["plugin", "info", "../../etc", "--plugin-dir", plugins]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Invalid plugin name "\.\.\/\.\.\/etc"/);
  });

  await t.step("--templates overrides a template", async () => {
    const tpl = join(dir.path, "tpl");
    await Deno.mkdir(tpl);
    await Deno.writeTextFile(
      join(tpl, "server_readme.eta"),
      "# custom <%~ it.dir %> (<%~ it.tools.length %> tools)\n",
    );
    const r = await cli([
      "generate",
      "--config",
      config,
      "everything",
      "--out",
      join(dir.path, "custom"),
      "--templates",
      tpl,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      await Deno.readTextFile(join(dir.path, "custom", "servers", "everything", "README.md")),
      "# custom everything (13 tools)\n",
    );
  });
});

Deno.test("CLI: introspect prints tools, resources and prompts; --json is complete", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [everythingServer()]);
  const r = await cli(["introspect", "everything", "--config", config]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /tools \(13\):/);
  assert.match(r.stdout, /get-sum\(a, b\)/);
  assert.match(r.stdout, /prompts \(\d+\):/);
  assert.match(r.stdout, /resource templates \(\d+\):/);
  const j = JSON.parse(
    (await cli(["introspect", "everything", "--config", config, "--json"])).stdout,
  );
  assert.equal(j.tools.length, 13);
  assert.ok(j.resources.length > 0);
  assert.ok(j.prompts.length > 0);
  assert.equal(typeof j.serverInfo.version, "string");
});

Deno.test("CLI: inline servers after --", async () => {
  const s = everythingServer();
  const r = await cli(["generate", "--name", "inline", "--json", "--", s.command, ...s.args]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).servers, [{ name: "inline", dir: "inline", tools: 13 }]);
});

Deno.test("CLI: bad input gets clear errors and exit codes", async (t) => {
  await using dir = await tempDir();
  await t.step("missing config names the file", async () => {
    const r = await cli(["generate", "--config", join(dir.path, "nope.json")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nope\.json/);
  });
  await t.step("invalid config names the file and the key", async () => {
    const bad = join(dir.path, "bad.json");
    await Deno.writeTextFile(bad, JSON.stringify({ mcpServers: { fs: { command: 42 } } }));
    const r = await cli(["generate", "--config", bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.json/);
    assert.match(r.stderr, /mcpServers\.fs\.command/);
  });
  await t.step("unknown server lists the known ones", async () => {
    const config = await writeConfig(dir.path, [everythingServer(), everythingServer("other")]);
    const r = await cli(["generate", "--config", config, "evrything"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unknown server "evrything": known servers are "everything", "other"/);
  });
  await t.step("a crashing server reports its exit code and stderr", async () => {
    const r = await cli([
      "introspect",
      "--name",
      "boom",
      "--",
      "node",
      "-e",
      "console.error('kaboom'); process.exit(7)",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /7/);
    assert.match(r.stderr, /kaboom/);
  });
  await t.step("a server that never answers times out", async () => {
    const started = Date.now();
    const r = await cli([
      "introspect",
      "--timeout",
      "1000",
      "--name",
      "mute",
      "--",
      "node",
      "-e",
      "setInterval(() => {}, 1000)",
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /mute/);
    assert.ok(Date.now() - started < 8000);
  });
  await t.step("usage errors exit 2", async () => {
    assert.equal((await cli(["generate", "--bogus"])).code, 2);
    assert.equal((await cli(["frobnicate"])).code, 2);
    assert.equal((await cli(["plugin", "explode"])).code, 2);
    assert.equal(
      (await cli(["generate", "--timeout", "soon", "--name", "x", "--", "node"])).code,
      2,
    );
  });
});
