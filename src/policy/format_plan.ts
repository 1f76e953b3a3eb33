/**
 * The plan of a dry run as text, for the model (`execute_code`) and the
 * terminal (`mcpx run --dry-run`).
 *
 * @module
 */
import type { Plan } from "./approval_gate.ts";
import { summarizeArgs } from "./approval_form.ts";

/**
 * The plan's calls, their arguments and lines, and how to run it approved.
 *
 * @param howToRun What to do with the token, such as
 * `run the same code with approvalToken: "<token>"`.
 */
export function formatPlan(plan: Plan, howToRun: (token: string) => string): string {
  if (plan.calls.length === 0) {
    return "Dry run: the program made no calls that need approval; run it without dryRun.";
  }
  const n = plan.calls.length;
  const lines = [`Dry run: ${n} call${n === 1 ? " was" : "s were"} recorded, not made:`];
  plan.calls.forEach((c, i) => {
    const at = c.line === undefined ? "" : ` (line ${c.line})`;
    const what = c.decision === "ask" ? "needs approval" : "denied by the policy: it will fail";
    lines.push(`${i + 1}. ${c.server}/${c.tool}${at}: ${what}`);
    for (const l of summarizeArgs(c.args, 600).split("\n")) lines.push(`     ${l}`);
  });
  if (plan.token !== undefined) {
    lines.push(`Approval token: ${plan.token}`);
    lines.push(howToRun(plan.token));
  }
  return lines.join("\n");
}
