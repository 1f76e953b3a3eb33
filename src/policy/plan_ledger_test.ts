import assert from "node:assert/strict";
import { PlanLedger } from "./plan_ledger.ts";
import { argDigest } from "./arg_digest.ts";

const key = new Uint8Array(32).fill(7);
const entries = [{
  server: "memory",
  tool: "delete_entities",
  digest: argDigest({ entityNames: ["a"] }),
}];

Deno.test("a token opens to its entries with the same key only", () => {
  const ledger = new PlanLedger(key);
  const token = ledger.sign(entries);
  assert.match(token, /^mcpx1\.[\w-]+\.[\w-]+$/);
  assert.deepEqual(ledger.open(token).entries, entries);
  assert.throws(
    () => new PlanLedger(new Uint8Array(32).fill(8)).open(token),
    /Invalid approval token: its signature does not match/,
  );
});

Deno.test("a changed, malformed or expired token is refused", () => {
  const ledger = new PlanLedger(key, 1_000);
  const token = ledger.sign(entries, 0);
  const [p, body, mac] = token.split(".");
  const forged = JSON.parse(atob(body.replace(/-/g, "+").replace(/_/g, "/")));
  forged.c[0][2] = argDigest({ entityNames: ["b"] });
  const forgedBody = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
  assert.throws(() => ledger.open(`${p}.${forgedBody}.${mac}`, 10), /signature does not match/);
  assert.throws(() => ledger.open("hello", 10), /not an mcpx approval token/);
  assert.throws(() => ledger.open(token, 5_000), /it expired at 1970-01-01T00:00:01.000Z/);
  assert.equal(ledger.open(token, 500).entries.length, 1);
  assert.throws(() => new PlanLedger(new Uint8Array(4)), /Ledger key is 4 bytes/);
});

Deno.test("argument digests ignore key order", () => {
  assert.equal(argDigest({ a: 1, b: { c: 2, d: 3 } }), argDigest({ b: { d: 3, c: 2 }, a: 1 }));
  assert.notEqual(argDigest({ a: [1, 2] }), argDigest({ a: [2, 1] }));
});
