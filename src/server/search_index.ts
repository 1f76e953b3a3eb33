/**
 * Ranked full-text search over the tools of many MCP servers, behind the
 * `search_tools` tool of `mcpx serve`.
 *
 * Ranking is BM25F: each tool has four fields — its name (as the server spells
 * it and as the generated function), its title, its description, and its
 * server (the server's name and, when given, its description or instructions)
 * — weighted {@link FIELD_WEIGHTS} and length-normalised per field. Text is cut
 * into words by {@link tokenize}, which splits snake_case, kebab-case,
 * camelCase and dotted names, folds case and diacritics, drops stopwords and
 * stems lightly. The last query word also matches as a prefix (`"crea"` finds
 * `create_entities`) at a lower weight, and a few synonyms (`delete` ↔
 * `remove`, `directory` ↔ `folder`, …) match at a lower weight too.
 *
 * @module
 */

import { McpxError } from "../errors.ts";

/** One tool, as the search index sees it. */
export interface ToolDoc {
  /** Server name from the configuration. */
  server: string;
  /** Tool name as the server spells it, e.g. `read_text_file`. */
  tool: string;
  /** Generated camelCase identifier, e.g. `readTextFile`. */
  fn: string;
  /** Human-readable title, when the server gives one. */
  title?: string;
  /** Tool description, when the server gives one. */
  description?: string;
  /** Path of the generated module, e.g. `servers/filesystem/readTextFile.ts`. */
  path: string;
}

/** One search result. */
export interface SearchHit {
  /** The matching tool. */
  doc: ToolDoc;
  /** Relevance; higher is better. Comparable only within one result list. */
  score: number;
}

/** Options of {@link SearchIndex.search}. */
export interface SearchOptions {
  /** Only tools of this server. */
  server?: string;
  /** Most results to return: default {@link DEFAULT_LIMIT}, at most {@link MAX_LIMIT}. */
  limit?: number;
}

/** Number of results {@link SearchIndex.search} returns when no limit is given. */
export const DEFAULT_LIMIT: number = 10;

/** Largest number of results {@link SearchIndex.search} returns. */
export const MAX_LIMIT: number = 50;

/** Weight of each field in the BM25F score. */
export const FIELD_WEIGHTS: Readonly<Record<Field, number>> = Object.freeze({
  name: 3,
  title: 2,
  description: 1,
  server: 0.3,
});

/** The indexed fields of a tool. */
export type Field = "name" | "title" | "description" | "server";

const FIELDS: readonly Field[] = ["name", "title", "description", "server"];
const K1 = 1.2;
/** Length normalisation per field: names are short and uniform, texts vary. */
const B: Readonly<Record<Field, number>> = {
  name: 0.5,
  title: 0.5,
  description: 0.75,
  server: 0.75,
};
/** Weight of a vocabulary word matched only as a prefix of the last query word. */
const PREFIX_WEIGHT = 0.5;
/** Weight of a word matched through a synonym. */
const SYNONYM_WEIGHT = 0.6;
/** Score factor for a query that spells a tool's name or function exactly. */
const EXACT_NAME_BOOST = 2;
const MAX_PREFIX_EXPANSIONS = 24;

const STOPWORDS: ReadonlySet<string> = new Set(
  ("a an and are as at be by can could do does for from how i in into is it its me my of on or " +
    "our please should some that the their them then there these this those to was were what " +
    "when which who will with would you your")
    .split(" "),
);

/** Small groups of words that mean the same when looking for a tool. */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ["file", "document"],
  ["delete", "remove", "erase"],
  ["list", "enumerate"],
  ["search", "find", "lookup"],
  ["create", "make"],
  ["directory", "folder"],
  ["sum", "add", "plus"],
  ["write", "save"],
  ["show", "display"],
  ["move", "rename"],
];

