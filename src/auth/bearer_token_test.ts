import assert from "node:assert/strict";
import { join } from "node:path";
import { BearerGuard, checkBind, isLoopback, resolveServeToken } from "./bearer_token.ts";

const TOKEN = "s3cret-token-0123456789";

Deno.test("resolveServeToken takes --token, then --token-file, then MCPX_TOKEN", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "token");
    await Deno.writeTextFile(file, `${TOKEN}-file\n`);
    const env = { MCPX_TOKEN: `${TOKEN}-env` };
    assert.equal(resolveServeToken({ token: TOKEN, tokenFile: file, env }), TOKEN);
    assert.equal(resolveServeToken({ tokenFile: file, env }), `${TOKEN}-file`);
    assert.equal(resolveServeToken({ env }), `${TOKEN}-env`);
    assert.equal(resolveServeToken({ env: {} }), undefined);
    assert.throws(
      () => resolveServeToken({ token: "short" }),
      /The token from --token must be at least 16 characters/,
    );
    assert.throws(
      () => resolveServeToken({ tokenFile: join(dir, "missing") }),
      /Cannot read --token-file ".*missing"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("BearerGuard lets the right token through and answers 401 otherwise", async () => {
  const guard = new BearerGuard(TOKEN);
  const req = (auth?: string) =>
    new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: auth === undefined ? {} : { authorization: auth },
    });
  assert.equal(guard.check(req(`Bearer ${TOKEN}`)), undefined);
  assert.equal(guard.check(req(`bearer ${TOKEN}`)), undefined);
  for (
    const bad of [
      undefined,
      "Basic abc",
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      "Bearer ",
    ]
  ) {
    const res = guard.check(req(bad));
    assert.equal(res?.status, 401, String(bad));
    assert.match(res!.headers.get("www-authenticate")!, /^Bearer realm="mcpx"/);
    const body = await res!.json();
    assert.equal(body.error.code, -32001);
  }
});

Deno.test("checkBind refuses public addresses without authentication", () => {
  assert.ok(isLoopback("127.0.0.1") && isLoopback("127.1.2.3") && isLoopback("::1"));
  assert.ok(!isLoopback("0.0.0.0") && !isLoopback("192.168.1.2"));
  assert.equal(checkBind("127.0.0.1", false, false), undefined);
  assert.equal(checkBind("0.0.0.0", true, false), undefined);
  assert.throws(
    () => checkBind("0.0.0.0", false, false),
    /Refusing to serve on "0.0.0.0" without authentication/,
  );
  assert.match(checkBind("0.0.0.0", false, true)!, /WITHOUT AUTHENTICATION/);
});
