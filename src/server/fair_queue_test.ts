import assert from "node:assert/strict";
import { FairQueue, QueueFullError } from "./fair_queue.ts";

function gate() {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { promise, open: () => resolve() };
}

Deno.test("FairQueue caps each session and the total", async () => {
  const q = new FairQueue({ perSession: 2, total: 3 });
  const g = gate();
  const started: string[] = [];
  const task = (name: string) => () => {
    started.push(name);
    return g.promise.then(() => name);
  };
  const all = ["a1", "a2", "a3", "b1", "b2"].map((n) => q.run(n[0], task(n)));
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(started, ["a1", "a2", "b1"]);
  assert.equal(q.running, 3);
  assert.equal(q.waiting, 2);
  g.open();
  assert.deepEqual(await Promise.all(all), ["a1", "a2", "a3", "b1", "b2"]);
  assert.equal(q.running, 0);
});

Deno.test("FairQueue takes waiting sessions in turn, so a flood does not starve others", async () => {
  const q = new FairQueue({ perSession: 4, total: 1 });
  const order: string[] = [];
  const blocker = gate();
  const first = q.run("flood", () => blocker.promise);
  const runs = [];
  for (let i = 0; i < 5; i++) {
    runs.push(q.run("flood", () => Promise.resolve(order.push(`flood${i}`))));
  }
  runs.push(q.run("quiet", () => Promise.resolve(order.push("quiet"))));
  blocker.open();
  await Promise.all([first, ...runs]);
  // "quiet" arrived last but runs second: after one task of the flooding session.
  assert.deepEqual(order.slice(0, 2), ["flood0", "quiet"]);
});

Deno.test("FairQueue drops a waiting task whose signal aborts, and refuses past maxWaiting", async () => {
  const q = new FairQueue({ perSession: 1, total: 1, maxWaiting: 1 });
  const g = gate();
  const running = q.run("a", () => g.promise);
  const ac = new AbortController();
  const waiting = q.run("a", () => Promise.resolve("never"), ac.signal);
  await assert.rejects(() => q.run("a", () => Promise.resolve(1)), QueueFullError);
  ac.abort(new Error("client went away"));
  await assert.rejects(waiting, /client went away/);
  assert.equal(q.waiting, 0);
  g.open();
  await running;
  assert.equal(await q.run("a", () => Promise.resolve("next")), "next");
  assert.throws(() => new FairQueue({ total: 0 }), /Invalid total 0/);
});

Deno.test("FairQueue: a ticket in but not admitted holds its session's place, not a slot", async () => {
  const q = new FairQueue({ perSession: 1, total: 1 });
  // Session a enters (say, to type-check) without taking the slot yet.
  const a = await q.enter("a");
  assert.equal(q.running, 0);
  // Session b's task runs meanwhile; a second task of a waits for a's place.
  assert.equal(await q.run("b", () => Promise.resolve("b ran")), "b ran");
  let a2Started = false;
  const a2 = q.run("a", () => Promise.resolve(a2Started = true));
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(a2Started, false);
  await a.admit();
  assert.equal(q.running, 1);
  // Admitted tickets wait for the slot in turn.
  const b = await q.enter("b");
  let bAdmitted = false;
  const bAdmit = b.admit().then(() => bAdmitted = true);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(bAdmitted, false);
  a.leave();
  a.leave(); // idempotent
  await bAdmit;
  b.leave();
  assert.equal(await a2, true);
  assert.equal(q.running, 0);
  assert.equal(q.waiting, 0);
});

Deno.test("FairQueue: a ticket waiting for a slot is dropped when its signal aborts", async () => {
  const q = new FairQueue({ perSession: 2, total: 1 });
  const holder = await q.enter("a");
  await holder.admit();
  const waiting = await q.enter("b");
  const ac = new AbortController();
  const admit = waiting.admit(ac.signal);
  ac.abort(new Error("cancelled"));
  await assert.rejects(admit, /cancelled/);
  waiting.leave();
  holder.leave();
  assert.equal(q.running, 0);
  assert.equal(q.waiting, 0);
  assert.equal(await q.run("b", () => Promise.resolve("next")), "next");
});
