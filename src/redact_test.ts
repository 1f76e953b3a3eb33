import assert from "node:assert/strict";
import { REDACTED, Redactor, redactPatterns } from "./redact.ts";

Deno.test("redactPatterns removes URL passwords, secret parameters and credentials", () => {
  assert.equal(
    redactPatterns('connect to "https://alice:p4ss@example.com/mcp?x=1&token=abc123" failed'),
    `connect to "https://alice:${REDACTED}@example.com/mcp?x=1&token=${REDACTED}" failed`,
  );
  assert.equal(
    redactPatterns("Authorization: Bearer abcdefghijklmnop"),
    `Authorization: Bearer ${REDACTED}`,
  );
  assert.equal(
    redactPatterns("token ghp_0123456789abcdefghijABCDEFGHIJ and AKIAABCDEFGHIJKLMNOP"),
    `token ${REDACTED} and ${REDACTED}`,
  );
  assert.equal(redactPatterns("nothing secret here: 1 + 1"), "nothing secret here: 1 + 1");
});

Deno.test("Redactor.forServers removes env values, header values and URL passwords", () => {
  const r = Redactor.forServers([
    {
      name: "gh",
      transport: "stdio",
      command: "x",
      args: [],
      env: { GITHUB_TOKEN: "plain-secret-42", SHORT: "ab" },
    },
    {
      name: "api",
      transport: "http",
      url: "https://u:urlpass99@h.example/mcp",
      headers: { Authorization: "Token hdr-secret-77" },
    },
  ]);
  const text =
    "server gh failed: plain-secret-42 rejected; api said hdr-secret-77; https://u:urlpass99@h.example/mcp; ab stays";
  const out = r.redact(text);
  for (const secret of ["plain-secret-42", "hdr-secret-77", "urlpass99"]) {
    assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  }
  assert.match(out, /ab stays$/);
});
