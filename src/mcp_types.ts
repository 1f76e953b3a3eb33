/**
 * The MCP SDK types that mcpx's public API takes and returns, named here so
 * that they can be imported from mcpx itself.
 *
 * @module
 */
import type {
  CallToolResult as SdkCallToolResult,
  Client as SdkClient,
  ClientCapabilities as SdkClientCapabilities,
  ContentBlock as SdkContentBlock,
  Prompt as SdkPrompt,
  Resource as SdkResource,
  ResourceTemplate as SdkResourceTemplate,
  Tool as SdkTool,
  Transport as SdkTransport,
} from "./_sdk.ts";
import type {
  OAuthClientInformationMixed as SdkOAuthClientInformation,
  OAuthTokens as SdkOAuthTokens,
} from "./_sdk_remote.ts";
import type {
  AuthInfo as SdkAuthInfo,
  AuthorizationServerMetadata as SdkAuthorizationServerMetadata,
  OAuthProtectedResourceMetadata as SdkOAuthProtectedResourceMetadata,
  Server as SdkServer,
  ServerContext as SdkServerContext,
} from "./_sdk_server.ts";

/**
 * A tool as an MCP server lists it: name, description, input and output
 * schemas, annotations.
 *
 * @example
 * ```ts
 * import type { Tool } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const tool: Tool = { name: "add", inputSchema: { type: "object" } };
 * assert.equal(tool.inputSchema.type, "object");
 * ```
 */
export type Tool = SdkTool;

/**
 * The result of an MCP `tools/call`: content blocks, optional structured
 * content, and `isError`.
 *
 * @example
 * ```ts
 * import type { CallToolResult } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const result: CallToolResult = { content: [{ type: "text", text: "3" }] };
 * assert.equal(result.content[0].type, "text");
 * ```
 */
export type CallToolResult = SdkCallToolResult;

/**
 * A prompt as an MCP server lists it.
 *
 * @example
 * ```ts
 * import type { Prompt } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const prompt: Prompt = { name: "greet", arguments: [{ name: "who" }] };
 * assert.equal(prompt.arguments?.length, 1);
 * ```
 */
export type Prompt = SdkPrompt;

/**
 * A resource as an MCP server lists it.
 *
 * @example
 * ```ts
 * import type { Resource } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const resource: Resource = { uri: "file:///notes.md", name: "notes" };
 * assert.ok(resource.uri.startsWith("file:"));
 * ```
 */
export type Resource = SdkResource;

/**
 * A resource template (an RFC 6570 URI template) as an MCP server lists it.
 *
 * @example
 * ```ts
 * import type { ResourceTemplate } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const template: ResourceTemplate = { uriTemplate: "notes://{id}", name: "note" };
 * assert.ok(template.uriTemplate.includes("{id}"));
 * ```
 */
export type ResourceTemplate = SdkResourceTemplate;

/**
 * The capabilities an MCP client declares (sampling, elicitation, roots).
 *
 * @example
 * ```ts
 * import type { ClientCapabilities } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const caps: ClientCapabilities = { roots: { listChanged: true } };
 * assert.ok(caps.roots);
 * ```
 */
export type ClientCapabilities = SdkClientCapabilities;

/**
 * The MCP SDK client that mcpx connects to an upstream server with.
 *
 * @example
 * ```ts
 * import type { McpClient } from "@mcpx/cli";
 *
 * function serverName(client: McpClient): string | undefined {
 *   return client.getServerVersion()?.name;
 * }
 * ```
 */
export type McpClient = SdkClient;

/**
 * An MCP client transport (stdio, Streamable HTTP, SSE, in memory).
 *
 * @example
 * ```ts
 * import type { Transport } from "@mcpx/cli";
 *
 * async function closeAll(transports: Transport[]): Promise<void> {
 *   await Promise.all(transports.map((t) => t.close()));
 * }
 * ```
 */
export type Transport = SdkTransport;

/**
 * The MCP SDK server that `mcpx serve` answers clients with.
 *
 * @example
 * ```ts
 * import type { McpServer } from "@mcpx/cli";
 *
 * async function stop(server: McpServer): Promise<void> {
 *   await server.close();
 * }
 * ```
 */
export type McpServer = SdkServer;

/**
 * The context the MCP SDK server gives a request handler.
 *
 * @example
 * ```ts
 * import type { ServerContext } from "@mcpx/cli";
 *
 * function cancelled(ctx: ServerContext): boolean {
 *   return ctx.mcpReq.signal.aborted;
 * }
 * ```
 */
export type ServerContext = SdkServerContext;

/**
 * One content block of a tool result: text, image, audio, resource link or
 * embedded resource.
 *
 * @example
 * ```ts
 * import type { ContentBlock } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const block: ContentBlock = { type: "text", text: "hello" };
 * assert.equal(block.type, "text");
 * ```
 */
export type ContentBlock = SdkContentBlock;

/**
 * OAuth tokens as an authorization server issues them.
 *
 * @example
 * ```ts
 * import type { OAuthTokens } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const tokens: OAuthTokens = { access_token: "abc", token_type: "Bearer" };
 * assert.equal(tokens.token_type, "Bearer");
 * ```
 */
export type OAuthTokens = SdkOAuthTokens;

/**
 * An OAuth client's registration: its client ID, and a secret when it has one.
 *
 * @example
 * ```ts
 * import type { OAuthClientInformation } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const client: OAuthClientInformation = { client_id: "mcpx" };
 * assert.equal(client.client_id, "mcpx");
 * ```
 */
export type OAuthClientInformation = SdkOAuthClientInformation;

/**
 * A verified access token: its value, client, scopes, expiry and claims.
 *
 * @example
 * ```ts
 * import type { AuthInfo } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const auth: AuthInfo = { token: "t", clientId: "app", scopes: ["mcp:tools"] };
 * assert.deepEqual(auth.scopes, ["mcp:tools"]);
 * ```
 */
export type AuthInfo = SdkAuthInfo;

/**
 * An OAuth authorization server's metadata (RFC 8414, or OpenID Connect discovery).
 *
 * @example
 * ```ts
 * import type { AuthorizationServerMetadata } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const issuer = { issuer: "https://auth.example", jwks_uri: "https://auth.example/jwks" };
 * const meta = issuer as AuthorizationServerMetadata;
 * assert.equal(meta.issuer, "https://auth.example");
 * ```
 */
export type AuthorizationServerMetadata = SdkAuthorizationServerMetadata;

/**
 * An OAuth protected resource's metadata (RFC 9728), as `serve --http` publishes it.
 *
 * @example
 * ```ts
 * import type { OAuthProtectedResourceMetadata } from "@mcpx/cli";
 * import assert from "node:assert/strict";
 *
 * const meta: OAuthProtectedResourceMetadata = {
 *   resource: "https://mcpx.example/mcp",
 *   authorization_servers: ["https://auth.example"],
 * };
 * assert.equal(meta.authorization_servers?.length, 1);
 * ```
 */
export type OAuthProtectedResourceMetadata = SdkOAuthProtectedResourceMetadata;
