import assert from "node:assert/strict";
import { join } from "node:path";
import { McpxError, PluginIntegrityError } from "../errors.ts";
import { blake3Hex } from "./checksum.ts";
import { SkillStore, validateSkillName } from "./skill_store.ts";

async function withStore(fn: (store: SkillStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mcpx-skills-" });
  try {
    await fn(new SkillStore(dir), dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const CODE = "export const double = (n: number): number => 2 * n;\n";

Deno.test("SkillStore saves, lists and loads a skill with its checksum", async () => {
  await withStore(async (store, dir) => {
    const saved = await store.save("double", CODE, "Doubles a number");
    assert.equal(saved.path, "skills/double.ts");
    assert.equal(saved.checksum, blake3Hex(CODE));
    assert.equal(await Deno.readTextFile(join(dir, "skills", "double.ts")), CODE);
    assert.deepEqual(await store.names(), ["double"]);
    const loaded = await store.load("double");
    assert.equal(loaded.code, CODE);
    assert.equal(loaded.description, "Doubles a number");
    // No temporary files are left behind.
    const entries = [];
    for await (const e of Deno.readDir(store.dir)) entries.push(e.name);
    assert.deepEqual(entries.sort(), ["double.json", "double.ts"]);
  });
});

Deno.test("SkillStore replaces a skill saved again under the same name", async () => {
  await withStore(async (store) => {
    await store.save("double", CODE, "v1");
    await store.save("double", "export const double = (n: number) => n + n;\n", "v2");
    const loaded = await store.load("double");
    assert.equal(loaded.description, "v2");
    assert.match(loaded.code, /n \+ n/);
  });
});

Deno.test("SkillStore refuses a tampered skill and loadAll skips it", async () => {
  await withStore(async (store) => {
    await store.save("double", CODE, "Doubles");
    await store.save(
      "triple",
      CODE.replaceAll("double", "triple").replace("2 *", "3 *"),
      "Triples",
    );
    await Deno.writeTextFile(store.pathOf("double"), CODE + "globalThis.evil = 1;\n");
    await assert.rejects(store.load("double"), (e) => {
      assert.ok(e instanceof PluginIntegrityError);
      assert.match(e.message, /Skill "double" failed verification: "double.ts" was modified/);
      return true;
    });
    const { skills, failures } = await store.loadAll();
    assert.deepEqual(skills.map((s) => s.name), ["triple"]);
    assert.deepEqual(failures.map((f) => f.name), ["double"]);
  });
});

Deno.test("SkillStore reports a missing module and an unknown skill", async () => {
  await withStore(async (store) => {
    await store.save("double", CODE, "Doubles");
    await Deno.remove(store.pathOf("double"));
    await assert.rejects(store.load("double"), /"double.ts" is missing/);
    await assert.rejects(store.load("nope"), (e) => {
      assert.ok(e instanceof McpxError);
      assert.equal(e.code, "PLUGIN_NOT_FOUND");
      assert.match(e.message, /Unknown skill "nope" .*known skills are "double"/);
      return true;
    });
    await store.remove("double");
    assert.deepEqual(await store.names(), []);
    await assert.rejects(store.remove("double"), /Unknown skill "double"/);
  });
});

Deno.test("validateSkillName refuses unsafe names", () => {
  for (const bad of ["", "../x", "a/b", ".hidden", "x.ts", "1abc", "a b", "x".repeat(65)]) {
    assert.throws(() => validateSkillName(bad), /Invalid skill name/, bad);
  }
  assert.equal(validateSkillName("sum_files-2"), "sum_files-2");
});

Deno.test("SkillStore loads nothing from a missing directory", async () => {
  const store = new SkillStore(join(Deno.cwd(), "does-not-exist-" + crypto.randomUUID()));
  assert.deepEqual(await store.loadAll(), { skills: [], failures: [] });
});
