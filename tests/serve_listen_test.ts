// End-to-end: 2026-07-28 clients get list changes and resource updates on
// `subscriptions/listen` streams, as 2025-era sessions get them unsolicited.
// `mcpx serve --http` in front of a real stdio server whose lists change on a
// tool call (tests/fixtures/changing_server.ts), driven by the SDK's v2
// client in auto mode.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  V2Client,
  V2StdioClientTransport,
  V2StreamableHTTPClientTransport,
} from "../src/_sdk_client.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { startServe } from "./_servers.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/changing_server.ts", import.meta.url));
const DOC = "mcpx://changing/test://doc/1";

/** Every notification a client receives: method, URI, and the listen stream it came on. */
type Seen = { method: string; uri?: string; stream?: string }[];

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

async function modernClient(url: string | string[], seen: Seen): Promise<V2Client> {
  const client = new V2Client({ name: "listener", version: "1.0.0" }, {
    capabilities: {},
    versionNegotiation: { mode: "auto" },
  });
  for (
    const method of [
      "notifications/tools/list_changed",
      "notifications/resources/list_changed",
      "notifications/prompts/list_changed",
      "notifications/resources/updated",
    ] as const
  ) {
    client.setNotificationHandler(method, (n) => {
      const params = n.params as { uri?: string; _meta?: Record<string, unknown> } | undefined;
      const stream = params?._meta?.["io.modelcontextprotocol/subscriptionId"];
      seen.push({
        method,
        ...(params?.uri ? { uri: params.uri } : {}),
        ...(typeof stream === "string" ? { stream } : {}),
      });
    });
  }
  await client.connect(
    typeof url === "string"
      ? new V2StreamableHTTPClientTransport(new URL(url))
      : new V2StdioClientTransport({ command: Deno.execPath(), args: url, stderr: "ignore" }),
  );
  assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
  return client;
}

async function run(client: V2Client, code: string): Promise<string> {
  const r = await client.callTool({ name: "execute_code", arguments: { code } }, {
    timeout: 60_000,
  }) as { content: { type: string; text: string }[]; isError?: boolean };
  const text = r.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");
  assert.ok(!r.isError, text);
  return text;
}

