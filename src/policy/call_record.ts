/**
 * What the bridge reports about each tool call: its span (and the client
 * span of its upstream request, whose `traceparent` goes upstream in
 * `_meta`), and its audit-log entry.
 *
 * @module
 */
import { trace } from "@opentelemetry/api";
import type { ExecutionContext } from "../routing/execution_context.ts";
import type { ApprovalDecision } from "./approval_gate.ts";
import { argDigest } from "./arg_digest.ts";
import type { AuditLog } from "./audit_log.ts";
import {
  type Context,
  endSpan,
  mcpxTracer,
  metaFromContext,
  type Span,
  SpanKind,
  traceOf,
} from "./tracing.ts";

/** How a call ended, as far as the record needs it. */
export type CallOutcome = { ok: true } | { ok: false; error: { code: string; message: string } };

/**
 * One tool call being made: fill in what the call learns, wrap the upstream
 * request with {@link CallRecord.upstream}, and {@link CallRecord.end} it.
 */
export class CallRecord {
  /** How the policy decided. */
  approval?: ApprovalDecision;
  /** True when the cache answered. */
  cached = false;
  /** The arguments as sent (plain JSON), once known. */
  wire?: Record<string, unknown>;
  readonly #server: string;
  readonly #tool: string;
  readonly #args: unknown;
  readonly #context: ExecutionContext | undefined;
  readonly #line: number | undefined;
  readonly #audit: AuditLog | undefined;
  readonly #span: Span;
  readonly #ctx: Context;
  readonly #started = performance.now();
  readonly #startedAt: number;

  /** @internal Use {@link recordCall}. */
  constructor(
    server: string,
    tool: string,
    args: unknown,
    context: ExecutionContext | undefined,
    line: number | undefined,
    audit: AuditLog | undefined,
  ) {
    this.#server = server;
    this.#tool = tool;
    this.#args = args;
    this.#context = context;
    this.#line = line;
    this.#audit = audit;
    this.#startedAt = audit === undefined ? 0 : Date.now();
    const parent = traceOf(context);
    this.#span = mcpxTracer().startSpan("mcpx.tool_call", {
      kind: SpanKind.INTERNAL,
      attributes: { "mcp.server": server, "mcp.tool": tool },
    }, parent);
    this.#ctx = trace.setSpan(parent, this.#span);
  }

  /**
   * Runs the upstream request inside a client span; `send` gets the `_meta`
   * to pass on (`{ traceparent }`, or `{}` when there is no trace).
   */
  async upstream<T>(send: (meta: Record<string, string>) => Promise<T>): Promise<T> {
    const span = mcpxTracer().startSpan("tools/call", {
      kind: SpanKind.CLIENT,
      attributes: {
        "rpc.system": "jsonrpc",
        "rpc.method": "tools/call",
        "mcp.server": this.#server,
        "mcp.tool": this.#tool,
      },
    }, this.#ctx);
    try {
      const r = await send(metaFromContext(trace.setSpan(this.#ctx, span)));
      endSpan(span);
      return r;
    } catch (e) {
      endSpan(span, { code: "SERVER_ERROR", message: (e as Error)?.message ?? String(e) });
      throw e;
    }
  }

  /** Ends the call's span and appends its audit entry. */
  end(outcome: CallOutcome): void {
    const span = this.#span;
    if (span.isRecording()) {
      if (this.approval !== undefined) span.setAttribute("mcpx.approval", this.approval);
      span.setAttribute("mcpx.cached", this.cached);
      if (this.#line !== undefined) span.setAttribute("code.lineno", this.#line);
    }
    endSpan(span, outcome.ok ? undefined : outcome.error);
    const audit = this.#audit;
    if (audit === undefined) return;
    const approval = this.approval ??
      (!outcome.ok && outcome.error.code === "TOOL_DENIED" ? "deny" : undefined);
    audit.append({
      time: new Date(this.#startedAt).toISOString(),
      session: this.#context?.sessionId ?? "",
      execution: this.#context?.executionId ?? "",
      server: this.#server,
      tool: this.#tool,
      digest: argDigest(this.wire ?? this.#args),
      ...(audit.includeArgs ? { args: this.#args } : {}),
      ...(this.#line === undefined ? {} : { line: this.#line }),
      ms: Math.round((performance.now() - this.#started) * 100) / 100,
      outcome: outcome.ok ? "ok" : outcome.error.code,
      ...(outcome.ok ? {} : { error: outcome.error.message }),
      ...(approval === undefined ? {} : { approval }),
      ...(this.cached ? { cached: true } : {}),
    });
  }
}

/** Starts the record of one call (`audit` undefined: traces only). */
export function recordCall(
  server: string,
  tool: string,
  args: unknown,
  context: ExecutionContext | undefined,
  line: number | undefined,
  audit: AuditLog | undefined,
): CallRecord {
  return new CallRecord(String(server), String(tool), args, context, line, audit);
}
