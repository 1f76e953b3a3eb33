/**
 * Validating tool arguments against the tool's `inputSchema` with
 * `@cfworker/json-schema`, with short messages such as `/a: expected number, got string`.
 *
 * @module
 */

import { type OutputUnit, type Schema, type SchemaDraft, Validator } from "@cfworker/json-schema";

/** A tool as far as argument validation is concerned. */
export interface SchemaHolder {
  /** The tool's JSON Schema for its arguments. */
  inputSchema: object;
}

/** Options of {@link ArgValidator}. */
export interface ArgValidatorOptions {
  /** Most error messages reported per call (default 3). */
  maxErrors?: number;
}

// Keywords whose errors only say that a nested schema failed: the nested error says more.
const WRAPPERS = new Set([
  "properties",
  "patternProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "$ref",
  "$dynamicRef",
  "$recursiveRef",
  "allOf",
  "dependentSchemas",
  "unevaluatedItems",
  "contains",
  "then",
  "else",
  "false",
]);

/**
 * Validates arguments against tool input schemas, compiling each schema once.
 * The draft comes from the schema's `$schema` (2020-12 when absent, as MCP
 * specifies). A schema the validator cannot compile is not enforced.
 *
 * @example
 * ```ts
 * const v = new ArgValidator();
 * const tool = { inputSchema: { type: "object", properties: { a: { type: "number" } } } };
 * v.validate(tool, { a: "1" }); // ["/a: expected number, got string"]
 * ```
 */
export class ArgValidator {
  readonly #max: number;
  readonly #fast = new WeakMap<object, Validator | null>();
  readonly #full = new WeakMap<object, Validator>();

  constructor(opts: ArgValidatorOptions = {}) {
    this.#max = opts.maxErrors ?? 3;
  }

  /** Error messages for `args`; empty when they are valid. */
  validate(tool: SchemaHolder, args: unknown): string[] {
    const schema = tool.inputSchema;
    let fast = this.#fast.get(schema);
    if (fast === undefined) {
      try {
        fast = new Validator(schema as Schema, draftOf(schema), true);
        fast.validate({}); // compile-time problems surface on first use
      } catch {
        fast = null;
      }
      this.#fast.set(schema, fast);
    }
    if (fast === null) return [];
    try {
      if (fast.validate(args).valid) return [];
    } catch {
      return [];
    }
    let full = this.#full.get(schema);
    if (full === undefined) {
      full = new Validator(schema as Schema, draftOf(schema), false);
      this.#full.set(schema, full);
    }
    return describe(full.validate(args).errors, this.#max);
  }
}

function draftOf(schema: object): SchemaDraft {
  const uri = (schema as { $schema?: unknown }).$schema;
  if (typeof uri !== "string") return "2020-12";
  if (uri.includes("2019-09")) return "2019-09";
  if (uri.includes("draft-07")) return "7";
  if (uri.includes("draft-04")) return "4";
  return "2020-12";
}

function describe(errors: readonly OutputUnit[], max: number): string[] {
  const leaves = errors.filter((e) => !WRAPPERS.has(e.keyword));
  const chosen = leaves.length > 0 ? leaves : errors.slice(0, 1);
  const messages = [...new Set(chosen.map(message))];
  if (messages.length > max) {
    return [...messages.slice(0, max), `and ${messages.length - max} more`];
  }
  return messages;
}

function message(e: OutputUnit): string {
  const at = e.instanceLocation.replace(/^#/, "");
  const prefix = at === "" ? "" : `${at}: `;
  const text = e.error.replace(/\.$/, "");
  switch (e.keyword) {
    case "type": {
      const m = /^Instance type "(.*)" is invalid\. Expected (.*)$/.exec(text);
      if (m) return `${prefix}expected ${m[2].replaceAll('"', "")}, got ${m[1]}`;
      break;
    }
    case "required": {
      const m = /required property "(.*)"$/.exec(text);
      if (m) return `${prefix}missing required property "${m[1]}"`;
      break;
    }
    case "additionalProperties": {
      const m = /^Property "(.*)" does not match/.exec(text);
      if (m) return `${prefix}unexpected property "${m[1]}"`;
      break;
    }
    case "enum": {
      const m = /^Instance does not match any of (.*)$/.exec(text);
      if (m) return `${prefix}expected one of ${m[1]}`;
      break;
    }
  }
  return `${prefix}${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}
