/**
 * The five tools of `mcpx serve` as a client lists them, and the server's
 * instructions. Descriptions and schemas are kept short on purpose: every
 * client sends them to the model with each request.
 *
 * @module
 */
import type { Tool } from "../mcp_types.ts";
import { X_MCP_HEADER } from "./param_headers.ts";

/**
 * The behaviour hints of a tool (MCP `ToolAnnotations`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const annotations: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
 * assert.equal(executeCodeAnnotations([{ annotations }]).readOnlyHint, true);
 * ```
 */
export type ToolAnnotations = NonNullable<Tool["annotations"]>;

/** Names of the tools of `mcpx serve`. */
export type McpxToolName =
  | "search_tools"
  | "list_files"
  | "read_file"
  | "execute_code"
  | "save_skill";

/**
 * What `initialize` returns as `instructions`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.match(SERVER_INSTRUCTIONS, /search_tools/);
 * ```
 */
export const SERVER_INSTRUCTIONS: string =
  `Call the tools of many MCP servers from TypeScript instead of one by one.
1. Find tools with search_tools (or list_files servers/); read_file a tool module for its types.
2. execute_code: import { fn } from "./servers/<server>/index.ts", await calls, \`export default\` the result. Keep large data inside the code; return only what you need. console.log output is returned too.
3. "./workspace.ts" (readFile, writeFile, listFiles, removeFile) keeps files for this session. save_skill keeps a working module as "./skills/<name>.ts" for later.`;

const str = { type: "string" } as const;

/**
 * Hints of a tool that only reads mcpx's own tree. Hints left out have MCP's
 * defaults; every listed byte is sent to the model, so only what differs is
 * spelled out.
 */
const READ_ONLY: ToolAnnotations = Object.freeze({ readOnlyHint: true });

/**
 * What `execute_code` returns as `structuredContent`: `ok`, the program's
 * `result` (content blocks replaced by `{ $content: n, … }` references),
 * `logs`, and also `stats` (`durationMs`, `toolCalls`, `outputBytes`,
 * `truncated`), `error` (`name`, `message`, `code`, `stack`) when it failed,
 * `resultTruncated` and `contentBlocks`. Kept short: clients send it to the
 * model with every request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.equal(EXECUTE_OUTPUT_SCHEMA.type, "object");
 * assert.ok(MCPX_TOOLS.some((t) => t.outputSchema === EXECUTE_OUTPUT_SCHEMA));
 * ```
 */
export const EXECUTE_OUTPUT_SCHEMA: NonNullable<Tool["outputSchema"]> = Object.freeze({
  type: "object" as const,
  properties: { ok: { type: "boolean" }, result: {} },
});

/**
 * The tools, in the order `tools/list` returns them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const names = MCPX_TOOLS.map((t) => t.name);
 * assert.ok(names.includes("search_tools"));
 * assert.ok(names.includes("execute_code"));
 * ```
 */
export const MCPX_TOOLS: readonly Tool[] = Object.freeze<Tool[]>([
  {
    name: "search_tools",
    title: "Search tools",
    description: 'Find tools by keywords; detail "full" gives signatures.',
    inputSchema: {
      type: "object",
      properties: {
        query: str,
        detail: { type: "string", enum: ["summary", "name", "full"] },
        server: str,
        limit: { type: "integer" },
      },
      required: ["query"],
    },
    annotations: READ_ONLY,
  },
  {
    name: "list_files",
    title: "List files",
    description: "List files: servers/, skills/, workspace/.",
    inputSchema: { type: "object", properties: { path: str, workspace: str } },
    annotations: READ_ONLY,
  },
  {
    name: "read_file",
    title: "Read file",
    description: "Read a file.",
    inputSchema: {
      type: "object",
      properties: { path: str, workspace: str },
      required: ["path"],
    },
    annotations: READ_ONLY,
  },
  {
    name: "execute_code",
    title: "Execute code",
    description:
      'Run sandboxed TypeScript importing "./servers/<server>/index.ts"; `export default` the result.',
    inputSchema: {
      type: "object",
      properties: {
        code: str,
        workspace: str,
        // What a dry run and its token do is told where they are needed:
        // in the APPROVAL_REQUIRED answer and in the plan.
        dryRun: { type: "boolean" },
        approvalToken: str,
      },
      required: ["code"],
    },
    outputSchema: EXECUTE_OUTPUT_SCHEMA,
    // What code can do depends on the upstream tools: see executeCodeAnnotations.
    annotations: { readOnlyHint: false, destructiveHint: true },
  },
  {
    name: "save_skill",
    title: "Save skill",
    description: 'Save code as "./skills/<name>.ts".',
    inputSchema: {
      type: "object",
      properties: { name: str, code: str, description: str },
      required: ["name", "code", "description"],
    },
    annotations: { destructiveHint: false },
  },
]);

