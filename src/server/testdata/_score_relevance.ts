/**
 * Scores a tool search on {@link RELEVANCE_CASES}: top-1 and top-3 hit rates
 * and the mean reciprocal rank of the first right answer in the top ten.
 *
 * @module
 */

import type { ToolSearch, ToolSearchFactory } from "./_library_search.ts";
import { CORPORA, RELEVANCE_CASES, type RelevanceCase } from "./relevance_cases.ts";

/** Scores of one engine on one set of cases. */
export interface RelevanceScore {
  /** Number of cases. */
  cases: number;
  /** Share of cases whose first result is right. */
  top1: number;
  /** Share of cases with a right result in the first three. */
  top3: number;
  /** Mean of 1 / rank of the first right result (0 when not in the top ten). */
  mrr: number;
  /** The cases whose first result is wrong, with what came first. */
  misses: { query: string; got: string | undefined }[];
}

/** Rank (1-based) of the first right answer of `c` in the top ten of `engine`, 0 if none. */
export function rankOf(engine: ToolSearch, c: RelevanceCase): { rank: number; first?: string } {
  const hits = engine.search(
    c.query,
    c.server === undefined ? { limit: 10 } : {
      server: c.server,
      limit: 10,
    },
  ).map((h) => `${h.doc.server}/${h.doc.tool}`);
  const at = hits.findIndex((h) => c.relevant.includes(h));
  return { rank: at + 1, first: hits[0] };
}

/** Scores `factory` on the cases of `set` (all cases when not given). */
export function scoreRelevance(
  factory: ToolSearchFactory,
  set?: RelevanceCase["set"],
): RelevanceScore {
  const engines = new Map<string, ToolSearch>();
  const cases = RELEVANCE_CASES.filter((c) => set === undefined || c.set === set);
  let top1 = 0;
  let top3 = 0;
  let rr = 0;
  const misses: RelevanceScore["misses"] = [];
  for (const c of cases) {
    const name = c.corpus ?? "real";
    let engine = engines.get(name);
    if (!engine) {
      engine = factory(CORPORA[name].docs, CORPORA[name].servers);
      engines.set(name, engine);
    }
    const { rank, first } = rankOf(engine, c);
    if (rank === 1) top1++;
    else misses.push({ query: c.query + (c.server ? ` (server ${c.server})` : ""), got: first });
    if (rank >= 1 && rank <= 3) top3++;
    if (rank >= 1) rr += 1 / rank;
  }
  const n = cases.length;
  return { cases: n, top1: top1 / n, top3: top3 / n, mrr: rr / n, misses };
}
