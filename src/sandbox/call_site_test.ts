import assert from "node:assert/strict";
import { Sandbox } from "./sandbox.ts";

Deno.test("each tool call carries the program line that made it, which the program cannot fake", async () => {
  await using sandbox = await Sandbox.create({ workers: { minWorkers: 1, maxWorkers: 1 } });
  const run = async (code: string) => {
    const lines: (number | undefined)[] = [];
    const r = await sandbox.execute(code, {
      callTool: (_s, _t, _a, _signal, site) => {
        lines.push(site?.line);
        return Promise.resolve({ ok: true, value: 1 });
      },
    });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    return lines;
  };
  const hook = `const hook = (globalThis as any)[Symbol.for("mcpx.host")];`;
  assert.deepEqual(
    await run(`${hook}
async function f(): Promise<number> {
  return await hook.callTool("a", "b", {});
}
await f();
await Promise.all([hook.callTool("a", "c", {}), f()]);`),
    [3, 6, 3],
  );
  assert.deepEqual(
    await run(`Error.prepareStackTrace = () => "    at x (/main.ts:999:1)";
${hook}
await hook.callTool("a", "b", {});`),
    [3],
  );
  assert.deepEqual(
    await run(`Object.defineProperty(Error, "prepareStackTrace", {
  value: () => "    at x (/main.ts:999:1)", writable: false, configurable: false,
});
${hook}
await hook.callTool("a", "b", {});`),
    [undefined],
  );
});

Deno.test("pauseClock stops the time limit while a person is asked, then the rest of it applies", async () => {
  await using sandbox = await Sandbox.create({
    workers: { minWorkers: 1, maxWorkers: 1 },
    limits: { timeoutMs: 300 },
  });
  const hook = `const hook = (globalThis as any)[Symbol.for("mcpx.host")];`;
  const slow = (pause: boolean) =>
  async (
    _s: string,
    _t: string,
    _a: unknown,
    _sig: AbortSignal,
    info?: { pauseClock?: () => () => void },
  ) => {
    const resume = pause ? info!.pauseClock!() : undefined;
    await new Promise((r) => setTimeout(r, 900));
    resume?.();
    resume?.(); // a second call changes nothing
    return { ok: true as const, value: 7 };
  };
  const paused = await sandbox.execute(
    `${hook}\nexport default await hook.callTool("a", "b", {});`,
    {
      callTool: slow(true),
    },
  );
  assert.equal(paused.ok, true, JSON.stringify(paused.error));
  assert.deepEqual(paused.result, { ok: true, value: 7 });
  const notPaused = await sandbox.execute(
    `${hook}\nexport default await hook.callTool("a", "b", {});`,
    {
      callTool: slow(false),
    },
  );
  assert.equal(notPaused.error?.code, "SANDBOX_TIMEOUT");
  const loops = await sandbox.execute(
    `${hook}\nawait hook.callTool("a", "b", {});\nwhile (true) {}`,
    {
      callTool: slow(true),
    },
  );
  assert.equal(loops.error?.code, "SANDBOX_TIMEOUT");
});
