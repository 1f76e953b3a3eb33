import assert from "node:assert/strict";
import { join } from "node:path";
import { McpxError, PluginIntegrityError } from "../errors.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { blake3Hex } from "./checksum.ts";
import { type PluginContents, PluginStore } from "./plugin_store.ts";

function contents(marker = "1"): PluginContents {
  const snapshot: ServerSnapshot = {
    name: "calc",
    serverInfo: { name: "calc-server", version: "1.0.0" },
    capabilities: { tools: {} },
    tools: [{ name: "get-sum", inputSchema: { type: "object" } }],
    resources: [],
    resourceTemplates: [],
    prompts: [],
  };
  return {
    files: [
      { path: "README.md", content: `# calc ${marker}\n` },
      { path: "runtime.ts", content: "// mcpx runtime\n" },
      { path: "servers/calc/getSum.ts", content: `export const v = ${JSON.stringify(marker)};\n` },
    ],
    servers: [{
      name: "calc",
      dir: "calc",
      tools: [{ name: "get-sum", fn: "getSum", path: "servers/calc/getSum.ts", structured: false }],
    }],
    snapshots: [snapshot],
    configs: [{
      name: "calc",
      transport: "stdio",
      command: "node",
      args: ["calc.js"],
      env: { TOKEN: "secret" },
    }],
  };
}

async function tempStore(): Promise<PluginStore & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "mcpx-plugins-" });
  const store = new PluginStore(dir) as PluginStore & AsyncDisposable;
  store[Symbol.asyncDispose] = () => Deno.remove(dir, { recursive: true });
  return store;
}

Deno.test("save then load round-trips files, manifest and snapshot", async () => {
  await using store = await tempStore();
  const manifest = await store.save("calc", contents());
  assert.equal(manifest.schemaVersion, 1);
  assert.equal(manifest.generator.name, "mcpx");
  assert.deepEqual(manifest.servers[0].tools, [{
    name: "get-sum",
    fn: "getSum",
    path: "servers/calc/getSum.ts",
  }]);
  assert.equal(manifest.files["README.md"], blake3Hex("# calc 1\n"));
  assert.match(manifest.rootChecksum, /^[0-9a-f]{64}$/);

  const loaded = await store.load("calc");
  assert.deepEqual(loaded.files.map((f) => f.path), [
    "README.md",
    "runtime.ts",
    "servers/calc/getSum.ts",
  ]);
  assert.equal(loaded.snapshot.servers[0].tools[0].name, "get-sum");
  // Secrets in env are not written to disk.
  assert.equal(JSON.stringify(loaded.snapshot).includes("secret"), false);
  assert.deepEqual(loaded.snapshot.configs[0], {
    name: "calc",
    transport: "stdio",
    command: "node",
    args: ["calc.js"],
  });
  assert.deepEqual((await store.list()).map((p) => [p.name, p.tools]), [["calc", 1]]);
});

Deno.test("a modified, added or removed file is refused, naming the file", async (t) => {
  await t.step("modified", async () => {
    await using store = await tempStore();
    await store.save("calc", contents());
    await Deno.writeTextFile(
      join(store.pathOf("calc"), "servers/calc/getSum.ts"),
      "export const v = 'evil';\n",
    );
    const err = await store.load("calc").then(() => undefined, (e) => e);
    assert.ok(err instanceof PluginIntegrityError);
    assert.equal(err.file, "servers/calc/getSum.ts");
    assert.match(err.message, /"servers\/calc\/getSum\.ts" was modified/);
  });
  await t.step("added", async () => {
    await using store = await tempStore();
    await store.save("calc", contents());
    await Deno.writeTextFile(join(store.pathOf("calc"), "servers/calc/extra.ts"), "x");
    await assert.rejects(store.verify("calc"), /unexpected file "servers\/calc\/extra\.ts"/);
  });
  await t.step("removed", async () => {
    await using store = await tempStore();
    await store.save("calc", contents());
    await Deno.remove(join(store.pathOf("calc"), "runtime.ts"));
    await assert.rejects(store.verify("calc"), /file "runtime\.ts" is missing/);
  });
  await t.step("manifest checksum edited", async () => {
    await using store = await tempStore();
    await store.save("calc", contents());
    const path = join(store.pathOf("calc"), "manifest.json");
    const m = JSON.parse(await Deno.readTextFile(path));
    m.files["README.md"] = blake3Hex("# calc evil\n");
    await Deno.writeTextFile(path, JSON.stringify(m));
    await assert.rejects(store.verify("calc"), /root checksum/);
  });
  await t.step("snapshot edited", async () => {
    await using store = await tempStore();
    await store.save("calc", contents());
    const path = join(store.pathOf("calc"), "snapshot.json");
    await Deno.writeTextFile(path, (await Deno.readTextFile(path)).replace("get-sum", "rm-rf"));
    await assert.rejects(store.verify("calc"), /"snapshot\.json" was modified/);
  });
});

