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
