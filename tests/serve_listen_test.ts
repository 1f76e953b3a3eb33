// End-to-end: 2026-07-28 clients get list changes and resource updates on
// `subscriptions/listen` streams, as 2025-era sessions get them unsolicited.
// `mcpx serve --http` in front of a real stdio server whose lists change on a
// tool call (tests/fixtures/changing_server.ts), driven by the SDK's v2
// client in auto mode.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { V2Client, V2StreamableHTTPClientTransport } from "../src/_sdk_client.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { startServe } from "./_servers.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/changing_server.ts", import.meta.url));
const DOC = "mcpx://changing/test://doc/1";

/** Every notification a client receives, by method. */
type Seen = { method: string; uri?: string }[];

async function modernClient(url: string, seen: Seen): Promise<V2Client> {
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
      const uri = (n.params as { uri?: string } | undefined)?.uri;
      seen.push({ method, ...(uri ? { uri } : {}) });
    });
  }
  await client.connect(new V2StreamableHTTPClientTransport(new URL(url)));
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

const count = (seen: Seen, method: string, uri?: string) =>
  seen.filter((n) => n.method === `notifications/${method}` && (uri === undefined || n.uri === uri))
    .length;

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
