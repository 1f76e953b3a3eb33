// The MCP SDK (v1) side of the passthrough: request handlers and notifications
// of one session's `Server`. The logic is in passthrough.ts.

// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import {
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Server } from "../_sdk_server.ts";
import { McpxError } from "../errors.ts";
import { type Passthrough, PassthroughError, type PassthroughListener } from "./passthrough.ts";

/**
 * Serves the passthrough's requests on `server` and sends it the upstream
 * notifications. Returns a function to call when the session closes.
 */
export function servePassthrough(server: Server, passthrough: Passthrough): () => void {
  const listener: PassthroughListener = {
    listChanged: (kind) =>
      void (kind === "resources"
        ? server.sendResourceListChanged()
        : server.sendPromptListChanged())
        .catch(() => {}),
    resourceUpdated: (uri) => void server.sendResourceUpdated({ uri }).catch(() => {}),
  };
  const stop = passthrough.listen(listener);
  // deno-lint-ignore no-explicit-any
  const handle = <T>(f: () => Promise<T>): Promise<any> =>
    f().catch((e) => {
      if (e instanceof PassthroughError) throw new McpError(e.code, e.message);
      if (e instanceof McpxError) throw new McpError(-32603, e.message);
      throw e;
    });
  server.setRequestHandler(
    ListResourcesRequestSchema,
    (_r, extra) => handle(() => passthrough.listResources(extra.signal)),
  );
  server.setRequestHandler(
    ListResourceTemplatesRequestSchema,
    (_r, extra) => handle(() => passthrough.listResourceTemplates(extra.signal)),
  );
  server.setRequestHandler(
    ReadResourceRequestSchema,
    (r, extra) => handle(() => passthrough.readResource(r.params, extra.signal)),
  );
  server.setRequestHandler(SubscribeRequestSchema, (r) =>
    handle(async () => {
      await passthrough.subscribe(listener, r.params.uri);
      return {};
    }));
  server.setRequestHandler(UnsubscribeRequestSchema, (r) =>
    handle(async () => {
      await passthrough.unsubscribe(listener, r.params.uri);
      return {};
    }));
  server.setRequestHandler(
    ListPromptsRequestSchema,
    (_r, extra) => handle(() => passthrough.listPrompts(extra.signal)),
  );
  server.setRequestHandler(
    GetPromptRequestSchema,
    (r, extra) => handle(() => passthrough.getPrompt(r.params, extra.signal)),
  );
  server.setRequestHandler(
    CompleteRequestSchema,
    (r, extra) => handle(() => passthrough.complete(r.params, extra.signal)),
  );
  return stop;
}
