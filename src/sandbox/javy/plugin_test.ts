// Getting the plugin: a file, or `javy emit-plugin` cached with its checksum.
// A stand-in `javy` (a shell script that copies the fixture plugin) takes the
// place of the real binary, which these tests do not need.
import assert from "node:assert/strict";
import { join } from "node:path";
import { McpxError } from "../../errors.ts";
import { appendCustomSection, fixturePluginBytes } from "./testdata/fixture_plugin.ts";
import { findJavy, JavyPlugin, resolveJavyPlugin } from "./plugin.ts";
import wabtInit from "wabt";

async function withFakeJavy(
  fn: (dir: string, env: Record<string, string>, calls: () => Promise<string[]>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mcpx-javy-" });
  try {
    const plugin = join(dir, "fixture.wasm");
    await Deno.writeFile(plugin, await fixturePluginBytes());
    const bin = join(dir, "bin");
    await Deno.mkdir(bin);
    const log = join(dir, "calls.log");
    await Deno.writeTextFile(
      join(bin, "javy"),
      `#!/bin/sh
echo "$*" >> "${log}"
case "$1" in
  --version) echo "javy 9.0.0";;
  emit-plugin) cp "${plugin}" "$3";;
  *) echo "unknown command $1" >&2; exit 2;;
esac
`,
    );
    await Deno.chmod(join(bin, "javy"), 0o755);
    const calls = async () => (await Deno.readTextFile(log).catch(() => "")).trim().split("\n");
    await fn(dir, { PATH: bin }, calls);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("javy plugin: without a file or a javy, the error says how to install Javy", async () => {
  assert.equal(findJavy({ PATH: "/nonexistent" }), undefined);
  await assert.rejects(
    () => resolveJavyPlugin({ pluginDir: "/nonexistent", env: { PATH: "/nonexistent" } }),
    (e: Error) =>
      e instanceof McpxError && e.code === "JAVY_UNAVAILABLE" &&
      /no javy was found: install Javy \(https:\/\/github\.com\/bytecodealliance\/javy\/releases\)/
        .test(e.message) &&
      /--javy-plugin FILE/.test(e.message),
  );
});

Deno.test("javy plugin: MCPX_JAVY names the binary; a failing javy is reported with its stderr", async () => {
  assert.equal(findJavy({ MCPX_JAVY: "/opt/javy", PATH: "" }), "/opt/javy");
  await assert.rejects(
    () => resolveJavyPlugin({ pluginDir: "/tmp", env: { MCPX_JAVY: "/nonexistent/javy" } }),
    (e: Error) => e instanceof McpxError && /Cannot run javy "\/nonexistent\/javy"/.test(e.message),
  );
});

Deno.test("javy plugin: javy emit-plugin once, then the cached copy, re-emitted when its checksum fails", async () => {
  await withFakeJavy(async (dir, env, calls) => {
    const pluginDir = join(dir, "plugins");
    const first = await resolveJavyPlugin({ pluginDir, env });
    assert.equal(first.namespace, "mcpx-fixture-v1");
    const cached = [...Deno.readDirSync(join(pluginDir, ".javy"))].map((e) => e.name).sort();
    assert.equal(cached.length, 2);
    assert.match(cached[0], /^plugin-[0-9a-f]{16}\.wasm$/);
    assert.equal(cached[1], `${cached[0]}.blake3`);
    const sum = (await Deno.readTextFile(join(pluginDir, ".javy", cached[1]))).trim();
    assert.equal(sum, first.checksum);

    await resolveJavyPlugin({ pluginDir, env });
    assert.deepEqual((await calls()).map((c) => c.split(" ")[0]), [
      "--version",
      "emit-plugin",
      "--version",
    ]);

    // A modified cache is not trusted.
    const file = join(pluginDir, ".javy", cached[0]);
    const bytes = await Deno.readFile(file);
    bytes[bytes.length - 1] ^= 1;
    await Deno.writeFile(file, bytes);
    const again = await resolveJavyPlugin({ pluginDir, env });
    assert.equal(again.checksum, first.checksum);
    assert.equal((await calls()).filter((c) => c.startsWith("emit-plugin")).length, 2);
  });
});

Deno.test("javy plugin: --javy-plugin FILE is read and checked, errors name the file", async () => {
  await withFakeJavy(async (dir) => {
    const plugin = await resolveJavyPlugin({
      file: join(dir, "fixture.wasm"),
      pluginDir: dir,
      env: {},
    });
    assert.deepEqual(plugin.hostImports, ["env.fixture_host_call"]);
    await assert.rejects(
      () => resolveJavyPlugin({ file: join(dir, "missing.wasm"), pluginDir: dir, env: {} }),
      (e: Error) =>
        e instanceof McpxError && e.code === "JAVY_PLUGIN_INVALID" &&
        e.message.startsWith(`Cannot read Javy plugin "${join(dir, "missing.wasm")}"`),
    );
  });
});

Deno.test("javy plugin: a plugin importing a memory, table or global is refused, naming the import", async () => {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat(
    "p.wat",
    `(module
      (import "env" "shared" (memory 1))
      (func (export "initialize-runtime"))
      (func (export "compile-src") (param i32 i32) (result i32) (i32.const 0))
      (func (export "invoke") (param i32 i32 i32 i32 i32))
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0))
      (export "memory" (memory 0)))`,
  );
  const bytes = appendCustomSection(
    parsed.toBinary({}).buffer,
    "import_namespace",
    new TextEncoder().encode("p"),
  );
  parsed.destroy();
  await assert.rejects(
    () => JavyPlugin.fromBytes(bytes, "p.wasm"),
    (e: Error) =>
      e instanceof McpxError && e.code === "JAVY_PLUGIN_INVALID" &&
      e.message ===
        'Invalid Javy plugin "p.wasm": it imports the memory "env.shared", which mcpx does not provide',
  );
});
