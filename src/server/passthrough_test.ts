import assert from "node:assert/strict";
import { ClientPool } from "../bridge/client_pool.ts";
import { everythingServer } from "../../tests/_servers.ts";
import {
  namespacePrompt,
  namespaceUri,
  parseNamespacedPrompt,
  parseNamespacedUri,
  Passthrough,
  type PassthroughClient,
} from "./passthrough.ts";

Deno.test("namespaced URIs and prompt names round-trip", () => {
  const uri = namespaceUri("every thing", "demo://resource/static/document/a.md");
  assert.equal(uri, "mcpx://every%20thing/demo://resource/static/document/a.md");
  assert.deepEqual(parseNamespacedUri(uri), {
    server: "every thing",
    uri: "demo://resource/static/document/a.md",
  });
  assert.deepEqual(parseNamespacedUri(namespaceUri("fs", "file:///tmp/x")), {
    server: "fs",
    uri: "file:///tmp/x",
  });
  assert.equal(parseNamespacedUri("demo://x"), undefined);
  assert.equal(parseNamespacedUri("mcpx://%E0%A4%A/x"), undefined);
  assert.equal(namespacePrompt("everything", "args-prompt"), "everything/args-prompt");
  assert.deepEqual(parseNamespacedPrompt("everything/a/b"), { server: "everything", name: "a/b" });
  assert.equal(parseNamespacedPrompt("plain"), undefined);
  assert.equal(parseNamespacedPrompt("/x"), undefined);
});

// server-everything over stdio behind a real client pool.
Deno.test("Passthrough: one upstream subscription per URI, notifications to the right sessions", async () => {
  await using pool = new ClientPool([everythingServer()]);
  const pt = new Passthrough({
    servers: () => ["everything"],
    client: async (s, signal) =>
      (await pool.acquire(s, signal)).client as unknown as PassthroughClient,
  });
  const seen: string[] = [];
  const a = {
    resourceUpdated: (u: string) => seen.push(`a ${u}`),
    listChanged: (k: string) => seen.push(`a ${k}`),
  };
  const b = {
    resourceUpdated: (u: string) => seen.push(`b ${u}`),
    listChanged: (k: string) => seen.push(`b ${k}`),
  };
  const stopA = pt.listen(a);
  const stopB = pt.listen(b);
  const one = "mcpx://everything/demo://resource/dynamic/text/1";
  const two = "mcpx://everything/demo://resource/dynamic/text/2";
  await pt.subscribe(a, one);
  await pt.subscribe(b, one);
  await pt.subscribe(b, two);
  assert.equal(pt.subscribers(one), 2);

  pt.upstreamNotification("everything", "notifications/resources/updated", {
    uri: "demo://resource/dynamic/text/2",
  });
  pt.upstreamNotification("everything", "notifications/prompts/list_changed");
  assert.deepEqual(seen, [`b ${two}`, "a prompts", "b prompts"]);

  await pt.unsubscribe(a, one);
  assert.equal(pt.subscribers(one), 1);
  stopB();
  // b's subscriptions go with it.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(pt.subscribers(one), 0);
  assert.equal(pt.subscribers(two), 0);
  seen.length = 0;
  pt.upstreamNotification("everything", "notifications/resources/list_changed");
  assert.deepEqual(seen, ["a resources"]);
  stopA();

  await assert.rejects(pt.subscribe(a, "mcpx://other/x"), /Unknown server "other"/);
  await assert.rejects(pt.getPrompt({ name: "nope" }), /mcpx prompt names look like/);
});

Deno.test("Passthrough: a server that never answers does not hold up a list", async () => {
  const hang = { name: "hang", transport: "stdio" as const, command: "sleep", args: ["30"] };
  await using pool = new ClientPool([everythingServer(), hang], { connectTimeoutMs: 9_000 });
  const warnings: string[] = [];
  const pt = new Passthrough({
    servers: () => ["everything", "hang"],
    client: async (s, signal) =>
      (await pool.acquire(s, signal)).client as unknown as PassthroughClient,
    listTimeoutMs: 6_000,
    log: (l) => warnings.push(l),
  });
  const started = performance.now();
  const { prompts } = await pt.listPrompts() as { prompts: { name: string }[] };
  // Answered at the list deadline, not the 9 s connect deadline of "hang".
  assert.ok(performance.now() - started < 8_500);
  assert.ok(prompts.some((p) => p.name === "everything/simple-prompt"));
  assert.ok(prompts.every((p) => p.name.startsWith("everything/")));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^warning: listing prompts of "hang" failed/);
});
