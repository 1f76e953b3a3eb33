// Tool search over 1,000 synthetic tools: building the index and answering
// queries, the hand-written index (the baseline) against the same search built
// on MiniSearch and on Orama (src/server/testdata/_library_search.ts), and a
// naive substring filter.
//
//   deno bench -A bench/search_bench.ts
import type { ToolDoc } from "../src/server/search_index.ts";
import { ENGINES, type ToolSearch } from "../src/server/testdata/_library_search.ts";

const VERBS = [
  "get",
  "list",
  "create",
  "update",
  "delete",
  "search",
  "read",
  "write",
  "move",
  "copy",
  "send",
  "fetch",
  "sync",
  "archive",
  "export",
  "import",
  "validate",
  "render",
  "schedule",
  "close",
];
const NOUNS = [
  "file",
  "directory",
  "issue",
  "comment",
  "message",
  "channel",
  "user",
  "team",
  "event",
  "calendar",
  "invoice",
  "payment",
  "customer",
  "order",
  "product",
  "image",
  "document",
  "sheet",
  "row",
  "page",
  "database",
  "record",
  "ticket",
  "label",
  "branch",
  "commit",
  "release",
  "build",
  "deployment",
  "secret",
  "bucket",
  "object",
  "queue",
  "topic",
  "metric",
  "alert",
  "dashboard",
  "report",
  "task",
  "project",
];
const FILLER = [
  "returns",
  "the",
  "matching",
  "items",
  "with",
  "their",
  "metadata",
  "for",
  "given",
  "identifier",
  "optionally",
  "filtered",
  "by",
  "status",
  "owner",
  "date",
  "range",
  "and",
  "sorted",
  "results",
  "are",
  "paginated",
  "using",
  "a",
  "cursor",
  "requires",
  "permission",
  "to",
  "access",
  "workspace",
];

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticTools(count: number): ToolDoc[] {
  const random = rng(42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const docs: ToolDoc[] = [];
  for (let i = 0; i < count; i++) {
    const server = `server${String(i % 25).padStart(2, "0")}`;
    const verb = pick(VERBS);
    const noun = pick(NOUNS);
    const tool = `${verb}_${noun}_${i}`;
    const fn = `${verb}${noun[0].toUpperCase()}${noun.slice(1)}${i}`;
    const filler = Array.from({ length: 20 + Math.floor(random() * 30) }, () => pick(FILLER));
    docs.push({
      server,
      tool,
      fn,
      title: `${verb[0].toUpperCase()}${verb.slice(1)} ${noun}`,
      description: `${verb[0].toUpperCase()}${verb.slice(1)} a ${noun} of the ${pick(NOUNS)}. ` +
        filler.join(" "),
      path: `servers/${server}/${fn}.ts`,
    });
  }
  return docs;
}

const DOCS = syntheticTools(1000);
const BUILT: Record<string, ToolSearch> = {};
for (const [name, factory] of Object.entries(ENGINES)) {
  BUILT[name] = factory(DOCS, {});
  BUILT[name].search("warm up");
}

/** What a tool list filter without an index does: every query word is a substring. */
function substringFilter(docs: ToolDoc[], query: string, limit: number): ToolDoc[] {
  const needles = query.toLowerCase().split(/\s+/).filter(Boolean);
  const out: ToolDoc[] = [];
  for (const d of docs) {
    const hay = `${d.tool} ${d.title ?? ""} ${d.description ?? ""}`.toLowerCase();
    if (needles.every((n) => hay.includes(n))) {
      out.push(d);
      if (out.length === limit) break;
    }
  }
  return out;
}

for (const [name, factory] of Object.entries(ENGINES)) {
  Deno.bench(
    name,
    { group: "build 1,000 tools + first query", baseline: name === "hand-written" },
    () => {
      factory(DOCS, {}).search("create invoice");
    },
  );
}

const QUERIES: [string, string, { server?: string }?][] = [
  ["two words", "create invoice"],
  ["sentence", "list the open tickets of a project sorted by date"],
  ["prefix", "delete depl"],
  ["server filter", "create invoice", { server: "server07" }],
];

for (const [label, query, opts] of QUERIES) {
  for (const [name] of Object.entries(ENGINES)) {
    Deno.bench(name, { group: `query: ${label}`, baseline: name === "hand-written" }, () => {
      BUILT[name].search(query, opts);
    });
  }
}

Deno.bench("substring filter", { group: "query: two words" }, () => {
  substringFilter(DOCS, "create invoice", 10);
});
