import assert from "node:assert/strict";
import { askOnTerminal, lineReader, PROMPT_QUESTION } from "./terminal_prompt.ts";

function tester(lines: (string | null)[]) {
  let out = "";
  return {
    io: {
      write: (t: string) => void (out += t),
      readLine: () => Promise.resolve(lines.length > 0 ? lines.shift()! : null),
    },
    out: () => out,
  };
}

const form = { message: 'Allow "memory/delete_entities"?', requestedSchema: {} };

Deno.test("y approves once, a approves all, n or Enter declines, end of input cancels", async () => {
  const t = tester(["y"]);
  assert.deepEqual(await askOnTerminal(form, t.io), {
    action: "accept",
    content: { approveAllForSession: false },
  });
  assert.equal(t.out(), `\n${form.message}\n${PROMPT_QUESTION}`);
  assert.deepEqual(await askOnTerminal(form, tester([" ALL "]).io), {
    action: "accept",
    content: { approveAllForSession: true },
  });
  assert.deepEqual(await askOnTerminal(form, tester([""]).io), { action: "decline" });
  assert.deepEqual(await askOnTerminal(form, tester(["no"]).io), { action: "decline" });
  assert.deepEqual(await askOnTerminal(form, tester([null]).io), { action: "cancel" });
});

Deno.test("an unknown answer is asked again, three times at most", async () => {
  const t = tester(["maybe", "a"]);
  assert.equal((await askOnTerminal(form, t.io)).action, "accept");
  assert.match(t.out(), /Unknown answer "maybe": type y, a or n/);
  assert.deepEqual(await askOnTerminal(form, tester(["?", "?", "?", "y"]).io), {
    action: "decline",
  });
});

Deno.test("lineReader splits a stream into lines", async () => {
  const read = lineReader(
    ReadableStream.from([new TextEncoder().encode("y\r\nn\nla"), new TextEncoder().encode("st")]),
  );
  assert.deepEqual([await read(), await read(), await read(), await read()], [
    "y",
    "n",
    "last",
    null,
  ]);
});
