import assert from "node:assert/strict";
import {
  checkParamHeaders,
  decodeParamHeader,
  paramHeadersOf,
  refuseParamHeaders,
} from "./param_headers.ts";
import { MCPX_TOOLS, mcpxTools } from "./tool_definitions.ts";

const DECLARED = [{ param: "workspace", header: "Workspace" }];

Deno.test("decodeParamHeader: Base64 sentinel, literal values, refusals", () => {
  assert.equal(decodeParamHeader(`=?base64?${btoa("Hello")}?=`), "Hello");
  const utf8 = btoa(String.fromCharCode(...new TextEncoder().encode("café")));
  assert.equal(decodeParamHeader(`=?base64?${utf8}?=`), "café");
  assert.equal(decodeParamHeader("SGVsbG8="), "SGVsbG8="); // no sentinel: literal
  assert.equal(decodeParamHeader("=?base64?SGVsbG8="), "=?base64?SGVsbG8="); // no end: literal
  assert.equal(decodeParamHeader("=?base64?SGVsbG8?="), undefined); // bad padding
  assert.equal(decodeParamHeader("=?base64?SGVs!!!bG8=?="), undefined); // not Base64
  assert.equal(decodeParamHeader(`=?base64?${btoa("\xff")}?=`), undefined); // not UTF-8
});

Deno.test("checkParamHeaders: present, equal once decoded, ignored when absent", () => {
  const h = (v?: string) => new Headers(v === undefined ? {} : { "Mcp-Param-Workspace": v });
  assert.equal(checkParamHeaders(DECLARED, { workspace: "ws-1" }, h("ws-1")), undefined);
  assert.equal(checkParamHeaders(DECLARED, { workspace: "ws-1" }, h(" ws-1 ")), undefined);
  assert.equal(
    checkParamHeaders(DECLARED, { workspace: "ws-1" }, h(`=?base64?${btoa("ws-1")}?=`)),
    undefined,
  );
  assert.equal(checkParamHeaders(DECLARED, {}, h("anything")), undefined);
  assert.equal(checkParamHeaders(DECLARED, { workspace: null }, h()), undefined);
  assert.match(
    checkParamHeaders(DECLARED, { workspace: "ws-1" }, h())!.message,
    /Header "Mcp-Param-Workspace" is missing: the body carries "workspace"/,
  );
  assert.match(
    checkParamHeaders(DECLARED, { workspace: "ws-1" }, h("ws-2"))!.message,
    /"ws-2" in the header, "ws-1" in the body/,
  );
  assert.match(
    checkParamHeaders(DECLARED, { workspace: "ws-1" }, h("=?base64?x?="))!.message,
    /is not valid/,
  );
});

Deno.test("over stateless HTTP, the tools that take a workspace declare Mcp-Param-Workspace", () => {
  const stateless = mcpxTools(undefined, { paramHeaders: true });
  const by = new Map(stateless.map((t) => [t.name, paramHeadersOf(t)]));
  for (const n of ["list_files", "read_file", "execute_code"]) {
    assert.deepEqual(by.get(n), DECLARED);
  }
  for (const n of ["search_tools", "save_skill"]) assert.deepEqual(by.get(n), []);
  assert.deepEqual(stateless.map((t) => t.name), MCPX_TOOLS.map((t) => t.name));
  // Elsewhere the declaration would only cost tokens.
  for (const t of [...MCPX_TOOLS, ...mcpxTools(undefined)]) assert.deepEqual(paramHeadersOf(t), []);
});

Deno.test("refuseParamHeaders: only a modern tools/call whose standard headers agree", () => {
  const declared = new Map([["list_files", DECLARED]]);
  const body = (name = "list_files", version = "2026-07-28") => ({
    jsonrpc: "2.0",
    id: 3,
    method: "tools/call",
    params: {
      name,
      arguments: { workspace: "ws-1" },
      _meta: { "io.modelcontextprotocol/protocolVersion": version },
    },
  });
  const std = {
    "MCP-Protocol-Version": "2026-07-28",
    "Mcp-Method": "tools/call",
    "Mcp-Name": "list_files",
  };
  const refused = refuseParamHeaders(new Headers(std), body(), declared);
  assert.equal(refused?.id, 3);
  assert.equal(refused?.header, "Mcp-Param-Workspace");
  // Left to the SDK, which answers the standard headers first.
  assert.equal(
    refuseParamHeaders(new Headers({ ...std, "Mcp-Name": "other" }), body(), declared),
    undefined,
  );
  assert.equal(
    refuseParamHeaders(new Headers({ ...std, "Mcp-Method": "tools/list" }), body(), declared),
    undefined,
  );
  assert.equal(refuseParamHeaders(new Headers(std), body("list_files", "v9"), declared), undefined);
  // Tools without declared headers, batches and notifications pass.
  assert.equal(
    refuseParamHeaders(new Headers({ ...std, "Mcp-Name": "x" }), body("x"), declared),
    undefined,
  );
  assert.equal(refuseParamHeaders(new Headers(std), [body()], declared), undefined);
  assert.equal(
    refuseParamHeaders(new Headers(std), { ...body(), id: undefined }, declared),
    undefined,
  );
});
