import assert from "node:assert/strict";
import { McpxError } from "../errors.ts";
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  SearchIndex,
  stem,
  tokenize,
  type ToolDoc,
  words,
} from "./search_index.ts";
import realTools from "./testdata/real_tools.json" with { type: "json" };
import { capture, referenceServers } from "./testdata/_capture_real_tools.ts";

interface FixtureServer {
  server: string;
  instructions?: string;
  tools: { name: string; title?: string; description?: string }[];
}

const fixture = realTools as FixtureServer[];

function camel(name: string): string {
  return name.replace(/[-_.]+(.)/g, (_, c: string) => c.toUpperCase());
}

function docsOf(servers: FixtureServer[]): ToolDoc[] {
  return servers.flatMap((s) =>
    s.tools.map((t) => ({
      server: s.server,
      tool: t.name,
      fn: camel(t.name),
      title: t.title,
      description: t.description,
      path: `servers/${s.server}/${camel(t.name)}.ts`,
    }))
  );
}

function realIndex(): SearchIndex {
  const index = new SearchIndex(docsOf(fixture));
  for (const s of fixture) if (s.instructions) index.describeServer(s.server, s.instructions);
  return index;
}

function names(index: SearchIndex, query: string, opts?: { server?: string; limit?: number }) {
  return index.search(query, opts).map((h) => `${h.doc.server}/${h.doc.tool}`);
}

function doc(server: string, tool: string, description = "", title?: string): ToolDoc {
  return {
    server,
    tool,
    fn: camel(tool),
    title,
    description,
    path: `servers/${server}/${tool}.ts`,
  };
}

Deno.test("words", async (t) => {
  await t.step("splits snake_case, kebab-case, camelCase and dotted names", () => {
    assert.deepEqual(words("read_text_file"), ["read", "text", "file"]);
    assert.deepEqual(words("get-sum"), ["get", "sum"]);
    assert.deepEqual(words("getSum"), ["get", "sum"]);
    assert.deepEqual(words("fs.readFile"), ["fs", "read", "file"]);
    assert.deepEqual(words("parseHTTPResponse"), ["parse", "http", "response"]);
    assert.deepEqual(words("base64Encode v2"), ["base64", "encode", "v2"]);
  });
  await t.step("folds case and diacritics", () => {
    assert.deepEqual(words("Café RÉSUMÉ naïve"), ["cafe", "resume", "naive"]);
  });
  await t.step("drops punctuation and blanks", () => {
    assert.deepEqual(words("  (hello), world!  "), ["hello", "world"]);
    assert.deepEqual(words(""), []);
    assert.deepEqual(words("--- ..."), []);
  });
});

Deno.test("stem", async (t) => {
  await t.step("plurals", () => {
    assert.equal(stem("files"), stem("file"));
    assert.equal(stem("entities"), "entity");
    assert.equal(stem("directories"), "directory");
    assert.equal(stem("addresses"), "address");
    assert.equal(stem("matches"), stem("match"));
    assert.equal(stem("status"), "status");
    assert.equal(stem("analysis"), "analysis");
  });
  await t.step("ing and ed", () => {
    assert.equal(stem("thinking"), "think");
    assert.equal(stem("reading"), "read");
    assert.equal(stem("logging"), "log");
    assert.equal(stem("calling"), "call");
    assert.equal(stem("added"), "add");
    assert.equal(stem("adding"), "add");
    for (const w of ["creates", "created", "creating"]) assert.equal(stem(w), stem("create"));
  });
  await t.step("leaves short words, words with digits and vowel-less stems alone", () => {
    assert.equal(stem("ids"), "ids");
    assert.equal(stem("utf8s"), "utf8s");
    assert.equal(stem("string"), "string");
    assert.equal(stem("need"), "need");
  });
});

Deno.test("tokenize drops stopwords and stems", () => {
  assert.deepEqual(tokenize("Read the complete contents of a file"), [
    "read",
    "complet",
    "content",
    "fil",
  ]);
  assert.deepEqual(tokenize("the of and"), []);
  assert.deepEqual(tokenize("listDirectoryWithSizes"), ["list", "directory", "siz"]);
  assert.deepEqual(tokenize("read_text_file"), tokenize("readTextFile"));
});

