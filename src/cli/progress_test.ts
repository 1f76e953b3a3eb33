import assert from "node:assert/strict";
import { note, Progress, type ProgressState, renderLine, serverProgress } from "./progress.ts";

function sink(isTerminal: boolean, columns?: number) {
  const s = {
    text: "",
    isTerminal,
    write(t: string) {
      s.text += t;
    },
    ...(columns ? { columns: () => columns } : {}),
  };
  return s;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLEAR = "\r\x1b[2K";

Deno.test("Progress", async (t) => {
  await t.step("draws nothing when standard error is not a terminal", async () => {
    const out = sink(false);
    const line = new Progress(out, { delayMs: 0, intervalMs: 5 }).start(
      "starting servers",
      () => ({ done: 0, total: 2, pending: ["a", "b"] }),
    );
    await wait(30);
    line.print("error: boom\n");
    line.end();
    assert.equal(out.text, "error: boom\n");
  });

  await t.step("draws nothing with --quiet or TERM=dumb, even on a terminal", async () => {
    for (const opts of [{ quiet: true }, { env: { TERM: "dumb" } }]) {
      const out = sink(true);
      const progress = new Progress(out, { delayMs: 0, intervalMs: 5, ...opts });
      assert.equal(progress.enabled, false);
      const line = progress.start("starting servers", () => ({ done: 0, total: 1 }));
      await wait(20);
      line.end();
      assert.equal(out.text, "");
    }
  });

  await t.step("on a terminal: redraws one line in place, then clears it", async () => {
    const out = sink(true);
    let state: ProgressState = { done: 1, total: 3, pending: ["slow", "github"] };
    const line = new Progress(out, { delayMs: 0, intervalMs: 5 }).start(
      "starting servers",
      () => state,
    );
    await wait(40);
    const draws = out.text.split(CLEAR).filter(Boolean);
    assert.ok(draws.length >= 2, `redrawn: ${JSON.stringify(out.text)}`);
    assert.match(draws[0], /^⠋ starting servers 1\/3 · 0\.\d s · waiting for slow, github$/);
    assert.ok(draws.every((d) => !d.includes("\n")), "one line, no newline");
    state = { done: 2, total: 3, pending: ["slow"] };
    await wait(20);
    assert.match(out.text, /starting servers 2\/3 · \d\.\d s · waiting for slow$/);
    line.end();
    assert.ok(out.text.endsWith(CLEAR), "the line is cleared at the end");
    const before = out.text;
    line.end();
    await wait(20);
    assert.equal(out.text, before, "nothing drawn after end");
  });

  await t.step("ends by itself once everything is done", async () => {
    const out = sink(true);
    let done = 0;
    using _line = new Progress(out, { delayMs: 0, intervalMs: 5 }).start(
      "introspecting servers",
      () => ({ done, total: 1 }),
    );
    await wait(20);
    done = 1;
    await wait(20);
    const after = out.text;
    assert.ok(after.endsWith(CLEAR));
    await wait(20);
    assert.equal(out.text, after);
  });

  await t.step("quick work shows nothing before the delay", async () => {
    const out = sink(true);
    const line = new Progress(out, { delayMs: 10_000, intervalMs: 5 }).start(
      "starting servers",
      () => ({ done: 0, total: 1 }),
    );
    await wait(30);
    line.end();
    assert.equal(out.text, "");
  });

  await t.step("print clears the line, writes, and draws it again", () => {
    const out = sink(true);
    const line = new Progress(out, { delayMs: 0, intervalMs: 1_000 }).start(
      "learning result types",
      () => ({ done: 0, total: 2, pending: ["everything"] }),
    );
    line.print("learned: everything/get-env\n");
    line.end();
    const parts = out.text.split(CLEAR);
    assert.deepEqual(parts.map((p) => p.replace(/ · \d\.\d s/, "")), [
      "",
      "⠋ learning result types 0/2 · waiting for everything",
      "learned: everything/get-env\n",
      "⠙ learning result types 0/2 · waiting for everything",
      "",
    ]);
  });

  await t.step("NO_COLOR: no spinner", () => {
    const out = sink(true);
    new Progress(out, { delayMs: 0, intervalMs: 1_000, env: { NO_COLOR: "1" } })
      .start("starting servers", () => ({ done: 0, total: 1 })).end();
    assert.ok(out.text.startsWith(`${CLEAR}starting servers 0/1 · 0.0 s`), out.text);
  });

  await t.step("cut to the terminal's width", () => {
    const out = sink(true, 40);
    const names = Array.from({ length: 20 }, (_, i) => `server-${i}`);
    new Progress(out, { delayMs: 0, intervalMs: 1_000 })
      .start("starting servers", () => ({ done: 0, total: 20, pending: names })).end();
    const drawn = out.text.split(CLEAR)[1];
    assert.equal([...drawn].length, 39);
    assert.ok(drawn.endsWith("…"));
  });
});

Deno.test("renderLine escapes control characters in names", () => {
  const line = renderLine(
    "starting servers",
    { done: 0, total: 1, pending: ["evil\x1b]0;pwned\x07\nname"] },
    1234,
    "",
  );
  assert.equal(line, "starting servers 0/1 · 1.2 s · waiting for evil\\x1b]0;pwned\\x07 name");
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x1f]/.test(line));
});

Deno.test("serverProgress counts ready and failed servers as done", () => {
  assert.deepEqual(
    serverProgress([
      { name: "a", state: "ready" },
      { name: "b", state: "failed" },
      { name: "c", state: "loading" },
      { name: "d", state: "idle" },
    ]),
    { done: 2, total: 4, pending: ["c", "d"] },
  );
});

Deno.test("note is silenced by --quiet", () => {
  let err = "";
  note({ err: (t) => err += t }, "printing the file list only");
  assert.equal(err, "note: printing the file list only\n");
  note({ err: (t) => err += t, quiet: true }, "hidden");
  assert.equal(err, "note: printing the file list only\n");
});
