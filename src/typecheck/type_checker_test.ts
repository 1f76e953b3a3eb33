import assert from "node:assert/strict";
import { McpxError } from "../errors.ts";
import { TypeChecker } from "./type_checker.ts";

/** Type-checking this takes far longer than any deadline in these tests. */
const HOSTILE = `type D = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
type A = \`\${D}\${D}\${D}\${D}\`;
type B = { [K in A]: { [J in A]: K } };
const c: B[A][A] = "x" as any;
`;

const tree = new Map([["/lib/n.ts", `export const n: number = 1;`]]);

Deno.test("TypeChecker: one warm process checks many programs off the main thread", async () => {
  await using checker = new TypeChecker();
  await checker.warmUp();
  const bad = await checker.check(`import { n } from "./lib/n.ts";\nconst s: string = n;`, {
    files: tree,
  });
  assert.equal(bad.ok, false);
  assert.equal(bad.total, 1);
  assert.deepEqual(
    { line: bad.diagnostics[0].line, column: bad.diagnostics[0].column },
    { line: 2, column: 7 },
  );
  const good = await checker.check(`import { n } from "./lib/n.ts";\nexport default n + 1;`, {
    files: tree,
  });
  assert.equal(good.ok, true);
  // Checks queued together all answer, in order, from the same process.
  const many = await Promise.all(
    Array.from({ length: 5 }, (_, i) => checker.check(`const x: number = ${i % 2 ? "1" : '"1"'};`)),
  );
  assert.deepEqual(many.map((r) => r.ok), [false, true, false, true, false]);
  assert.equal(checker.processesStarted, 1);
});

Deno.test("TypeChecker: a hostile program meets the deadline, the host stays responsive, the process is killed and replaced", async () => {
  await using checker = new TypeChecker({ timeoutMs: 1_500 });
  await checker.warmUp();
  const pid = checker.pid!;
  let ticks = 0;
  const interval = setInterval(() => ticks++, 50);
  const t0 = performance.now();
  try {
    await assert.rejects(checker.check(HOSTILE), (e: unknown) => {
      assert.ok(e instanceof McpxError);
      assert.equal(e.code, "TYPE_CHECK_FAILED");
      assert.match(e.message, /took longer than 1500 ms/);
      return true;
    });
  } finally {
    clearInterval(interval);
  }
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 3_000, `the deadline took ${elapsed} ms`);
  // The main thread kept running its timers while the checker was busy.
  assert.ok(ticks >= 10, `only ${ticks} timer ticks in ${elapsed} ms`);
  // The runaway checker is gone, not left computing in the background.
  const gone = async () => {
    for (let i = 0; i < 40; i++) {
      try {
        Deno.kill(pid, "SIGCONT");
      } catch {
        return true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };
  assert.ok(await gone(), `checker process ${pid} still runs`);
  // The next check gets a fresh process and works.
  const r = await checker.check(`const s: string = 1;`);
  assert.equal(r.ok, false);
  assert.equal(checker.processesStarted, 2);
});

Deno.test("TypeChecker: a program that overflows the compiler's stack is refused; a fresh process goes on", async () => {
  await using checker = new TypeChecker();
  const nested = `export default ${"[".repeat(20_000)}${"]".repeat(20_000)};`;
  await assert.rejects(checker.check(nested), (e: unknown) => {
    assert.equal((e as McpxError).code, "TYPE_CHECK_FAILED");
    assert.match((e as Error).message, /Maximum call stack size exceeded.*--no-check/);
    return true;
  });
  assert.equal((await checker.check(`const s: string = 1;`)).total, 1);
  assert.equal(checker.processesStarted, 2);
});

Deno.test("TypeChecker: a program that exhausts the checker's heap is refused; the host is untouched", async () => {
  await using checker = new TypeChecker({ timeoutMs: 60_000, maxHeapMiB: 128 });
  await checker.warmUp();
  await assert.rejects(checker.check(HOSTILE), (e: unknown) => {
    assert.equal((e as McpxError).code, "TYPE_CHECK_FAILED");
    assert.match((e as Error).message, /the checker stopped \(.+\).*--no-check/);
    return true;
  });
  assert.equal((await checker.check(`const s: string = 1;`)).total, 1);
  assert.equal(checker.processesStarted, 2);
  assert.throws(() => new TypeChecker({ maxHeapMiB: 8 }), RangeError);
});

Deno.test("TypeChecker: cancellation and close", async () => {
  const checker = new TypeChecker();
  await checker.warmUp();
  const ac = new AbortController();
  const pending = checker.check(HOSTILE, { signal: ac.signal });
  setTimeout(() => ac.abort(), 200);
  await assert.rejects(pending, /Type-checking was cancelled/);
  assert.equal((await checker.check(`export default 1;`)).ok, true);
  await checker.close();
  await assert.rejects(checker.check(`1`), (e: unknown) => (e as McpxError).code === "USAGE");
  assert.throws(() => new TypeChecker({ timeoutMs: 0 }), RangeError);
});

Deno.test("TypeChecker: a program checked again against the same files is answered from its kept result", async () => {
  await using checker = new TypeChecker();
  const program = `import { x } from "./x.ts";\nconst n: number = x;`;
  const numeric = new Map([["/x.ts", "export const x = 1;"]]);
  const first = await checker.check(program, { files: tree, extraFiles: numeric });
  assert.equal(first.ok, true);
  // With the process gone, only a kept result can answer without a new one.
  Deno.kill(checker.pid!, "SIGKILL");
  for (let i = 0; i < 100 && checker.pid !== undefined; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(checker.pid, undefined, "the killed process is noticed");
  const again = await checker.check(program, {
    files: tree,
    extraFiles: new Map([["/x.ts", "export const x = 1;"]]),
  });
  assert.deepEqual({ ...again, durationMs: first.durationMs }, first);
  assert.equal(again.durationMs, 0);
  assert.equal(checker.processesStarted, 1);
  // Other extra files, another tree or another entry: checked afresh.
  const textual = await checker.check(program, {
    files: tree,
    extraFiles: new Map([["/x.ts", `export const x = "one";`]]),
  });
  assert.equal(textual.ok, false);
  assert.match(textual.diagnostics[0].message, /not assignable to type 'number'/);
  assert.equal(checker.processesStarted, 2);
  const otherTree = new Map([["/x.ts", `export const x = "two";`]]);
  assert.equal((await checker.check(program, { files: otherTree })).ok, false);
  // A kept result's diagnostics cannot be changed by whoever received them.
  assert.throws(() => {
    again.diagnostics.push(textual.diagnostics[0]);
  }, TypeError);
});