Deno.test("a half-written plugin is refused and never listed as intact", async () => {
  await using store = await tempStore();
  // A crash before the manifest is written leaves a directory without one.
  await Deno.mkdir(join(store.dir, "half", "servers"), { recursive: true });
  await Deno.writeTextFile(join(store.dir, "half", "runtime.ts"), "x");
  const err = await store.load("half").then(() => undefined, (e) => e);
  assert.ok(err instanceof PluginIntegrityError);
  assert.match(err.message, /Plugin "half" is incomplete: "manifest\.json" is missing/);
  // A crash mid-save leaves only a hidden temporary directory.
  await Deno.mkdir(join(store.dir, ".tmp-calc-123"), { recursive: true });
  assert.deepEqual((await store.list()).map((p) => [p.name, p.tools]), [["half", 0]]);
  // A corrupt manifest is named.
  await Deno.writeTextFile(join(store.dir, "half", "manifest.json"), "{ not json");
  await assert.rejects(store.load("half"), /corrupt "manifest\.json"/);
});

Deno.test("hostile plugin names are rejected before touching the disk", async () => {
  await using store = await tempStore();
  for (
    const name of [
      "..",
      "../evil",
      "/etc/passwd",
      "a/b",
      "a\\b",
      ".hidden",
      "",
      "x".repeat(65),
      "a..b",
      "nul\0",
    ]
  ) {
    const err = await store.save(name, contents()).then(() => undefined, (e) => e);
    assert.ok(err instanceof McpxError, `expected an error for ${JSON.stringify(name)}`);
    assert.equal(err.code, "PLUGIN_INVALID_NAME");
    assert.ok(err.message.includes(JSON.stringify(name)));
    await assert.rejects(store.load(name), /Invalid plugin name/);
    await assert.rejects(store.remove(name), /Invalid plugin name/);
  }
  assert.deepEqual([...Deno.readDirSync(store.dir)], []);
});

Deno.test("concurrent saves under one name leave one intact plugin", async () => {
  await using store = await tempStore();
  const markers = Array.from({ length: 12 }, (_, i) => `v${i}`);
  await Promise.all(markers.map((m) => store.save("calc", contents(m))));
  const loaded = await store.load("calc");
  const readme = loaded.files.find((f) => f.path === "README.md")!.content;
  const winner = /# calc (v\d+)/.exec(readme)![1];
  assert.ok(markers.includes(winner));
  // The tree is consistent: every file comes from the same save.
  assert.equal(
    loaded.files.find((f) => f.path === "servers/calc/getSum.ts")!.content,
    `export const v = "${winner}";\n`,
  );
  // Nothing is left behind: the link and the one version it points at.
  const entries = [...Deno.readDirSync(store.dir)].map((e) => e.name).sort();
  assert.equal(entries.length, 2);
  assert.equal(entries[1], "calc");
  assert.equal(`.v-calc-${entries[0].slice(8)}`, entries[0]);
  assert.equal(Deno.readLinkSync(join(store.dir, "calc")), entries[0]);
});

