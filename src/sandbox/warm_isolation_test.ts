// The warm path reuses one QuickJS context per worker and restores its memory
// between executions. These tests run every execution on a single worker, so
// each one lands in the context the previous one used, and check that nothing
// the previous one did is still there.

import assert from "node:assert/strict";
import type { CallEnvelope } from "./engine.ts";
import { QuickJSEngine } from "./quickjs_engine.ts";
import { type ExecutionResult, Sandbox, type ToolCallback } from "./sandbox.ts";

async function oneWorker(): Promise<Sandbox> {
  const engine = await QuickJSEngine.create({ minWorkers: 1, maxWorkers: 1 });
  assert.equal(engine.coldReason, undefined, `the warm path is off: ${engine.coldReason}`);
  return await Sandbox.create({ engine, ownsEngine: true });
}

function ok(r: ExecutionResult): unknown {
  assert.equal(r.ok, true, `expected success, got ${JSON.stringify(r.error)}`);
  return r.result;
}

const TREE: ReadonlyMap<string, string> = new Map([
  [
    "/lib/counter.ts",
    `export let count = 0;
export const state: { items: number[] } = { items: [] };
export function bump(): number {
  state.items.push(count);
  return ++count;
}`,
  ],
  ["/lib/index.ts", `export { bump, count, state } from "./counter.ts";`],
]);

Deno.test("warm path: globals and built-ins of one execution are gone in the next", async () => {
  await using sandbox = await oneWorker();
  ok(
    await sandbox.execute(`
      (globalThis as any).leaked = "secret";
      Object.defineProperty(globalThis, "pinned", { value: 1, configurable: false });
      (Object.prototype as any).polluted = true;
      Array.prototype.map = function () { return ["hijacked"]; } as any;
      Promise.prototype.then = function () { throw new Error("hijacked then"); } as any;
      (Promise as any).resolve = () => "hijacked";
      JSON.stringify = () => '"hijacked"';
      JSON.parse = () => "hijacked";
      Math.random = () => 4;
      Error.stackTraceLimit = 0;
      Object.freeze(Object.prototype);
      Object.defineProperty(globalThis, "console", { value: { log() {} } });
      export default 1;
    `),
  );
  const r = await sandbox.execute(`
    const g = globalThis as any;
    console.log("console works");
    const seen = {
      leaked: typeof g.leaked,
      pinned: typeof g.pinned,
      polluted: ({} as any).polluted,
      map: [1, 2].map((x) => x * 2),
      then: await Promise.resolve(7).then((x) => x + 1),
      json: JSON.parse(JSON.stringify({ a: 1 })),
      random: Math.random() < 1,
      stack: (new Error("x").stack ?? "").includes("main.ts"),
      frozen: Object.isFrozen(Object.prototype),
    };
    export default seen;
  `);
  assert.deepEqual(ok(r), {
    leaked: "undefined",
    pinned: "undefined",
    map: [2, 4],
    then: 8,
    json: { a: 1 },
    random: true,
    stack: true,
    frozen: false,
  });
  assert.deepEqual(r.logs, [{ level: "log", message: "console works" }]);
});

Deno.test("warm path: Math.random is reseeded for every execution", async () => {
  await using sandbox = await oneWorker();
  const code = "export default [Math.random(), Math.random()];";
  const seen = new Set<string>();
  for (let i = 0; i < 5; i++) seen.add(JSON.stringify(ok(await sandbox.execute(code))));
  assert.equal(seen.size, 5, "two executions drew the same random numbers");
});

