// `mcpx serve --http` with a bearer token, and the rule that it never listens
// beyond loopback without one unless told to.
import assert from "node:assert/strict";
import { Client } from "../src/_sdk.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, startServe } from "./_servers.ts";

const TOKEN = "test-token-0123456789abcdef";

Deno.test({
  name: "serve --http --token: only requests with the token get in",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const config = await writeConfig(dir.path, [everythingServer()]);
    await using serve = await startServe(["-c", config, "--token", TOKEN]);
    assert.match(serve.log, /bearer token required/);
    const url = serve.url;
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const none = await fetch(url, { method: "POST", headers, body });
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer realm="mcpx"/);
    await none.body?.cancel();
    const wrong = await fetch(url, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${TOKEN}x` },
      body,
    });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();

    const client = new Client({ name: "auth-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes("execute_code"), String(tools));
    await client.close();
  },
});

Deno.test("serve refuses to listen beyond loopback without a token", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, []);
  const r = await cli(["serve", "-c", config, "--http", "0", "--host", "0.0.0.0"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Refusing to serve on "0\.0\.0\.0" without authentication/);
  const short = await cli(["serve", "-c", config, "--http", "0", "--token", "short"]);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /The token from --token must be at least 16 characters/);
  const stdio = await cli(["serve", "-c", config, "--token", TOKEN]);
  assert.equal(stdio.code, 2);
  assert.match(stdio.stderr, /need --http PORT/);
});
