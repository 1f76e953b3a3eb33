/**
 * Turns introspected servers into a tree of small typed TypeScript modules:
 *
 * ```
 * README.md                    short catalogue of servers
 * runtime.ts                   callTool(), ToolError, text()
 * servers/index.ts             every server as a namespace
 * servers/<server>/index.ts    re-exports every tool
 * servers/<server>/README.md   one line per tool
 * servers/<server>/<tool>.ts   one function per tool, with its types
 * ```
 *
 * @module
 */
import type { Tool } from "../_sdk.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { VERSION } from "../version.ts";
import { schemaDeclarations } from "./json_schema_to_ts.ts";
import { assignIdentifiers, toCamelIdentifier } from "./identifiers.ts";
import { learnedOutput, type ResultKind, resultKind } from "../bridge/result_shape.ts";
import { jsdoc, sanitizeCommentText, tsStringLiteral } from "./jsdoc.ts";
import { type CompiledTemplates, defaultTemplates } from "./templates.ts";

/**
 * One file of a generated tree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const file: GeneratedFile = { path: "servers/calc/add.ts", content: "export {};\n" };
 * assert.ok(file.path.endsWith(".ts"));
 * ```
 */
export interface GeneratedFile {
  /** Path relative to the tree root, with `/` separators. */
  path: string;
  /** File text. */
  content: string;
}

/**
 * Where one tool landed in the tree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tool: GeneratedTool = { name: "get-sum", fn: "getSum", path: "servers/calc/getSum.ts", structured: false };
 * assert.equal(tool.fn, "getSum");
 * ```
 */
export interface GeneratedTool {
  /** Tool name as the server spells it. */
  name: string;
  /** The exported function name, also the file name without `.ts`. */
  fn: string;
  /** Path of the module, relative to the tree root. */
  path: string;
  /** The tool's title, when it has one. */
  title?: string;
  /** The tool's description, when it has one. */
  description?: string;
  /** Whether the function returns typed `structuredContent` (declared or learned). */
  structured: boolean;
  /** What the function returns (see `resultKind`); absent in manifests of earlier versions. */
  result?: ResultKind;
}

/**
 * Where one server landed in the tree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const server: GeneratedServer = { name: "calc", dir: "calc", tools: [] };
 * assert.equal(server.dir, "calc");
 * ```
 */
export interface GeneratedServer {
  /** Server name from the configuration. */
  name: string;
  /** Directory name under `servers/`. */
  dir: string;
  /** Its tools, in the order the server listed them. */
  tools: GeneratedTool[];
}

/**
 * The result of {@link generate}: files in memory, sorted by path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const result: GenerateResult = {
 *   files: [{ path: "runtime.ts", content: "export {};\n" }],
 *   servers: [],
 *   warnings: [],
 * };
 * assert.deepEqual(result.files.map((f) => f.path), ["runtime.ts"]);
 * ```
 */
export interface GenerateResult {
  /** Every file of the tree. */
  files: GeneratedFile[];
  /** Where each server and tool landed. */
  servers: GeneratedServer[];
  /** Things that generated with a fallback, each naming the server and tool. */
  warnings: string[];
}

/**
 * Options of {@link generate}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CompiledTemplates } from "@mcpx/cli";
 *
 * function withTemplates(templates: CompiledTemplates): GenerateOptions {
 *   return { templates }; // for generate(snapshots, opts), e.g. from loadTemplates(dir)
 * }
 * assert.equal(typeof withTemplates, "function");
 * ```
 */
export interface GenerateOptions {
  /** Templates to use instead of the built-in ones (see `loadTemplates`). */
  templates?: CompiledTemplates;
}

const SUMMARY_MAX = 120;

