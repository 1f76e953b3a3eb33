import type { Prompt, Resource, ResourceTemplate, Tool } from "../mcp_types.ts";

/** Everything mcpx reads from one MCP server. */
export interface ServerSnapshot {
  /** Server name from the configuration. */
  name: string;
  /** `serverInfo` from the initialize result. */
  serverInfo: { name: string; version: string; title?: string };
  /** Negotiated protocol version. */
  protocolVersion?: string;
  capabilities: Record<string, unknown>;
  instructions?: string;
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
  /**
   * Problems that did not stop introspection, such as a resource list that
   * failed; absent or empty when there were none.
   */
  warnings?: string[];
}