/**
 * Reduces a lowercase word to a crude stem, the same way for documents and
 * queries: plural `s`/`es`/`ies`, `ing` and `ed` endings, a doubled final
 * consonant left by them, and a final `e` (so `create`, `creates`, `created`
 * and `creating` all become `creat`). Words of three letters or fewer and words
 * with digits are left alone.
 *
 * @example
 * ```ts
 * import { stem } from "./search_index.ts";
 * stem("directories"); // "directory"
 * stem("thinking"); // "think"
 * ```
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith("ies") && w.length > 4) w = w.slice(0, -3) + "y";
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith("ing") && hasVowel(w.slice(0, -3)) && w.length - 3 >= 3) {
    w = undouble(w.slice(0, -3));
  } else if (
    w.endsWith("ed") && !w.endsWith("eed") && hasVowel(w.slice(0, -2)) && w.length - 2 >= 3
  ) {
    w = undouble(w.slice(0, -2));
  }
  if (w.length >= 4 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

function hasVowel(s: string): boolean {
  return /[aeiouy]/.test(s);
}

function undouble(s: string): string {
  const n = s.length;
  if (n > 3 && s[n - 1] === s[n - 2] && /[b-df-hj-kmnp-rtv-xz]/.test(s[n - 1])) {
    return s.slice(0, -1);
  }
  return s;
}

/**
 * Cuts `text` into words: splits on anything that is not a letter or digit and
 * inside camelCase, lowercases, folds diacritics, without stemming or stopword
 * removal.
 *
 * @example
 * ```ts
 * import { words } from "./search_index.ts";
 * words("readTextFile read_text-file.v2"); // ["read", "text", "file", "read", "text", "file", "v2"]
 * ```
 */
export function words(text: string): string[] {
  const out: string[] = [];
  eachWord(text, (w) => out.push(w));
  return out;
}

/** Calls `fn` with each of the {@link words} of `text`, in order. */
function eachWord(text: string, fn: (word: string) => void): void {
  if (NON_ASCII.test(text)) {
    const folded = text.normalize("NFKD").replace(/\p{M}+/gu, "");
    for (const part of folded.split(/[^\p{L}\p{N}]+/u)) {
      if (!part) continue;
      // "getHTTPServer2Go" -> get, HTTP, Server2, Go
      const pieces = part
        .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, "$1\u0000$2")
        .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1\u0000$2")
        .split("\u0000");
      for (const piece of pieces) if (piece) fn(piece.toLowerCase());
    }
    return;
  }
  // ASCII fast path, the same rules in one scan.
  let start = -1;
  let prev = OTHER;
  for (let i = 0; i <= text.length; i++) {
    const kind = i < text.length ? asciiKind(text.charCodeAt(i)) : OTHER;
    if (kind === OTHER) {
      if (start >= 0) fn(text.slice(start, i).toLowerCase());
      start = -1;
    } else if (start < 0) {
      start = i;
    } else if (
      kind === UPPER &&
      (prev !== UPPER || (i + 1 < text.length && asciiKind(text.charCodeAt(i + 1)) === LOWER))
    ) {
      fn(text.slice(start, i).toLowerCase());
      start = i;
    }
    prev = kind;
  }
}

const NON_ASCII = /[\u0080-\uffff]/;
const OTHER = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;

function asciiKind(c: number): number {
  if (c >= 97 && c <= 122) return LOWER;
  if (c >= 65 && c <= 90) return UPPER;
  if (c >= 48 && c <= 57) return DIGIT;
  return OTHER;
}

/**
 * Cuts `text` into index terms: {@link words}, without stopwords, each
 * {@link stem}med.
 *
 * @example
 * ```ts
 * import { tokenize } from "./search_index.ts";
 * tokenize("Reading the files"); // ["read", "fil"]
 * tokenize("getSum"); // ["get", "sum"]
 * ```
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) if (!STOPWORDS.has(w)) out.push(stem(w));
  return out;
}

const SYNONYMS: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const group of SYNONYM_GROUPS) {
    const stems = group.map(stem);
    for (const s of stems) {
      const list = map.get(s) ?? [];
      for (const other of stems) if (other !== s && !list.includes(other)) list.push(other);
      map.set(s, list);
    }
  }
  return map;
})();

/**
 * Stems that mean the same as the stem `term` when looking for a tool (`"remov"`
 * for `"delet"`), without `term` itself; empty when it has none.
 *
 * @example
 * ```ts
 * import { stem, synonyms } from "./search_index.ts";
 * synonyms(stem("folder")); // ["directory"]
 * ```
 */
