import assert from "node:assert/strict";
import { cacheKey, canonicalJson, ResultCache } from "./result_cache.ts";

Deno.test("canonicalJson sorts keys at every level", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null }, u: undefined }),
    '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
  );
  assert.equal(cacheKey("s", "t", { x: 1, y: 2 }), cacheKey("s", "t", { y: 2, x: 1 }));
  assert.notEqual(cacheKey("s", "t", { x: 1 }), cacheKey("s", "u", { x: 1 }));
});

Deno.test("ResultCache evicts the least recently used entry", () => {
  const cache = new ResultCache<number>({ maxEntries: 2 });
  cache.set("a", 1);
  cache.set("b", 2);
  assert.equal(cache.get("a"), 1); // a is now the most recent
  cache.set("c", 3);
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.get("a"), 1);
  assert.equal(cache.get("c"), 3);
  assert.equal(cache.size, 2);
});

Deno.test("ResultCache entries expire after their lifetime", () => {
  let now = 1_000;
  const cache = new ResultCache<string>({ ttlMs: 100, now: () => now });
  cache.set("k", "v");
  now = 1_100;
  assert.equal(cache.get("k"), "v");
  now = 1_101;
  assert.equal(cache.get("k"), undefined);
  assert.equal(cache.size, 0);
});