Deno.test("warm path: module state of the tree and of workspace modules starts over", async () => {
  await using sandbox = await oneWorker();
  const extraFiles = new Map([
    [
      "/workspace/notes.ts",
      `export const notes: string[] = [];\nexport let edits = 0;\nexport function add(n: string) { notes.push(n); edits++; return notes.length; }`,
    ],
  ]);
  const program = `
    import { bump, count, state } from "./lib/index.ts";
    import * as counter from "./lib/counter.ts";
    import { add, notes } from "./workspace/notes.ts";
    const before = { count, items: state.items.length, notes: notes.length };
    bump();
    add("x");
    (state as any).extra = true;
    try { (counter as any).count = 99; } catch { /* read-only binding */ }
    export default { before, after: count, extra: Object.keys(state) };
  `;
  // The first run loads the tree from source; later runs use the evaluated
  // modules of the snapshot. Each must see the modules as they were written.
  for (let i = 0; i < 4; i++) {
    const r = await sandbox.execute(program, { files: TREE, extraFiles });
    assert.deepEqual(ok(r), {
      before: { count: 0, items: 0, notes: 0 },
      after: 1,
      extra: ["items", "extra"],
    }, `run ${i}`);
  }
  // A workspace file that replaces a tree module of the snapshot is the one imported.
  const shadow = new Map([[
    "/lib/counter.ts",
    "export const count = 'shadow'; export const state = {}; export function bump() {}",
  ]]);
  const r = await sandbox.execute(
    `import { count } from "./lib/counter.ts"; export default count;`,
    { files: TREE, extraFiles: shadow },
  );
  assert.equal(ok(r), "shadow");
  const again = await sandbox.execute(
    `import { count } from "./lib/counter.ts"; export default count;`,
    { files: TREE },
  );
  assert.equal(ok(again), 0);
});

Deno.test("warm path: promises and tool calls left pending never reach the next execution", async () => {
  await using sandbox = await oneWorker();
  const slow: ToolCallback = (_s, tool) =>
    new Promise<CallEnvelope>((resolve) =>
      setTimeout(() => resolve({ ok: true, value: tool }), tool === "slow" ? 150 : 400)
    );
  const host = `(globalThis as any)[Symbol.for("mcpx.host")]`;
  ok(
    await sandbox.execute(
      `
      const host = ${host};
      host.callTool("s", "slow", {}).then(() => { (globalThis as any).late = "from the first"; });
      Promise.resolve().then(function again(): Promise<void> {
        (globalThis as any).ticks = ((globalThis as any).ticks ?? 0) + 1;
        return new Promise(() => {});
      });
      export default "left early";
    `,
      { callTool: slow, limits: { timeoutMs: 300 } },
    ),
  );
  // This one outlives both the first one's tool call and its time limit.
  const r = await sandbox.execute(
    `
    const host = ${host};
    await host.callTool("s", "wait", {});
    const g = globalThis as any;
    export default { late: g.late ?? null, ticks: g.ticks ?? 0 };
  `,
    { callTool: slow },
  );
  assert.deepEqual(ok(r), { late: null, ticks: 0 });
  assert.equal(r.stats.toolCalls, 1);
});

