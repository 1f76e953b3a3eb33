// `mcpx serve --http --oauth-issuer`: mcpx as an OAuth resource server in
// front of a real authorization server (oidc-provider on loopback, issuing
// JWT access tokens for the resource by RFC 8707 resource indicators). A real
// SDK client (v2, with its OAuth client provider) discovers the metadata from
// the 401, logs in through a scripted browser and runs execute_code; tokens
// for another audience, expired ones and ones without the required scope are
// refused; token introspection is checked against the same server.
import assert from "node:assert/strict";
import {
  Client,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { freePort, startServe } from "./_servers.ts";
import { authorizeInBrowser } from "./fixtures/scripted_browser.ts";
import { startAuthorizationServer } from "./fixtures/protected_mcp_server.ts";
import { discoverIssuer, ResourceServer } from "../src/auth/resource_server.ts";

const SECRET = "secret-0123456789";

/** An access token from the client-credentials grant of one of the fixture's clients. */
async function mint(
  issuer: string,
  resource: string,
  scope: string,
  client = "minter",
): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${btoa(`${client}:${SECRET}`)}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", resource, scope }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

/** The SDK's client-side OAuth state, in memory; the browser is scripted. */
class TestOAuthProvider implements OAuthClientProvider {
  #client?: OAuthClientInformationMixed;
  #tokens?: OAuthTokens;
  #verifier = "";
  #discovery?: OAuthDiscoveryState;
  authorizationUrl?: URL;
  constructor(readonly redirectUrl: string) {}
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "oauth-rs-test",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      application_type: "native",
    } as OAuthClientMetadata;
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.#verifier = v;
  }
  codeVerifier() {
    return this.#verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.#discovery = state;
  }
  discoveryState() {
    return this.#discovery;
  }
}

