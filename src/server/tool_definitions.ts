/**
 * The five tools of `mcpx serve` as a client lists them, and the server's
 * instructions. Descriptions and schemas are kept short on purpose: every
 * client sends them to the model with each request.
 *
 * @module
 */
import type { Tool } from "../_sdk.ts";

/** Names of the tools of `mcpx serve`. */
export type McpxToolName =
  | "search_tools"
  | "list_files"
  | "read_file"
  | "execute_code"
  | "save_skill";

/** What `initialize` returns as `instructions`. */
export const SERVER_INSTRUCTIONS: string =
  `Call the tools of many MCP servers from TypeScript instead of one by one.
1. Find tools with search_tools (or list_files servers/); read_file a tool module for its types.
2. execute_code: import { fn } from "./servers/<server>/index.ts", await calls, \`export default\` the result. Keep large data inside the code; return only what you need. console.log output is returned too.
3. "./workspace.ts" (readFile, writeFile, listFiles, removeFile) keeps files for this session. save_skill keeps a working module as "./skills/<name>.ts" for later.`;

const str = { type: "string" } as const;

/** The tools, in the order `tools/list` returns them. */
export const MCPX_TOOLS: readonly Tool[] = Object.freeze<Tool[]>([
  {
    name: "search_tools",
    description:
      'Find tools of all servers by keywords. Returns module paths; detail "full" adds TypeScript signatures.',
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
  },
  {
    name: "list_files",
    description: "List a directory of the code tree: servers/, skills/, workspace/.",
    inputSchema: { type: "object", properties: { path: str, workspace: str } },
  },
  {
    name: "read_file",
    description: "Read a file of the code tree, such as a tool module.",
    inputSchema: {
      type: "object",
      properties: { path: str, workspace: str },
      required: ["path"],
    },
  },
  {
    name: "execute_code",
    description:
      'Run TypeScript in a sandbox: import tools from "./servers/<server>/index.ts", `export default` the result. Returns logs and result.',
    inputSchema: {
      type: "object",
      properties: {
        code: str,
        workspace: str,
        dryRun: {
          type: "boolean",
          description:
            "Make only allowed calls; record calls that need approval. Returns the plan and an approval token",
        },
        approvalToken: {
          type: "string",
          description: "A dry run's token: approves its planned calls",
        },
      },
      required: ["code"],
    },
  },
  {
    name: "save_skill",
    description: 'Save working code as module "./skills/<name>.ts" for later imports.',
    inputSchema: {
      type: "object",
      properties: { name: str, code: str, description: str },
      required: ["name", "code", "description"],
    },
  },
]);
