/**
 * What happens when guest code calls an upstream tool: `allow` (the call goes
 * through), `ask` (a human approves it first) or `deny` (it never runs).
 * Rules by `server/tool` pattern win over the defaults the tool's annotations
 * give.
 *
 * @module
 */

/**
 * The decision for one tool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const decision: PolicyDecision = new ToolPolicy({ "fs/write_*": "ask" }).decide("fs", "write_file", undefined).decision;
 * assert.equal(decision, "ask");
 * ```
 */
export type PolicyDecision = "allow" | "ask" | "deny";

/**
 * Rules by pattern (`"github/delete_*"`, `"memory"`, `"*"`); later rules win over earlier ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const rules: PolicyRules = { "*": "allow", "memory/delete_*": "deny" };
 * assert.equal(new ToolPolicy(rules).decide("memory", "delete_entities", undefined).decision, "deny");
 * ```
 */
export type PolicyRules = Readonly<Record<string, PolicyDecision>>;

/**
 * The MCP tool annotations the defaults read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const hints: ToolHints = { readOnlyHint: true };
 * assert.equal(defaultDecision(hints).decision, "allow");
 * ```
 */
export interface ToolHints {
  /** The tool does not change its environment. */
  readOnlyHint?: boolean;
  /** The tool may make destructive changes. */
  destructiveHint?: boolean;
  /** Calling again with the same arguments has no further effect. */
  idempotentHint?: boolean;
  /** The tool reaches outside entities. */
  openWorldHint?: boolean;
}

/**
 * A decision and what made it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const verdict: PolicyVerdict = new ToolPolicy({ "memory/*": "allow" }).decide("memory", "read_graph", undefined);
 * assert.deepEqual(verdict, { decision: "allow", reason: 'rule "memory/*"' });
 * ```
 */
export interface PolicyVerdict {
  /** Allow, ask or deny. */
  decision: PolicyDecision;
  /** `rule "memory/*"`, `readOnlyHint`, `destructiveHint`, `no annotations`… */
  reason: string;
}

/** The three decisions, for validating input. */
export const POLICY_DECISIONS: readonly PolicyDecision[] = ["allow", "ask", "deny"];

/**
 * The default for a tool from its annotations:
 * - `readOnlyHint: true` → `allow`;
 * - `destructiveHint: true` → `ask`;
 * - `readOnlyHint: false` without `destructiveHint: false` → `ask` (the MCP
 *   default of `destructiveHint` is true for a tool that is not read-only);
 * - no annotations, or a non-destructive write → `allow`;
 * - `openWorldHint` does not change the decision.
 *
 * @example
 * ```ts
 * import { defaultDecision } from "./tool_policy.ts";
 * defaultDecision({ readOnlyHint: false, destructiveHint: true }).decision; // "ask"
 * ```
 */
export function defaultDecision(hints: ToolHints | undefined): PolicyVerdict {
  if (hints === undefined || hints === null) return { decision: "allow", reason: "no annotations" };
  if (hints.readOnlyHint === true) return { decision: "allow", reason: "readOnlyHint" };
  if (hints.destructiveHint === true) return { decision: "ask", reason: "destructiveHint" };
  if (hints.readOnlyHint === false && hints.destructiveHint !== false) {
    return { decision: "ask", reason: "readOnlyHint: false (destructive by default)" };
  }
  return { decision: "allow", reason: "not destructive" };
}

/**
 * Compiled policy rules over annotation defaults.
 *
 * @example
 * ```ts
 * import { ToolPolicy } from "./tool_policy.ts";
 * const policy = new ToolPolicy({ "memory": "allow", "github/delete_*": "ask" });
 * policy.decide("memory", "delete_entities", { destructiveHint: true }).decision; // "allow"
 * policy.decide("fs", "write_file", { destructiveHint: true }).decision; // "ask"
 * ```
 */
export class ToolPolicy {
  readonly #rules: { pattern: string; re: RegExp; decision: PolicyDecision }[];

  /**
   * A policy over `rules`.
   *
   * @param rules Patterns to decisions; with several matching, the last one wins.
   * @throws {TypeError} for an empty pattern or an unknown decision.
   */
  constructor(rules: PolicyRules = {}) {
    this.#rules = Object.entries(rules).map(([pattern, decision]) => {
      if (!POLICY_DECISIONS.includes(decision)) {
        throw new TypeError(
          `Invalid policy "${decision}" for "${pattern}": use "allow", "ask" or "deny"`,
        );
      }
      return { pattern, re: compilePattern(pattern), decision };
    });
  }

  /** Whether any rule was given. */
  get hasRules(): boolean {
    return this.#rules.length > 0;
  }

  /** The decision for `server/tool` with the tool's annotations. */
  decide(server: string, tool: string, hints: ToolHints | undefined): PolicyVerdict {
    const key = `${server}/${tool}`;
    for (let i = this.#rules.length - 1; i >= 0; i--) {
      const r = this.#rules[i];
      if (r.re.test(key)) return { decision: r.decision, reason: `rule "${r.pattern}"` };
    }
    return defaultDecision(hints);
  }
}

/**
 * Parses `PATTERN=allow|ask|deny` (the `--policy` flag) into a rule.
 *
 * @throws {TypeError} naming the offending text.
 */
export function parsePolicyFlag(text: string): [string, PolicyDecision] {
  const eq = text.lastIndexOf("=");
  const pattern = eq < 0 ? "" : text.slice(0, eq).trim();
  const decision = eq < 0 ? "" : text.slice(eq + 1).trim();
  if (pattern === "" || !POLICY_DECISIONS.includes(decision as PolicyDecision)) {
    throw new TypeError(
      `Invalid policy "${text}": expected PATTERN=allow|ask|deny, such as "memory/delete_*=ask"`,
    );
  }
  return [pattern, decision as PolicyDecision];
}

/** `server/tool` glob → anchored regular expression; a bare server means all its tools. */
function compilePattern(pattern: string): RegExp {
  if (pattern === "") throw new TypeError('Invalid policy pattern "": expected "server/tool"');
  const full = pattern === "*" ? "*/*" : pattern.includes("/") ? pattern : `${pattern}/*`;
  return new RegExp(
    `^${full.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`,
    "s",
  );
}
