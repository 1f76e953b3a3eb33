import assert from "node:assert/strict";
import { ErrorCode, McpError } from "../_sdk.ts";
import { classifyFailure, describeUpstreamError, httpStatusOf } from "./upstream_errors.ts";

class StreamableHTTPError extends Error {
  code: number;
  constructor(code: number, message: string) {
    super(`Streamable HTTP error: ${message}`);
    this.code = code;
  }
}

Deno.test("upstream errors: HTTP statuses are named and sorted", () => {
  const e503 = new StreamableHTTPError(503, "Error POSTing to endpoint: overloaded");
  assert.equal(httpStatusOf(e503), 503);
  assert.equal(
    describeUpstreamError(e503),
    "HTTP 503 (Service Unavailable): Error POSTing to endpoint: overloaded",
  );
  assert.equal(classifyFailure(e503), "transport");
  assert.equal(classifyFailure(new StreamableHTTPError(404, "Session not found")), "session-lost");
  assert.equal(classifyFailure(new StreamableHTTPError(400, "bad")), "answer");
  // JSON-RPC error codes are not HTTP statuses.
  assert.equal(httpStatusOf(new McpError(-32603, "x")), undefined);
});

Deno.test("upstream errors: resets, refusals and DNS failures are named from the cause chain", () => {
  const dns = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (http://x.invalid/mcp): client error (Connect): dns error: failed to lookup address information: Name or service not known",
    ),
  });
  assert.match(describeUpstreamError(dns), /^DNS lookup failed \(fetch failed: error sending/);
  assert.equal(classifyFailure(dns), "transport");
  const reset = new TypeError("fetch failed", {
    cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
  });
  assert.match(describeUpstreamError(reset), /^the connection was reset/);
  const refused = new TypeError("fetch failed", {
    cause: new Error("tcp connect error: Connection refused (os error 111)"),
  });
  assert.match(describeUpstreamError(refused), /^the connection was refused/);
  assert.equal(classifyFailure(new McpError(ErrorCode.RequestTimeout, "t")), "timeout");
  assert.equal(classifyFailure(new McpError(ErrorCode.ConnectionClosed, "c")), "transport");
  assert.equal(classifyFailure(new McpError(ErrorCode.InvalidParams, "p")), "answer");
});
