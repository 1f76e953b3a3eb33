// The client side of the MCP SDK's current major (`@modelcontextprotocol/client`),
// which negotiates both protocol eras (2026-07-28 and the 2025 revisions).
// Tests and benches drive `mcpx serve` with it as a modern client would.

export {
  Client as V2Client,
  StreamableHTTPClientTransport as V2StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
export { StdioClientTransport as V2StdioClientTransport } from "@modelcontextprotocol/client/stdio";
