/**
 * Validating tool arguments against the tool's `inputSchema`, with short
 * messages such as `/a: expected number, got string`.
 *
 * The engine is `@hyperjump/json-schema` (drafts 4 to 2020-12; measured at
 * 99.7% of the JSON-Schema-Test-Suite's required tests for 2020-12 and 99.1%
 * for draft-07, see `json_schema_suite_test.ts`). Patterns match in linear
 * time (`linear_pattern.ts`), `format` follows the draft, and `$ref`s never leave
 * the process.
 *
 * @module
 */

import { BASIC, compileSchema, registerSchema, unregisterSchema } from "./_schema_engine.ts";
import { compilePattern } from "../validation/linear_pattern.ts";

/** A tool as far as argument validation is concerned. */
export interface SchemaHolder {
  /** The tool's name, for warnings. */
  name?: string;
  /** The tool's JSON Schema for its arguments. */
  inputSchema: object;
}

/** Options of {@link ArgValidator}. */
export interface ArgValidatorOptions {
  /** Most error messages reported per call (default 3). */
  maxErrors?: number;
  /**
   * Told once per tool and problem when part of a schema cannot be enforced
   * (an invalid schema, a pattern with no linear-time equivalent). Default:
   * `console.warn`.
   */
  onWarning?: (message: string) => void;
}

/** The dialect of each draft, by the part of `$schema` that names it. */
const DIALECTS: readonly [RegExp, string][] = [
  [/draft-04/, "http://json-schema.org/draft-04/schema"],
  [/draft-06/, "http://json-schema.org/draft-06/schema"],
  [/draft-07/, "http://json-schema.org/draft-07/schema"],
  [/2019-09/, "https://json-schema.org/draft/2019-09/schema"],
  [/2020-12/, "https://json-schema.org/draft/2020-12/schema"],
];
const DEFAULT_DIALECT = "https://json-schema.org/draft/2020-12/schema";

type Output = {
  valid: boolean;
  errors?: { keyword: string; absoluteKeywordLocation: string; instanceLocation: string }[];
};
type Check = (value: unknown, format?: typeof BASIC) => Output;

interface Compiled {
  check: Check | undefined;
  schema: object;
  /** The base URIs under which the engine reports locations in `schema`. */
  roots: Set<string>;
}

let nextId = 1;
// The engine keeps a global registry by URI: compile one schema at a time.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Validates arguments against tool input schemas, compiling each schema once.
 * The draft comes from the schema's `$schema` (2020-12 when absent, as MCP
 * specifies). A schema that is not valid JSON Schema is not enforced, with a
 * warning.
 *
 * @example
 * ```ts
 * const v = new ArgValidator();
 * const tool = { inputSchema: { type: "object", properties: { a: { type: "number" } } } };
 * await v.validate(tool, { a: "1" }); // ["/a: expected number, got string"]
 * ```
 */
export class ArgValidator {
  readonly #max: number;
  readonly #warn: (message: string) => void;
  readonly #compiled = new WeakMap<object, Promise<Compiled>>();
  readonly #warned = new Set<string>();

  constructor(opts: ArgValidatorOptions = {}) {
    this.#max = opts.maxErrors ?? 3;
    this.#warn = opts.onWarning ?? ((m) => console.warn(m));
  }

