// Generated modules run in the real sandbox against a fixture server (tool
// names that shadow runtime names, results that disagree with their
// declarations) and against server-everything: the value a program receives
// always has the type the module declares.
import assert from "node:assert/strict";
import type { Tool } from "../src/_sdk.ts";
import { connect } from "../src/introspect/connect.ts";
import { Runtime } from "../src/runtime/runtime.ts";
import { inMemoryServer } from "./_in_memory_server.ts";
import { everythingServer } from "./_servers.ts";

const object = { type: "object" as const, properties: {} };
const tools: Tool[] = [
  { name: "call_tool", inputSchema: { type: "object", properties: { q: { type: "string" } } } },
  { name: "callTool", inputSchema: object },
  { name: "text", inputSchema: object },
  { name: "structured_anyway", inputSchema: object },
  { name: "json_text", inputSchema: object },
];

function fixture() {
  return inMemoryServer({
    name: "gw",
    tools,
    call: (name, args) => {
      switch (name) {
        case "structured_anyway":
          // No outputSchema, but structuredContent all the same.
          return {
            content: [{ type: "text", text: "Two items" }],
            structuredContent: { items: 2 },
          };
        case "json_text":
          return { content: [{ type: "text", text: '{"items":3}' }] };
        default:
          return { content: [{ type: "text", text: `${name} ${JSON.stringify(args)}` }] };
      }
    },
  });
}

Deno.test("tools named like runtime exports work in the sandbox, and content tools always return content", async () => {
  const mem = fixture();
  const everything = everythingServer();
  await using runtime = await Runtime.create({
    servers: [mem.config, everything],
    connect: (server, opts) =>
      server.name === "gw" ? mem.connector(server, opts) : connect(server, opts),
    workers: 1,
  });
  const r = await runtime.execute(`
import * as gw from "./servers/gw/index.ts";
import { echo, getStructuredContent } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
const weather = await getStructuredContent({ location: "Chicago" });
let wrong = "";
try {
  await echo({ mesage: "typo" } as unknown as { message: string });
} catch (e) {
  wrong = (e as Error).message;
}
export default {
  callTool: text(await gw.callTool()),
  callTool2: text(await gw.callTool_2({ q: "x" })),
  text: text(await gw.text()),
  anyway: text(await gw.structuredAnyway()),
  jsonText: text(await gw.jsonText()),
  echo: text(await echo({ message: "hi" })),
  weather: typeof weather.temperature,
  wrong,
};
`);
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.deepEqual(r.result, {
    callTool: "callTool {}",
    callTool2: 'call_tool {"q":"x"}',
    text: "text {}",
    anyway: "Two items",
    jsonText: '{"items":3}',
    echo: "Echo: hi",
    weather: "number",
    wrong: 'Invalid arguments for "everything/echo": missing required property "message". ' +
      'Unknown argument "mesage": did you mean "message"? Call it as echo(args: { message: string }).',
  });
});