/**
 * A tool of an upstream server as far as `execute_code`'s hints need it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tools: UpstreamToolHints[] = [{ annotations: { destructiveHint: true } }, {}];
 * assert.notEqual(executeCodeAnnotations(tools).readOnlyHint, true);
 * ```
 */
export interface UpstreamToolHints {
  /** The tool's MCP annotations. */
  annotations?: ToolAnnotations;
}

/**
 * The annotations of `execute_code` for a set of allowed upstream tools,
 * with the MCP defaults for hints a tool leaves out (not read-only,
 * destructive, not idempotent, open world), and those defaults left out of
 * the answer too (idempotent is never claimed). Code is read-only only when every
 * allowed tool is read-only (it may still write the session's own workspace),
 * destructive when any allowed tool may be, idempotent never, and open-world
 * when any allowed tool is. `undefined` (tools not known yet) gives the
 * cautious hints.
 *
 * @example
 * ```ts
 * import { executeCodeAnnotations } from "./tool_definitions.ts";
 * const hints = executeCodeAnnotations([
 *   { annotations: { readOnlyHint: true, openWorldHint: false } },
 * ]);
 * hints.readOnlyHint; // true
 * ```
 */
export function executeCodeAnnotations(
  allowed: readonly UpstreamToolHints[] | undefined,
): ToolAnnotations {
  if (allowed === undefined) return { readOnlyHint: false, destructiveHint: true };
  const readOnly = allowed.every((t) => t.annotations?.readOnlyHint === true);
  const destructive = allowed.some((t) =>
    t.annotations?.readOnlyHint !== true && t.annotations?.destructiveHint !== false
  );
  const openWorld = allowed.some((t) => t.annotations?.openWorldHint !== false);
  // Only the hints that differ from MCP's defaults are spelled out, but
  // readOnlyHint and destructiveHint always are.
  return {
    readOnlyHint: readOnly,
    destructiveHint: destructive,
    ...(openWorld ? {} : { openWorldHint: false }),
  };
}

/** Options of {@link mcpxTools}. */
export interface McpxToolsOptions {
  /**
   * Declare the `workspace` handle as the `Mcp-Param-Workspace` header
   * (`"x-mcp-header": "Workspace"`), for stateless 2026-07-28 HTTP, the only
   * transport where a handle names the workspace: clients mirror it into the
   * header, so a load balancer in front of several instances can route on it
   * (see param_headers.ts). Left out elsewhere, where it would only cost
   * tokens.
   */
  paramHeaders?: boolean;
}

/** The `Mcp-Param-*` header name of the `workspace` argument over stateless HTTP. */
export const WORKSPACE_HEADER = "Workspace";

/**
 * The five tools with `execute_code`'s annotations computed by
 * {@link executeCodeAnnotations} from the allowed upstream tools.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tools = mcpxTools([{ annotations: { readOnlyHint: true } }]);
 * const execute = tools.find((t) => t.name === "execute_code");
 * assert.equal(execute?.annotations?.readOnlyHint, true);
 * ```
 */
export function mcpxTools(
  allowed: readonly UpstreamToolHints[] | undefined,
  opts: McpxToolsOptions = {},
): Tool[] {
  return MCPX_TOOLS.map((t) => {
    const tool = t.name === "execute_code"
      ? { ...t, annotations: executeCodeAnnotations(allowed) }
      : t;
    const props = tool.inputSchema.properties;
    if (!opts.paramHeaders || props?.workspace === undefined) return tool;
    return {
      ...tool,
      inputSchema: {
        ...tool.inputSchema,
        properties: { ...props, workspace: { ...str, [X_MCP_HEADER]: WORKSPACE_HEADER } },
      },
    };
  });
}