export function synonyms(term: string): readonly string[] {
  return SYNONYMS.get(term) ?? [];
}

/** Term counts and length of one field of one tool; terms are ids of the index's vocabulary. */
interface FieldStats {
  /** Distinct term ids. */
  ids: number[];
  /** How often each of `ids` occurs. */
  counts: number[];
  /** Number of terms in the field. */
  length: number;
}

interface Entry {
  doc: ToolDoc;
  /** Fields other than `server`, which is shared by all tools of a server. */
  fields: Record<Exclude<Field, "server">, FieldStats>;
  nameKeys: string[];
}

/** A query term with the weight it counts for. */
interface QueryTerm {
  id: number;
  weight: number;
  /** Document frequency to compute the idf from, when not the term's own. */
  df?: number;
}

function compareDocs(a: ToolDoc, b: ToolDoc): number {
  return a.server < b.server
    ? -1
    : a.server > b.server
    ? 1
    : a.tool < b.tool
    ? -1
    : a.tool > b.tool
    ? 1
    : 0;
}

function key(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}

/**
 * A ranked search over the tools of many servers.
 *
 * Adding a tool that is already indexed (same server and tool name) replaces
 * it. The statistics are rebuilt lazily on the next search after a change, so
 * adding many batches and then searching costs one rebuild.
 *
 * @example
 * ```ts
 * import { SearchIndex } from "./search_index.ts";
 * const index = new SearchIndex([
 *   { server: "fs", tool: "read_text_file", fn: "readTextFile", path: "servers/fs/readTextFile.ts",
 *     description: "Read the complete contents of a file as text" },
 *   { server: "math", tool: "get-sum", fn: "getSum", path: "servers/math/getSum.ts",
 *     description: "Returns the sum of two numbers" },
 * ]);
 * index.search("read a file")[0].doc.tool; // "read_text_file"
 * ```
 */
export class SearchIndex {
  #entries = new Map<string, Entry>();
  #serverText = new Map<string, string>();
  #serverFields = new Map<string, FieldStats>();
  /** Vocabulary: term → id, and back. Ids are never reused. */
  #termIds = new Map<string, number>();
  #terms: string[] = [];
  /** Word as {@link words} returns it → term id, -1 for a stopword. */
  #wordIds = new Map<string, number>();
  /** Scratch counters by term id, all zero between uses. */
  #counts: Int32Array = new Int32Array(0);
  #dirty = true;
  // Built by #rebuild().
  #list: Entry[] = [];
  #serverOf: Int32Array = new Int32Array(0);
  #serverIds = new Map<string, number>();
  /**
   * Postings in one block: the tools containing term `id` are
   * `#postDocs[#postStart[id] .. #postStart[id + 1]]` (ascending list
   * indexes), with the term's saturated tf in each at the same place of `#postTfs`.
   */
  #postStart: Int32Array = new Int32Array(1);
  #postDocs: Int32Array = new Int32Array(0);
  #postTfs: Float64Array = new Float64Array(0);
  /** Terms some tool contains, sorted, for prefix matching. */
  #vocabulary: string[] = [];
  #scores: Float64Array = new Float64Array(0);
  #best: Float64Array = new Float64Array(0);

  /** @param docs Tools to index at once. */
  constructor(docs?: ToolDoc[]) {
    if (docs) this.add(docs);
  }

  /** Number of indexed tools. */
  get size(): number {
    return this.#entries.size;
  }

