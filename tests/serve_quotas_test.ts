// `mcpx serve --http` with its bounds set by flags and by the config's
// "mcpx.serve" block: the session cap, the idle timeout and the skill limits
// reach the running server.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Client } from "../src/_sdk.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
import { cli, tempDir } from "./_helpers.ts";
import { startServe } from "./_servers.ts";

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};
const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
});

Deno.test("serve: the bound flags need --http and whole numbers in range", async () => {
  for (
    const [args, message] of [
      [["--max-sessions", "4"], /--max-sessions needs --http PORT/],
      [["--session-idle-timeout", "1000"], /--session-idle-timeout needs --http PORT/],
      [
        ["--http", "0", "--max-sessions", "0"],
        /Invalid --max-sessions "0": expected a whole number from 1/,
      ],
      [
        ["--http", "0", "--body-timeout", "5"],
        /Invalid --body-timeout "5": expected a whole number from 100/,
      ],
    ] as const
  ) {
    const r = await cli(["serve", ...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});

Deno.test("serve: an invalid mcpx.serve block is an error naming the key", async () => {
  await using dir = await tempDir();
  const config = join(dir.path, "mcpx.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({ mcpServers: {}, mcpx: { serve: { skills: { maxBytes: "big" } } } }),
  );
  const r = await cli(["serve", "-c", config, "--http", "0"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /mcpx\.serve\.skills\.maxBytes/);
});

Deno.test({
  name: "serve --http --max-sessions --session-idle-timeout, and skill limits from the config",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const config = join(dir.path, "mcpx.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({ mcpServers: {}, mcpx: { serve: { skills: { maxBytes: 1000 } } } }),
    );
    await using serve = await startServe([
      "-c",
      config,
      "--plugin-dir",
      join(dir.path, "plugins"),
      "--max-sessions",
      "1",
      "--session-idle-timeout",
      "700",
      "--no-check",
    ]);
    const url = serve.url;
    const first = await fetch(url, { method: "POST", headers: HEADERS, body: INITIALIZE });
    assert.equal(first.status, 200);
    const sid = first.headers.get("mcp-session-id")!;
    await first.body?.cancel();
    const second = await fetch(url, { method: "POST", headers: HEADERS, body: INITIALIZE });
    assert.equal(second.status, 503);
    assert.match((await second.json()).error.message, /the limit is 1 \(--max-sessions\)/);

    // Idle for longer than 700 ms: closed, and its place is free again.
    await new Promise((r) => setTimeout(r, 1_600));
    const gone = await fetch(url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": sid },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
    });
    assert.equal(gone.status, 404);
    await gone.body?.cancel();

    const transport = new StreamableHTTPClientTransport(new URL(url));
    const client = new Client({ name: "quota-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const r = await client.callTool({
        name: "save_skill",
        arguments: {
          name: "big",
          code: `export const big = "${"x".repeat(2_000)}";\n`,
          description: "too big",
        },
      });
      assert.equal(r.isError, true);
      const text = (r.content as { text: string }[])[0].text;
      assert.match(
        text,
        /^Cannot save skill "big": it is 2,02\d bytes; the limit is 1,000 bytes/,
      );
      assert.match(text, /skills\.maxBytes/);
    } finally {
      await transport.terminateSession().catch(() => {});
      await client.close();
    }
  },
});
