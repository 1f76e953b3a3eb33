import assert from "node:assert/strict";
import {
  CallToolRequestSchema,
  Client,
  InMemoryTransport,
  ListToolsRequestSchema,
  type Tool,
} from "../_sdk.ts";
import { V1Server as Server } from "../_sdk_v1_server.ts";
import type { StdioServerConfig } from "../config/types.ts";
import { connect } from "../introspect/connect.ts";
import { ServeHost } from "./serve_host.ts";
import { importSpecifiers, rebaseImports } from "./skills.ts";

function tool(name: string, description: string): Tool {
  return {
    name,
    description,
    inputSchema: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
  };
}

async function textOf(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  return (r.content as { text: string }[])[0].text;
}

// An in-process server whose tool list changes: a real server cannot be made
// to send tools/list_changed on demand.
Deno.test("ServeHost follows an upstream's tools/list_changed in search and code", async () => {
  let tools: Tool[] = [tool("alpha_tool", "Squares a number")];
  const servers: Server[] = [];
  const config: StdioServerConfig = {
    name: "live",
    transport: "stdio",
    command: "in-memory",
    args: [],
  };
  const connector = async (server: typeof config, opts: object) => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const srv = new Server({ name: "live", version: "1.0.0" }, {
      capabilities: { tools: { listChanged: true } },
    });
    srv.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
    srv.setRequestHandler(CallToolRequestSchema, (req) => {
      const n = (req.params.arguments as { n: number }).n;
      const value = req.params.name === "alpha_tool" ? n * n : n * 1000;
      return { content: [{ type: "text", text: String(value) }] };
    });
    await srv.connect(serverSide);
    servers.push(srv);
    return await connect(server, { ...opts, transport: clientSide });
  };
  await using host = await ServeHost.create({
    runtime: { servers: [config], connect: connector as never },
  });
  const session = host.createSession();
  const [c, s] = InMemoryTransport.createLinkedPair();
  await session.server.connect(s);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(c);
  try {
    assert.match(
      await textOf(client, "search_tools", { query: "square" }),
      /^alphaTool \(servers\/live\/alphaTool\.ts\)/,
    );
    assert.match(await textOf(client, "search_tools", { query: "thousand" }), /^No tools match/);

    tools = [...tools, tool("beta_tool", "Multiplies a number by a thousand")];
    await servers[0].sendToolListChanged();
    const deadline = Date.now() + 5_000;
    let found = "";
    while (!/betaTool/.test(found) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      found = await textOf(client, "search_tools", { query: "thousand" });
    }
    assert.match(
      found,
      /^betaTool \(servers\/live\/betaTool\.ts\): Multiplies a number by a thousand/,
    );
    const out = await textOf(client, "execute_code", {
      code: `import { betaTool } from "./servers/live/index.ts";
import { text } from "./runtime.ts";
export default text(await betaTool({ n: 7 }));`,
    });
    assert.equal(out.split("\n")[0], "7000", out);
  } finally {
    await client.close();
  }
  assert.equal(host.stats().sessions, 0);
});

Deno.test("ServeHost answers tools/list at once with an unreachable upstream", async () => {
  await using host = await ServeHost.create({
    runtime: { servers: [{ name: "x", transport: "stdio", command: "/nonexistent", args: [] }] },
  });
  const session = host.createSession();
  const [c, s] = InMemoryTransport.createLinkedPair();
  await session.server.connect(s);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(c);
  const { tools } = await client.listTools();
  assert.equal(tools.length, 5);
  assert.equal(host.stats().executions, 0);
  await client.close();
});

Deno.test("rebaseImports makes root imports work from /skills/", () => {
  const code = `import { a } from "./servers/x/index.ts";
import { text } from './runtime.ts';
import * as ws from "./workspace.ts";
import { b } from "./skills/other.ts";
const c = await import("./servers/y/c.ts");
import "./workspace/setup.ts";
import { d } from "../elsewhere.ts";`;
  const out = rebaseImports(code);
  assert.deepEqual(importSpecifiers(out), [
    "../servers/x/index.ts",
    "../runtime.ts",
    "../workspace.ts",
    "./other.ts",
    "../servers/y/c.ts",
    "../workspace/setup.ts",
    "../elsewhere.ts",
  ]);
});

Deno.test("execute_code is read-only when every allowed upstream tool is", async () => {
  const { everythingServer } = await import("../../tests/_servers.ts");
  const { ToolListChangedNotificationSchema } = await import("../_sdk.ts");
  await using host = await ServeHost.create({
    runtime: {
      servers: [everythingServer()],
      policy: { allow: ["everything/get-sum", "everything/echo", "everything/get-tiny-image"] },
    },
  });
  const session = host.createSession();
  const [c, s] = InMemoryTransport.createLinkedPair();
  await session.server.connect(s);
  const client = new Client({ name: "t", version: "1" });
  let changed = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
  await client.connect(c);
  try {
    const hints = async () =>
      (await client.listTools()).tools.find((t) => t.name === "execute_code")!.annotations!;
    // Before the upstream tools are known: cautious.
    assert.equal((await hints()).readOnlyHint, false);
    await textOf(client, "search_tools", { query: "sum" });
    const deadline = Date.now() + 10_000;
    while (changed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(changed > 0, "no tools/list_changed");
    assert.deepEqual(await hints(), {
      readOnlyHint: true,
      destructiveHint: false,
      openWorldHint: false,
    });
  } finally {
    await client.close();
  }
});

Deno.test("one session's flood of endless programs does not hold up another session", async () => {
  await using host = await ServeHost.create({
    runtime: { limits: { timeoutMs: 3_000 }, typeCheck: false },
  });
  const connectClient = async () => {
    const session = host.createSession();
    const [c, s] = InMemoryTransport.createLinkedPair();
    await session.server.connect(s);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(c);
    return client;
  };
  const flood = await connectClient();
  const quiet = await connectClient();
  try {
    const done: string[] = [];
    const loops = Array.from(
      { length: 6 },
      (_, i) =>
        textOf(flood, "execute_code", { code: "while (true) {}" }).then(() =>
          done.push(`loop${i}`)
        ),
    );
    await new Promise((r) => setTimeout(r, 300)); // the flood is running and queued
    const out = await textOf(quiet, "execute_code", { code: "export default 1 + 1" });
    done.push("quiet");
    assert.equal(out.split("\n")[0], "2", out);
    assert.equal(done[0], "quiet", `the quiet session waited behind the flood: ${done}`);
    await Promise.all(loops);
  } finally {
    await flood.close();
    await quiet.close();
  }
});
