// A change of a saved plugin's server command is confirmed before the plugin
// is saved again: `mcpx run` and `serve` start that command.
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { faultyServer } from "./_faulty.ts";

Deno.test("generate --save-plugin asks before a plugin's server command changes", async (t) => {
  await using dir = await tempDir();
  const plugins = join(dir.path, "plugins");
  const first = await writeConfig(dir.path, [faultyServer()], "first.json");
  const saved = await cli(["generate", "-c", first, "--save-plugin", "--plugin-dir", plugins]);
  assert.equal(saved.code, 0, saved.stderr);
  const changed = await writeConfig(
    dir.path,
    [faultyServer({ startDelayMs: 1 })],
    "changed.json",
  );
  const save = (init: { confirm?: boolean }, ...extra: string[]) =>
    cli(["generate", "-c", changed, "--save-plugin", "--plugin-dir", plugins, ...extra], init);
  const args = async () =>
    JSON.stringify(
      JSON.parse(await Deno.readTextFile(join(plugins, "faulty", "snapshot.json"))).configs,
    );

  await t.step("the same command saves without asking", async () => {
    const again = await cli(["generate", "-c", first, "--save-plugin", "--plugin-dir", plugins]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /changes its server command/);
  });
  await t.step("without a terminal and without --yes: refused, naming both commands", async () => {
    const r = await save({ confirm: false });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /Plugin "faulty" changes its server command:\n {2}was: .*faulty_server\.ts\n {2}now: .*faulty_server\.ts --start-delay 1\n/,
    );
    assert.match(
      r.stderr,
      /Not saving plugin "faulty": its server command changes from ".*" to ".*--start-delay 1"; pass --yes/,
    );
    assert.doesNotMatch(await args(), /start-delay/);
  });
  await t.step("confirmed on a terminal: saved", async () => {
    const r = await save({ confirm: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(await args(), /start-delay/);
  });
  await t.step("--yes accepts a change without asking", async () => {
    const r = await cli(
      ["generate", "-c", first, "--save-plugin", "--plugin-dir", plugins, "--yes"],
      { confirm: false },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /changes its server command/);
    assert.doesNotMatch(await args(), /start-delay/);
  });
});
