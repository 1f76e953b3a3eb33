/**
 * The question a human answers before a tool call runs: an elicitation form
 * naming the server, the tool, its arguments and the program line, with an
 * "approve all calls to this tool for this session" option.
 *
 * @module
 */
import type { ElicitAnswer, ElicitForm } from "../routing/execution_context.ts";
import { redact } from "./redact.ts";

/**
 * What an approval is asked about.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const request: ApprovalRequest = {
 *   server: "memory",
 *   tool: "delete_entities",
 *   args: { entityNames: ["a"] },
 *   reason: "destructiveHint",
 * };
 * assert.match(approvalForm(request).message, /memory/);
 * ```
 */
export interface ApprovalRequest {
  /** Server name. */
  server: string;
  /** Tool name as the server spells it. */
  tool: string;
  /** The arguments as the server will receive them. */
  args: Record<string, unknown>;
  /** The program line that made the call. */
  line?: number;
  /** Why approval is needed (`destructiveHint`, `rule "fs/*"`). */
  reason: string;
  /** The tool's title or first line of its description. */
  about?: string;
}

/** The user's decision. */
export type ApprovalAnswer = "once" | "session" | "declined" | "cancelled";

/** Name of the form's "approve all for this session" field. */
export const APPROVE_ALL_FIELD = "approveAllForSession";

/**
 * A readable one-line-per-argument summary, secrets redacted, long values cut.
 *
 * @example
 * ```ts
 * import { summarizeArgs } from "./approval_form.ts";
 * summarizeArgs({ entityNames: ["a", "b"] }); // 'entityNames: ["a","b"]'
 * ```
 */
export function summarizeArgs(args: Record<string, unknown>, maxChars = 1_500): string {
  const clean = redact(args) as Record<string, unknown>;
  const lines: string[] = [];
  for (const [k, v] of Object.entries(clean)) {
    let text = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
    if (text.length > 200) text = `${text.slice(0, 199)}… (${text.length} characters)`;
    // Keys come from the program: quoted unless plain, so they cannot fake lines of the form.
    const key = /^[\w$.-]{1,64}$/.test(k) ? k : JSON.stringify(k.slice(0, 64));
    lines.push(`${key}: ${text}`);
  }
  if (lines.length === 0) return "(no arguments)";
  let out = lines.join("\n");
  if (out.length > maxChars) out = `${out.slice(0, maxChars - 1)}…`;
  return out;
}

/**
 * The elicitation form of one approval.
 *
 * @example
 * ```ts
 * import { approvalForm } from "./approval_form.ts";
 * const form = approvalForm({
 *   server: "memory", tool: "delete_entities", args: { entityNames: ["x"] }, line: 3,
 *   reason: "destructiveHint",
 * });
 * form.message.startsWith('Allow "memory/delete_entities"?'); // true
 * ```
 */
export function approvalForm(req: ApprovalRequest): ElicitForm {
  const lines = [
    `Allow "${req.server}/${req.tool}"?`,
    `Server: ${req.server}`,
    `Tool: ${req.tool}${req.about ? ` (${req.about})` : ""}`,
    `Why asked: ${req.reason}`,
    req.line === undefined
      ? "Called from: the program"
      : `Called from: line ${req.line} of the program`,
    "Arguments:",
    summarizeArgs(req.args).split("\n").map((l) => `  ${l}`).join("\n"),
  ];
  return {
    message: lines.join("\n"),
    requestedSchema: {
      type: "object",
      properties: {
        [APPROVE_ALL_FIELD]: {
          type: "boolean",
          title: `Approve all calls to ${req.server}/${req.tool} for this session`,
          default: false,
        },
      },
    },
  };
}

/** The decision an elicitation answer carries. */
export function readAnswer(answer: ElicitAnswer | undefined): ApprovalAnswer {
  if (answer?.action === "accept") {
    return answer.content?.[APPROVE_ALL_FIELD] === true ? "session" : "once";
  }
  return answer?.action === "decline" ? "declined" : "cancelled";
}
