import assert from "node:assert/strict";
import { redact, REDACTED, redactText } from "./redact.ts";

Deno.test("secrets under secret-named keys and token-shaped strings are redacted", () => {
  assert.deepEqual(
    redact({
      user: "ann",
      password: "hunter2",
      nested: { apiKey: "k", headers: { Authorization: "Bearer abcdefghijklmnopqrstuvwxyz" } },
      note: "use ghp_abcdefghijklmnopqrstuvwxyz0123456789 for it",
      list: [{ client_secret: "s" }],
      count: 3,
    }),
    {
      user: "ann",
      password: REDACTED,
      nested: { apiKey: REDACTED, headers: { Authorization: REDACTED } },
      note: `use ${REDACTED} for it`,
      list: [{ client_secret: REDACTED }],
      count: 3,
    },
  );
  assert.equal(redactText("key sk-abcdefghijklmnopqrstuvwx"), `key ${REDACTED}`);
  assert.equal(redactText("plain text"), "plain text");
});
