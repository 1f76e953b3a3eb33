/**
 * Queries with the tools a person asking them wants, over the real tools of
 * four reference servers (`real_tools.json`) and two small corpora, to score the
 * ranking of a tool search the same way whatever engine is behind it.
 *
 * `tuned` cases are the ones the unit tests of `search_index.ts` assert;
 * `held_out` cases were written without running any engine on them.
 *
 * @module
 */

import type { ToolDoc } from "../search_index.ts";
import realTools from "./real_tools.json" with { type: "json" };

/** A named set of tools, and the descriptions of their servers. */
export interface Corpus {
  /** The tools. */
  docs: ToolDoc[];
  /** Server name → its description or instructions. */
  servers: Record<string, string>;
}

/** One query and the tools that answer it. */
export interface RelevanceCase {
  /** Which set the case belongs to. */
  set: "tuned" | "held_out";
  /** Which corpus to search; default `"real"`. */
  corpus?: "real" | "fields" | "servers";
  /** The query. */
  query: string;
  /** Only tools of this server. */
  server?: string;
  /** `server/tool` of each tool that counts as a right answer. */
  relevant: string[];
}

interface FixtureServer {
  server: string;
  instructions?: string;
  tools: { name: string; title?: string; description?: string }[];
}

function camel(name: string): string {
  return name.replace(/[-_.]+(.)/g, (_, c: string) => c.toUpperCase());
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

/** The corpora the cases search. */
export const CORPORA: Record<"real" | "fields" | "servers", Corpus> = {
  real: {
    docs: (realTools as FixtureServer[]).flatMap((s) =>
      s.tools.map((t) => ({
        server: s.server,
        tool: t.name,
        fn: camel(t.name),
        title: t.title,
        description: t.description,
        path: `servers/${s.server}/${camel(t.name)}.ts`,
      }))
    ),
    servers: Object.fromEntries(
      (realTools as FixtureServer[]).filter((s) => s.instructions).map((
        s,
      ) => [s.server, s.instructions!]),
    ),
  },
  fields: {
    docs: [
      doc("s", "in_description", "Uploads a spreadsheet", "Upload"),
      doc("s", "upload_spreadsheet", "Uploads a thing", "Upload"),
      doc("s", "in_title", "Uploads a thing", "Upload spreadsheet"),
    ],
    servers: {},
  },
  servers: {
    docs: [
      doc("calendar", "list_items", "List the items"),
      doc("store", "list_items", "List the items"),
      doc("store", "find_events", "Find events"),
    ],
    servers: { calendar: "Events and meetings of a user" },
  },
};

/** The cases. */
export const RELEVANCE_CASES: readonly RelevanceCase[] = [
  // Asserted by the unit tests of search_index.ts.
  {
    set: "tuned",
    query: "read a file",
    relevant: ["filesystem/read_text_file", "filesystem/read_file"],
  },
  { set: "tuned", query: "read text file", relevant: ["filesystem/read_text_file"] },
  { set: "tuned", query: "add two numbers", relevant: ["everything/get-sum"] },
  { set: "tuned", query: "knowledge graph entity", relevant: ["memory/create_entities"] },
  {
    set: "tuned",
    query: "think step by step",
    relevant: ["sequential-thinking/sequentialthinking"],
  },
  { set: "tuned", query: "list directory", relevant: ["filesystem/list_directory"] },
  { set: "tuned", query: "environment variables", relevant: ["everything/get-env"] },
  {
    set: "tuned",
    query: "crea",
    relevant: ["filesystem/create_directory", "memory/create_entities", "memory/create_relations"],
  },
  { set: "tuned", query: "delete entit", relevant: ["memory/delete_entities"] },
  { set: "tuned", query: "remove entities", relevant: ["memory/delete_entities"] },
  { set: "tuned", query: "rename", relevant: ["filesystem/move_file"] },
  { set: "tuned", query: "folder", relevant: ["filesystem/create_directory"] },
  { set: "tuned", query: "getSum", relevant: ["everything/get-sum"] },
  { set: "tuned", query: "readTextFile", relevant: ["filesystem/read_text_file"] },
  { set: "tuned", query: "ReadTextFile", relevant: ["filesystem/read_text_file"] },
  { set: "tuned", query: "read_file", relevant: ["filesystem/read_file"] },
  { set: "tuned", query: "search_nodes", relevant: ["memory/search_nodes"] },
  { set: "tuned", query: "search", relevant: ["memory/search_nodes"] },
  {
    set: "tuned",
    query: "search",
    server: "filesystem",
    relevant: ["filesystem/search_files"],
  },
  { set: "tuned", corpus: "fields", query: "spreadsheet", relevant: ["s/upload_spreadsheet"] },
  { set: "tuned", corpus: "servers", query: "calendar items", relevant: ["calendar/list_items"] },
  { set: "tuned", corpus: "servers", query: "events", relevant: ["store/find_events"] },
  // Written without running any engine on them.
  { set: "held_out", query: "write text to a file", relevant: ["filesystem/write_file"] },
  {
    set: "held_out",
    query: "size and creation time of a file",
    relevant: ["filesystem/get_file_info"],
  },
  {
    set: "held_out",
    query: "find files matching a glob pattern",
    relevant: ["filesystem/search_files"],
  },
  { set: "held_out", query: "delete a relation", relevant: ["memory/delete_relations"] },
  { set: "held_out", query: "echo a string back", relevant: ["everything/echo"] },
  {
    set: "held_out",
    query: "compress a file with gzip",
    relevant: ["everything/gzip-file-as-resource"],
  },
  { set: "held_out", query: "edit lines in a text file", relevant: ["filesystem/edit_file"] },
  {
    set: "held_out",
    query: "which directories am I allowed to access",
    relevant: ["filesystem/list_allowed_directories"],
  },
  { set: "held_out", query: "read the entire knowledge graph", relevant: ["memory/read_graph"] },
  {
    set: "held_out",
    query: "long running operation with progress",
    relevant: ["everything/trigger-long-running-operation"],
  },
  {
    set: "held_out",
    query: "tree of folders",
    relevant: ["filesystem/directory_tree"],
  },
  {
    set: "held_out",
    query: "add observations to an entity",
    relevant: ["memory/add_observations"],
  },
  { set: "held_out", query: "logo image", relevant: ["everything/get-tiny-image"] },
  { set: "held_out", query: "open nodes by name", relevant: ["memory/open_nodes"] },
  {
    set: "held_out",
    query: "research a topic",
    relevant: ["everything/simulate-research-query"],
  },
  {
    set: "held_out",
    query: "reflective problem solving",
    relevant: ["sequential-thinking/sequentialthinking"],
  },
  {
    set: "held_out",
    query: "read several files at once",
    relevant: ["filesystem/read_multiple_files"],
  },
  {
    set: "held_out",
    query: "image or audio file as base64",
    relevant: ["filesystem/read_media_file"],
  },
];
