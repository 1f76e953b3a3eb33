/**
 * OpenTelemetry spans of executions, tool calls and upstream requests,
 * through `@opentelemetry/api`: no-ops until a tracer provider is
 * registered (see {@link startTracing}). The client's W3C `traceparent`
 * (from a request's `_meta`) is the parent of an execution; upstream
 * requests carry theirs on in `_meta`.
 *
 * @module
 */
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type { ExecutionContext } from "../routing/execution_context.ts";
import { VERSION } from "../version.ts";

export { SpanKind, SpanStatusCode };
export type { Context, Span };

/** The instrumentation scope name of mcpx's spans. */
export const TRACER_NAME = "mcpx";

/** The tracer of mcpx (a no-op one until a provider is registered). */
export function mcpxTracer(): Tracer {
  return trace.getTracer(TRACER_NAME, VERSION);
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The context a W3C `traceparent` (and `tracestate`) in a request's `_meta`
 * describes, or the root context when there is none or it is invalid.
 *
 * @example
 * ```ts
 * import { contextFromMeta, metaFromContext } from "./tracing.ts";
 * const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
 * metaFromContext(contextFromMeta({ traceparent: tp })); // { traceparent: tp }
 * ```
 */
export function contextFromMeta(meta: Record<string, unknown> | undefined): Context {
  const tp = meta?.traceparent;
  if (typeof tp !== "string") return ROOT_CONTEXT;
  const m = TRACEPARENT.exec(tp.trim());
  if (!m || m[1] === "ff" || /^0+$/.test(m[2]) || /^0+$/.test(m[3])) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: m[2],
    spanId: m[3],
    traceFlags: parseInt(m[4], 16) & 1,
    isRemote: true,
  });
}

/** `{ traceparent }` of the span in `ctx`, or `{}` when it has no valid span. */
export function metaFromContext(ctx: Context): Record<string, string> {
  const sc = trace.getSpanContext(ctx);
  if (sc === undefined || !trace.isSpanContextValid(sc)) return {};
  return {
    traceparent: `00-${sc.traceId}-${sc.spanId}-${
      (sc.traceFlags & 1).toString(16).padStart(2, "0")
    }`,
  };
}

const executions = new WeakMap<ExecutionContext, Context>();

/** Records the trace context of an execution, for the spans of its calls. */
export function bindTrace(execution: ExecutionContext, ctx: Context): void {
  executions.set(execution, ctx);
}

/** The trace context of an execution (the root context when none was bound). */
export function traceOf(execution: ExecutionContext | undefined): Context {
  return (execution && executions.get(execution)) ?? ROOT_CONTEXT;
}

/** Ends `span` with an error status when `error` is set. */
export function endSpan(span: Span, error?: { code: string; message: string }): void {
  if (error !== undefined) {
    span.setAttribute("mcpx.error.code", error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message.slice(0, 300) });
  }
  span.end();
}
