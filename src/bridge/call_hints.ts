/**
 * What a failed call's message adds so that the program can be fixed from
 * it: the tool's signature as the generated module declares it, and "did you
 * mean" for argument names that are close to a declared one.
 *
 * @module
 */

import type { Tool } from "../_sdk.ts";
import { toCamelIdentifier } from "../codegen/identifiers.ts";
import { schemaToTypeScript } from "../codegen/json_schema_to_ts.ts";
import { closest } from "./_suggest.ts";

const MAX_SIGNATURE = 400;
const signatures = new WeakMap<Tool, string>();

/**
 * The tool's call signature on one line, such as
 * `getSum(args: { a: number; b: number })`, cut at 400 characters.
 *
 * @example
 * ```ts
 * import { callSignature } from "./call_hints.ts";
 * callSignature({
 *   name: "get-sum",
 *   inputSchema: { type: "object", properties: { a: { type: "number" } }, required: ["a"] },
 * }); // "getSum(args: { a: number })"
 * ```
 */
export function callSignature(tool: Tool): string {
  const known = signatures.get(tool);
  if (known !== undefined) return known;
  const fn = toCamelIdentifier(tool.name);
  let type = "object";
  let optional = false;
  try {
    const { code, acceptsEmptyObject } = schemaToTypeScript(tool.inputSchema, "Args", {
      description: false,
    });
    optional = acceptsEmptyObject;
    const root = code.split("\n\n")[0].trim();
    type = root.startsWith("export interface Args {")
      ? `{ ${
        root.slice("export interface Args {".length, root.lastIndexOf("}")).trim()
          .replace(/;\s*$/, "").replace(/;\s+/g, "; ").replace(/\s+/g, " ")
      } }`
      : root.replace(/^export type Args = /, "").replace(/;$/, "").replace(/\s+/g, " ");
  } catch { /* a schema that cannot be expressed: keep "object" */ }
  let line = `${fn}(args${optional ? "?" : ""}: ${type})`;
  if (line.length > MAX_SIGNATURE) line = `${line.slice(0, MAX_SIGNATURE - 2)}…)`;
  signatures.set(tool, line);
  return line;
}

/**
 * Hints about argument names: a name the schema does not declare that is
 * close to one it does (`Unknown argument "mesage": did you mean "message"?`),
 * and required arguments that are missing.
 *
 * @example
 * ```ts
 * import { argumentHints } from "./call_hints.ts";
 * argumentHints(
 *   { name: "echo", inputSchema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] } },
 *   { mesage: "hi" },
 * ); // ['Unknown argument "mesage": did you mean "message"?']
 * ```
 */
export function argumentHints(tool: Tool, args: Record<string, unknown>): string[] {
  const schema = tool.inputSchema as { properties?: unknown; required?: unknown };
  const props = typeof schema?.properties === "object" && schema.properties !== null
    ? Object.keys(schema.properties)
    : [];
  if (props.length === 0) return [];
  const declared = new Set(props);
  const hints: string[] = [];
  for (const key of Object.keys(args)) {
    if (declared.has(key)) continue;
    const guess = closest(key, props.filter((p) => !(p in args)));
    if (guess !== undefined) hints.push(`Unknown argument "${key}": did you mean "${guess}"?`);
  }
  return hints;
}

/**
 * The tail of a message about a call that went wrong: the hints, and how to
 * call the tool.
 */
export function callAdvice(tool: Tool, args: Record<string, unknown> | undefined): string {
  const hints = args === undefined ? [] : argumentHints(tool, args);
  const fix = hints.length > 0 ? ` ${hints.join(" ")}` : "";
  return `${fix} Call it as ${callSignature(tool)}.`;
}
