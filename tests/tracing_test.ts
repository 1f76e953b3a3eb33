// Traces: spans of an execution, its tool calls and their upstream requests,
// under the client's traceparent, with the traceparent passed on upstream;
// then the real CLI exporting OTLP over HTTP to a receiver on loopback.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { Runtime } from "../src/runtime/runtime.ts";
import { inMemoryServer } from "./_in_memory_server.ts";
import { tempDir } from "./_helpers.ts";
import { memoryServer } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const CLIENT_SPAN = "b7ad6b7169203331";

Deno.test("spans: execution under the client's traceparent, tool calls, upstream requests", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  assert.ok(trace.setGlobalTracerProvider(provider));
  try {
    const metas: (Record<string, unknown> | undefined)[] = [];
    const upstream = inMemoryServer({
      name: "echo",
      tools: [{
        name: "say",
        inputSchema: { type: "object" },
        annotations: { readOnlyHint: true },
      }, {
        name: "wipe",
        inputSchema: { type: "object" },
        annotations: { destructiveHint: true },
      }],
      call: (_name, args, _signal, meta) => {
        metas.push(meta);
        return { content: [{ type: "text", text: JSON.stringify(args) }] };
      },
    });
    await using rt = await Runtime.create({
      servers: [upstream.config],
      connect: upstream.connector,
      workers: 1,
    });
    const r = await rt.execute(
      `import { say, wipe } from "./servers/echo/index.ts";
await say({ n: 1 });
try { await wipe({}); } catch (e) { console.log(e.code); }
export default "ok";`,
      { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` },
    );
    assert.equal(r.ok, true, JSON.stringify(r.error));
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    const byName = (n: string) => spans.filter((s) => s.name === n);
    const [exec] = byName("mcpx.execute");
    assert.ok(exec, `spans: ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(exec.spanContext().traceId, TRACE_ID);
    assert.equal(exec.parentSpanContext?.spanId, CLIENT_SPAN);
    const calls = byName("mcpx.tool_call");
    assert.equal(calls.length, 2);
    for (const c of calls) {
      assert.equal(c.spanContext().traceId, TRACE_ID);
      assert.equal(c.parentSpanContext?.spanId, exec.spanContext().spanId);
    }
    const say = calls.find((c) => c.attributes["mcp.tool"] === "say")!;
    assert.equal(say.attributes["mcpx.approval"], "allow");
    assert.equal(say.attributes["code.lineno"], 2);
    const wipe = calls.find((c) => c.attributes["mcp.tool"] === "wipe")!;
    assert.equal(wipe.attributes["mcpx.approval"], "required");
    assert.equal(wipe.attributes["mcpx.error.code"], "APPROVAL_REQUIRED");
    assert.equal(wipe.status.code, 2);
    // Only the call that ran went upstream, in a client span under its tool call.
    const sent = byName("tools/call");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].parentSpanContext?.spanId, say.spanContext().spanId);
    assert.equal(metas.length, 1);
    assert.equal(metas[0]?.traceparent, `00-${TRACE_ID}-${sent[0].spanContext().spanId}-01`);
  } finally {
    await provider.shutdown();
    trace.disable();
  }
});

Deno.test("without a provider nothing is recorded, and the client's traceparent still goes upstream", async () => {
  const metas: (Record<string, unknown> | undefined)[] = [];
  const upstream = inMemoryServer({
    name: "echo",
    tools: [{ name: "say", inputSchema: { type: "object" } }],
    call: (_n, _a, _s, meta) => {
      metas.push(meta);
      return { content: [] };
    },
  });
  await using rt = await Runtime.create({
    servers: [upstream.config],
    connect: upstream.connector,
    workers: 1,
  });
  const code = `import { say } from "./servers/echo/index.ts"; await say({});`;
  await rt.execute(code, { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01` });
  await rt.execute(code);
  assert.equal(metas[0]?.traceparent, `00-${TRACE_ID}-${CLIENT_SPAN}-01`);
  assert.equal(metas[1], undefined);
});

Deno.test("mcpx run exports its spans as OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set", async () => {
  await using tmp = await tempDir("mcpx-otlp-");
  const received: { path: string; type: string | null; body: unknown }[] = [];
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
    async (req) => {
      received.push({
        path: new URL(req.url).pathname,
        type: req.headers.get("content-type"),
        body: await req.json(),
      });
      return Response.json({});
    },
  );
  try {
    const m = memoryServer(join(tmp.path, "memory.jsonl"));
    const config = join(tmp.path, "mcpx.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({ mcpServers: { memory: { command: m.command, args: m.args, env: m.env } } }),
    );
    const program = join(tmp.path, "p.ts");
    await Deno.writeTextFile(
      program,
      `import { readGraph } from "./servers/memory/index.ts";\nexport default (await readGraph({})).entities.length;`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "run", "-c", config, program],
      env: {
        MCPX_DATA_DIR: join(tmp.path, "data"),
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.addr.port}`,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.ok(received.length >= 1, "no export arrived");
    assert.equal(received[0].path, "/v1/traces");
    assert.match(received[0].type ?? "", /json/);
    type Otlp = {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: { name: string; traceId: string; parentSpanId?: string }[] }[];
      }[];
    };
    const rs = received.flatMap((r) => (r.body as Otlp).resourceSpans);
    const service = rs[0].resource.attributes.find((a) => a.key === "service.name");
    assert.equal(service?.value.stringValue, "mcpx");
    const names = rs.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.name)));
    assert.deepEqual(names.sort(), ["mcpx.execute", "mcpx.tool_call", "tools/call"]);
    const ids = new Set(
      rs.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((x) => x.traceId))),
    );
    assert.equal(ids.size, 1);
  } finally {
    ac.abort();
    await server.finished;
  }
});