/** First sentence or line of a description, shortened for catalogues. */
export function summarize(text: string | undefined): string {
  if (!text) return "";
  // Only the first sentence is kept: look no further than needed.
  const head = text.length > SUMMARY_MAX * 4 ? text.slice(0, SUMMARY_MAX * 4) : text;
  const clean = sanitizeCommentText(head).replace(WHITE_SPACE, " ").trim();
  let end = clean.length;
  // ".", "!" or "?" followed by a space ends the first sentence.
  for (let i = clean.indexOf(" ", 1); i > 0; i = clean.indexOf(" ", i + 1)) {
    const c = clean.charCodeAt(i - 1);
    if (c === 46 || c === 33 || c === 63) {
      end = i;
      break;
    }
  }
  const sentence = end < clean.length ? clean.slice(0, end) : clean;
  const one = sentence.length > SUMMARY_MAX ? `${sentence.slice(0, SUMMARY_MAX - 1)}…` : sentence;
  // Table cells and list items must stay on one line and not break Markdown tables.
  return one.includes("|") || one.includes("`")
    ? one.replaceAll("|", "\\|").replaceAll("`", "'")
    : one;
}

// Runs of white space that `replace(…, " ")` changes: two or more
// characters, or one that is not a plain space. Matching only these (rather
// than `/\s+/g`) leaves text with single spaces untouched and uncopied.
const WHITE_SPACE = /\s{2,}|[^\S ]/g;

function header(snapshot: ServerSnapshot): string {
  const info = snapshot.serverInfo;
  const from = sanitizeCommentText(`${info.name} ${info.version}`).replace(/\s+/g, " ");
  return `// Generated by mcpx ${VERSION} from server ${
    tsStringLiteral(snapshot.name)
  } (${from}). Do not edit.`;
}

/** A name for messages and comments: quoted, and cut when it is very long. */
function shown(name: string): string {
  return name.length > 100 ? `${name.slice(0, 60)}…${name.slice(-20)}` : name;
}

/** Why a tool cannot be generated, or `undefined` when it can. */
function unusable(tool: Tool): string | undefined {
  if (typeof tool.name !== "string" || tool.name === "") {
    return "its name is not a non-empty string";
  }
  const input: unknown = tool.inputSchema;
  if (
    input !== undefined && input !== null && typeof input !== "boolean" &&
    (typeof input !== "object" || Array.isArray(input))
  ) return "its input schema is not a JSON Schema object";
  const output: unknown = tool.outputSchema;
  if (
    output !== undefined && (typeof output !== "object" || output === null || Array.isArray(output))
  ) {
    return "its output schema is not a JSON Schema object";
  }
  return undefined;
}

function toolDoc(tool: Tool): string {
  const lines: string[] = [];
  const title = tool.title ?? tool.annotations?.title;
  if (title && title !== tool.name) lines.push(sanitizeCommentText(title));
  if (tool.description) lines.push(...sanitizeCommentText(tool.description).split("\n"));
  const a = tool.annotations;
  const hints: string[] = [];
  if (a?.readOnlyHint) hints.push("read-only");
  if (a?.destructiveHint === true && !a?.readOnlyHint) hints.push("destructive");
  if (a?.idempotentHint) hints.push("idempotent");
  if (a?.openWorldHint === true) hints.push("open-world");
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (hints.length > 0) lines.push(`@remarks ${hints.join(", ")}`);
  // A one-line description stays on one line, however long: the frame costs tokens.
  return jsdoc(lines, "", Infinity);
}

/** What a server is about: its title, else its instructions without Markdown headings. */
function serverAbout(s: ServerSnapshot): string | undefined {
  if (s.serverInfo.title) return s.serverInfo.title;
  const text = s.instructions?.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n").trim();
  return text || undefined;
}

function serverTitle(s: ServerSnapshot): string {
  const t = s.serverInfo.title;
  return sanitizeCommentText(t && t !== s.name ? `${s.name}: ${t}` : s.name);
}

