// End-to-end: over 2026-07-28 Streamable HTTP the workspace handle travels in
// the `Mcp-Param-Workspace` header too (SEP-2243 `x-mcp-header`), so a load
// balancer can route on it; `mcpx serve --http` refuses a header that
// disagrees with the body. Driven by the SDK's v2 client and by raw requests.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { V2Client, V2StreamableHTTPClientTransport } from "../src/_sdk_client.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, freePort } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const MODERN = "2026-07-28";

async function startHttp(cfg: string): Promise<{ url: string } & AsyncDisposable> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "--config", cfg, "--http", String(port)],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`mcpx serve --http exited: ${seen}`);
    seen += value;
  }
  const drained = (async () => {
    try {
      while (!(await reader.read()).done) { /* drain */ }
    } catch { /* closed */ }
  })();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await drained;
    },
  };
}

/** A raw 2026-07-28 `tools/call` with its standard headers and `extra` ones. */
async function rawCall(
  url: string,
  id: number,
  name: string,
  args: Record<string, unknown>,
  extra: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
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
        },
      },
    }),
  });
  const text = await res.text();
  const data = text.startsWith("{")
    ? text
    : text.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).at(-1)!;
  return { status: res.status, body: JSON.parse(data) };
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
