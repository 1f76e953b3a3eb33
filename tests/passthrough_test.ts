// `mcpx serve` passes upstream resources, templates, prompts, subscriptions and
// completions through to its clients, namespaced per server: the real CLI over
// stdio, the MCP SDK client, server-everything from npm.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Client, McpError, StdioClientTransport } from "../src/_sdk.ts";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, memoryServer } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

Deno.test("mcpx serve passes resources, prompts, subscriptions and completions through", async (t) => {
  await using tmp = await tempDir("mcpx-passthrough-");
  const config = await writeConfig(tmp.path, [
    everythingServer(),
    memoryServer(`${tmp.path}/memory.json`),
  ]);
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      "run",
      "-A",
      CLI,
      "serve",
      "--config",
      config,
      "--plugin-dir",
      `${tmp.path}/plugins`,
      "--deny-prompt",
      "everything/resource-prompt",
    ],
    stderr: "pipe",
  });
  const client = new Client({ name: "passthrough-test", version: "1.0.0" });
  await client.connect(transport);
  const updates: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updates.push(n.params.uri);
  });
  const opts = { timeout: 60_000 };
  try {
    await t.step(
      "capabilities: resources with subscribe and listChanged, prompts, completions",
      () => {
        const caps = client.getServerCapabilities()!;
        assert.deepEqual(caps.resources, { subscribe: true, listChanged: true });
        assert.deepEqual(caps.prompts, { listChanged: true });
        assert.deepEqual(caps.completions, {});
      },
    );

    await t.step(
      "resources/list gives namespaced URIs, resources/read reaches the server",
      async () => {
        const { resources } = await client.listResources(undefined, opts);
        const doc = resources.find((r) =>
          r.uri.startsWith("mcpx://everything/demo://resource/static/document/")
        );
        assert.ok(doc, resources.map((r) => r.uri).join("\n"));
        const others = resources.filter((r) => !r.uri.startsWith("mcpx://everything/"));
        // server-memory has one resource: its graph.
        assert.deepEqual(others.map((r) => r.uri), ["mcpx://memory/memory://knowledge-graph"]);
        const read = await client.readResource({ uri: doc.uri }, opts);
        assert.equal(read.contents[0].uri, doc.uri);
        assert.ok(((read.contents[0] as { text?: string }).text ?? "").length > 0);
      },
    );

    await t.step("templates are namespaced, and an expanded one is read upstream", async () => {
      const { resourceTemplates } = await client.listResourceTemplates(undefined, opts);
      const tpl = resourceTemplates.map((r) => r.uriTemplate);
      assert.ok(tpl.includes("mcpx://everything/demo://resource/dynamic/text/{resourceId}"));
      const uri = "mcpx://everything/demo://resource/dynamic/text/3";
      const read = await client.readResource({ uri }, opts);
      assert.equal(read.contents[0].uri, uri);
      assert.match((read.contents[0] as { text: string }).text, /3/);
    });

    await t.step("unknown resources are JSON-RPC errors naming the URI", async () => {
      await assert.rejects(client.readResource({ uri: "demo://resource/static/x" }, opts), (e) => {
        assert.ok(e instanceof McpError);
        // -32002 in the 2025 revisions' examples; the SDK's current major answers -32602.
        assert.ok([-32002, -32602].includes(e.code), String(e.code));
        assert.match(e.message, /Unknown resource "demo:\/\/resource\/static\/x"/);
        return true;
      });
      await assert.rejects(
        client.readResource({ uri: "mcpx://nope/demo://x" }, opts),
        /Unknown server "nope"/,
      );
    });

    await t.step("prompts are namespaced, rules apply, arguments pass", async () => {
      const { prompts } = await client.listPrompts(undefined, opts);
      const names = prompts.map((p) => p.name);
      assert.ok(names.includes("everything/simple-prompt"), names.join());
      assert.ok(names.includes("everything/completable-prompt"));
      assert.ok(!names.includes("everything/resource-prompt"));
      const got = await client.getPrompt({
        name: "everything/args-prompt",
        arguments: { city: "Lyon" },
      }, opts);
      assert.match((got.messages[0].content as { text: string }).text, /Lyon/);
      await assert.rejects(
        client.getPrompt({ name: "everything/resource-prompt", arguments: {} }, opts),
        /not allowed by the prompt rules/,
      );
    });

    await t.step("completions follow prompt names and template URIs", async () => {
      const p = await client.complete({
        ref: { type: "ref/prompt", name: "everything/completable-prompt" },
        argument: { name: "department", value: "Eng" },
      }, opts);
      assert.deepEqual(p.completion.values, ["Engineering"]);
      const r = await client.complete({
        ref: {
          type: "ref/resource",
          uri: "mcpx://everything/demo://resource/dynamic/text/{resourceId}",
        },
        argument: { name: "resourceId", value: "5" },
      }, opts);
      assert.deepEqual(r.completion.values, ["5"]);
    });

    await t.step("a subscription gets updates with the namespaced URI", async () => {
      const uri = "mcpx://everything/demo://resource/dynamic/text/1";
      await client.subscribeResource({ uri }, opts);
      // server-everything sends updates to subscribers once this tool is called.
      const toggled = await client.callTool(
        {
          name: "execute_code",
          arguments: {
            code: `import { toggleSubscriberUpdates } from "./servers/everything/index.ts";
export default await toggleSubscriberUpdates({});`,
          },
        },
        undefined,
        opts,
      );
      assert.equal(toggled.isError, undefined, JSON.stringify(toggled.content));
      const deadline = Date.now() + 20_000;
      while (!updates.includes(uri) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(updates.includes(uri), `no update for ${uri}: ${updates.join(", ")}`);
      await client.unsubscribeResource({ uri }, opts);
    });
  } finally {
    await client.close();
  }
});

Deno.test("the passthrough over Streamable HTTP: reads, prompts and resource updates", async () => {
  const { ServeHost } = await import("../src/server/serve_host.ts");
  const { serveHttp } = await import("../src/server/http_server.ts");
  const { StreamableHTTPClientTransport } = await import("../src/_sdk_remote.ts");
  await using host = await ServeHost.create({ runtime: { servers: [everythingServer()] } });
  await using server = serveHttp(host, { port: 0 });
  const client = new Client({ name: "passthrough-http", version: "1.0.0" });
  const updates: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updates.push(n.params.uri);
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  const opts = { timeout: 60_000 };
  try {
    const uri = "mcpx://everything/demo://resource/dynamic/text/5";
    const read = await client.readResource({ uri }, opts);
    assert.match((read.contents[0] as { text: string }).text, /Resource 5/);
    const { prompts } = await client.listPrompts(undefined, opts);
    assert.ok(prompts.some((p) => p.name === "everything/simple-prompt"));
    await client.subscribeResource({ uri }, opts);
    const toggled = await client.callTool(
      {
        name: "execute_code",
        arguments: {
          code: `import { toggleSubscriberUpdates } from "./servers/everything/index.ts";
export default await toggleSubscriberUpdates({});`,
        },
      },
      undefined,
      opts,
    );
    assert.equal(toggled.isError, undefined, JSON.stringify(toggled.content));
    const deadline = Date.now() + 20_000;
    while (!updates.includes(uri) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(updates.includes(uri), `no update for ${uri}`);
    await client.unsubscribeResource({ uri }, opts);
  } finally {
    await client.close();
  }
});
