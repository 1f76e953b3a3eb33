/**
 * What went wrong between mcpx and an upstream server, in words a user can act
 * on: HTTP status codes, connection resets and refusals, DNS failures and
 * protocol errors, and which of them call for a fresh connection.
 *
 * @module
 */
import { ErrorCode, McpError } from "../_sdk.ts";

/** How a failed upstream request should be handled. */
export type FailureKind =
  /** HTTP 404 for a known session: the server forgot it (it restarted). Reconnect and retry. */
  | "session-lost"
  /** The transport broke (reset, refused, DNS, closed): recycle the connection. */
  | "transport"
  /** The request timed out: maybe wedged, check liveness. */
  | "timeout"
  /** The server answered with an error: the connection is fine. */
  | "answer";

/** The HTTP status of a Streamable HTTP or SSE transport error, if it is one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error) || error instanceof McpError) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "number" && code >= 100 && code < 600 && /HTTP|SSE/i.test(error.message)) {
    return code;
  }
  return undefined;
}

/** Sorts a failed request into a {@link FailureKind}. */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) return "timeout";
    if (error.code === ErrorCode.ConnectionClosed) return "transport";
    return "answer";
  }
  const status = httpStatusOf(error);
  if (status === 404) return "session-lost";
  if (status !== undefined) return status >= 500 ? "transport" : "answer";
  if (networkProblem(error) !== undefined) return "transport";
  return "answer";
}

const NETWORK: [RegExp, string][] = [
  [/ECONNRESET|connection reset|reset by peer/i, "the connection was reset"],
  [/ECONNREFUSED|connection refused/i, "the connection was refused"],
  [
    /ENOTFOUND|EAI_AGAIN|dns error|failed to lookup address|name or service not known|nodename nor servname/i,
    "DNS lookup failed",
  ],
  [/ETIMEDOUT|timed out/i, "the connection timed out"],
  [/EPIPE|broken pipe/i, "the connection broke (broken pipe)"],
  [
    /connection closed before message completed|unexpected end of file|incomplete message|socket hang up|other side closed|connection error/i,
    "the connection was closed in the middle of the reply",
  ],
  [/certificate|tls|ssl/i, "the TLS handshake failed"],
];

function chainText(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      parts.push(e.message, String((e as { code?: unknown }).code ?? ""));
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(" | ");
}

/** "the connection was reset", "DNS lookup failed", … when `error` is a network failure. */
export function networkProblem(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const text = chainText(error);
  for (const [re, what] of NETWORK) if (re.test(text)) return what;
  if (error instanceof TypeError && /fetch|network|request/i.test(error.message)) {
    return "the request failed on the network";
  }
  return undefined;
}

/**
 * Describes an upstream failure for a message: `HTTP 503 (Service
 * Unavailable): …`, `the connection was reset (…)`, or the error's message.
 */
export function describeUpstreamError(error: unknown): string {
  const status = httpStatusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status !== undefined) {
    const detail = message.replace(/^(Streamable HTTP|SSE) error: /, "").trim();
    const reason = STATUS_TEXT[status];
    return `HTTP ${status}${reason ? ` (${reason})` : ""}${detail ? `: ${detail}` : ""}`;
  }
  const net = networkProblem(error);
  if (net !== undefined) {
    const detail = chainText(error).split(" | ").filter((p) => p !== "").slice(0, 3).join(": ");
    return `${net} (${detail})`;
  }
  return message;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};
