import type { Prompt, Resource, ResourceTemplate, Tool } from "../mcp_types.ts";

/**
 * Everything mcpx reads from one MCP server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const snapshot: ServerSnapshot = {
 *   name: "calc",
 *   serverInfo: { name: "calc", version: "1.0.0" },
 *   capabilities: { tools: {} },
 *   tools: [{ name: "add", inputSchema: { type: "object" } }],
 *   resources: [],
 *   resourceTemplates: [],
 *   prompts: [],
 * };
 * assert.deepEqual(snapshot.tools.map((t) => t.name), ["add"]); // what introspect returns
 * ```
 */
export interface ServerSnapshot {
  /** Server name from the configuration. */
  name: string;
  /** `serverInfo` from the initialize result. */
  serverInfo: { name: string; version: string; title?: string };
  /** Negotiated protocol version. */
  protocolVersion?: string;
  /** Capabilities the server declared. */
  capabilities: Record<string, unknown>;
  /** The server's instructions for the model, when it gave some. */
  instructions?: string;
  /** Every tool, across all pages. */
  tools: Tool[];
  /** Every resource, across all pages. */
  resources: Resource[];
  /** Every resource template, across all pages. */
  resourceTemplates: ResourceTemplate[];
  /** Every prompt, across all pages. */
  prompts: Prompt[];
  /**
   * Problems that did not stop introspection, such as a resource list that
   * failed; absent or empty when there were none.
   */
  warnings?: string[];
}