Deno.test({
  name: "serve --http --oauth-issuer: metadata, login by a real SDK client, and refusals",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using dir = await tempDir("mcpx-oauth-rs-");
    const asPort = freePort();
    const port = freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    const other = `http://127.0.0.1:${port}/other`;
    const opaque = `http://127.0.0.1:${port}/opaque`;
    await using as = await startAuthorizationServer(asPort, resource, 3600, {
      RESOURCE_SERVER_CLIENTS: "1",
      RESOURCES: `${other} ${opaque}`,
      OPAQUE_RESOURCES: opaque,
    });
    const config = await writeConfig(dir.path, []);
    await using serve = await startServe([
      "-c",
      config,
      "--oauth-issuer",
      as.issuer,
      "--oauth-scopes",
      "mcp:tools",
    ], { port });
    const metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
    assert.match(
      serve.log,
      new RegExp(`OAuth access tokens from ${as.issuer} for ${resource}, checked by JWT`),
    );

    const post = (token?: string) =>
      fetch(resource, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "raw", version: "1" },
          },
        }),
      });
    const refused = async (token: string | undefined, status: number) => {
      const res = await post(token);
      const body = await res.json();
      assert.equal(res.status, status, JSON.stringify(body));
      return { challenge: res.headers.get("www-authenticate") ?? "", body };
    };

    await t.step("the protected-resource metadata document (RFC 9728)", async () => {
      const expected = {
        resource,
        authorization_servers: [as.issuer],
        scopes_supported: ["mcp:tools"],
        resource_name: "mcpx",
        bearer_methods_supported: ["header"],
      };
      for (
        const url of [metadataUrl, `http://127.0.0.1:${port}/.well-known/oauth-protected-resource`]
      ) {
        const res = await fetch(url);
        assert.equal(res.status, 200, url);
        assert.equal(res.headers.get("access-control-allow-origin"), "*");
        assert.deepEqual(await res.json(), expected);
      }
    });

    await t.step("no token: 401 naming the metadata document", async () => {
      const { challenge, body } = await refused(undefined, 401);
      assert.match(challenge, /^Bearer error="invalid_token"/);
      assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), challenge);
      assert.ok(challenge.includes(`scope="mcp:tools"`), challenge);
      assert.equal(body.error, "invalid_token");
      const garbage = await refused("not-a-jwt", 401);
      assert.ok(garbage.challenge.includes(`resource_metadata="${metadataUrl}"`));
      assert.match(garbage.body.error_description, /not a valid JWT/);
    });

    await t.step("a token for another audience: 401", async () => {
      const token = await mint(as.issuer, other, "mcp:tools");
      const { challenge, body } = await refused(token, 401);
      assert.match(challenge, /error="invalid_token"/);
      assert.match(body.error_description, /not issued for this resource/);
    });

    await t.step("an expired token: 401", async () => {
      const token = await mint(as.issuer, resource, "mcp:tools", "short-minter");
      assert.equal((await post(token)).status, 200); // valid while it lives
      await new Promise((r) => setTimeout(r, 2_100));
      const { body } = await refused(token, 401);
      assert.match(body.error_description, /expired/);
    });

    await t.step("a token without the required scope: 403 insufficient_scope", async () => {
      const token = await mint(as.issuer, resource, "mcp:admin");
      const { challenge, body } = await refused(token, 403);
      assert.match(challenge, /^Bearer error="insufficient_scope"/);
      assert.ok(challenge.includes(`scope="mcp:tools"`), challenge);
      assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), challenge);
      assert.equal(body.error, "insufficient_scope");
    });

    await t.step("a token of another issuer's key: 401", async () => {
      // A well-formed JWT with the right claims, signed with a key the issuer never published.
      const { SignJWT, generateKeyPair } = await import("jose");
      const { privateKey } = await generateKeyPair("ES256");
      const forged = await new SignJWT({ scope: "mcp:tools", client_id: "x" })
        .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "forged" })
        .setIssuer(as.issuer).setAudience(resource).setSubject("mallory")
        .setIssuedAt().setExpirationTime("5m").sign(privateKey);
      const { body } = await refused(forged, 401);
      assert.equal(body.error, "invalid_token");
    });

    await t.step("a session answers only to the identity that opened it", async () => {
      const opened = await post(await mint(as.issuer, resource, "mcp:tools"));
      assert.equal(opened.status, 200);
      await opened.body?.cancel();
      const sid = opened.headers.get("mcp-session-id")!;
      const list = (token: string) =>
        fetch(resource, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            authorization: `Bearer ${token}`,
            "mcp-session-id": sid,
            "mcp-protocol-version": "2025-11-25",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
        });
      const own = await list(await mint(as.issuer, resource, "mcp:tools"));
      assert.equal(own.status, 200);
      await own.body?.cancel();
      // Another client of the same issuer, with a valid token of its own.
      const foreign = await list(await mint(as.issuer, resource, "mcp:tools", "short-minter"));
      assert.equal(foreign.status, 404);
      await foreign.body?.cancel();
    });

    await t.step("a real SDK client: discovery from the 401, login, execute_code", async () => {
      const callbackPort = freePort();
      const callback = Deno.serve(
        { hostname: "127.0.0.1", port: callbackPort, onListen: () => {} },
        () => new Response("You can close this window"),
      );
      try {
        const provider = new TestOAuthProvider(`http://127.0.0.1:${callbackPort}/callback`);
        const first = new Client({ name: "oauth-rs-test", version: "1.0.0" });
        const transport = new StreamableHTTPClientTransport(new URL(resource), {
          authProvider: provider,
        });
        await assert.rejects(first.connect(transport), UnauthorizedError);
        const start = provider.authorizationUrl!;
        assert.equal(start.origin, as.issuer);
        assert.equal(start.searchParams.get("resource"), resource);
        assert.match(start.searchParams.get("scope")!, /\bmcp:tools\b/);
        const back = await authorizeInBrowser(start, { user: "alice" });
        assert.equal(back.searchParams.get("iss"), as.issuer);
        await transport.finishAuth(back.searchParams);

        // With the token: both protocol eras (sessions, and the stateless 2026-07-28 one).
        for (const mode of ["legacy", "auto"] as const) {
          const client = new Client({ name: "oauth-rs-test", version: "1.0.0" }, {
            versionNegotiation: { mode },
          });
          await client.connect(
            new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }),
          );
          assert.equal(
            client.getNegotiatedProtocolVersion(),
            mode === "auto" ? "2026-07-28" : "2025-11-25",
          );
          const result = await client.callTool({
            name: "execute_code",
            arguments: { code: "export default 6 * 7;" },
          });
          assert.notEqual(result.isError, true, JSON.stringify(result));
          assert.match(JSON.stringify(result.content), /42/);
          await client.close();
        }
      } finally {
        await callback.shutdown();
      }
    });

    await t.step("token introspection (RFC 7662) against the same issuer", async () => {
      const rs = new ResourceServer({
        issuer: await discoverIssuer(as.issuer, { introspection: true }),
        resource: new URL(opaque),
        scopes: ["mcp:tools"],
        introspection: { clientId: "introspector", clientSecret: SECRET },
      });
      const check = (token: string) =>
        rs.authenticate(
          new Request(opaque, { headers: { authorization: `Bearer ${token}` } }),
        );
      const good = await mint(as.issuer, opaque, "mcp:tools");
      assert.ok(!good.includes("."), "an opaque token"); // only introspection can check it
      const auth = await check(good);
      assert.ok(!(auth instanceof Response), "the opaque token is accepted");
      assert.equal(auth.clientId, "minter");
      assert.deepEqual(auth.scopes, ["mcp:tools"]);
      assert.equal((await check("unknown-token") as Response).status, 401);
      // A JWT, which this issuer will not introspect: verified with its keys instead.
      const elsewhere = await check(await mint(as.issuer, other, "mcp:tools"));
      assert.equal((elsewhere as Response).status, 401);
      assert.match((await (elsewhere as Response).json()).error_description, /not issued for this/);
      const narrow = await check(await mint(as.issuer, opaque, "mcp:admin"));
      assert.equal((narrow as Response).status, 403);
      // Revoked at the issuer: introspection sees it at once.
      const revoke = await fetch(`${as.issuer}/token/revocation`, {
        method: "POST",
        headers: {
          authorization: `Basic ${btoa(`minter:${SECRET}`)}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token: good }),
      });
      assert.equal(revoke.status, 200);
      const revoked = await check(good);
      assert.equal((revoked as Response).status, 401);
      const wrongSecret = new ResourceServer({
        issuer: await discoverIssuer(as.issuer, { introspection: true }),
        resource: new URL(opaque),
        introspection: { clientId: "introspector", clientSecret: "wrong" },
      });
      const r = await wrongSecret.authenticate(
        new Request(opaque, { headers: { authorization: `Bearer ${good}` } }),
      ) as Response;
      assert.equal(r.status, 500);
    });
  },
});

Deno.test("serve --oauth-*: usage errors name the offending flag", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, []);
  const run = (...args: string[]) => cli(["serve", "-c", config, ...args]);
  const stdio = await run("--oauth-issuer", "http://127.0.0.1:1");
  assert.equal(stdio.code, 2);
  assert.match(stdio.stderr, /--oauth-\* and --allow-unauthenticated need --http PORT/);
  const stray = await run("--http", "0", "--oauth-scopes", "a");
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--oauth-scopes needs --oauth-issuer URL/);
  const both = await run(
    "--http",
    "0",
    "--oauth-issuer",
    "http://127.0.0.1:1",
    "--token",
    "0123456789abcdef0123",
  );
  assert.equal(both.code, 2);
  assert.match(
    both.stderr,
    /A static token .* and an OAuth issuer \("http:\/\/127\.0\.0\.1:1"\) are alternatives/,
  );
  const exposed = await run(
    "--http",
    "0",
    "--host",
    "0.0.0.0",
    "--oauth-issuer",
    "https://x.invalid",
  );
  assert.equal(exposed.code, 2);
  assert.match(exposed.stderr, /Serving OAuth on "0\.0\.0\.0" needs --oauth-resource URL/);
  // Beyond loopback an issuer counts as authentication: the next check is the issuer itself.
  const public_ = await run(
    "--http",
    "0",
    "--host",
    "0.0.0.0",
    "--oauth-issuer",
    "http://127.0.0.1:1",
    "--oauth-resource",
    "https://mcp.example.com/mcp",
  );
  assert.equal(public_.code, 1, public_.stderr);
  assert.match(public_.stderr, /Cannot discover the OAuth issuer/);
  const unreachable = await run("--http", "0", "--oauth-issuer", "http://127.0.0.1:1");
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /Cannot discover the OAuth issuer "http:\/\/127\.0\.0\.1:1"/);
  const secretless = await run(
    "--http",
    "0",
    "--oauth-issuer",
    "http://127.0.0.1:1",
    "--oauth-client-id",
    "rs",
  );
  assert.equal(secretless.code, 1);
  assert.match(secretless.stderr, /client "rs" needs its secret in MCPX_OAUTH_CLIENT_SECRET/);
  // The same settings from the config's "mcpx" block.
  const withSettings = async (resourceServer: unknown) => {
    const path = `${dir.path}/rs.json`;
    await Deno.writeTextFile(path, JSON.stringify({ mcpServers: {}, mcpx: { resourceServer } }));
    return await cli(["serve", "-c", path, "--http", "0"]);
  };
  const fromConfig = await withSettings({ issuer: "http://127.0.0.1:1", scopes: ["mcp:tools"] });
  assert.equal(fromConfig.code, 1);
  assert.match(fromConfig.stderr, /Cannot discover the OAuth issuer "http:\/\/127\.0\.0\.1:1"/);
  const badKey = await withSettings({ issuer: "http://127.0.0.1:1", scope: "x" });
  assert.equal(badKey.code, 1);
  assert.match(badKey.stderr, /mcpx\.resourceServer: Unrecognized key: "scope"/);
  const badUrl = await withSettings({ issuer: "login" });
  assert.match(badUrl.stderr, /mcpx\.resourceServer\.issuer: Invalid URL/);
});
