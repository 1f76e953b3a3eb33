/**
 * The tool search of `search_index.ts` rebuilt on two libraries, MiniSearch and
 * Orama, with the same interface, so that the bench and the relevance scoring
 * measure all three the same way.
 *
 * Each library is configured as well as its API allows, with what the
 * hand-written index does: the same word splitting, stopwords, stemming and
 * synonyms; field weights name 3, title 2, description 1, server 0.3; prefix
 * matching; a filter by server; an exact tool name boosted.
 *
 * @module
 */

import MiniSearch from "minisearch";
import { create, insertMultiple, search as oramaSearch } from "@orama/orama";
import { McpxError } from "../../errors.ts";
import {
  DEFAULT_LIMIT,
  FIELD_WEIGHTS,
  MAX_LIMIT,
  type SearchHit,
  SearchIndex,
  type SearchOptions,
  synonyms,
  tokenize,
  type ToolDoc,
  words,
} from "../search_index.ts";

/** A tool search: what `search_tools` needs of an index. */
export interface ToolSearch {
  /** Tools matching `query`, best first. */
  search(query: string, opts?: SearchOptions): SearchHit[];
}

/** Builds a {@link ToolSearch} over `docs`, with `servers` mapping a server to its description. */
export type ToolSearchFactory = (docs: ToolDoc[], servers: Record<string, string>) => ToolSearch;

const SYNONYM_WEIGHT = 0.6;
const PREFIX_WEIGHT = 0.5;
const EXACT_NAME_BOOST = 2;

/** The name words of a tool: its name and generated function, each word once. */
function nameText(doc: ToolDoc): string {
  return [...new Set([...words(doc.tool), ...words(doc.fn)])].join(" ");
}

function serverText(doc: ToolDoc, servers: Record<string, string>): string {
  return `${doc.server} ${servers[doc.server] ?? ""}`;
}

function sortHits(hits: SearchHit[]): SearchHit[] {
  return hits.sort((a, b) =>
    b.score - a.score || (a.doc.server < b.doc.server ? -1 : a.doc.server > b.doc.server ? 1 : 0) ||
    (a.doc.tool < b.doc.tool ? -1 : a.doc.tool > b.doc.tool ? 1 : 0)
  );
}

function checkOptions(opts: SearchOptions, known: Set<string>): number {
  const limit = opts.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`Cannot search with limit "${limit}": expected a positive integer`);
  }
  if (opts.server !== undefined && !known.has(opts.server)) {
    throw new McpxError("UNKNOWN_SERVER", `Unknown server "${opts.server}"`);
  }
  return Math.min(limit, MAX_LIMIT);
}

/** Query stems, each followed by its synonyms, and the set of the stems themselves. */
function expand(query: string): { terms: string[]; own: Set<string> } {
  const own = new Set(tokenize(query));
  const terms: string[] = [];
  for (const t of own) terms.push(t, ...synonyms(t).filter((s) => !own.has(s)));
  return { terms, own };
}

/** The hand-written BM25F index of `search_index.ts`. */
export const handWritten: ToolSearchFactory = (docs, servers) => {
  const index = new SearchIndex(docs);
  for (const [server, text] of Object.entries(servers)) index.describeServer(server, text);
  return index;
};