Deno.test("warm path: a memory limit, a timeout or a cancel does not carry over", async () => {
  await using sandbox = await oneWorker();
  const bomb = await sandbox.execute(
    "const a: string[] = []; for (;;) a.push('x'.repeat(1024) + a.length);",
    { limits: { memoryBytes: 16 * 1024 * 1024 } },
  );
  assert.equal(bomb.error?.code, "SANDBOX_MEMORY");
  // 48 MiB is far past the last execution's limit and within the default.
  const big = await sandbox.execute(
    "const a = new Uint8Array(48 * 1024 * 1024); a[a.length - 1] = 7; export default a[a.length - 1];",
  );
  assert.equal(ok(big), 7);

  const spin = await sandbox.execute("for (;;) {}", { limits: { timeoutMs: 200 } });
  assert.equal(spin.error?.code, "SANDBOX_TIMEOUT");
  const work = await sandbox.execute(
    "let s = 0; for (let i = 0; i < 3_000_000; i++) s += i % 7; export default s > 0;",
  );
  assert.equal(ok(work), true);

  const controller = new AbortController();
  const running = sandbox.execute("for (;;) {}", { signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  assert.equal((await running).error?.code, "SANDBOX_CANCELLED");
  assert.equal(ok(await sandbox.execute("export default 'after cancel';")), "after cancel");

  const deep = await sandbox.execute(
    "function down(n: number): number { return down(n + 1) + 1; }\nexport default down(0);",
  );
  assert.equal(deep.error?.code, "SANDBOX_STACK");
  assert.equal(ok(await sandbox.execute("export default [1, 2, 3].length;")), 3);
});

Deno.test("warm path: a thousand executions keep the worker's memory flat", async () => {
  // In a process of its own, so that other tests running alongside do not
  // move the figure.
  const script = `
    import { QuickJSEngine } from ${
    JSON.stringify(new URL("./quickjs_engine.ts", import.meta.url).href)
  };
    import { Sandbox } from ${JSON.stringify(new URL("./sandbox.ts", import.meta.url).href)};
    const engine = await QuickJSEngine.create({ minWorkers: 1, maxWorkers: 1 });
    if (engine.coldReason !== undefined) throw new Error("the warm path is off: " + engine.coldReason);
    await using sandbox = await Sandbox.create({ engine, ownsEngine: true });
    const code = \`
      (globalThis as any).junk = Array.from({ length: 200 }, (_, i) => ({ i, s: "v" + i }));
      export default (globalThis as any).junk.length;
    \`;
    const run = async () => {
      const r = await sandbox.execute(code);
      if (!r.ok || r.result !== 200) throw new Error(JSON.stringify(r));
    };
    for (let i = 0; i < 50; i++) await run();
    const before = Deno.memoryUsage().rss;
    for (let i = 0; i < 1_000; i++) await run();
    console.log(Deno.memoryUsage().rss - before);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--config=${new URL("../../deno.json", import.meta.url).pathname}`, "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { code, stdout, stderr } = await out.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const grown = Number(new TextDecoder().decode(stdout).trim());
  assert.ok(Number.isFinite(grown), new TextDecoder().decode(stdout));
  assert.ok(grown < 16 * 1024 * 1024, `RSS grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`);
});

Deno.test("warm path: a tree module that cannot be compiled fails alike every time", async () => {
  await using sandbox = await oneWorker();
  const files = new Map([
    ["/broken.ts", `import { z } from "./missing.ts";\nexport const a = z;`],
    ["/fine.ts", `export const b = 2;`],
  ]);
  for (let i = 0; i < 3; i++) {
    const r = await sandbox.execute(`import { a } from "./broken.ts"; export default a;`, {
      files,
    });
    assert.equal(r.error?.code, "SANDBOX_COMPILE", `run ${i}: ${JSON.stringify(r.error)}`);
    assert.match(r.error!.message, /missing\.ts/);
  }
  for (let i = 0; i < 3; i++) {
    const r = await sandbox.execute(`import { b } from "./fine.ts"; export default b;`, { files });
    assert.equal(ok(r), 2);
  }
});

/** Fails instead of hanging when `p` takes longer than `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no outcome after ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

Deno.test("warm path: a tree module's top level runs once per execution, as each one sees it", async () => {
  // No watchdog to fall back on: a worker stuck between executions would hang.
  const engine = await QuickJSEngine.create({ minWorkers: 1, maxWorkers: 1, graceMs: 120_000 });
  await using sandbox = await Sandbox.create({ engine, ownsEngine: true });
  // Tree modules an execution imported are evaluated into the snapshot; each
  // later execution must find them exactly as a first import leaves them.
  const files = new Map([
    [
      "/loads.ts",
      `const g = globalThis as any;\ng.loads = (g.loads ?? 0) + 1;\nexport const seen = g.loads;\nexport const list: number[] = [];`,
    ],
    ["/throws.ts", `export const a = 1;\nthrow new Error("boom at load");`],
    ["/spins.ts", `export const b = 1;\nwhile (true) {}`],
  ]);
  for (let i = 0; i < 4; i++) {
    const r = await sandbox.execute(
      `import { list, seen } from "./loads.ts";\nlist.push(${i});\nexport default { seen, loads: (globalThis as any).loads, list: [...list] };`,
      { files },
    );
    assert.deepEqual(ok(r), { seen: 1, loads: 1, list: [i] }, `run ${i}`);
  }
  for (let i = 0; i < 3; i++) {
    const r = await sandbox.execute(`import { a } from "./throws.ts"; export default a;`, {
      files,
    });
    assert.equal(r.ok, false, `run ${i}`);
    assert.match(r.error!.message, /boom at load/, `run ${i}`);
  }
  // A module that never finishes loading is stopped by the execution's
  // deadline every time, and is never left running in the worker between them.
  for (let i = 0; i < 2; i++) {
    const r = await within(
      sandbox.execute(`import { b } from "./spins.ts"; export default b;`, {
        files,
        limits: { timeoutMs: 200 },
      }),
      30_000,
      `run ${i}`,
    );
    assert.equal(r.error?.code, "SANDBOX_TIMEOUT", `run ${i}: ${JSON.stringify(r.error)}`);
  }
  // A module that calls a tool as it loads makes its call in every execution.
  const calls = new Map([[
    "/calls.ts",
    `(globalThis as any)[Symbol.for("mcpx.host")].callTool("s", "loaded", {});\nexport const c = 1;`,
  ]]);
  let made = 0;
  const count: ToolCallback = () => {
    made++;
    return Promise.resolve({ ok: true, value: made });
  };
  for (let i = 0; i < 3; i++) {
    const r = await sandbox.execute(`import { c } from "./calls.ts"; export default c;`, {
      files: calls,
      callTool: count,
    });
    assert.equal(ok(r), 1);
    assert.equal(r.stats.toolCalls, 1, `run ${i}`);
  }
  assert.equal(made, 3);
  const last = sandbox.execute(`import { seen } from "./loads.ts"; export default seen;`, {
    files,
  });
  assert.deepEqual(ok(await within(last, 30_000, "the next execution")), 1);
});

Deno.test("a worker waiting for a tool's reply stops at its own deadline", async () => {
  // The host's watchdog is out of reach here: only the worker's own clock,
  // which must keep running while the worker waits on its doorbell, can end it.
  const engine = await QuickJSEngine.create({ minWorkers: 1, maxWorkers: 1, graceMs: 120_000 });
  await using sandbox = await Sandbox.create({ engine, ownsEngine: true });
  const never: ToolCallback = () => new Promise<CallEnvelope>(() => {});
  const started = performance.now();
  const r = await sandbox.execute(
    `await (globalThis as any)[Symbol.for("mcpx.host")].callTool("s", "never", {});`,
    { callTool: never, limits: { timeoutMs: 300 } },
  );
  assert.equal(r.error?.code, "SANDBOX_TIMEOUT", JSON.stringify(r.error));
  // Its clock fires on time: well before the longest wait on the doorbell (5 s).
  const took = performance.now() - started;
  assert.ok(took < 3_000, `ended after ${took.toFixed(0)} ms`);
  // The worker goes on serving.
  assert.equal(ok(await sandbox.execute("export default 2 + 2")), 4);
});

Deno.test("executions go to a worker that holds their tree, which it keeps warm", async () => {
  const engine = await QuickJSEngine.create({ minWorkers: 2, maxWorkers: 2 });
  await using sandbox = await Sandbox.create({ engine, ownsEngine: true });
  assert.equal(engine.workerCount, 2);
  const program = `import { bump } from "./lib/index.ts";\nexport default bump();`;
  for (let i = 0; i < 5; i++) assert.equal(ok(await sandbox.execute(program, { files: TREE })), 1);
  // One after another, every execution found the tree where the first one left it.
  assert.equal(engine.treesSent, 1);
  // Two at once need both workers: the second one gets the tree too.
  const both = await Promise.all([1, 2].map(() => sandbox.execute(program, { files: TREE })));
  assert.deepEqual(both.map(ok), [1, 1]);
  assert.equal(engine.treesSent, 2);
  for (let i = 0; i < 4; i++) ok(await sandbox.execute(program, { files: TREE }));
  assert.equal(engine.treesSent, 2);
});
