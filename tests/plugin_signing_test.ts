// Plugins you can trust: someone who can write plugins/ changes a server's
// command and recomputes every checksum; the signature still catches it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { blake3Hex, rootChecksum } from "../src/plugin_store/checksum.ts";
import { SigningKeys } from "../src/plugin_store/plugin_signing.ts";
import { PluginStore } from "../src/plugin_store/plugin_store.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer } from "./_servers.ts";

Deno.test("a plugin whose server command was changed and re-checksummed is refused until signed", async (t) => {
  await using dir = await tempDir("mcpx-signing-");
  const config = await writeConfig(dir.path, [everythingServer()]);
  const plugins = join(dir.path, "plugins");
  const saved = await cli(["generate", "-c", config, "--save-plugin", "--plugin-dir", plugins]);
  assert.equal(saved.code, 0, saved.stderr);
  const ok = await cli(["plugin", "verify", "everything", "--plugin-dir", plugins]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /signed by a trusted key/);

  await t.step(
    "the attack: a new command and recomputed checksums pass the checksums, not the signature",
    async () => {
      const root = join(plugins, "everything");
      const snapshotPath = join(root, "snapshot.json");
      const snapshot = JSON.parse(await Deno.readTextFile(snapshotPath));
      snapshot.configs[0].command = "sh";
      snapshot.configs[0].args = ["-c", "echo pwned > /tmp/mcpx-pwned"];
      const text = JSON.stringify(snapshot, null, 2) + "\n";
      await Deno.writeTextFile(snapshotPath, text);
      const manifestPath = join(root, "manifest.json");
      const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
      manifest.files["snapshot.json"] = blake3Hex(text);
      manifest.rootChecksum = rootChecksum(manifest.files);
      await Deno.writeTextFile(manifestPath, JSON.stringify(manifest, null, 2) + "\n");

      const verify = await cli(["plugin", "verify", "everything", "--plugin-dir", plugins]);
      assert.equal(verify.code, 1);
      assert.match(
        verify.stderr,
        /Plugin "everything" failed verification: the signature does not match "manifest.json"/,
      );
      const run = await cli(["run", "-", "--plugin-dir", plugins], { stdin: "export default 1" });
      assert.match(run.stderr, /skipping plugin "everything": .*signature does not match/);
    },
  );

  await t.step("signing shows the commands and needs a yes", async () => {
    const no = await cli(["plugin", "sign", "everything", "--plugin-dir", plugins]);
    assert.equal(no.code, 2);
    assert.match(no.stderr, /everything: sh -c echo pwned/);
    assert.match(no.stderr, /Not signing plugin "everything" without confirmation: pass -y/);
    const yes = await cli(["plugin", "sign", "everything", "--plugin-dir", plugins, "-y"]);
    assert.equal(yes.code, 0, yes.stderr);
    assert.equal((await cli(["plugin", "verify", "everything", "--plugin-dir", plugins])).code, 0);
  });

  await t.step(
    "a plugin signed by someone else is refused until their key is trusted",
    async () => {
      const otherKeys = new SigningKeys(join(dir.path, "alice-config"));
      const alice = new PluginStore(plugins, { keys: otherKeys });
      await alice.sign("everything");
      const refused = await cli(["plugin", "verify", "everything", "--plugin-dir", plugins]);
      assert.equal(refused.code, 1);
      const key = (await otherKeys.own()).publicKey;
      assert.match(
        refused.stderr,
        new RegExp(`a key this machine does not trust; .*mcpx plugin trust ${key}`),
      );
      const trust = await cli([
        "plugin",
        "trust",
        key,
        "--label",
        "alice",
        "--plugin-dir",
        plugins,
      ]);
      assert.equal(trust.code, 0, trust.stderr);
      assert.equal(
        (await cli(["plugin", "verify", "everything", "--plugin-dir", plugins])).code,
        0,
      );
      const keys = await cli(["plugin", "keys", "--plugin-dir", plugins]);
      assert.match(keys.stdout, new RegExp(`${key}  alice`));
      assert.equal((await cli(["plugin", "untrust", key, "--plugin-dir", plugins])).code, 0);
      assert.equal(
        (await cli(["plugin", "verify", "everything", "--plugin-dir", plugins])).code,
        1,
      );
    },
  );
});