  /** Names of the servers the index knows (with tools or a description), sorted. */
  get servers(): string[] {
    return [...this.#serverFields.keys()].sort();
  }

  /** Indexes `docs`, replacing tools already indexed under the same server and name. */
  add(docs: ToolDoc[]): void {
    for (const doc of docs) {
      const nameIds = this.#ids(doc.tool);
      for (const id of this.#ids(doc.fn)) if (!nameIds.includes(id)) nameIds.push(id);
      this.#entries.set(key(doc.server, doc.tool), {
        doc,
        fields: {
          name: this.#stats(nameIds),
          title: this.#stats(this.#ids(doc.title ?? "")),
          description: this.#stats(this.#ids(doc.description ?? "")),
        },
        nameKeys: [doc.tool.toLowerCase(), doc.fn.toLowerCase()],
      });
      if (!this.#serverFields.has(doc.server)) this.#setServerField(doc.server);
    }
    this.#dirty = true;
  }

  /**
   * Sets the text that describes `server` (its description or instructions),
   * indexed lightly with the server's name for each of its tools. `undefined`
   * clears it. A described server is known to {@link SearchIndex.search} even
   * without tools.
   */
  describeServer(server: string, text: string | undefined): void {
    if (text === undefined) {
      this.#serverText.delete(server);
      if (![...this.#entries.values()].some((e) => e.doc.server === server)) {
        this.#serverFields.delete(server);
        this.#dirty = true;
        return;
      }
    } else {
      this.#serverText.set(server, text);
    }
    this.#setServerField(server);
    this.#dirty = true;
  }

  /** Removes every tool of `server` and its description. */
  removeServer(server: string): void {
    for (const [k, e] of this.#entries) if (e.doc.server === server) this.#entries.delete(k);
    this.#serverText.delete(server);
    this.#serverFields.delete(server);
    this.#dirty = true;
  }

  /**
   * Tools matching `query`, best first; ties are broken by server, then tool
   * name. A query with no words (empty, or only stopwords) lists the tools
   * sorted by server and tool name.
   *
   * @throws {RangeError} When `limit` is not a positive integer.
   * @throws {McpxError} `UNKNOWN_SERVER` when `server` names a server the index does not know.
   */
  search(query: string, opts: SearchOptions = {}): SearchHit[] {
    const limit = opts.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Cannot search with limit "${limit}": expected a positive integer`);
    }
    const max = Math.min(limit, MAX_LIMIT);
    const server = opts.server;
    if (server !== undefined && !this.#serverFields.has(server)) {
      const known = this.servers.map((s) => `"${s}"`).join(", ");
      throw new McpxError(
        "UNKNOWN_SERVER",
        `Unknown server "${server}": known servers are ${known || "(none)"}`,
      );
    }
    if (this.#dirty) this.#rebuild();
    // -1: all servers; -2: a known server without tools.
    const only = server === undefined ? -1 : this.#serverIds.get(server) ?? -2;

    const terms = this.#queryTerms(query);
    if (terms.length === 0) {
      const out: SearchHit[] = [];
      for (let i = 0; i < this.#list.length && out.length < max; i++) {
        if (only === -1 || this.#serverOf[i] === only) {
          out.push({ doc: this.#list[i].doc, score: 0 });
        }
      }
      return out;
    }

    // Each query word adds the best of its alternatives (exact, synonym,
    // prefix) to a tool, so a word with many expansions cannot outweigh others.
    const n = this.#list.length;
    const scores = this.#scores;
    const best = this.#best;
    const matched: number[] = [];
    for (const group of terms) {
      const touched: number[] = [];
      for (const { id, weight, df: groupDf } of group) {
        const from = this.#postStart[id];
        const to = this.#postStart[id + 1];
        if (from === to) continue;
        const docs = this.#postDocs;
        const tfs = this.#postTfs;
        const df = groupDf ?? to - from;
        const w = weight * Math.log(1 + (n - df + 0.5) / (df + 0.5));
        for (let k = from; k < to; k++) {
          const i = docs[k];
          if (only !== -1 && this.#serverOf[i] !== only) continue;
          const s = w * tfs[k];
          if (best[i] === 0) touched.push(i);
          if (s > best[i]) best[i] = s;
        }
      }
      for (const i of touched) {
        if (scores[i] === 0) matched.push(i);
        scores[i] += best[i];
        best[i] = 0;
      }
    }

    const exact = query.trim().toLowerCase();
    const hits: { i: number; score: number }[] = [];
    for (const i of matched) {
      const boost = this.#list[i].nameKeys.includes(exact) ? EXACT_NAME_BOOST : 1;
      hits.push({ i, score: scores[i] * boost });
      scores[i] = 0;
    }
    // The list is sorted by server and tool, so its index breaks ties.
    hits.sort((a, b) => b.score - a.score || a.i - b.i);
    return hits.slice(0, max).map(({ i, score }) => ({ doc: this.#list[i].doc, score }));
  }

  /** Term ids of `text`, adding new terms to the vocabulary. */
  #ids(text: string): number[] {
    const out: number[] = [];
    eachWord(text, (w) => {
      let id = this.#wordIds.get(w);
      if (id === undefined) {
        const t = STOPWORDS.has(w) ? null : stem(w);
        id = t === null ? -1 : this.#termIds.get(t);
        if (id === undefined) {
          id = this.#terms.length;
          this.#terms.push(t!);
          this.#termIds.set(t!, id);
        }
        this.#wordIds.set(w, id);
      }
      if (id >= 0) out.push(id);
    });
    return out;
  }

  /** Distinct ids of `ids` with their counts, in first-seen order. */
  #stats(ids: number[]): FieldStats {
    if (this.#counts.length < this.#terms.length) {
      const grown = new Int32Array(Math.max(this.#terms.length, this.#counts.length * 2, 1024));
      grown.set(this.#counts);
      this.#counts = grown;
    }
    const counts = this.#counts;
    const unique: number[] = [];
    for (const id of ids) if (counts[id]++ === 0) unique.push(id);
    const out: number[] = [];
    for (const id of unique) {
      out.push(counts[id]);
      counts[id] = 0;
    }
    return { ids: unique, counts: out, length: ids.length };
  }

  #setServerField(server: string): void {
    const ids = this.#ids(server);
    const text = this.#serverText.get(server);
    if (text) ids.push(...this.#ids(text));
    this.#serverFields.set(server, this.#stats(ids));
  }

  /** Query words, each as a group of alternatives with weights. */
  #queryTerms(query: string): QueryTerm[][] {
    const raw = words(query).filter((w) => !STOPWORDS.has(w));
    const groups: QueryTerm[][] = [];
    const seen = new Set<string>();
    raw.forEach((w, idx) => {
      const t = stem(w);
      if (seen.has(t)) return;
      seen.add(t);
      const group: QueryTerm[] = [];
      const alts = new Set([t]);
      const push = (term: string, weight: number, df?: number) => {
        const id = this.#termIds.get(term);
        if (id !== undefined) group.push(df === undefined ? { id, weight } : { id, weight, df });
      };
      push(t, 1);
      for (const syn of SYNONYMS.get(t) ?? []) {
        if (!alts.has(syn)) {
          alts.add(syn);
          push(syn, SYNONYM_WEIGHT);
        }
      }
      if (idx === raw.length - 1 && w.length >= 2) {
        // The completions count as one word: their idf comes from the number of
        // tools matching any of them, so a rare completion does not outrank a
        // common one found in a tool's name.
        const completions = this.#prefixed(w, t).filter((p) => !alts.has(p));
        const matching = new Set<number>();
        for (const p of completions) {
          const id = this.#termIds.get(p)!;
          for (let k = this.#postStart[id]; k < this.#postStart[id + 1]; k++) {
            matching.add(this.#postDocs[k]);
          }
        }
        for (const p of completions) {
          alts.add(p);
          push(p, PREFIX_WEIGHT, matching.size);
        }
      }
      // A word the index has never seen still counts as a word of the query.
      groups.push(group);
    });
    return groups;
  }

  /** Indexed terms that start with the raw word or its stem, other than the stem itself. */
  #prefixed(raw: string, stemmed: string): string[] {
    const out: string[] = [];
    for (const prefix of raw === stemmed ? [raw] : [raw, stemmed]) {
      let lo = 0;
      let hi = this.#vocabulary.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.#vocabulary[mid] < prefix) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < this.#vocabulary.length && out.length < MAX_PREFIX_EXPANSIONS; i++) {
        const v = this.#vocabulary[i];
        if (!v.startsWith(prefix)) break;
        if (v !== stemmed && !out.includes(v)) out.push(v);
      }
    }
    return out;
  }

  /**
   * Sorts the tools, numbers the servers, and computes for every term and tool
   * the BM25F frequency: the sum over fields of `weight × count / (1 − b + b ×
   * length / average length)`, saturated as `tf / (k1 + tf)`.
   */
  #rebuild(): void {
    const list = [...this.#entries.values()].sort((a, b) => compareDocs(a.doc, b.doc));
    const n = list.length;
    const serverIds = new Map<string, number>();
    const serverOf = new Int32Array(n);
    const totals: Record<Field, number> = { name: 0, title: 0, description: 0, server: 0 };
    list.forEach((e, i) => {
      let id = serverIds.get(e.doc.server);
      if (id === undefined) serverIds.set(e.doc.server, id = serverIds.size);
      serverOf[i] = id;
      totals.name += e.fields.name.length;
      totals.title += e.fields.title.length;
      totals.description += e.fields.description.length;
      totals.server += this.#serverFields.get(e.doc.server)!.length;
    });
    const norm = (f: Field, length: number) =>
      FIELD_WEIGHTS[f] / (1 - B[f] + B[f] * length / ((totals[f] / n) || 1));

    // Pass 1: (term, tool, tf) triples, tool by tool.
    let bound = 0;
    for (const e of list) {
      bound += e.fields.name.ids.length + e.fields.title.ids.length +
        e.fields.description.ids.length + this.#serverFields.get(e.doc.server)!.ids.length;
    }
    const termOf = new Int32Array(bound);
    const docOf = new Int32Array(bound);
    const tfOf = new Float64Array(bound);
    const df = new Int32Array(this.#terms.length + 1);
    const acc = new Float64Array(this.#terms.length);
    const touched: number[] = [];
    let m = 0;
    list.forEach((e, i) => {
      for (const f of FIELDS) {
        const stats = f === "server" ? this.#serverFields.get(e.doc.server)! : e.fields[f];
        if (stats.length === 0) continue;
        const factor = norm(f, stats.length);
        const { ids, counts } = stats;
        for (let k = 0; k < ids.length; k++) {
          const id = ids[k];
          if (acc[id] === 0) touched.push(id);
          acc[id] += counts[k] * factor;
        }
      }
      for (const id of touched) {
        const x = acc[id];
        acc[id] = 0;
        termOf[m] = id;
        docOf[m] = i;
        tfOf[m] = x / (K1 + x);
        df[id]++;
        m++;
      }
      touched.length = 0;
    });
    // Pass 2: group the triples by term (a counting sort keeps tools ascending).
    const postStart = new Int32Array(this.#terms.length + 1);
    for (let id = 0; id < this.#terms.length; id++) postStart[id + 1] = postStart[id] + df[id];
    const cursor = postStart.slice(0, this.#terms.length);
    const postDocs = new Int32Array(m);
    const postTfs = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const at = cursor[termOf[k]]++;
      postDocs[at] = docOf[k];
      postTfs[at] = tfOf[k];
    }
    const vocabulary: string[] = [];
    for (let id = 0; id < this.#terms.length; id++) {
      if (df[id] > 0) vocabulary.push(this.#terms[id]);
    }
    this.#list = list;
    this.#serverOf = serverOf;
    this.#serverIds = serverIds;
    this.#postStart = postStart;
    this.#postDocs = postDocs;
    this.#postTfs = postTfs;
    this.#vocabulary = vocabulary.sort();
    this.#scores = new Float64Array(n);
    this.#best = new Float64Array(n);
    this.#dirty = false;
  }
}
