// The protocol between bench/peers.ts and its contender processes, driven for
// real: a Deno contender (bare QuickJS, which needs no server) and the Node
// peer's argument handling (which needs no installed peer).
import assert from "node:assert/strict";
import { verify } from "./peers/_protocol.mjs";

const root = new URL("..", import.meta.url).pathname;

async function talk(args: string[], requests: object[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/_peer_deno.ts", ...args],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(requests.map((r) => JSON.stringify(r)).join("\n") + "\n"),
  );
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  return {
    code: out.code,
    answers: text.split("\n").filter(Boolean).map((l) => JSON.parse(l)),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("a Deno contender answers init, run, rss and close in order", async () => {
  const { code, answers } = await talk(["quickjs"], [
    { id: 1, op: "init" },
    { id: 2, op: "run", kind: "trivial", n: 5 },
    { id: 3, op: "run", kind: "one", n: 1 },
    { id: 4, op: "rss" },
    { id: 5, op: "close" },
  ]);
  assert.equal(code, 0);
  assert.deepEqual(answers.map((a) => [a.id, a.ok]), [
    [1, true],
    [2, true],
    [3, false],
    [4, true],
    [5, true],
  ]);
  assert.deepEqual(answers[0].kinds, ["trivial"]);
  assert.match(answers[0].runtime, /^deno /);
  assert.equal(answers[1].ms.length, 5);
  assert.ok(answers[1].ms.every((ms: number) => ms > 0 && ms < 10_000));
  assert.match(answers[2].error, /quickjs contender has no "one" program/);
  assert.ok(answers[3].rss > 10 * 1048576);
});

Deno.test("a cold start prints one result line and exits", async () => {
  const { code, answers } = await talk(["quickjs", "--cold", "trivial"], []);
  assert.equal(code, 0);
  assert.deepEqual(answers, [{ cold: true, ok: true }]);
});

Deno.test("an unknown contender is refused by name", async () => {
  const deno = await talk(["v8"], []);
  assert.equal(deno.code, 2);
  assert.match(deno.stderr, /Unknown contender "v8": known are mcpx, quickjs, function, sdk/);
  const node = await new Deno.Command("node", {
    args: ["peer_node.mjs", "v8"],
    cwd: `${root}bench/peers`,
    stdin: "null",
    stderr: "piped",
  }).output();
  assert.equal(node.code, 2);
  assert.match(
    new TextDecoder().decode(node.stderr),
    /Unknown contender "v8": known are utcp, aisdk/,
  );
});

Deno.test("a wrong result fails the run", () => {
  verify("trivial", 2);
  verify("one", { content: [{ type: "text", text: "Echo: hi" }] });
  verify("ten", Array.from({ length: 10 }, (_, i) => `Echo: hi${i}`));
  assert.throws(() => verify("trivial", "2"), /Wrong result of a "trivial" run: "2"/);
  assert.throws(() => verify("one", { content: [] }), /Wrong result of a "one" run/);
  assert.throws(() => verify("ten", ["Echo: hi0"]), /Wrong result of a "ten" run/);
});
