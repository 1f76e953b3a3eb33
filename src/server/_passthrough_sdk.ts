// The MCP SDK side of the passthrough: request handlers and notifications of
// one session's `Server`. The logic is in passthrough.ts.

import { ProtocolError, type Server } from "../_sdk_server.ts";
import { McpxError } from "../errors.ts";
import { type Passthrough, PassthroughError, type PassthroughListener } from "./passthrough.ts";

/**
 * Serves the passthrough's requests on `server` and, unless `notifications`
 * is false, sends it the upstream notifications and serves
 * `resources/subscribe`. Returns a function to call when the session closes.
 *
 * A server of one stateless request passes `notifications: false`: it is gone
 * before any notification could reach it (2026-07-28 clients get them on
 * `subscriptions/listen` streams, see listen_streams.ts).
 */
export function servePassthrough(
  server: Server,
  passthrough: Passthrough,
  opts: { notifications?: boolean } = {},
): () => void {
  const listener: PassthroughListener = {
    listChanged: (kind) =>
      void (kind === "resources"
        ? server.sendResourceListChanged()
        : server.sendPromptListChanged())
        ?.catch?.(() => {}),
    resourceUpdated: (uri) => void server.sendResourceUpdated({ uri }).catch(() => {}),
  };
  const notifications = opts.notifications ?? true;
  const stop = notifications ? passthrough.listen(listener) : () => {};
  // deno-lint-ignore no-explicit-any
  const handle = <T>(f: () => Promise<T>): Promise<any> =>
    f().catch((e) => {
      if (e instanceof PassthroughError) throw new ProtocolError(e.code as never, e.message);
      if (e instanceof McpxError) throw new ProtocolError(-32603 as never, e.message);
      throw e;
    });
  // deno-lint-ignore no-explicit-any
  type Ctx = { mcpReq: { signal: AbortSignal } } & any;
  // deno-lint-ignore no-explicit-any
  type Req = { params?: any };
  server.setRequestHandler(
    "resources/list",
    (_r: Req, ctx: Ctx) => handle(() => passthrough.listResources(ctx.mcpReq.signal)),
  );
  server.setRequestHandler(
    "resources/templates/list",
    (_r: Req, ctx: Ctx) => handle(() => passthrough.listResourceTemplates(ctx.mcpReq.signal)),
  );
  server.setRequestHandler(
    "resources/read",
    (r: Req, ctx: Ctx) => handle(() => passthrough.readResource(r.params, ctx.mcpReq.signal)),
  );
  if (notifications) {
    server.setRequestHandler("resources/subscribe", (r: Req) =>
      handle(async () => {
        await passthrough.subscribe(listener, r.params.uri);
        return {};
      }));
    server.setRequestHandler("resources/unsubscribe", (r: Req) =>
      handle(async () => {
        await passthrough.unsubscribe(listener, r.params.uri);
        return {};
      }));
  }
  server.setRequestHandler(
    "prompts/list",
    (_r: Req, ctx: Ctx) => handle(() => passthrough.listPrompts(ctx.mcpReq.signal)),
  );
  server.setRequestHandler(
    "prompts/get",
    (r: Req, ctx: Ctx) => handle(() => passthrough.getPrompt(r.params, ctx.mcpReq.signal)),
  );
  server.setRequestHandler(
    "completion/complete",
    (r: Req, ctx: Ctx) => handle(() => passthrough.complete(r.params, ctx.mcpReq.signal)),
  );
  return stop;
}
