// End-to-end: stateless 2026-07-28 Streamable HTTP against the real
// server-everything, driven by the SDK's v2 client and by raw requests.
// - The workspace handle travels in the `Mcp-Param-Workspace` header too
//   (SEP-2243 `x-mcp-header`), so a load balancer can route on it; a header
//   that disagrees with the body is refused.
// - What the conformance suite checks with diagnostic tools of its reference
//   server (no logs without `logLevel`, no server requests on a response
//   stream, refusal of what the client did not declare), checked with mcpx's
//   own tools.
import assert from "node:assert/strict";
import { V2Client, V2StreamableHTTPClientTransport } from "../src/_sdk_client.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, startHttp } from "./_servers.ts";

const MODERN = "2026-07-28";

/** A raw 2026-07-28 `tools/call` with its standard headers and `extra` ones. */
async function rawCall(
  url: string,
  id: number,
  name: string,
  args: Record<string, unknown>,
  extra: Record<string, string>,
  meta: Record<string, unknown> = {},
): Promise<{ status: number; body: Record<string, unknown>; frames: Record<string, unknown>[] }> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": MODERN,
      "Mcp-Method": "tools/call",
      "Mcp-Name": name,
      ...extra,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: {
        name,
        arguments: args,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": {},
          ...meta,
        },
      },
    }),
  });
  const text = await res.text();
  // A JSON body, or the JSON-RPC messages of an SSE stream, the answer last.
  const frames = text.startsWith("{") ? [JSON.parse(text)] : text.split("\n")
    .filter((l) => l.startsWith("data:") && l.slice(5).trim() !== "")
    .map((l) => JSON.parse(l.slice(5)));
  return { status: res.status, body: frames.at(-1)!, frames };
}

