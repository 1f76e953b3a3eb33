import assert from "node:assert/strict";
import { McpxError } from "../errors.ts";
import {
  ENGINES,
  handWritten,
  miniSearch,
  orama,
  type ToolSearch,
  type ToolSearchFactory,
} from "./testdata/_library_search.ts";
import { scoreRelevance } from "./testdata/_score_relevance.ts";
import { CORPORA, RELEVANCE_CASES } from "./testdata/relevance_cases.ts";

const real = CORPORA.real;

Deno.test("relevance scoring", async (t) => {
  await t.step("an engine that always answers right scores 1", () => {
    const oracle: ToolSearchFactory = (docs) => ({
      search(query, opts) {
        const c = RELEVANCE_CASES.find((c) => c.query === query && c.server === opts?.server)!;
        return docs.filter((d) => c.relevant.includes(`${d.server}/${d.tool}`))
          .map((doc) => ({ doc, score: 1 }));
      },
    });
    const s = scoreRelevance(oracle);
    assert.equal(s.cases, RELEVANCE_CASES.length);
    assert.deepEqual([s.top1, s.top3, s.mrr], [1, 1, 1]);
    assert.deepEqual(s.misses, []);
  });
  await t.step("an engine that finds nothing scores 0", () => {
    const s = scoreRelevance(() => ({ search: () => [] }));
    assert.deepEqual([s.top1, s.top3, s.mrr], [0, 0, 0]);
    assert.equal(s.misses.length, RELEVANCE_CASES.length);
  });
  await t.step("a right answer in second place counts for top-3 and half in MRR", () => {
    const second: ToolSearchFactory = (docs) => ({
      search(query, opts) {
        const c = RELEVANCE_CASES.find((c) => c.query === query && c.server === opts?.server)!;
        const wrong = docs.find((d) => !c.relevant.includes(`${d.server}/${d.tool}`))!;
        const right = docs.find((d) => c.relevant.includes(`${d.server}/${d.tool}`))!;
        return [{ doc: wrong, score: 2 }, { doc: right, score: 1 }];
      },
    });
    const s = scoreRelevance(second, "held_out");
    assert.deepEqual([s.top1, s.top3, s.mrr], [0, 1, 0.5]);
  });
});

Deno.test("the library adapters search like the index", async (t) => {
  for (const [name, factory] of Object.entries(ENGINES)) {
    await t.step(name, () => {
      const engine: ToolSearch = factory(real.docs, real.servers);
      const top = engine.search("read text file", { limit: 3 });
      assert.equal(top.length, 3);
      assert.equal(`${top[0].doc.server}/${top[0].doc.tool}`, "filesystem/read_text_file");
      for (let i = 1; i < top.length; i++) assert.ok(top[i - 1].score >= top[i].score);
      const filtered = engine.search("file", { server: "memory", limit: 50 });
      assert.ok(filtered.every((h) => h.doc.server === "memory"));
      assert.equal(engine.search("", { server: "memory", limit: 50 }).length, 9);
      assert.throws(() => engine.search("x", { server: "gdrive" }), McpxError);
      assert.throws(() => engine.search("x", { limit: 0 }), RangeError);
    });
  }
});

// The hand-written index is kept because it is clearly better than both
// libraries (README, Performance): this holds its side of that on ranking.
Deno.test("the hand-written index ranks at least as well as MiniSearch and Orama", () => {
  const own = scoreRelevance(handWritten);
  assert.equal(scoreRelevance(handWritten, "tuned").top1, 1);
  assert.ok(own.top3 === 1, `top-3 ${own.top3}`);
  for (const [name, factory] of [["minisearch", miniSearch], ["orama", orama]] as const) {
    const lib = scoreRelevance(factory);
    assert.ok(own.top1 >= lib.top1, `top-1 ${own.top1} vs ${name} ${lib.top1}`);
    assert.ok(own.mrr >= lib.mrr, `MRR ${own.mrr} vs ${name} ${lib.mrr}`);
  }
});
