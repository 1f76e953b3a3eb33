// kill -9 during plugin saves, with readers running all along.
//
// A real subprocess saves plugin "calc" in a loop and is killed with SIGKILL at
// a random moment; meanwhile readers in this process load and verify the
// plugin without pause. No reader may ever see an error (a false tamper
// alarm) or a torn plugin, a plugin must survive every crash, and the next
// save must succeed at once (the dead saver's lock is taken over) and leave
// nothing behind. `MCPX_CRASH_ITERATIONS` sets the number of kills (10 by
// default, 100 in `deno task soak`).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { PluginStore } from "../src/plugin_store/plugin_store.ts";
import { tempDir } from "./_helpers.ts";
import { pluginContents } from "./fixtures/plugin_contents.ts";

const ITERATIONS = Number(Deno.env.get("MCPX_CRASH_ITERATIONS") ?? 10);
const SAVER = fileURLToPath(new URL("./fixtures/plugin_saver.ts", import.meta.url));

function markerOf(files: { path: string; content: string }[]): Set<string> {
  const markers = new Set<string>();
  for (const f of files) {
    const m = /(?:calc|runtime|v =) "?([\w-]+)"?/.exec(f.content);
    if (m) markers.add(m[1]);
  }
  return markers;
}

async function waitForLine(stream: ReadableStream<Uint8Array>, line: string): Promise<void> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes(line)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`saver exited before printing "${line}"`);
    seen += value;
  }
  reader.releaseLock();
}

Deno.test(`kill -9 during saves (${ITERATIONS}x): readers never see a false alarm, a plugin always survives, the next save succeeds at once`, async () => {
  await using dir = await tempDir("mcpx-crash-");
  const store = new PluginStore(dir.path);
  await store.save("calc", pluginContents("initial"));

  let stop = false;
  let reads = 0;
  const alarms: string[] = [];
  const readers = Array.from({ length: 3 }, async () => {
    while (!stop) {
      try {
        const p = await store.load("calc");
        const markers = markerOf(p.files);
        if (markers.size !== 1) alarms.push(`torn plugin: ${[...markers].join(", ")}`);
        reads++;
      } catch (e) {
        alarms.push((e as Error).message);
      }
    }
  });

  const saveTimes: number[] = [];
  try {
    for (let i = 0; i < ITERATIONS; i++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", SAVER, dir.path],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      await waitForLine(child.stdout, "saving");
      await new Promise((r) => setTimeout(r, Math.random() * 250));
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});

      // The plugin survived the crash, intact.
      const survived = await store.load("calc");
      assert.equal(markerOf(survived.files).size, 1);

      const t0 = performance.now();
      await store.save("calc", pluginContents(`after-${i}`));
      saveTimes.push(performance.now() - t0);
    }
  } finally {
    stop = true;
    await Promise.all(readers);
  }

  assert.deepEqual(alarms, [], `readers saw ${alarms.length} alarms in ${reads} reads`);
  assert.ok(reads > ITERATIONS, `only ${reads} reads`);
  // A dead saver's lock never makes the next save wait.
  assert.ok(
    Math.max(...saveTimes) < 3_000,
    `slowest save after a crash: ${Math.max(...saveTimes)} ms`,
  );
  // Nothing is left behind: the link and the one version it points at.
  const entries = [...Deno.readDirSync(dir.path)].map((e) => e.name).sort();
  assert.equal(entries.length, 2, `left behind: ${entries.join(", ")}`);
  assert.equal(entries[1], "calc");
  assert.match(entries[0], /^\.v-calc-/);
  const loaded = await store.load("calc");
  assert.deepEqual([...markerOf(loaded.files)], [`after-${ITERATIONS - 1}`]);
});
