import assert from "node:assert/strict";
import { CoalescedTask } from "./coalesced_task.ts";

Deno.test("CoalescedTask: a flood of requests costs one run in flight plus one", async () => {
  let runs = 0;
  let concurrent = 0;
  let most = 0;
  let release!: () => void;
  const task = new CoalescedTask(async () => {
    runs++;
    most = Math.max(most, ++concurrent);
    await new Promise<void>((r) => release = r);
    concurrent--;
  }, { minIntervalMs: 0 });
  const first = task.request();
  const rest = Array.from({ length: 10_000 }, () => task.request());
  assert.equal(runs, 1);
  release();
  await first;
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(runs, 2, "the requests made during the first run share one more run");
  release();
  await Promise.all(rest);
  assert.equal(runs, 2);
  assert.equal(most, 1);
  task.close();
});

Deno.test("CoalescedTask: runs start at least minIntervalMs apart, the last after the last request", async () => {
  const starts: number[] = [];
  let seen = 0;
  let latest = 0;
  const task = new CoalescedTask(() => {
    starts.push(performance.now());
    seen = latest;
    return Promise.resolve();
  }, { minIntervalMs: 50 });
  const t0 = performance.now();
  const waits: Promise<void>[] = [];
  while (performance.now() - t0 < 200) {
    latest++;
    waits.push(task.request());
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(waits);
  assert.equal(seen, latest, "the last run saw the last request");
  assert.ok(starts.length <= 6, `${starts.length} runs in 200 ms`);
  for (let i = 1; i < starts.length; i++) {
    assert.ok(starts[i] - starts[i - 1] >= 49, `runs ${starts[i] - starts[i - 1]} ms apart`);
  }
  task.close();
});

Deno.test("CoalescedTask: a failing run is contained; close drops the pending run", async () => {
  let runs = 0;
  const task = new CoalescedTask(() => {
    runs++;
    return Promise.reject(new Error("upstream gone"));
  }, { minIntervalMs: 10_000 });
  await task.request();
  const pending = task.request(); // waits for the interval
  task.close();
  await pending;
  assert.equal(runs, 1);
  assert.equal(task.runs, 1);
  await task.request(); // closed: resolves at once
});
