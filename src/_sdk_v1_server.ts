// The server side of the MCP SDK's 1.x line, kept for tests only: in-process
// upstream servers that speak the 2025 revisions, as most servers in the wild
// do. `mcpx serve` itself is built on the current major (_sdk_server.ts).

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/server"
export { Server as V1Server } from "@modelcontextprotocol/sdk/server/index.js";
