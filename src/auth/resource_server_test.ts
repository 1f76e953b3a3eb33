import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { McpxError } from "../errors.ts";
import { discoverIssuer, ResourceServer } from "./resource_server.ts";

/** A minimal issuer on loopback: RFC 8414 metadata and a JWKS with one ES256 key. */
async function localIssuer(metadata: Record<string, unknown> = {}) {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  let issuer = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/.well-known/oauth-authorization-server") {
      return Response.json({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        ...metadata,
      });
    }
    if (path === "/jwks") return Response.json({ keys: [jwk] });
    return new Response("not found", { status: 404 });
  });
  issuer = `http://127.0.0.1:${server.addr.port}`;
  const sign = (claims: Record<string, unknown>, exp: number | null = 300) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "k1", typ: "at+jwt" })
      .setIssuedAt();
    if (exp !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + exp);
    return jwt.sign(privateKey);
  };
  return { issuer, sign, [Symbol.asyncDispose]: () => server.shutdown() };
}

const RESOURCE = "https://mcp.example.com/mcp";
const request = (token?: string, url = RESOURCE) =>
  new Request(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

Deno.test("ResourceServer: the metadata document, at both well-known paths", async () => {
  await using as = await localIssuer();
  const rs = new ResourceServer({
    issuer: await discoverIssuer(as.issuer),
    resource: new URL(RESOURCE),
    scopes: ["mcp:tools"],
  });
  assert.equal(rs.metadataUrl, "https://mcp.example.com/.well-known/oauth-protected-resource/mcp");
  assert.equal(rs.mode, "jwt");
  const expected = {
    resource: RESOURCE,
    authorization_servers: [as.issuer],
    scopes_supported: ["mcp:tools"],
    resource_name: "mcpx",
    bearer_methods_supported: ["header"],
  };
  for (
    const path of [
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource/",
    ]
  ) {
    const res = rs.metadataResponse(new Request(`http://127.0.0.1:1${path}`))!;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), expected);
  }
  assert.equal(rs.metadataResponse(new Request("http://127.0.0.1:1/mcp")), undefined);
  // The issuer's metadata, mirrored for clients that look for it at the server's origin.
  const mirrored = rs.metadataResponse(
    new Request("http://127.0.0.1:1/.well-known/oauth-authorization-server"),
  )!;
  assert.equal(mirrored.status, 200);
  const asMetadata = await mirrored.json();
  assert.equal(asMetadata.issuer, as.issuer);
  assert.equal(asMetadata.jwks_uri, `${as.issuer}/jwks`);
  const pre = rs.metadataResponse(
    new Request(`http://127.0.0.1:1/.well-known/oauth-protected-resource`, { method: "OPTIONS" }),
  )!;
  assert.equal(pre.status, 204);
  const post = rs.metadataResponse(
    new Request(`http://127.0.0.1:1/.well-known/oauth-protected-resource`, { method: "POST" }),
  )!;
  assert.equal(post.status, 405);
  await post.body?.cancel();
});

Deno.test("ResourceServer: JWT access tokens are checked for issuer, audience, expiry and scope", async () => {
  await using as = await localIssuer();
  const rs = new ResourceServer({
    issuer: await discoverIssuer(as.issuer),
    resource: new URL(RESOURCE),
    scopes: ["mcp:tools"],
  });
  const base = { iss: as.issuer, sub: "alice", client_id: "app" };
  // `scp` as an array, several audiences, and a trailing slash on ours.
  const ok = await rs.authenticate(
    request(await as.sign({ ...base, aud: ["other", `${RESOURCE}/`], scp: ["mcp:tools", "x"] })),
  );
  assert.ok(!(ok instanceof Response));
  assert.equal(ok.clientId, "app");
  assert.deepEqual(ok.scopes, ["mcp:tools", "x"]);
  assert.equal(ok.extra?.sub, "alice");
  assert.equal(ok.resourceMetadataUrl, rs.metadataUrl);

  const refusal = async (token: string | undefined, status: number, why: RegExp) => {
    const res = await rs.authenticate(request(token));
    assert.ok(res instanceof Response);
    assert.equal(res.status, status);
    assert.match(
      res.headers.get("www-authenticate")!,
      /resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
    assert.match((await res.json()).error_description, why);
  };
  await refusal(undefined, 401, /Missing Authorization header/);
  await refusal(
    await as.sign({ ...base, aud: "https://other.example.com/mcp", scope: "mcp:tools" }),
    401,
    /not issued for this resource/,
  );
  await refusal(await as.sign({ ...base, aud: RESOURCE, scope: "mcp:tools" }, -10), 401, /expired/);
  await refusal(await as.sign({ ...base, aud: RESOURCE, scope: "mcp:tools" }, null), 401, /"exp"/);
  await refusal(
    await as.sign({ ...base, iss: "https://evil.example.com", aud: RESOURCE, scope: "mcp:tools" }),
    401,
    /"iss"/,
  );
  await refusal(
    await as.sign({ ...base, aud: RESOURCE, scope: "mcp:admin" }),
    403,
    /Insufficient scope/,
  );
  const [h, p] = (await as.sign({ ...base, aud: RESOURCE, scope: "mcp:tools" })).split(".");
  await refusal(`${h}.${p}.AAAA`, 401, /not a valid JWT/);
});

Deno.test("discoverIssuer and ResourceServer name what does not fit", async () => {
  await using as = await localIssuer();
  await using renamed = await localIssuer({ issuer: "http://127.0.0.1:9/elsewhere" });
  await using keyless = await localIssuer({ jwks_uri: undefined });
  const fails = async (p: Promise<unknown>, re: RegExp) => {
    const e = await p.then(() => undefined, (e) => e);
    assert.ok(e instanceof McpxError, String(e));
    assert.equal(e.code, "CONFIG_INVALID");
    assert.match(e.message, re);
  };
  await fails(discoverIssuer("not a url"), /Invalid OAuth issuer "not a url"/);
  await fails(
    discoverIssuer(renamed.issuer),
    /Issuer mismatch .*received "http:\/\/127\.0\.0\.1:9\/elsewhere"/,
  );
  await fails(discoverIssuer(keyless.issuer), /publishes no jwks_uri/);
  await fails(
    discoverIssuer(as.issuer, { introspection: true }),
    /publishes no introspection_endpoint/,
  );
  const metadata = await discoverIssuer(as.issuer);
  assert.throws(
    () =>
      new ResourceServer({
        issuer: { ...metadata, issuer: "http://login.example.com" },
        resource: new URL(RESOURCE),
      }),
    /Invalid OAuth issuer "http:\/\/login\.example\.com": Issuer URL must be HTTPS/,
  );
  assert.throws(
    () => new ResourceServer({ issuer: metadata, resource: new URL(RESOURCE), scopes: ['a"b'] }),
    /Invalid OAuth scope "a"b"/,
  );
});

Deno.test("ResourceServer: an issuer whose keys cannot be fetched is the server's problem, not the client's", async () => {
  await using as = await localIssuer({ jwks_uri: "http://127.0.0.1:1/jwks" });
  const rs = new ResourceServer({
    issuer: await discoverIssuer(as.issuer),
    resource: new URL(RESOURCE),
  });
  const res = await rs.authenticate(
    request(await as.sign({ iss: as.issuer, aud: RESOURCE, scope: "mcp:tools" })),
  );
  assert.ok(res instanceof Response);
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), {
    error: "server_error",
    error_description: "Cannot fetch the issuer's keys",
  });
});
