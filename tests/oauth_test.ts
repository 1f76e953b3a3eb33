// OAuth for remote servers, against a real authorization server (oidc-provider)
// on loopback in front of an MCP server that checks JWT access tokens: login
// through a scripted browser, silent refresh on expiry, step-up on
// insufficient_scope, revocation, logout.
import assert from "node:assert/strict";
import { join } from "node:path";
import { authCommand } from "../src/cli/auth_command.ts";
import { memoryIo } from "../src/cli/io.ts";
import { OAuthStore } from "../src/auth/oauth_store.ts";
import { cli, tempDir } from "./_helpers.ts";
import { freePort } from "./_servers.ts";
import { authorizeInBrowser } from "./fixtures/scripted_browser.ts";
import { startAuthorizationServer, startProtectedMcp } from "./fixtures/protected_mcp_server.ts";

const ACCESS_TTL_S = 2;

Deno.test("mcpx auth: login, silent refresh, step-up, revocation and logout against a real authorization server", async (t) => {
  await using dir = await tempDir("mcpx-oauth-");
  const asPort = freePort();
  const mcpPort = freePort();
  const resource = `http://127.0.0.1:${mcpPort}/mcp`;
  await using as = await startAuthorizationServer(asPort, resource, ACCESS_TTL_S);
  await using mcp = startProtectedMcp(as.issuer, mcpPort);
  const configDir = join(dir.path, "config");
  const config = join(dir.path, "mcpx.json");
  await Deno.writeTextFile(
    config,
    JSON.stringify({
      mcpServers: { prot: { type: "http", url: resource, oauth: { scope: "mcp:tools" } } },
    }),
  );
  const env = { MCPX_CONFIG_DIR: configDir };
  const store = new OAuthStore(configDir);
  const browsed: string[] = [];
  const login = async () => {
    const io = memoryIo({ env });
    const code = await authCommand(["login", "prot", "-c", config], io, {
      openUrl: async (url) => {
        browsed.push(url.href);
        await authorizeInBrowser(url, { user: "alice" });
      },
    });
    return { code, stderr: io.stderr };
  };
  const run = (program: string) =>
    cli(["run", "-", "-c", config, "--json"], { stdin: program, env });
  const WHOAMI = `import { whoami } from "./servers/prot/index.ts";
import { text } from "./runtime.ts";
export default JSON.parse(text(await whoami({})));`;

  {
    await t.step("before a login the server is unavailable, with the command to run", async () => {
      // `run` starts only the servers a program imports.
      const r = await run(WHOAMI);
      assert.match(
        r.stderr,
        /server "prot" is unavailable: Server "prot" needs a login: ask the user to run "mcpx auth login prot"/,
      );
      const status = memoryIo({ env });
      assert.equal(await authCommand(["status", "-c", config], status), 0);
      assert.match(status.stdout, /^prot: logged-out$/m);
    });

    await t.step("login: discovery, dynamic registration, PKCE, loopback redirect", async () => {
      const r = await login();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Logged in to "prot" \(scope: mcp:tools\)/);
      const url = new URL(browsed[0]);
      assert.equal(url.origin, as.issuer);
      assert.equal(url.searchParams.get("code_challenge_method"), "S256");
      assert.match(url.searchParams.get("redirect_uri")!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      assert.equal(url.searchParams.get("resource"), resource);
      const record = await store.read(resource);
      assert.ok(record?.tokens?.refresh_token && record.clientInformation?.client_id);
      const files = [...Deno.readDirSync(join(configDir, "oauth"))];
      assert.equal((await Deno.stat(join(configDir, "oauth", files[0].name))).mode! & 0o777, 0o600);
    });

    await t.step("run uses the token", async () => {
      const r = await run(WHOAMI);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).result, { subject: "alice", scope: ["mcp:tools"] });
    });

    await t.step("an expired access token is refreshed silently", async () => {
      const old = (await store.read(resource))!.tokens!.access_token;
      await new Promise((r) => setTimeout(r, (ACCESS_TTL_S + 1) * 1000));
      const r = await run(WHOAMI);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.ok(mcp.refusals.some((x) => /invalid token: .*exp/.test(x)), String(mcp.refusals));
      assert.notEqual((await store.read(resource))!.tokens!.access_token, old);
    });

    await t.step("a call that needs more scope asks for a new login, which grants it", async () => {
      const program = `import { admin } from "./servers/prot/index.ts";
import { text, ToolError } from "./runtime.ts";
try { export_ = text(await admin({})); } catch (e) { export_ = e instanceof ToolError ? e.code + ": " + e.message : String(e); }
var export_: string;
export default export_;`;
      const denied = await run(program);
      assert.match(
        JSON.parse(denied.stdout).result,
        /^AUTH_REQUIRED: Server "prot" needs a new login with more scope \("mcp:tools mcp:admin"\): ask the user to run "mcpx auth login prot"/,
      );
      const again = await login();
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /scope: mcp:tools mcp:admin|scope: mcp:admin mcp:tools/);
      const allowed = await run(program);
      assert.equal(JSON.parse(allowed.stdout).result, "admin ok");
    });

    await t.step("after revocation and expiry the server asks for a new login", async () => {
      const record = (await store.read(resource))!;
      const revoke = await fetch(`${as.issuer}/token/revocation`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          token: record.tokens!.refresh_token!,
          token_type_hint: "refresh_token",
          client_id: record.clientInformation!.client_id,
        }),
      });
      assert.equal(revoke.status, 200);
      await new Promise((r) => setTimeout(r, (ACCESS_TTL_S + 1) * 1000));
      const r = await run(WHOAMI);
      assert.match(r.stderr, /Server "prot" needs a (new )?login.*mcpx auth login prot/);
    });

    await t.step("logout forgets the tokens", async () => {
      assert.equal((await login()).code, 0);
      const out = memoryIo({ env });
      assert.equal(await authCommand(["logout", "prot", "-c", config], out), 0);
      assert.match(out.stderr, /Logged out of "prot"/);
      assert.equal(await store.read(resource), undefined);
    });
  }
  // `run` took the config directory from its `env`, not from the process's.
  assert.notEqual(Deno.env.get("MCPX_CONFIG_DIR"), configDir);
});
