/**
 * Turns tracing on when the standard OpenTelemetry variables ask for it:
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * (with `OTEL_EXPORTER_OTLP_HEADERS` and the other `OTEL_EXPORTER_OTLP_*`
 * settings read by the exporter) export spans as OTLP over HTTP. The SDK
 * and exporter are loaded only then.
 *
 * @module
 */
import { trace } from "@opentelemetry/api";

/**
 * A started trace pipeline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const tracing: TracingHandle | undefined = await startTracing(Deno.env.toObject());
 * await tracing?.shutdown(); // flushes buffered spans when tracing was on
 * assert.ok(tracing === undefined || typeof tracing.shutdown === "function");
 * ```
 */
export interface TracingHandle {
  /** Exports the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers an OTLP/HTTP exporter as the global tracer provider when the
 * environment configures one; `undefined` (and nothing loaded) otherwise.
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` keep it off.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Nothing is exported (or loaded) unless the environment names an endpoint.
 * assert.equal(await startTracing({}), undefined);
 * ```
 */
export async function startTracing(
  env: Record<string, string | undefined>,
): Promise<TracingHandle | undefined> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === "true" || env.OTEL_TRACES_EXPORTER === "none") {
    return undefined;
  }
  const [
    { TracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { resourceFromAttributes },
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? "mcpx" }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
    },
  };
}
