/**
 * Which tools guest code may call: allow and deny rules over `server/tool`
 * names with `*` wildcards.
 *
 * @module
 */

/**
 * Tools that may be called. Either `"*"` (all), a list of patterns such as
 * `"fs/*"`, `"everything/echo"`, `"fs/read_*"` or `"memory"` (a whole server),
 * or an object from server name to `"*"` or a list of tool-name patterns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BridgePolicy } from "@mcpx/cli";
 *
 * // Every tool of `memory`, and the `read_*` tools of `fs`.
 * const allow: AllowSpec = { fs: ["read_*"], memory: "*" };
 * const policy: BridgePolicy = { allow };
 * assert.deepEqual(policy.allow, { fs: ["read_*"], memory: "*" });
 * ```
 */
export type AllowSpec =
  | "*"
  | readonly string[]
  | Readonly<Record<string, "*" | readonly string[]>>;

/**
 * A compiled allowlist. Deny rules win over allow rules; without allow rules
 * every tool is allowed.
 *
 * @example
 * ```ts
 * const list = new Allowlist(["fs/read_*", "memory"], ["memory/delete_*"]);
 * list.allows("fs", "read_text_file"); // true
 * list.allows("fs", "write_file"); // false
 * list.allows("memory", "delete_entities"); // false
 * ```
 */
export class Allowlist {
  readonly #allow: RegExp[] | undefined;
  readonly #deny: RegExp[];
  readonly #decisions = new Map<string, boolean>();

  /**
   * @param allow Allowed tools; `undefined` allows every tool.
   * @param deny Patterns of tools that are refused even when allowed.
   * @throws {TypeError} for an empty pattern.
   */
  constructor(allow?: AllowSpec, deny: readonly string[] = []) {
    this.#allow = allow === undefined ? undefined : compileAllow(allow);
    this.#deny = deny.map(compilePattern);
  }

  /** True when `server/tool` may be called. */
  allows(server: string, tool: string): boolean {
    const key = `${server}/${tool}`;
    let decision = this.#decisions.get(key);
    if (decision === undefined) {
      decision = (this.#allow === undefined || this.#allow.some((re) => re.test(key))) &&
        !this.#deny.some((re) => re.test(key));
      this.#decisions.set(key, decision);
    }
    return decision;
  }
}

function compileAllow(allow: AllowSpec): RegExp[] {
  if (allow === "*") return [/^.*$/s];
  if (Array.isArray(allow)) return allow.map(compilePattern);
  const out: RegExp[] = [];
  for (const [server, tools] of Object.entries(allow as Record<string, "*" | string[]>)) {
    if (tools === "*") out.push(compilePattern(`${server}/*`));
    else for (const tool of tools) out.push(compilePattern(`${server}/${tool}`));
  }
  return out;
}

/** `server/tool` glob → anchored regular expression; a bare server means all its tools. */
function compilePattern(pattern: string): RegExp {
  if (pattern === "") throw new TypeError('Invalid tool pattern "": expected "server/tool"');
  const full = pattern === "*" ? "*/*" : pattern.includes("/") ? pattern : `${pattern}/*`;
  return new RegExp(`^${full.split("*").map(escape).join(".*")}$`, "s");
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