/** A pid that certainly belongs to no running process. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("a lock left by a dead process is taken over at once; a live owner is named", async () => {
  await using store = await tempStore();
  await store.save("calc", contents("old"));
  const lock = join(store.dir, ".lock-calc");
  await Deno.writeTextFile(lock, JSON.stringify({ pid: await deadPid(), nonce: "x" }));
  const t0 = performance.now();
  await store.save("calc", contents("new"));
  assert.ok(performance.now() - t0 < 1_000, `save waited ${performance.now() - t0} ms`);
  assert.equal(
    (await store.load("calc")).files.find((f) => f.path === "README.md")!.content,
    "# calc new\n",
  );
  assert.equal([...Deno.readDirSync(store.dir)].some((e) => e.name.startsWith(".lock")), false);

  // A lock older mcpx versions left (no owner recorded) is taken over too.
  await Deno.writeTextFile(lock, "");
  await store.save("calc", contents("newer"));

  // A live owner's lock is respected and the owner named.
  const live = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    await Deno.writeTextFile(lock, JSON.stringify({ pid: live.pid, nonce: "y" }));
    const { acquirePidLock } = await import("./_pid_lock.ts");
    await assert.rejects(
      acquirePidLock(lock, { waitMs: 50, what: `Plugin "calc"` }),
      new RegExp(`Plugin "calc" is held by process ${live.pid}`),
    );
    assert.equal(await acquirePidLock(lock, { waitMs: 0 }), undefined);
  } finally {
    live.kill("SIGKILL");
    await live.status;
  }
});

Deno.test("saves and the startup sweep remove what crashed saves left", async () => {
  await using store = await tempStore();
  await store.save("calc", contents("1"));
  const junk = [
    `.tmp-calc-${crypto.randomUUID()}`,
    `.old-calc-${crypto.randomUUID()}`,
    `.v-calc-${crypto.randomUUID()}`,
  ];
  for (const j of junk) {
    await Deno.mkdir(join(store.dir, j, "servers"), { recursive: true });
    await Deno.writeTextFile(join(store.dir, j, "runtime.ts"), "x");
  }
  await Deno.symlink("nowhere", join(store.dir, `.ptr-calc-${crypto.randomUUID()}`));
  await Deno.writeTextFile(join(store.dir, `.lock-calc.${crypto.randomUUID()}`), "{}");
  await Deno.writeTextFile(
    join(store.dir, ".lock-calc"),
    JSON.stringify({ pid: await deadPid(), nonce: "z" }),
  );
  // The startup sweep (run by loadAll) removes all of it...
  const { plugins } = await store.loadAll();
  assert.equal(plugins.length, 1);
  const names = () => [...Deno.readDirSync(store.dir)].map((e) => e.name).sort();
  assert.equal(names().length, 2);
  assert.deepEqual(names().filter((n) => !n.startsWith(".v-")), ["calc"]);
  // ...and so does a save.
  await Deno.mkdir(join(store.dir, junk[0]));
  await store.save("calc", contents("2"));
  assert.equal(names().length, 2);
});

Deno.test("a plugin saved as a plain directory is migrated; a crash mid-migration is repaired", async () => {
  await using store = await tempStore();
  await store.save("calc", contents("old"));
  // Turn it into a plain directory, as older mcpx versions wrote it.
  const link = join(store.dir, "calc");
  const version = join(store.dir, Deno.readLinkSync(link));
  await Deno.remove(link);
  await Deno.rename(version, link);
  assert.equal((await store.load("calc")).manifest.name, "calc");
  // A crash right after the directory was moved aside, before the link was in place.
  const aside = join(store.dir, `.legacy-calc-${crypto.randomUUID()}`);
  await Deno.rename(link, aside);
  assert.deepEqual(await store.sweep(), ["calc"]);
  assert.equal(Deno.lstatSync(link).isDirectory, true);
  assert.equal((await store.load("calc")).files[0].content, "# calc old\n");
  // The next save replaces the directory with a link.
  await store.save("calc", contents("new"));
  assert.equal(Deno.lstatSync(link).isSymlink, true);
  assert.equal((await store.load("calc")).files[0].content, "# calc new\n");
  assert.equal([...Deno.readDirSync(store.dir)].length, 2);
});

Deno.test("readers during saves never see a false alarm or a torn plugin", async () => {
  await using store = await tempStore();
  await store.save("calc", contents("v0"));
  let stop = false;
  const alarms: string[] = [];
  let reads = 0;
  const readers = Array.from({ length: 4 }, async () => {
    while (!stop) {
      try {
        const p = await store.load("calc");
        const readme = p.files.find((f) => f.path === "README.md")!.content;
        const v = p.files.find((f) => f.path === "servers/calc/getSum.ts")!.content;
        if (!v.includes(JSON.stringify(readme.slice(7, -1)))) alarms.push(`torn: ${readme}`);
        await store.info("calc");
        reads++;
      } catch (e) {
        alarms.push((e as Error).message);
      }
    }
  });
  for (let i = 1; i <= 60; i++) await store.save("calc", contents(`v${i}`));
  stop = true;
  await Promise.all(readers);
  assert.deepEqual(alarms, []);
  assert.ok(reads > 10, `only ${reads} reads`);
});

Deno.test("unknown plugins list the known ones; remove deletes", async () => {
  await using store = await tempStore();
  await store.save("calc", contents());
  await assert.rejects(
    store.load("calx"),
    /Unknown plugin "calx" in ".*": known plugins are "calc"/,
  );
  await store.remove("calc");
  assert.deepEqual(await store.list(), []);
  await assert.rejects(store.remove("calc"), /known plugins are none/);
});

Deno.test("unsafe file paths are refused on save", async () => {
  await using store = await tempStore();
  const c = contents();
  for (const path of ["../x.ts", "/abs.ts", "manifest.json", "snapshot.json"]) {
    await assert.rejects(
      store.save("calc", { ...c, files: [...c.files, { path, content: "" }] }),
      TypeError,
    );
  }
});