/** MiniSearch 7 (BM25+ over a radix tree). */
export const miniSearch: ToolSearchFactory = (docs, servers) => {
  const byId = new Map<number, ToolDoc>();
  const known = new Set<string>(Object.keys(servers));
  const ms = new MiniSearch<{ id: number; server: string }>({
    fields: ["name", "title", "description", "serverText"],
    storeFields: [],
    tokenize: (text) => words(text),
    processTerm: (term) => tokenize(term)[0] ?? null,
    searchOptions: {
      boost: {
        name: FIELD_WEIGHTS.name,
        title: FIELD_WEIGHTS.title,
        description: FIELD_WEIGHTS.description,
        serverText: FIELD_WEIGHTS.server,
      },
      combineWith: "OR",
      weights: { fuzzy: 0, prefix: PREFIX_WEIGHT },
      bm25: { k: 1.2, b: 0.7, d: 0.5 },
    },
  });
  ms.addAll(docs.map((doc, id) => {
    byId.set(id, doc);
    known.add(doc.server);
    return {
      id,
      server: doc.server,
      name: nameText(doc),
      title: doc.title ?? "",
      description: doc.description ?? "",
      serverText: serverText(doc, servers),
    };
  }));
  return {
    search(query, opts = {}) {
      const max = checkOptions(opts, known);
      const { terms, own } = expand(query);
      if (terms.length === 0) return listed(docs, opts.server, max);
      const exact = query.trim().toLowerCase();
      const last = terms.length - 1;
      const results = ms.search(terms.join(" "), {
        // The query is already processed; keep it as it is.
        tokenize: (text) => text.split(" "),
        processTerm: (term) => term,
        prefix: (_term, i) => i === last,
        boostTerm: (term) => own.has(term) ? 1 : SYNONYM_WEIGHT,
        filter: opts.server === undefined
          ? undefined
          : (r) => byId.get(r.id as number)!.server === opts.server,
        boostDocument: (id) => {
          const doc = byId.get(id as number)!;
          return doc.tool.toLowerCase() === exact || doc.fn.toLowerCase() === exact
            ? EXACT_NAME_BOOST
            : 1;
        },
      });
      return sortHits(results.map((r) => ({ doc: byId.get(r.id as number)!, score: r.score })))
        .slice(0, max);
    },
  };
};

/** Orama 3 (BM25 over radix trees, prefix matching on every word). */
export const orama: ToolSearchFactory = (docs, servers) => {
  const known = new Set<string>(Object.keys(servers));
  const db = create({
    schema: {
      server: "enum",
      name: "string",
      title: "string",
      description: "string",
      serverText: "string",
    } as const,
    components: {
      tokenizer: {
        language: "english",
        normalizationCache: new Map(),
        tokenize(raw: string, _language?: string, prop?: string): string[] {
          if (prop !== undefined) return tokenize(raw);
          // A query: its stems and their synonyms.
          // (Orama has no weight per query term: synonyms count in full.)
          return expand(raw).terms;
        },
      },
    },
  });
  const byId = new Map<string, ToolDoc>();
  insertMultiple(
    db,
    docs.map((doc, i) => {
      known.add(doc.server);
      byId.set(String(i), doc);
      return {
        id: String(i),
        server: doc.server,
        name: nameText(doc),
        title: doc.title ?? "",
        description: doc.description ?? "",
        serverText: serverText(doc, servers),
      };
    }),
  );
  return {
    search(query, opts = {}) {
      const max = checkOptions(opts, known);
      if (tokenize(query).length === 0) return listed(docs, opts.server, max);
      const exact = query.trim().toLowerCase();
      const result = oramaSearch(db, {
        term: query,
        properties: ["name", "title", "description", "serverText"],
        boost: {
          name: FIELD_WEIGHTS.name,
          title: FIELD_WEIGHTS.title,
          description: FIELD_WEIGHTS.description,
          serverText: FIELD_WEIGHTS.server,
        },
        threshold: 1,
        limit: 1000,
        relevance: { k: 1.2, b: 0.75, d: 0.5 },
        ...(opts.server === undefined ? {} : { where: { server: { eq: opts.server } } }),
      });
      if (result instanceof Promise) throw new Error("Orama answered asynchronously");
      return sortHits(result.hits.map((h) => {
        const doc = byId.get(h.id)!;
        const boost = doc.tool.toLowerCase() === exact || doc.fn.toLowerCase() === exact
          ? EXACT_NAME_BOOST
          : 1;
        return { doc, score: h.score * boost };
      })).slice(0, max);
    },
  };
};

function listed(docs: ToolDoc[], server: string | undefined, max: number): SearchHit[] {
  return sortHits(
    docs.filter((d) => server === undefined || d.server === server).map((doc) => ({
      doc,
      score: 0,
    })),
  ).slice(0, max);
}

/** The three engines by name. */
export const ENGINES: Readonly<Record<string, ToolSearchFactory>> = {
  "hand-written": handWritten,
  "minisearch": miniSearch,
  "orama": orama,
};