  /**
   * Error messages for `args`; empty when they are valid.
   *
   * @param label How to name the tool in warnings (default its `name`).
   */
  async validate(tool: SchemaHolder, args: unknown, label?: string): Promise<string[]> {
    const schema = tool.inputSchema;
    let compiled = this.#compiled.get(schema);
    if (compiled === undefined) {
      compiled = this.#compile(schema, label ?? tool.name ?? "(unnamed)");
      this.#compiled.set(schema, compiled);
    }
    const { check, schema: root, roots } = await compiled;
    if (check === undefined) return [];
    try {
      if (check(args).valid) return [];
      const output = check(args, BASIC);
      return describe(output.errors ?? [], root, roots, args, this.#max);
    } catch (error) {
      // A failure of the validator itself is neither the caller's fault nor the server's:
      // the arguments go on to the server, which checks them too.
      this.#once(
        label ?? tool.name ?? "(unnamed)",
        `its inputSchema could not be checked: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return [];
    }
  }

  #compile(schema: object, label: string): Promise<Compiled> {
    for (const [pointer, pattern] of patternsOf(schema, "")) {
      if (compilePattern(pattern) === undefined) {
        this.#once(
          label,
          `pattern ${JSON.stringify(pattern)} at ${pointer || "/"} has no linear-time equivalent ` +
            `(lookaround or back-reference): it is not enforced; the rest of the schema is`,
        );
      }
    }
    const run = async (): Promise<Compiled> => {
      const uri = `https://mcpx.invalid/schema/${nextId++}`;
      const roots = new Set([uri]);
      const id = (schema as { $id?: unknown; id?: unknown }).$id ??
        (schema as { id?: unknown }).id;
      if (typeof id === "string") {
        try {
          roots.add(new URL(id, uri).href.replace(/#$/, ""));
        } catch { /* not a URI */ }
      }
      try {
        registerSchema(schema as Parameters<typeof registerSchema>[0], uri, dialectOf(schema));
        try {
          const check = await compileSchema(uri) as unknown as Check;
          return { check, schema, roots };
        } finally {
          unregisterSchema(uri);
        }
      } catch (error) {
        this.#once(
          label,
          `its inputSchema is not usable JSON Schema, arguments are not checked: ${
            error instanceof Error ? error.message.split("\n")[0] : String(error)
          }`,
        );
        return { check: undefined, schema, roots };
      }
    };
    const done = queue.then(run, run);
    queue = done.catch(() => {});
    return done;
  }

  #once(label: string, problem: string): void {
    const key = `${label}\0${problem}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    try {
      this.#warn(`Tool "${label}": ${problem}`);
    } catch { /* a listener's failure is its own */ }
  }
}

function dialectOf(schema: object): string {
  const uri = (schema as { $schema?: unknown }).$schema;
  if (typeof uri !== "string") return DEFAULT_DIALECT;
  for (const [re, dialect] of DIALECTS) if (re.test(uri)) return dialect;
  return DEFAULT_DIALECT;
}

/** Every `pattern` and `patternProperties` key in `node`, with its JSON pointer. */
function* patternsOf(node: unknown, at: string, depth = 0): Generator<[string, string]> {
  if (typeof node !== "object" || node === null || depth > 64) return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* patternsOf(node[i], `${at}/${i}`, depth + 1);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    const here = `${at}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (key === "pattern" && typeof value === "string") yield [here, value];
    if (key === "patternProperties" && typeof value === "object" && value !== null) {
      for (const p of Object.keys(value)) yield [here, p];
    }
    yield* patternsOf(value, here, depth + 1);
  }
}

// Keywords whose failure says only that a nested schema failed, which says more.
const NESTED = new Set(["anyOf", "oneOf", "not", "if", "contains"]);

function describe(
  errors: NonNullable<Output["errors"]>,
  schema: object,
  roots: Set<string>,
  args: unknown,
  max: number,
): string[] {
  const messages: string[] = [];
  const covered: string[] = [];
  for (const e of errors) {
    const keyword = e.keyword.slice(e.keyword.lastIndexOf("/") + 1);
    if (NESTED.has(keyword)) covered.push(`${e.absoluteKeywordLocation}/`);
  }
  for (const e of errors) {
    if (covered.some((c) => e.absoluteKeywordLocation.startsWith(c))) continue;
    messages.push(...messageOf(e, schema, roots, args));
  }
  const unique = [...new Set(messages)];
  if (unique.length > max) return [...unique.slice(0, max), `and ${unique.length - max} more`];
  return unique;
}

function messageOf(
  e: NonNullable<Output["errors"]>[number],
  schema: object,
  roots: Set<string>,
  args: unknown,
): string[] {
  const at = decodeURIComponent(e.instanceLocation.replace(/^#/, ""));
  const prefix = at === "" ? "" : `${at}: `;
  const hash = e.absoluteKeywordLocation.indexOf("#");
  const base = hash < 0 ? e.absoluteKeywordLocation : e.absoluteKeywordLocation.slice(0, hash);
  const pointer = hash < 0 ? "" : decodeURIComponent(e.absoluteKeywordLocation.slice(hash + 1));
  const keyword = pointer.slice(pointer.lastIndexOf("/") + 1) ||
    e.keyword.slice(e.keyword.lastIndexOf("/") + 1);
  const known = roots.has(base);
  const rule = known ? resolve(schema, pointer) : undefined;
  const value = resolve(args, at);
  switch (keyword) {
    case "type":
      if (rule !== undefined) {
        const types = Array.isArray(rule) ? rule.join(" or ") : String(rule);
        return [`${prefix}expected ${types}, got ${jsonType(value)}`];
      }
      break;
    case "required":
      if (Array.isArray(rule) && isObject(value)) {
        return rule.filter((p) => typeof p === "string" && !Object.hasOwn(value, p))
          .map((p) => `${prefix}missing required property "${p}"`);
      }
      break;
    case "additionalProperties":
    case "unevaluatedProperties": {
      const slash = at.lastIndexOf("/");
      const parent = at.slice(0, slash);
      const name = at.slice(slash + 1).replaceAll("~1", "/").replaceAll("~0", "~");
      return [`${parent === "" ? "" : `${parent}: `}unexpected property "${name}"`];
    }
    case "enum":
      if (Array.isArray(rule)) return [`${prefix}expected one of ${short(rule)}`];
      break;
    case "const":
      if (known) return [`${prefix}expected ${short(rule)}`];
      break;
    case "minimum":
      return [`${prefix}${short(value)} is less than ${short(rule)}`];
    case "maximum":
      return [`${prefix}${short(value)} is greater than ${short(rule)}`];
    case "exclusiveMinimum":
      return [`${prefix}${short(value)} is not greater than ${short(rule)}`];
    case "exclusiveMaximum":
      return [`${prefix}${short(value)} is not less than ${short(rule)}`];
    case "multipleOf":
      return [`${prefix}${short(value)} is not a multiple of ${short(rule)}`];
    case "minLength":
      return [`${prefix}shorter than ${short(rule)} characters`];
    case "maxLength":
      return [`${prefix}longer than ${short(rule)} characters`];
    case "minItems":
      return [`${prefix}fewer than ${short(rule)} items`];
    case "maxItems":
      return [`${prefix}more than ${short(rule)} items`];
    case "uniqueItems":
      return [`${prefix}items are not unique`];
    case "minProperties":
      return [`${prefix}fewer than ${short(rule)} properties`];
    case "maxProperties":
      return [`${prefix}more than ${short(rule)} properties`];
    case "pattern":
      return [`${prefix}does not match the pattern ${short(rule)}`];
    case "format":
      return [`${prefix}is not a valid ${short(rule)}`];
    case "anyOf":
    case "oneOf":
      return [
        `${prefix}does not match ${
          keyword === "oneOf" ? "exactly one" : "any"
        } of the allowed shapes`,
      ];
    case "not":
      return [`${prefix}matches a shape that is not allowed`];
  }
  return [`${prefix}fails "${keyword}"${known ? ` (schema ${pointer || "/"})` : ""}`];
}

function resolve(root: unknown, pointer: string): unknown {
  if (pointer === "" || pointer === "/") return root;
  let node = root;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function short(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
