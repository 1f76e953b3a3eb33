/**
 * `Mcp-Param-*` headers (2026-07-28 Streamable HTTP): a tool parameter whose
 * schema carries `"x-mcp-header": "<Name>"` is mirrored by clients into an
 * `Mcp-Param-<Name>` header, so that load balancers and gateways can route on
 * it without reading the body. mcpx declares one, `Mcp-Param-Workspace`: a
 * stateless workspace handle lives in the memory of the instance that made
 * it, so a balancer in front of several instances routes on that header.
 *
 * The server must check that the header agrees with the body: present when
 * the body carries the value, equal to it once decoded (`=?base64?…?=` is
 * canonical Base64 of UTF-8; any other value is literal). A disagreement is
 * answered with HTTP 400 and JSON-RPC error `-32020` (`HeaderMismatch`) before
 * the call runs.
 *
 * @module
 */
import type { Tool } from "../_sdk.ts";

/** The JSON Schema key that declares a parameter's header. */
export const X_MCP_HEADER = "x-mcp-header";

/** JSON-RPC error code of a header that disagrees with the body. */
export const HEADER_MISMATCH = -32020;

/** One declared header of a tool: `Mcp-Param-<header>` mirrors `arguments[param]`. */
export interface ParamHeader {
  /** The argument's name. */
  param: string;
  /** The header's name without its `Mcp-Param-` prefix. */
  header: string;
}

/** Why a request's `Mcp-Param-*` headers are refused. */
export interface ParamHeaderRejection {
  /** The full header name (`Mcp-Param-Workspace`). */
  header: string;
  /** What is wrong, naming the header and the argument. */
  message: string;
}

/**
 * The headers a tool declares, from the top-level properties of its input
 * schema (mcpx declares no nested ones).
 *
 * @example
 * ```ts
 * import { paramHeadersOf } from "./param_headers.ts";
 * paramHeadersOf({
 *   name: "t",
 *   inputSchema: { type: "object", properties: { w: { type: "string", "x-mcp-header": "W" } } },
 * }); // [{ param: "w", header: "W" }]
 * ```
 */
export function paramHeadersOf(tool: Pick<Tool, "name" | "inputSchema">): ParamHeader[] {
  const out: ParamHeader[] = [];
  for (const [param, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
    const header = (schema as Record<string, unknown>)[X_MCP_HEADER];
    if (typeof header === "string") out.push({ param, header });
  }
  return out;
}

const SENTINEL_START = "=?base64?";
const SENTINEL_END = "?=";
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The value a header carries: the decoded payload of `=?base64?…?=`, or the
 * header itself. `undefined` when the sentinel wraps something that is not
 * canonical Base64 of UTF-8.
 *
 * @example
 * ```ts
 * import { decodeParamHeader } from "./param_headers.ts";
 * decodeParamHeader("=?base64?SGVsbG8=?="); // "Hello"
 * decodeParamHeader("SGVsbG8="); // "SGVsbG8=" (literal)
 * decodeParamHeader("=?base64?SGVsbG8?="); // undefined (bad padding)
 * ```
 */
export function decodeParamHeader(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_START) && value.endsWith(SENTINEL_END))) return value;
  const b64 = value.slice(SENTINEL_START.length, value.length - SENTINEL_END.length);
  if (!CANONICAL_BASE64.test(b64)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** A primitive argument as its header text; `undefined` for anything else. */
function headerText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Checks the `Mcp-Param-*` headers of one `tools/call` against its
 * arguments: each declared parameter present in the body needs its header,
 * equal once decoded. A header whose parameter is absent is ignored.
 *
 * @returns `undefined` when they agree, else what is wrong.
 *
 * @example
 * ```ts
 * import { checkParamHeaders } from "./param_headers.ts";
 * const declared = [{ param: "workspace", header: "Workspace" }];
 * checkParamHeaders(declared, { workspace: "ws-1" }, new Headers({ "Mcp-Param-Workspace": "ws-1" }));
 * // undefined
 * checkParamHeaders(declared, { workspace: "ws-1" }, new Headers())?.header;
 * // "Mcp-Param-Workspace"
 * ```
 */
export function checkParamHeaders(
  declared: readonly ParamHeader[],
  args: unknown,
  headers: Headers,
): ParamHeaderRejection | undefined {
  const body = (args !== null && typeof args === "object" ? args : {}) as Record<string, unknown>;
  for (const { param, header } of declared) {
    const text = headerText(body[param]);
    if (text === undefined) continue;
    const name = `Mcp-Param-${header}`;
    const sent = headers.get(name);
    if (sent === null) {
      return {
        header: name,
        message: `Header "${name}" is missing: the body carries "${param}", which it must mirror`,
      };
    }
    const decoded = decodeParamHeader(sent.trim());
    if (decoded === undefined) {
      return {
        header: name,
        message:
          `Header "${name}" is not valid: "=?base64?…?=" must wrap canonical Base64 of UTF-8`,
      };
    }
    if (decoded !== text) {
      return {
        header: name,
        message: `Header "${name}" does not match argument "${param}": ${
          JSON.stringify(decoded)
        } in the header, ${JSON.stringify(text)} in the body`,
      };
    }
  }
  return undefined;
}

const PROTOCOL_VERSION_META = "io.modelcontextprotocol/protocolVersion";

/**
 * The `Mcp-Param-*` check of one parsed HTTP request body, for the tools in
 * `declared` (tool name → its headers). Only a single 2026-07-28 `tools/call`
 * whose standard headers (`Mcp-Method`, `Mcp-Name`, `MCP-Protocol-Version`)
 * agree with its body is checked: one that fails those is left to the SDK,
 * whose answer to it comes first.
 *
 * @returns the request's id and what is wrong, or `undefined` to go on.
 */
export function refuseParamHeaders(
  headers: Headers,
  body: unknown,
  declared: ReadonlyMap<string, readonly ParamHeader[]>,
): (ParamHeaderRejection & { id: string | number }) | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const msg = body as { id?: unknown; method?: unknown; params?: unknown };
  if (msg.method !== "tools/call") return undefined;
  if (typeof msg.id !== "string" && typeof msg.id !== "number") return undefined;
  const params = (msg.params ?? {}) as {
    name?: unknown;
    arguments?: unknown;
    _meta?: Record<string, unknown>;
  };
  if (typeof params.name !== "string") return undefined;
  const tool = declared.get(params.name);
  if (!tool?.length) return undefined;
  const version = params._meta?.[PROTOCOL_VERSION_META];
  const name = headers.get("mcp-name");
  if (
    typeof version !== "string" ||
    headers.get("mcp-protocol-version")?.trim() !== version ||
    headers.get("mcp-method")?.trim() !== "tools/call" ||
    name === null || decodeParamHeader(name.trim()) !== params.name
  ) return undefined;
  const wrong = checkParamHeaders(tool, params.arguments, headers);
  return wrong && { ...wrong, id: msg.id };
}
