/**
 * The two ways back to an MCP client of `mcpx serve`, one per protocol era:
 * a 2025-era session gets server-initiated requests related to its
 * `execute_code` request; a 2026-07-28 client gets the questions as an
 * `InputRequiredResult` while the execution is suspended.
 *
 * @module
 */

import type { ClientCapabilities, ServerContext } from "../_sdk_server.ts";
import { McpxError } from "../errors.ts";
import type {
  ClientAbilities,
  ClientChannel,
  ClientRequestMethod,
  LogLevel,
  ProgressUpdate,
} from "./execution_context.ts";
import type { SuspendedExecution } from "./suspended_executions.ts";
import { abilitiesOf } from "./upstream_router.ts";

/** How long a 2025-era client may take to answer one request: 10 minutes. */
export const CLIENT_REQUEST_TIMEOUT_MS: number = 10 * 60_000;

const CLIENT_CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities";

/** What the client of the request `ctx` declared, in either era. */
export function requestAbilities(
  ctx: ServerContext,
  initialized: ClientCapabilities | undefined,
): ClientAbilities {
  const fromEnvelope = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[
    CLIENT_CAPABILITIES_KEY
  ] as ClientCapabilities | undefined;
  return abilitiesOf(fromEnvelope ?? initialized);
}

/** Sends progress and logs related to the request of `ctx`. */
class RoundSink {
  ctx?: ServerContext;

  progress(update: ProgressUpdate): void {
    const ctx = this.ctx;
    const token = ctx?.mcpReq._meta?.progressToken;
    if (ctx === undefined || token === undefined || ctx.mcpReq.signal.aborted) return;
    ctx.mcpReq.notify({
      method: "notifications/progress",
      params: { progressToken: token, ...update },
    }).catch(() => {});
  }

  log(level: LogLevel, logger: string, data: unknown): void {
    const ctx = this.ctx;
    if (ctx === undefined || ctx.mcpReq.signal.aborted) return;
    ctx.mcpReq.log(level, data, logger).catch(() => {});
  }
}

function refuse(method: ClientRequestMethod, params: Record<string, unknown>): McpxError {
  const mode = method === "elicitation/create"
    ? ` (${params.mode === "url" ? "url" : "form"} mode)`
    : "";
  return new McpxError(
    "CLIENT_UNSUPPORTED",
    `The client did not declare support for "${method}"${mode}`,
  );
}

function permits(
  a: ClientAbilities,
  method: ClientRequestMethod,
  params: Record<string, unknown>,
): boolean {
  if (method === "sampling/createMessage") return a.sampling;
  if (method === "roots/list") return a.roots;
  return params.mode === "url" ? a.elicitationUrl : a.elicitationForm;
}

/**
 * The channel of a 2025-era request: server-initiated requests on the
 * session, related to the `execute_code` request `ctx`.
 */
export function legacyChannel(ctx: ServerContext, abilities: ClientAbilities): ClientChannel {
  const sink = new RoundSink();
  sink.ctx = ctx;
  return {
    era: "legacy",
    abilities,
    async request(method, params, signal) {
      if (!permits(abilities, method, params)) throw refuse(method, params);
      const s = signal ? AbortSignal.any([signal, ctx.mcpReq.signal]) : ctx.mcpReq.signal;
      const result = await ctx.mcpReq.send({ method, params }, {
        signal: s,
        timeout: CLIENT_REQUEST_TIMEOUT_MS,
      });
      return result as unknown as Record<string, unknown>;
    },
    progress: (u) => sink.progress(u),
    log: (level, logger, data) => sink.log(level, logger, data),
  };
}

/** A 2026-07-28 channel and the hook that points it at each new round. */
export interface ModernChannel {
  channel: ClientChannel;
  /** The request now carrying the execution (its progress token, its log level). */
  setRound(ctx: ServerContext | undefined): void;
}

/**
 * The channel of a suspendable execution for a 2026-07-28 client: each
 * request becomes a question of the next `InputRequiredResult`.
 */
export function modernChannel(
  exec: () => SuspendedExecution<unknown>,
  abilities: ClientAbilities,
): ModernChannel {
  const sink = new RoundSink();
  return {
    setRound: (ctx) => void (sink.ctx = ctx),
    channel: {
      era: "modern",
      abilities,
      request(method, params, signal) {
        if (!permits(abilities, method, params)) return Promise.reject(refuse(method, params));
        return exec().request(method, params, signal);
      },
      progress: (u) => sink.progress(u),
      log: (level, logger, data) => sink.log(level, logger, data),
    },
  };
}
