// Ranking quality of the tool search against MiniSearch and Orama on the same
// relevance cases (src/server/testdata/relevance_cases.ts), as a Markdown table.
//
//   deno run -A bench/search_relevance.ts [--misses]
import { ENGINES } from "../src/server/testdata/_library_search.ts";
import { scoreRelevance } from "../src/server/testdata/_score_relevance.ts";

const pct = (x: number) => `${Math.round(x * 100)}%`;
console.log("| engine | cases | top-1 | top-3 | MRR |");
console.log("|---|---|---|---|---|");
for (const [name, factory] of Object.entries(ENGINES)) {
  for (const set of ["tuned", "held_out"] as const) {
    const s = scoreRelevance(factory, set);
    console.log(
      `| ${name} | ${set.replace("_", "-")} (${s.cases}) | ${pct(s.top1)} | ${pct(s.top3)} | ${
        s.mrr.toFixed(2)
      } |`,
    );
    if (Deno.args.includes("--misses")) {
      for (const m of s.misses) {
        console.log(`|   | miss: ${m.query} → ${m.got ?? "(nothing)"} | | | |`);
      }
    }
  }
}
