import assert from "node:assert/strict";
import { McpxError } from "../errors.ts";
import { SuspendedExecutions } from "./suspended_executions.ts";

Deno.test("a suspended execution asks, waits, and resumes with the answer", async () => {
  const registry = new SuspendedExecutions();
  const exec = registry.start<string>("s1", async (self) => {
    const r = await self.request("elicitation/create", { message: "Name?" });
    return `hello ${(r.content as { name: string }).name}`;
  });
  const first = await exec.next();
  assert.equal(first.kind, "input");
  assert.deepEqual(first.kind === "input" && first.inputs.map((i) => [i.key, i.method]), [
    ["elicitation-1", "elicitation/create"],
  ]);
  registry.park(exec as never);
  const again = registry.resume<string>({ e: exec.id, s: "s1" });
  assert.equal(again, exec);
  assert.equal(
    again.answer({ "elicitation-1": { action: "accept", content: { name: "Ada" } } }),
    1,
  );
  assert.deepEqual(await again.next(), { kind: "done", value: "hello Ada" });
  registry.forget(exec as never);
  assert.equal(registry.size, 0);
});

Deno.test("questions asked at once share one round; unknown answer keys are ignored", async () => {
  const registry = new SuspendedExecutions();
  const exec = registry.start<number>("s", async (self) => {
    const [a, b] = await Promise.all([
      self.request("roots/list", {}),
      self.request("sampling/createMessage", { messages: [] }),
    ]);
    return Object.keys(a).length + Object.keys(b).length;
  });
  const round = await exec.next();
  assert.equal(round.kind === "input" && round.inputs.length, 2);
  assert.equal(exec.answer({ "nope-9": { x: 1 }, "roots-1": { roots: [] } }), 1);
  const second = await exec.next();
  assert.deepEqual(second.kind === "input" && second.inputs.map((i) => i.key), ["sampling-2"]);
  exec.answer({ "sampling-2": { role: "assistant", content: {}, model: "m" } });
  assert.deepEqual(await exec.next(), { kind: "done", value: 4 });
});

Deno.test("a state of another session, or of an expired execution, is refused", async () => {
  const registry = new SuspendedExecutions({ ttlMs: 50 });
  let signal: AbortSignal | undefined;
  const exec = registry.start<string>("mine", async (self) => {
    signal = self.controller.signal;
    await self.request("elicitation/create", { message: "?" });
    return "never";
  });
  await exec.next();
  assert.throws(
    () => registry.resume({ e: exec.id, s: "theirs" }),
    (e) =>
      e instanceof McpxError && e.code === "REQUEST_STATE_INVALID" &&
      /another session/.test(e.message),
  );
  registry.park(exec as never);
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(signal?.aborted, true);
  assert.throws(
    () => registry.resume({ e: exec.id, s: "mine" }),
    (e) =>
      e instanceof McpxError && e.code === "REQUEST_STATE_INVALID" &&
      /no longer waiting/.test(e.message),
  );
});

Deno.test("cancelling a round cancels the execution", async () => {
  const registry = new SuspendedExecutions();
  const exec = registry.start<string>("s", (self) =>
    new Promise((_resolve, reject) => {
      self.controller.signal.addEventListener("abort", () => reject(self.controller.signal.reason));
    }));
  const ac = new AbortController();
  const round = exec.next(ac.signal);
  ac.abort(new DOMException("gone", "AbortError"));
  await assert.rejects(round, /gone/);
  assert.equal(exec.controller.signal.aborted, true);
});