/** The URIs the upstream server has subscriptions for. */
async function upstreamSubscriptions(client: V2Client): Promise<string[]> {
  const out = await run(
    client,
    `import { subscriptions } from "./servers/changing/index.ts";
import { text } from "./runtime.ts";
export default text(await subscriptions({}));`,
  );
  return out.split(/[\n,]/).filter((l) => l.startsWith("test://"));
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const count = (seen: Seen, method: string, uri?: string, stream?: string) =>
  seen.filter((n) =>
    n.method === `notifications/${method}` && (uri === undefined || n.uri === uri) &&
    (stream === undefined || n.stream === stream)
  ).length;

const CHANGE_ALL = `import { change, touch } from "./servers/changing/index.ts";
import { text } from "./runtime.ts";
await change({ what: "resources" });
await change({ what: "prompts" });
const t = await touch({ uri: "test://doc/1" });
await change({ what: "tools" });
export default text(t);`;

const CHANGE_PROMPTS = `import { change } from "./servers/changing/index.ts";
export default await change({ what: "prompts" });`;

function fixtureConfig(dir: string): Promise<string> {
  return writeConfig(dir, [
    {
      name: "changing",
      transport: "stdio",
      command: Deno.execPath(),
      args: ["run", "-A", FIXTURE],
    },
  ]);
}

Deno.test({
  name:
    "serve HTTP, 2026-07-28: subscriptions/listen streams get list changes and updates of their resources",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const cfg = await writeConfig(dir.path, [
      {
        name: "changing",
        transport: "stdio",
        command: Deno.execPath(),
        args: ["run", "-A", FIXTURE],
      },
    ]);
    await using server = await startServe(["--config", cfg]);
    const seenA: Seen = [];
    const seenB: Seen = [];
    const a = await modernClient(server.url, seenA);
    const b = await modernClient(server.url, seenB);
    try {
      // The upstream's tools are known, so execute_code's hints are settled.
      await a.callTool({ name: "search_tools", arguments: { query: "change" } });

      const everything = await a.listen({
        toolsListChanged: true,
        resourcesListChanged: true,
        promptsListChanged: true,
        resourceSubscriptions: [DOC],
      });
      assert.deepEqual(everything.honoredFilter, {
        toolsListChanged: true,
        resourcesListChanged: true,
        promptsListChanged: true,
        resourceSubscriptions: [DOC],
      });
      const promptsOnly = await b.listen({ promptsListChanged: true });
      assert.deepEqual(promptsOnly.honoredFilter, { promptsListChanged: true });
      // A resource that cannot be subscribed is refused, by name.
      await assert.rejects(
        b.listen({ resourceSubscriptions: ["mcpx://nope/x"] }, { timeout: 10_000 }),
        /Unknown server "nope" in resource "mcpx:\/\/nope\/x"/,
      );

      // The stream's resource subscription reached the upstream server.
      const subscribed = await upstreamSubscriptions(a);
      assert.deepEqual(subscribed, ["test://doc/1"]);

      const touched = await run(
        a,
        `import { change, touch } from "./servers/changing/index.ts";
import { text } from "./runtime.ts";
await change({ what: "resources" });
await change({ what: "prompts" });
const t = await touch({ uri: "test://doc/1" });
await change({ what: "tools" });
export default text(t);`,
      );
      assert.match(touched, /^sent$/m);
      await until(
        "every kind of notification on the full stream",
        () =>
          count(seenA, "resources/list_changed") > 0 && count(seenA, "prompts/list_changed") > 0 &&
          count(seenA, "resources/updated", DOC) > 0 && count(seenA, "tools/list_changed") > 0,
      ).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(seenA)}`);
      });
      // execute_code's hints changed with the upstream's destructive tool.
      const { tools } = await a.listTools();
      assert.equal(
        tools.find((t) => t.name === "execute_code")?.annotations?.destructiveHint,
        true,
      );

      await until(
        "prompts/list_changed on the prompts-only stream",
        () => count(seenB, "prompts/list_changed") > 0,
      );
      // What a stream did not ask for, it does not get.
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        seenB.map((n) => n.method),
        seenB.map(() => "notifications/prompts/list_changed"),
        JSON.stringify(seenB),
      );

      // A closed stream ends its upstream subscription; the others go on.
      await everything.close();
      let left = ["test://doc/1"];
      const deadline = Date.now() + 10_000;
      while (left.length > 0 && Date.now() < deadline) left = await upstreamSubscriptions(b);
      assert.deepEqual(left, [], "the upstream subscription outlived its only stream");
      const before = count(seenB, "prompts/list_changed");
      const beforeA = seenA.length;
      await run(
        b,
        `import { change } from "./servers/changing/index.ts";
export default await change({ what: "prompts" });`,
      );
      await until(
        "a second prompts/list_changed",
        () => count(seenB, "prompts/list_changed") > before,
      );
      assert.equal(seenA.length, beforeA, "a closed stream still got notifications");
      await promptsOnly.close();
    } finally {
      await Promise.allSettled([a.close(), b.close()]);
    }
  },
});

Deno.test({
  name:
    "serve stdio, 2026-07-28: each subscriptions/listen stream of the connection gets what it asked for",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const cfg = await fixtureConfig(dir.path);
    const seen: Seen = [];
    const client = await modernClient(["run", "-A", CLI, "serve", "--config", cfg], seen);
    try {
      await client.callTool({ name: "search_tools", arguments: { query: "change" } });
      const everything = await client.listen({
        toolsListChanged: true,
        resourcesListChanged: true,
        promptsListChanged: true,
        resourceSubscriptions: [DOC],
      });
      const promptsOnly = await client.listen({ promptsListChanged: true });
      assert.deepEqual(promptsOnly.honoredFilter, { promptsListChanged: true });
      const [full, prompts] = ["listen:0", "listen:1"];
      // A resource that cannot be subscribed is refused, by name.
      await assert.rejects(
        client.listen({ resourceSubscriptions: ["mcpx://nope/x"] }, { timeout: 10_000 }),
        /Unknown server "nope" in resource "mcpx:\/\/nope\/x"/,
      );
      assert.deepEqual(await upstreamSubscriptions(client), ["test://doc/1"]);

      assert.match(await run(client, CHANGE_ALL), /^sent$/m);
      await until(
        "every kind of notification on the full stream",
        () =>
          count(seen, "resources/list_changed", undefined, full) > 0 &&
          count(seen, "prompts/list_changed", undefined, full) > 0 &&
          count(seen, "resources/updated", DOC, full) > 0 &&
          count(seen, "tools/list_changed", undefined, full) > 0 &&
          count(seen, "prompts/list_changed", undefined, prompts) > 0,
      ).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(seen)}`);
      });
      await new Promise((r) => setTimeout(r, 300));
      const onPrompts = seen.filter((n) => n.stream === prompts);
      assert.ok(
        onPrompts.every((n) => n.method === "notifications/prompts/list_changed"),
        JSON.stringify(onPrompts),
      );
      assert.ok(seen.every((n) => n.stream !== undefined), JSON.stringify(seen));

      await everything.close();
      let left = ["test://doc/1"];
      const deadline = Date.now() + 10_000;
      while (left.length > 0 && Date.now() < deadline) left = await upstreamSubscriptions(client);
      assert.deepEqual(left, [], "the upstream subscription outlived its only stream");
      const before = count(seen, "prompts/list_changed", undefined, prompts);
      const onFull = count(seen, "prompts/list_changed", undefined, full);
      await run(client, CHANGE_PROMPTS);
      await until(
        "a second prompts/list_changed",
        () => count(seen, "prompts/list_changed", undefined, prompts) > before,
      );
      assert.equal(count(seen, "prompts/list_changed", undefined, full), onFull);
      await promptsOnly.close();
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name:
    "serve stdio, 2026-07-28: a listen request waiting on a slow upstream subscription holds up no other request",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const cfg = await fixtureConfig(dir.path);
    const client = await modernClient(["run", "-A", CLI, "serve", "--config", cfg], []);
    try {
      await client.callTool({ name: "search_tools", arguments: { query: "change" } });
      // The fixture takes 5 s to subscribe to a test://slow/ resource.
      const slow = client.listen({ resourceSubscriptions: ["mcpx://changing/test://slow/1"] }, {
        timeout: 30_000,
      });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      await client.callTool({ name: "search_tools", arguments: { query: "touch" } });
      const ms = performance.now() - t0;
      assert.ok(ms < 3_000, `a search waited ${Math.round(ms)} ms behind the listen request`);
      // The listen request itself is answered once the subscription is made.
      const stream = await slow;
      assert.deepEqual(await upstreamSubscriptions(client), ["test://slow/1"]);
      await stream.close();
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "serve stdio, 2025-11-25: list changes reach the client unsolicited, tools ones included",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { Client, StdioClientTransport } = await import("../src/_sdk.ts");
    const schemas = await import("@modelcontextprotocol/sdk/types.js");
    await using dir = await tempDir();
    const cfg = await fixtureConfig(dir.path);
    const client = new Client({ name: "v1", version: "1.0.0" });
    const seen: string[] = [];
    for (
      const schema of [
        schemas.ToolListChangedNotificationSchema,
        schemas.ResourceListChangedNotificationSchema,
        schemas.PromptListChangedNotificationSchema,
      ]
    ) {
      client.setNotificationHandler(schema, (n) => void seen.push(n.method));
    }
    await client.connect(
      new StdioClientTransport({
        command: Deno.execPath(),
        args: ["run", "-A", CLI, "serve", "--config", cfg],
        stderr: "ignore",
      }),
    );
    try {
      await client.callTool({ name: "search_tools", arguments: { query: "change" } });
      const r = await client.callTool(
        { name: "execute_code", arguments: { code: CHANGE_ALL } },
        undefined,
        { timeout: 60_000 },
      );
      assert.ok(!r.isError, JSON.stringify(r.content));
      await until(
        "tools, resources and prompts list_changed",
        () =>
          ["tools", "resources", "prompts"].every((k) =>
            seen.includes(`notifications/${k}/list_changed`)
          ),
      ).catch((e) => {
        throw new Error(`${e.message}: ${JSON.stringify(seen)}`);
      });
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name:
    "serve HTTP, 2026-07-28: a listen stream whose client stops reading gets repeats coalesced; the others go on",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const FLOOD = Number(Deno.env.get("FLOOD") ?? 30_000);
    await using dir = await tempDir();
    await using server = await startServe(["--config", await fixtureConfig(dir.path)]);
    const seen: Seen = [];
    const client = await modernClient(server.url, seen);
    // A raw listen stream whose client reads the acknowledgement, then nothing.
    const stalled = await fetch(server.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "subscriptions/listen",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: "stalled",
        method: "subscriptions/listen",
        params: {
          notifications: { promptsListChanged: true },
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
    });
    assert.equal(stalled.status, 200);
    const reader = stalled.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value ?? "", /notifications\/subscriptions\/acknowledged/);
    try {
      const live = await client.listen({ promptsListChanged: true });
      await run(
        client,
        `import { change } from "./servers/changing/index.ts";
export default await change({ what: "prompts", times: ${FLOOD} });`,
      );
      // The live stream got the changes, repeats coalesced while it was reading.
      await until(
        "prompts/list_changed on the live stream",
        () => count(seen, "prompts/list_changed") > 0,
      );
      let settled = -1;
      while (settled !== count(seen, "prompts/list_changed")) {
        settled = count(seen, "prompts/list_changed");
        await new Promise((r) => setTimeout(r, 300));
      }
      await run(client, CHANGE_PROMPTS);
      await until(
        "the next change on the live stream",
        () => count(seen, "prompts/list_changed") > settled,
      );
      // The host still answers.
      assert.match(await run(client, "export default 6 * 7"), /^42/);
      // What the stalled stream holds: repeats coalesced, not one frame per change.
      let frames = 0;
      const stop = setTimeout(() => void reader.cancel().catch(() => {}), 1_000);
      try {
        while (true) {
          const { value, done } = await reader.read();
          if (done) break;
          frames += value.split("notifications/prompts/list_changed").length - 1;
        }
      } catch { /* cancelled */ }
      clearTimeout(stop);
      assert.ok(frames < FLOOD / 2, `the stalled stream got ${frames} notifications`);
      await live.close();
    } finally {
      await reader.cancel().catch(() => {});
      await client.close();
    }
  },
});

Deno.test({
  name: "serve HTTP and stdio, 2026-07-28: resources are listed and read through mcpx",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const cfg = await fixtureConfig(dir.path);
    // No saved plugins: only the fixture's resources are listed.
    const args = ["--config", cfg, "--plugin-dir", `${dir.path}/plugins`];
    await using server = await startServe(args);
    for (const target of [server.url, ["run", "-A", CLI, "serve", ...args]]) {
      const client = await modernClient(target, []);
      try {
        const { resources } = await client.listResources(undefined, { timeout: 30_000 });
        assert.deepEqual(resources.map((r) => [r.uri, r.name]), [[DOC, "doc 1"]]);
        const read = await client.readResource({ uri: DOC }, { timeout: 30_000 });
        assert.deepEqual(
          read.contents.map((c) => [c.uri, "text" in c ? c.text : undefined]),
          [[DOC, "contents of test://doc/1"]],
        );
        await assert.rejects(
          client.readResource({ uri: "mcpx://nope/x" }, { timeout: 30_000 }),
          /Unknown server "nope"/,
        );
      } finally {
        await client.close();
      }
    }
  },
});