Deno.test("the captured fixture matches the real servers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const live = await Promise.all(referenceServers(dir).map(capture));
    assert.deepEqual(
      live.map((s) => [s.server, s.tools.map((t) => [t.name, t.description])]),
      fixture.map((s) => [s.server, s.tools.map((t) => [t.name, t.description])]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("search over the real tools of four servers", async (t) => {
  const index = realIndex();
  assert.equal(index.size, 37);
  assert.deepEqual(index.servers, ["everything", "filesystem", "memory", "sequential-thinking"]);

  await t.step("read a file -> filesystem read tools", () => {
    const top = names(index, "read a file", { limit: 2 });
    assert.ok(
      top.every((n) => ["filesystem/read_text_file", "filesystem/read_file"].includes(n)),
      `got ${top}`,
    );
  });
  await t.step("read text file -> read_text_file", () => {
    assert.equal(names(index, "read text file")[0], "filesystem/read_text_file");
  });
  await t.step("add two numbers -> everything get-sum", () => {
    assert.equal(names(index, "add two numbers")[0], "everything/get-sum");
  });
  await t.step("knowledge graph entity -> memory create_entities", () => {
    const top = names(index, "knowledge graph entity", { limit: 3 });
    assert.equal(top[0], "memory/create_entities");
    assert.ok(top.every((n) => n.startsWith("memory/")), `got ${top}`);
  });
  await t.step("think step by step -> sequentialthinking", () => {
    assert.equal(names(index, "think step by step")[0], "sequential-thinking/sequentialthinking");
  });
  await t.step("list directory -> list_directory", () => {
    assert.equal(names(index, "list directory")[0], "filesystem/list_directory");
  });
  await t.step("environment variables -> get-env", () => {
    assert.equal(names(index, "environment variables")[0], "everything/get-env");
  });
  await t.step("a prefix of the last word finds completions", () => {
    const top = names(index, "crea", { limit: 3 });
    assert.deepEqual(
      [...top].sort(),
      ["filesystem/create_directory", "memory/create_entities", "memory/create_relations"],
    );
    assert.equal(names(index, "delete entit")[0], "memory/delete_entities");
  });
  await t.step("a prefix match ranks below an exact match", () => {
    const exact = index.search("create")[0];
    const prefix = index.search("crea")[0];
    assert.ok(prefix.score < exact.score, `${prefix.score} < ${exact.score}`);
  });
  await t.step("synonyms", () => {
    assert.equal(names(index, "remove entities")[0], "memory/delete_entities");
    assert.equal(names(index, "rename")[0], "filesystem/move_file");
    assert.ok(names(index, "folder", { limit: 5 }).includes("filesystem/create_directory"));
  });
  await t.step("the generated function name finds its tool", () => {
    assert.equal(names(index, "getSum")[0], "everything/get-sum");
    assert.equal(names(index, "readTextFile")[0], "filesystem/read_text_file");
  });
  await t.step("the exact tool name ranks first", () => {
    assert.equal(names(index, "read_file")[0], "filesystem/read_file");
    assert.equal(names(index, "search_nodes")[0], "memory/search_nodes");
    const spelled = index.search("read_file")[0];
    const loose = index.search("read file").find((h) => h.doc.tool === "read_file")!;
    assert.ok(spelled.score > loose.score * 1.5, `${spelled.score} vs ${loose.score}`);
    assert.equal(index.search("ReadTextFile")[0].doc.tool, "read_text_file");
  });
  await t.step("server filter", () => {
    const hits = index.search("search", { server: "filesystem" });
    assert.ok(hits.length > 0);
    assert.ok(hits.every((h) => h.doc.server === "filesystem"));
    assert.equal(hits[0].doc.tool, "search_files");
    assert.equal(names(index, "search")[0], "memory/search_nodes");
  });
  await t.step("unknown server", () => {
    assert.throws(
      () => index.search("x", { server: "gdrive" }),
      (e: unknown) =>
        e instanceof McpxError && e.code === "UNKNOWN_SERVER" &&
        e.message ===
          'Unknown server "gdrive": known servers are "everything", "filesystem", "memory", "sequential-thinking"',
    );
  });
  await t.step("limit", () => {
    assert.equal(index.search("file").length, DEFAULT_LIMIT);
    assert.equal(index.search("file", { limit: 3 }).length, 3);
    assert.deepEqual(index.search("file", { limit: 3 }), index.search("file").slice(0, 3));
    assert.equal(index.search("", { limit: 1000 }).length, 37);
    for (const limit of [0, -1, 1.5, NaN]) {
      assert.throws(() => index.search("file", { limit }), RangeError);
    }
  });
  await t.step("scores are positive and descending", () => {
    const hits = index.search("file directory", { limit: MAX_LIMIT });
    assert.ok(hits.length > 10);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
    assert.ok(hits.every((h) => h.score > 0));
  });
  await t.step("a word nowhere finds nothing", () => {
    assert.deepEqual(index.search("xylophone"), []);
  });
  await t.step("an empty query lists tools by server and name", () => {
    const listed = names(index, "", { limit: 50 });
    const expected = fixture.flatMap((s) => s.tools.map((t) => `${s.server}/${t.name}`))
      .sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
    assert.deepEqual(listed, expected);
    assert.deepEqual(names(index, "   the  "), expected.slice(0, DEFAULT_LIMIT));
    assert.deepEqual(names(index, "", { server: "memory", limit: 2 }), [
      "memory/add_observations",
      "memory/create_entities",
    ]);
  });
});

Deno.test("SearchIndex", async (t) => {
  await t.step("ties are broken by server, then tool name", () => {
    const index = new SearchIndex([
      doc("b", "fetch_page", "Fetch a page"),
      doc("a", "fetch_page", "Fetch a page"),
      doc("a", "page_fetch", "Fetch a page"),
    ]);
    const hits = index.search("fetch page");
    assert.equal(hits[0].score, hits[1].score);
    assert.equal(hits[1].score, hits[2].score);
    assert.deepEqual(hits.map((h) => `${h.doc.server}/${h.doc.tool}`), [
      "a/fetch_page",
      "a/page_fetch",
      "b/fetch_page",
    ]);
  });
  await t.step("name outweighs title, title outweighs description", () => {
    const index = new SearchIndex([
      doc("s", "in_description", "Uploads a spreadsheet", "Upload"),
      doc("s", "upload_spreadsheet", "Uploads a thing", "Upload"),
      doc("s", "in_title", "Uploads a thing", "Upload spreadsheet"),
    ]);
    assert.deepEqual(index.search("spreadsheet").map((h) => h.doc.tool), [
      "upload_spreadsheet",
      "in_title",
      "in_description",
    ]);
  });
  await t.step("adding a tool again replaces it", () => {
    const index = new SearchIndex([doc("s", "t", "alpha")]);
    assert.equal(index.search("alpha").length, 1);
    index.add([doc("s", "t", "beta")]);
    assert.equal(index.size, 1);
    assert.deepEqual(index.search("alpha"), []);
    assert.equal(index.search("beta")[0].doc.description, "beta");
  });
  await t.step("removeServer drops its tools and description", () => {
    const index = new SearchIndex([doc("a", "x", "shared word"), doc("b", "y", "shared word")]);
    index.describeServer("a", "Calendar events");
    assert.equal(names(index, "shared").length, 2);
    index.removeServer("a");
    assert.deepEqual(names(index, "shared"), ["b/y"]);
    assert.deepEqual(index.search("calendar"), []);
    assert.deepEqual(index.servers, ["b"]);
    assert.throws(() => index.search("shared", { server: "a" }), McpxError);
  });
  await t.step("the server name and description count, lightly", () => {
    const index = new SearchIndex([
      doc("calendar", "list_items", "List the items"),
      doc("store", "list_items", "List the items"),
      doc("store", "find_events", "Find events"),
    ]);
    index.describeServer("calendar", "Events and meetings of a user");
    assert.deepEqual(names(index, "calendar items"), ["calendar/list_items", "store/list_items"]);
    // A tool's own text outweighs its server's description.
    assert.equal(names(index, "events")[0], "store/find_events");
    assert.ok(names(index, "meetings").includes("calendar/list_items"));
    index.describeServer("calendar", undefined);
    assert.deepEqual(index.search("meetings"), []);
  });
  await t.step("a described server without tools is known", () => {
    const index = new SearchIndex();
    index.describeServer("empty", "Nothing here");
    assert.deepEqual(index.search("", { server: "empty" }), []);
    assert.deepEqual(index.search("nothing", { server: "empty" }), []);
    assert.deepEqual(index.servers, ["empty"]);
    index.describeServer("empty", undefined);
    assert.deepEqual(index.servers, []);
    assert.throws(() => index.search("", { server: "empty" }), McpxError);
  });
  await t.step("queries fold diacritics like documents", () => {
    const index = new SearchIndex([doc("s", "resume_builder", "Builds a résumé")]);
    assert.equal(index.search("RÉSUMÉ").length, 1);
    assert.equal(index.search("resumes").length, 1);
  });
  await t.step("searching is deterministic across index builds", () => {
    const docs = docsOf(fixture);
    const a = new SearchIndex(docs).search("file", { limit: 50 });
    const b = new SearchIndex([...docs].reverse()).search("file", { limit: 50 });
    assert.deepEqual(a, b);
  });
});