/**
 * Generates the module tree for `snapshots`. Pure and deterministic: the same
 * snapshots give byte-identical files.
 *
 * @example
 * ```ts
 * import { generate } from "@mcpx/cli";
 * const { files } = generate([{
 *   name: "calc",
 *   serverInfo: { name: "calc", version: "1.0.0" },
 *   capabilities: { tools: {} },
 *   tools: [{ name: "get-sum", inputSchema: { type: "object", properties: { a: { type: "number" } } } }],
 *   resources: [], resourceTemplates: [], prompts: [],
 * }]);
 * console.log(files.map((f) => f.path));
 * // ["README.md", "runtime.ts", "servers/calc/README.md", "servers/calc/getSum.ts", ...]
 * ```
 */
export function generate(
  snapshots: readonly ServerSnapshot[],
  options: GenerateOptions = {},
): GenerateResult {
  const t = options.templates ?? defaultTemplates();
  const files: GeneratedFile[] = [];
  const warnings: string[] = [];
  const servers: GeneratedServer[] = [];

  const serverDirs = assignIdentifiers(snapshots.map((s) => s.name), toCamelIdentifier);
  const seen = new Set<string>();
  for (const snapshot of snapshots) {
    if (seen.has(snapshot.name)) {
      throw new TypeError(`Server "${snapshot.name}" appears twice: server names must be unique`);
    }
    seen.add(snapshot.name);
  }

  for (
    const snapshot of [...snapshots].sort((a, b) =>
      cmp(serverDirs.get(a.name)!, serverDirs.get(b.name)!)
    )
  ) {
    const dir = serverDirs.get(snapshot.name)!;
    const head = header(snapshot);
    const usable: Tool[] = [];
    for (const tool of snapshot.tools) {
      const why = unusable(tool);
      if (why === undefined) usable.push(tool);
      else {
        warnings.push(
          `Skipped tool ${
            JSON.stringify(shown(String(tool.name)))
          } of server "${snapshot.name}": ${why}`,
        );
      }
    }
    const names = usable.map((tool) => tool.name);
    const distinct = [...new Set(names)];
    if (distinct.length !== names.length) {
      warnings.push(
        `Server "${snapshot.name}" lists a tool name twice: only the first is generated`,
      );
    }
    // A tool's file stands beside the server's index.ts: a tool named "index" takes index_2.ts.
    const fns = assignIdentifiers(distinct, toCamelIdentifier, ["index"]);
    const serverLiteral = tsStringLiteral(snapshot.name);
    const done = new Set<string>();
    const modules = new Map<string, { tool: GeneratedTool; typeBase: string; content: string }>();
    for (const tool of usable) {
      if (done.has(tool.name)) continue;
      done.add(tool.name);
      const fn = fns.get(tool.name)!;
      const where = `"${snapshot.name}/${shown(tool.name)}"`;
      const typeBase = fn[0].toUpperCase() + fn.slice(1);
      let module: { content: string; result: ResultKind };
      try {
        module = toolModule(t, tool, fn, typeBase, serverLiteral, where, warnings);
      } catch (error) {
        warnings.push(
          `Skipped tool ${where}: ${error instanceof Error ? error.message : String(error)}`,
        );
        continue;
      }
      const path = `servers/${dir}/${fn}.ts`;
      modules.set(fn, {
        tool: {
          name: tool.name,
          fn,
          path,
          title: tool.title ?? tool.annotations?.title,
          description: tool.description,
          structured: module.result !== "content",
          result: module.result,
        },
        typeBase,
        content: module.content,
      });
    }
    // In file order already, so that sorting all files at the end finds them
    // sorted. `fns` lists names sorted, and camel-casing them mostly keeps
    // that order: check before sorting.
    const order: string[] = [];
    for (const fn of fns.values()) if (modules.has(fn)) order.push(fn);
    for (let i = 1; i < order.length; i++) {
      if (order[i - 1] > order[i]) {
        order.sort();
        break;
      }
    }
    const tools: GeneratedTool[] = [];
    const toolRows: { fn: string; typeBase: string; summary: string }[] = [];
    for (const fn of order) {
      const { tool, typeBase, content } = modules.get(fn)!;
      files.push({ path: tool.path, content });
      tools.push(tool);
      toolRows.push({ fn, typeBase, summary: summarize(tool.description ?? tool.title) });
    }
    const about = serverAbout(snapshot);
    files.push({
      path: `servers/${dir}/index.ts`,
      content: t.render("server_index", {
        header: head,
        doc: jsdoc([
          `Tools of the MCP server ${sanitizeCommentText(tsStringLiteral(snapshot.name))}.`,
          ...(about ? ["", summarize(about)] : []),
          "@module",
        ]),
        tools: toolRows,
      }),
    });
    files.push({
      path: `servers/${dir}/README.md`,
      content: t.render("server_readme", {
        title: serverTitle(snapshot),
        summary: summarize(about),
        dir,
        tools: toolRows,
      }),
    });
    servers.push({ name: snapshot.name, dir, tools });
  }

  const fileHeader = `// Generated by mcpx ${VERSION}. Do not edit.`;
  files.push({
    path: "servers/index.ts",
    content: t.render("servers_index", { header: fileHeader, servers }),
  });
  files.push({ path: "runtime.ts", content: t.render("runtime", {}) });
  const first = servers.find((s) => s.tools.length > 0);
  files.push({
    path: "README.md",
    content: t.render("readme", {
      exampleFn: first?.tools[0].fn ?? "someTool",
      exampleDir: first?.dir ?? "someServer",
      exampleArgs: "{ /* … */ }",
      servers: servers.map((s) => {
        const snap = snapshots.find((x) => x.name === s.name)!;
        return {
          dir: s.dir,
          toolCount: s.tools.length,
          summary: summarize(serverAbout(snap) ?? snap.serverInfo.name),
        };
      }),
    }),
  });
  files.sort((a, b) => cmp(a.path, b.path));
  return { files, servers, warnings };
}

