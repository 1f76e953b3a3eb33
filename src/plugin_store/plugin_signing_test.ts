import assert from "node:assert/strict";
import { checkSignature, fingerprint, SigningKeys, signManifest } from "./plugin_signing.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("a signed manifest verifies only unchanged and by a trusted key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const keys = new SigningKeys(dir);
    const { secretKey, publicKey } = await keys.own();
    assert.equal((await Deno.stat(`${dir}/signing-key.json`)).mode! & 0o777, 0o600);
    assert.equal((await new SigningKeys(dir).own()).publicKey, publicKey, "the key is kept");

    const manifest = enc('{"name":"fs","files":{"snapshot.json":"abc"}}');
    const sig = JSON.stringify(signManifest(manifest, secretKey));
    const trusted = await keys.trustedSet();
    assert.equal(checkSignature("fs", manifest, sig, trusted).publicKey, publicKey);

    // A changed manifest (say, a new checksum after editing the server command) fails.
    assert.throws(
      () =>
        checkSignature("fs", enc('{"name":"fs","files":{"snapshot.json":"abd"}}'), sig, trusted),
      /Plugin "fs" failed verification: the signature does not match "manifest.json"/,
    );
    assert.throws(
      () => checkSignature("fs", manifest, undefined, trusted),
      /Plugin "fs" failed verification: it is not signed/,
    );
    assert.throws(() => checkSignature("fs", manifest, "{", trusted), /is not valid JSON/);

    // A foreign key: valid signature, not trusted until the user says so.
    const other = new SigningKeys(await Deno.makeTempDir({ dir }));
    const foreign = JSON.stringify(signManifest(manifest, (await other.own()).secretKey));
    const foreignKey = (await other.own()).publicKey;
    assert.throws(
      () => checkSignature("fs", manifest, foreign, trusted),
      new RegExp(
        `signed by ${
          fingerprint(foreignKey)
        }, a key this machine does not trust; .*mcpx plugin trust ${foreignKey}`,
      ),
    );
    await keys.trust(foreignKey, "alice");
    assert.equal(
      checkSignature("fs", manifest, foreign, await keys.trustedSet()).publicKey,
      foreignKey,
    );
    assert.deepEqual((await keys.trusted()).map((k) => k.label), ["this machine", "alice"]);
    assert.equal(await keys.untrust(foreignKey), true);
    const after = await keys.trustedSet();
    assert.throws(
      () => checkSignature("fs", manifest, foreign, after),
      /does not trust/,
    );
    await assert.rejects(
      () => keys.trust("xyz"),
      /Invalid public key "xyz": expected 64 hex digits/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
