// Real tool calls through the real engine: server-everything over stdio
// behind the sandbox's tool callback.
import assert from "node:assert/strict";
import { Client, StdioClientTransport } from "../_sdk.ts";
import { everythingServer } from "../../tests/_servers.ts";
import type { CallEnvelope } from "./engine.ts";
import { Sandbox } from "./sandbox.ts";

const runtimeSource = await Deno.readTextFile(
  new URL("../../templates/runtime.eta", import.meta.url),
);

const files = new Map([
  ["/runtime.ts", runtimeSource],
  [
    "/servers/everything/echo.ts",
    `import { callTool, type ToolContent } from "../../runtime.ts";
/** Echoes back the input. */
export function echo(args: { message: string }): Promise<ToolContent> {
  return callTool<ToolContent>("everything", "echo", args);
}
`,
  ],
  [
    "/servers/everything/get_sum.ts",
    `import { callTool, type ToolContent } from "../../runtime.ts";
/** Returns the sum of two numbers. */
export function getSum(args: { a: number; b: number }): Promise<ToolContent> {
  return callTool<ToolContent>("everything", "get-sum", args);
}
`,
  ],
  [
    "/servers/everything/index.ts",
    `export { echo } from "./echo.ts";\nexport { getSum } from "./get_sum.ts";\n`,
  ],
]);

Deno.test("the sandbox calls real tools of server-everything", async () => {
  const config = everythingServer();
  const client = new Client({ name: "mcpx-sandbox-test", version: "0.0.0" });
  await client.connect(
    new StdioClientTransport({ command: config.command, args: config.args, stderr: "ignore" }),
  );
  await using sandbox = await Sandbox.create({ workers: { minWorkers: 1, maxWorkers: 1 } });
  try {
    const seen: string[] = [];
    const r = await sandbox.execute(
      `import * as everything from "./servers/everything/index.ts";
import { text, ToolError } from "./runtime.ts";
const [echoed, sum] = await Promise.all([
  everything.echo({ message: "hello from QuickJS" }),
  everything.getSum({ a: 2, b: 3 }),
]);
let invalid = "no error";
try {
  await everything.getSum({ a: "two" } as unknown as { a: number; b: number });
} catch (e) {
  invalid = e instanceof ToolError ? e.code : "other";
}
console.log(text(echoed));
export default { echo: text(echoed), sum: text(sum), invalid };`,
      {
        files,
        callTool: async (server, tool, args, signal): Promise<CallEnvelope> => {
          seen.push(`${server}/${tool}`);
          const result = await client.callTool(
            { name: tool, arguments: args as Record<string, unknown> },
            undefined,
            { signal },
          );
          if (result.isError) {
            const content = (result.content ?? []) as { type: string; text?: string }[];
            return {
              ok: false,
              error: {
                code: "TOOL_ERROR",
                message: content.map((c) => c.text ?? "").join("\n"),
                content,
              },
            };
          }
          return { ok: true, value: result.structuredContent ?? result.content };
        },
      },
    );
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(r.result, {
      echo: "Echo: hello from QuickJS",
      sum: "The sum of 2 and 3 is 5.",
      invalid: "TOOL_ERROR",
    });
    assert.deepEqual(r.logs, [{ level: "log", message: "Echo: hello from QuickJS" }]);
    assert.deepEqual(seen.sort(), ["everything/echo", "everything/get-sum", "everything/get-sum"]);
    assert.equal(r.stats.toolCalls, 3);
  } finally {
    await client.close();
  }
});