Deno.test({
  name: "serve HTTP, 2026-07-28: the workspace handle travels in Mcp-Param-Workspace",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    await using server = await startHttp(await writeConfig(dir.path, [everythingServer()]));

    // The SDK's v2 client mirrors the declared parameter into the header.
    const sent: Headers[] = [];
    const client = new V2Client({ name: "v2", version: "1.0.0" }, {
      versionNegotiation: { mode: "auto" },
    });
    await client.connect(
      new V2StreamableHTTPClientTransport(new URL(server.url), {
        fetch: (input: string | URL | Request, init?: RequestInit) => {
          sent.push(new Headers(init?.headers));
          return fetch(input, init);
        },
      }),
    );
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
      const tools = await client.listTools();
      const schema = tools.tools.find((t) => t.name === "execute_code")!.inputSchema;
      assert.deepEqual(schema.properties!.workspace, {
        type: "string",
        "x-mcp-header": "Workspace",
      });
      const text = (r: unknown) =>
        (r as { content: { type: string; text: string }[] }).content.map((c) => c.text).join("\n");
      const first = await client.callTool({
        name: "execute_code",
        arguments: {
          code: `import { writeFile } from "./workspace.ts";
await writeFile("n.txt", "kept"); export default 1;`,
        },
      }, { timeout: 60_000 });
      const handle = /workspace: (ws-[\w-]+)/.exec(text(first))?.[1];
      assert.ok(handle, text(first));
      const again = await client.callTool({
        name: "execute_code",
        arguments: {
          code:
            `import { readFile } from "./workspace.ts"; export default await readFile("n.txt");`,
          workspace: handle,
        },
      }, { timeout: 60_000 });
      assert.match(text(again), /^kept/, text(again));
      assert.ok(
        sent.some((h) => h.get("mcp-param-workspace") === handle),
        "the v2 client sent Mcp-Param-Workspace",
      );
    } finally {
      await client.close();
    }

    // A 2025-era session has no workspace handles: no header declared.
    const legacy = new V2Client({ name: "v2-legacy", version: "1.0.0" });
    await legacy.connect(new V2StreamableHTTPClientTransport(new URL(server.url)));
    try {
      assert.notEqual(legacy.getNegotiatedProtocolVersion(), MODERN);
      const listed = await legacy.listTools();
      const schema = listed.tools.find((t) => t.name === "execute_code")!.inputSchema;
      assert.deepEqual(schema.properties!.workspace, { type: "string" });
    } finally {
      await legacy.close();
    }

    // Raw requests: the header must agree with the body.
    const args = { path: "workspace", workspace: "ws-nope" };
    const missing = await rawCall(server.url, 7, "list_files", args, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.id, 7);
    const missingError = missing.body.error as { code: number; message: string };
    assert.equal(missingError.code, -32020);
    assert.match(missingError.message, /Header "Mcp-Param-Workspace" is missing/);

    const wrong = await rawCall(server.url, 8, "read_file", { ...args, path: "x" }, {
      "Mcp-Param-Workspace": "ws-other",
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.id, 8);
    assert.match(
      (wrong.body.error as { message: string }).message,
      /does not match argument "workspace": "ws-other" in the header, "ws-nope" in the body/,
    );

    const badBase64 = await rawCall(server.url, 9, "list_files", args, {
      "Mcp-Param-Workspace": "=?base64?d3Mtbm9wZQ?=",
    });
    assert.equal(badBase64.status, 400);
    assert.equal((badBase64.body.error as { code: number }).code, -32020);

    // Agreeing headers, literal or Base64, reach the tool.
    for (const header of ["ws-nope", `=?base64?${btoa("ws-nope")}?=`]) {
      const ok = await rawCall(server.url, 10, "list_files", args, {
        "Mcp-Param-Workspace": header,
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const result = ok.body.result as { isError: boolean; content: { text: string }[] };
      assert.equal(result.isError, true);
      assert.match(result.content[0].text, /Unknown workspace "ws-nope"/);
    }
    // Without the parameter in the body, no header is needed.
    const plain = await rawCall(server.url, 11, "list_files", { path: "servers" }, {});
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
  },
});

Deno.test({
  name: "serve HTTP, 2026-07-28: logs only on request, input as InputRequiredResult, refusals",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    await using server = await startHttp(await writeConfig(dir.path, [everythingServer()]));
    const exec = (id: number, code: string, meta: Record<string, unknown> = {}) =>
      rawCall(server.url, id, "execute_code", { code }, {}, meta);
    const logs = (r: { frames: Record<string, unknown>[] }) =>
      r.frames.filter((f) => f.method === "notifications/message");
    // server-everything logs every 5 seconds once toggled on.
    const LOGGING = `import { toggleSimulatedLogging, triggerLongRunningOperation }
  from "./servers/everything/index.ts";
await toggleSimulatedLogging({});
await triggerLongRunningOperation({ duration: 6, steps: 2 });
await toggleSimulatedLogging({});
export default "done";`;

    // Without _meta's logLevel, no notifications/message reach the client…
    const quiet = await exec(1, LOGGING);
    assert.equal(quiet.status, 200);
    assert.equal((quiet.body.result as { isError?: boolean }).isError, undefined);
    assert.deepEqual(logs(quiet), []);
    // …with it they do, named after the upstream server.
    const loud = await exec(2, LOGGING, { "io.modelcontextprotocol/logLevel": "debug" });
    assert.ok(logs(loud).length > 0, JSON.stringify(loud.frames).slice(0, 500));
    assert.ok(
      logs(loud).every((f) => (f.params as { logger?: string }).logger === "everything"),
    );

    // An upstream's elicitation comes back as an InputRequiredResult: no
    // server-to-client request on the response stream.
    const ELICIT = `import { triggerElicitationRequest } from "./servers/everything/index.ts";
export default await triggerElicitationRequest({});`;
    const asked = await exec(3, ELICIT, {
      "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
    });
    assert.equal(asked.status, 200);
    const result = asked.body.result as { resultType?: string; inputRequests?: object };
    assert.equal(result.resultType, "input_required", JSON.stringify(asked.body).slice(0, 300));
    assert.ok(result.inputRequests);
    assert.deepEqual(
      asked.frames.filter((f) => typeof f.method === "string" && f.id !== undefined),
      [],
    );

    // A client that did not declare elicitation: the upstream gets a clear
    // refusal, and the program sees it as the tool's error.
    const refused = await exec(4, ELICIT);
    const r = refused.body.result as { isError?: boolean; content: { text: string }[] };
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /does not support "elicitation\/create"/);
  },
});