// Tabs and one-line small objects: each saves a model a token or more per line.
const CODE_STYLE = { indent: "\t", compact: true } as const;

/** Renders one tool's module. Throws when the tool cannot be expressed. */
function toolModule(
  t: CompiledTemplates,
  tool: Tool,
  fn: string,
  typeBase: string,
  serverLiteral: string,
  where: string,
  warnings: string[],
): { content: string; result: ResultKind } {
  // `fn` is an identifier, so `<Fn>Input` and `<Fn>Output` are usable type names.
  const input = schemaDeclarations(tool.inputSchema, `${typeBase}Input`, CODE_STYLE);
  for (const w of input.warnings) warnings.push(`${where} input: ${w}`);
  const result = resultKind(tool);
  let outputCode = `export type ${typeBase}Output = $.ToolContent;`;
  if (result !== "content") {
    const learned = result === "learned" ? learnedOutput(tool) : undefined;
    const schema = learned?.schema ?? tool.outputSchema;
    const output = schemaDeclarations(schema, `${typeBase}Output`, CODE_STYLE);
    for (const w of output.warnings) warnings.push(`${where} output: ${w}`);
    outputCode = output.declarations;
    if (learned !== undefined) {
      const n = learned.samples;
      outputCode = `${
        jsdoc([
          `Learned by mcpx from ${n} ${n === 1 ? "response" : "responses"} (${
            learned.from === "text" ? "JSON text" : "structuredContent"
          }); the tool declares no output schema.`,
        ])
      }\n${outputCode.replace(/^\/\*\*[\s\S]*?\*\/\n/, "")}`;
    }
  }
  const content = t.render("tool", {
    inputCode: input.declarations,
    outputCode,
    doc: toolDoc(tool),
    fn,
    inputType: `${typeBase}Input`,
    outputType: `${typeBase}Output`,
    argsOptional: input.acceptsEmptyObject,
    serverLiteral,
    toolLiteral: tsStringLiteral(tool.name),
  });
  return { content, result };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
