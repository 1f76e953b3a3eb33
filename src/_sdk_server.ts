// The MCP SDK's server side (v2, `@modelcontextprotocol/server`), for
// `mcpx serve` only: running code never loads it. One server factory serves
// both protocol eras (2026-07-28 and the 2025 revisions) over stdio
// (`serveStdio`) and Streamable HTTP (`createMcpHandler` for the modern era,
// a sessionful transport for 2025-era clients).

export {
  buildOAuthProtectedResourceMetadata,
  createMcpHandler,
  createRequestStateCodec,
  getOAuthProtectedResourceMetadataUrl,
  hostHeaderValidationResponse,
  inputRequired,
  isLegacyRequest,
  OAuthError,
  OAuthErrorCode,
  oauthMetadataResponse,
  ProtocolError,
  ProtocolErrorCode,
  requireBearerAuth,
  Server,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
export type {
  AuthInfo,
  AuthorizationServerMetadata,
  CallToolResult as ServerCallToolResult,
  ClientCapabilities,
  InputRequest,
  InputRequiredResult,
  LoggingLevel,
  McpHttpHandler,
  McpRequestContext,
  OAuthMetadata,
  OAuthProtectedResourceMetadata,
  OAuthTokenVerifier,
  RequestStateCodec,
  ServerContext,
  Transport as ServerTransport,
} from "@modelcontextprotocol/server";
export { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
export type { StdioServerHandle } from "@modelcontextprotocol/server/stdio";
