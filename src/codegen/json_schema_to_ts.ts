/**
 * Converts a JSON Schema (a tool's `inputSchema` or `outputSchema`) to
 * TypeScript declarations, by hand, fast and deterministically.
 *
 * Supported: drafts 04 to 2020-12 as MCP servers emit them — `type` (string
 * or array), `properties`/`required`, `additionalProperties`,
 * `patternProperties`, `items` (schema or draft-07 tuple), `prefixItems`,
 * `additionalItems`, `enum`, `const`, `anyOf`, `oneOf`, `allOf`, OpenAPI
 * `nullable`, local `$ref`s (`#`, `#/$defs/X`, `#/definitions/X`, any JSON
 * pointer, also `$recursiveRef`/`$dynamicRef` read as plain references) and
 * boolean schemas. Everything else narrows nothing and is ignored; what
 * cannot be expressed becomes `unknown` with a warning.
 *
 * @module
 */

import { RESERVED_IDENTIFIERS, toPascalIdentifier } from "./identifiers.ts";
import { jsdoc, jsonForComment, sanitizeCommentText, tsStringLiteral } from "./jsdoc.ts";

/**
 * The result of {@link schemaToTypeScript}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const conversion: SchemaConversion = schemaToTypeScript({ type: "object", properties: {} }, "Args");
 * assert.equal(conversion.rootName, "Args");
 * assert.equal(conversion.acceptsEmptyObject, true);
 * ```
 */
export interface SchemaConversion {
  /**
   * TypeScript declarations, each exported: the root first, then one named
   * type per referenced subschema, in order of first reference. Ends with a
   * line break.
   */
  code: string;
  /** Name of the root type (the `rootName` argument). */
  rootName: string;
  /**
   * Whether an empty object is a valid value of the schema, as far as
   * `required`, `type`, `enum`/`const` and references, `allOf`, `anyOf` and
   * `oneOf` tell: when false, a function taking this type must not make its
   * argument optional.
   */
  acceptsEmptyObject: boolean;
  /**
   * Human-readable warnings about parts of the schema that could not be
   * expressed, such as
   * `Unsupported schema at "#/properties/x": expected a schema, got number (used unknown)`.
   * At most 100, the last one counting the rest.
   */
  warnings: string[];
}

/**
 * Options of {@link schemaToTypeScript}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: SchemaToTypeScriptOptions = { description: false, compact: true };
 * const { code } = schemaToTypeScript({ type: "string", description: "A name" }, "Name", opts);
 * assert.ok(!code.includes("A name"));
 * ```
 */
export interface SchemaToTypeScriptOptions {
  /**
   * Emit JSDoc from `title`, `description`, `format`, numeric and length
   * bounds, `pattern`, `default`, `examples` and `deprecated`. Default `true`;
   * `false` gives the leanest output.
   */
  description?: boolean;
  /** Deepest nesting of schemas converted; deeper ones become `unknown`. Default 64. */
  maxDepth?: number;
  /**
   * One level of indentation: two spaces by default. A tab costs a model one
   * token less per member line (o200k), which the generator uses.
   */
  indent?: "  " | "\t";
  /**
   * Write an object type of at most three undocumented one-line members on
   * one line (`{ path: string; depth?: number }`). Default `false`.
   */
  compact?: boolean;
  /**
   * Names already declared in the module the code goes into; named helper
   * types avoid them (compared case-insensitively).
   */
  reservedNames?: Iterable<string>;
}

/** The members of an object type (see `Converter.members`). */
interface Members {
  /** One member per line, or `""`. */
  code: string;
  /** Whether the object allows any key (tells `""` from an empty object). */
  open: boolean;
  /** Set when the only member is an undocumented index signature. */
  single?: string;
  /**
   * What {@link oneLine} gives for `code`, when already known: the text, or
   * `null` when there is no one-line form.
   */
  one?: string | null;
}

/** Default of {@link SchemaToTypeScriptOptions.maxDepth}. */
export const DEFAULT_MAX_DEPTH = 64;
/** Subschemas converted per call at most; the rest become `unknown`. */
export const MAX_SCHEMA_NODES = 50_000;

const MAX_WARNINGS = 100;
const MAX_NAME_PART = 60;

// Operator precedence of the type expression last returned.
const UNION = 0;
const INTERSECTION = 1;
const PRIMARY = 2;

const NON_WORD = /[^a-z0-9]/g;
// White space to collapse to one space: runs, or one character that is not a
// plain space (the same result as `/\s+/g`, without copying text that has none).
const WHITE_SPACE_RUN = /\s{2,}|[^\S ]/g;
const OBJECT_MEMBERS = new Set([
  "constructor",
  "toString",
  "toLocaleString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
]);
const TS_RESERVED_TYPE_NAMES = new Set([
  "any",
  "bigint",
  "boolean",
  "never",
  "number",
  "object",
  "string",
  "symbol",
  "undefined",
  "unknown",
  "void",
  "null",
  "true",
  "false",
  "this",
]);

type Schema = Record<string, unknown>;

interface Declaration {
  name: string;
  pointer: string;
  code: string;
  /** Named types referenced outside any object, array or tuple type, if any. */
  direct: Set<string> | undefined;
}

/** The index of a schema not indexed yet (see `Converter.indexResources`); never written. */
const NO_SCHEMAS = new Map<string, Schema>();

/**
 * {@link Keywords} objects by depth, shared by conversions that do not
 * overlap (`undefined` while one uses them): most schemas are small, and
 * allocating a pool for each one would be most of their allocations.
 */
let sharedKeywordPool: Keywords[] | undefined = [];

/**
 * Thrown when the schema turns out to need the `$id` index after conversion
 * began without it; the conversion then starts over with the index built first.
 */
const RESTART_INDEXED = new Error("restart with the schema resources indexed");

interface Pending {
  name: string;
  schema: Schema;
  pointer: string;
  /** The `$defs` key or anchor the type is named after. */
  key: string;
}

/** Base URI of a schema without `$id`: references relative to it stay local. */
const DEFAULT_BASE = "https://schema.mcpx.invalid/root.json";
// Keywords whose values are data, not schemas: `$id` inside them means nothing.
const DATA_KEYWORDS = new Set(["enum", "const", "default", "examples", "example"]);

function withoutFragment(uri: string): string {
  const i = uri.indexOf("#");
  return i < 0 ? uri : uri.slice(0, i);
}

// A fragment of these characters only is kept as written when resolved
// (nothing to percent-encode, no white space to strip).
const PLAIN_FRAGMENT = /^#[!#-;=?-_a-~]*$/;

/** `ref` resolved against `base` (an absolute URI without fragment). */
function resolveUri(ref: string, base: string): string | undefined {
  if (ref.charCodeAt(0) === 35 && PLAIN_FRAGMENT.test(ref)) return base + ref;
  try {
    return new URL(ref, base).href;
  } catch {
    return undefined;
  }
}

/**
 * What a named type is called after: the `$defs` key, the anchor, the last
 * part of a `$id` path, or the whole pointer.
 */
function refKey(ref: string): string {
  const hash = ref.indexOf("#");
  const fragment = hash < 0 ? "" : ref.slice(hash + 1);
  if (fragment.startsWith("/")) {
    const segments = pointerSegments(`#${fragment}`);
    return segments.length === 2 && (segments[0] === "$defs" || segments[0] === "definitions")
      ? segments[1]
      : segments.join(" ");
  }
  if (fragment !== "") return fragment;
  const path = hash < 0 ? ref : ref.slice(0, hash);
  const last = path.slice(path.lastIndexOf("/") + 1).replace(/\.json$/, "");
  return last;
}

/**
 * `{ a: string; b?: number }` for member lines (each at `ind`) that are at
 * most three, undocumented and single-line, and fit in 80 columns together.
 */
function oneLine(code: string, ind: string): string | undefined {
  // Count the lines and check the length of the result before any copying.
  let n = 1;
  for (let i = code.indexOf("\n"); i >= 0; i = code.indexOf("\n", i + 1)) {
    if (++n > 3) return undefined;
  }
  if (code.length - n * ind.length + 3 > 80) return undefined;
  const lines = code.split("\n");
  const parts: string[] = [];
  for (const line of lines) {
    const member = line.slice(ind.length);
    if (!line.startsWith(ind) || member.startsWith("/*") || !member.endsWith(";")) return undefined;
    parts.push(member.slice(0, -1));
  }
  const one = `{ ${parts.join("; ")} }`;
  return one.length <= 80 ? one : undefined;
}

function isEmptyObject(v: unknown): boolean {
  return isSchemaObject(v) && Object.keys(v).length === 0;
}

function isSchemaObject(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pointerSegment(key: string): string {
  return key.includes("~") || key.includes("/")
    ? key.replaceAll("~", "~0").replaceAll("/", "~1")
    : key;
}

/** The decoded segments of a `#/…` JSON pointer fragment. */
function pointerSegments(ref: string): string[] {
  const segments = ref.slice(2).split("/");
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i];
    if (seg.includes("%")) {
      try {
        seg = decodeURIComponent(seg);
      } catch { /* keep it as written */ }
    }
    if (seg.includes("~")) seg = seg.replaceAll("~1", "/").replaceAll("~0", "~");
    segments[i] = seg;
  }
  return segments;
}

/** JSON-quotes text for a message; long text keeps its start and its end. */
function quote(text: string, max = 200): string {
  return JSON.stringify(
    text.length > max ? `${text.slice(0, max / 2 - 10)}…${text.slice(-max / 2)}` : text,
  );
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v;
}

function isIdentifier(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (
      (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 ||
      (i > 0 && c >= 48 && c <= 57)
    ) continue;
    return false;
  }
  return true;
}

function propertyKey(key: string): string {
  return isIdentifier(key) ? key : tsStringLiteral(key);
}

function paren(type: string, prec: number, min: number): string {
  return prec < min ? `(${type})` : type;
}

/**
 * The keywords of one schema object, read in a single pass over its keys.
 * Schemas come in countless shapes, so reading each keyword from the schema
 * itself would be a slow megamorphic property lookup (mostly a miss); this
 * object has one fixed shape.
 */
class Keywords {
  /** No `$ref`, `const`, `enum`, `allOf`, `anyOf`, `oneOf` or `nullable: true`. */
  simple = true;
  /** Has a keyword that feeds the JSDoc. */
  doc = false;
  /** Has a keyword that feeds the constraints line of the JSDoc. */
  bounds = false;
  nullable = false;
  ref: unknown = undefined;
  refKeyword = "";
  recursiveRef: unknown = undefined;
  dynamicRef: unknown = undefined;
  hasConst = false;
  constValue: unknown = undefined;
  enumValues: unknown = undefined;
  type: unknown = undefined;
  properties: unknown = undefined;
  required: unknown = undefined;
  additionalProperties: unknown = undefined;
  patternProperties: unknown = undefined;
  unevaluatedProperties: unknown = undefined;
  items: unknown = undefined;
  prefixItems: unknown = undefined;
  additionalItems: unknown = undefined;
  minItems: unknown = undefined;
  maxItems: unknown = undefined;
  allOf: unknown = undefined;
  anyOf: unknown = undefined;
  oneOf: unknown = undefined;
  title: unknown = undefined;
  description: unknown = undefined;
  format: unknown = undefined;
  minimum: unknown = undefined;
  maximum: unknown = undefined;
  exclusiveMinimum: unknown = undefined;
  exclusiveMaximum: unknown = undefined;
  multipleOf: unknown = undefined;
  minLength: unknown = undefined;
  maxLength: unknown = undefined;
  uniqueItems: unknown = undefined;
  pattern: unknown = undefined;
  hasDefault = false;
  defaultValue: unknown = undefined;
  examples: unknown = undefined;
  hasExample = false;
  example: unknown = undefined;
  deprecated: unknown = undefined;

  /** Makes this object read as a schema without keywords again. */
  reset(): void {
    this.simple = true;
    this.doc = false;
    this.bounds = false;
    this.nullable = false;
    this.ref = undefined;
    this.refKeyword = "";
    this.recursiveRef = undefined;
    this.dynamicRef = undefined;
    this.hasConst = false;
    this.constValue = undefined;
    this.enumValues = undefined;
    this.type = undefined;
    this.properties = undefined;
    this.required = undefined;
    this.additionalProperties = undefined;
    this.patternProperties = undefined;
    this.unevaluatedProperties = undefined;
    this.items = undefined;
    this.prefixItems = undefined;
    this.additionalItems = undefined;
    this.minItems = undefined;
    this.maxItems = undefined;
    this.allOf = undefined;
    this.anyOf = undefined;
    this.oneOf = undefined;
    this.title = undefined;
    this.description = undefined;
    this.format = undefined;
    this.minimum = undefined;
    this.maximum = undefined;
    this.exclusiveMinimum = undefined;
    this.exclusiveMaximum = undefined;
    this.multipleOf = undefined;
    this.minLength = undefined;
    this.maxLength = undefined;
    this.uniqueItems = undefined;
    this.pattern = undefined;
    this.hasDefault = false;
    this.defaultValue = undefined;
    this.examples = undefined;
    this.hasExample = false;
    this.example = undefined;
    this.deprecated = undefined;
  }
}

/** Reads the keywords of `s` into `k`, a new or just reset {@link Keywords}. */
function readKeywords(s: Schema, k: Keywords = new Keywords()): Keywords {
  for (const key in s) {
    const v = s[key];
    switch (key) {
      case "type":
        k.type = v;
        if (v === "integer" || Array.isArray(v)) k.doc = k.bounds = true; // "Integer" in the JSDoc
        break;
      case "properties":
        k.properties = v;
        break;
      case "required":
        k.required = v;
        break;
      case "description":
        k.description = v;
        k.doc = true;
        break;
      case "items":
        k.items = v;
        break;
      case "enum":
        k.enumValues = v;
        k.simple = false;
        break;
      case "default":
        k.hasDefault = true;
        k.defaultValue = v;
        k.doc = true;
        break;
      case "$ref":
        k.ref = v;
        k.simple = false;
        break;
      case "additionalProperties":
        k.additionalProperties = v;
        break;
      case "anyOf":
        k.anyOf = v;
        k.simple = false;
        break;
      case "oneOf":
        k.oneOf = v;
        k.simple = false;
        break;
      case "allOf":
        k.allOf = v;
        k.simple = false;
        break;
      case "const":
        k.hasConst = true;
        k.constValue = v;
        k.simple = false;
        break;
      case "nullable":
        if (v === true) {
          k.nullable = true;
          k.simple = false;
        }
        break;
      case "title":
        k.title = v;
        k.doc = true;
        break;
      case "format":
        k.format = v;
        k.doc = k.bounds = true;
        break;
      case "minimum":
        k.minimum = v;
        k.doc = k.bounds = true;
        break;
      case "maximum":
        k.maximum = v;
        k.doc = k.bounds = true;
        break;
      case "exclusiveMinimum":
        k.exclusiveMinimum = v;
        k.doc = k.bounds = true;
        break;
      case "exclusiveMaximum":
        k.exclusiveMaximum = v;
        k.doc = k.bounds = true;
        break;
      case "multipleOf":
        k.multipleOf = v;
        k.doc = k.bounds = true;
        break;
      case "minLength":
        k.minLength = v;
        k.doc = k.bounds = true;
        break;
      case "maxLength":
        k.maxLength = v;
        k.doc = k.bounds = true;
        break;
      case "minItems":
        k.minItems = v;
        k.doc = k.bounds = true;
        break;
      case "maxItems":
        k.maxItems = v;
        k.doc = k.bounds = true;
        break;
      case "uniqueItems":
        k.uniqueItems = v;
        k.doc = k.bounds = true;
        break;
      case "pattern":
        k.pattern = v;
        k.doc = k.bounds = true;
        break;
      case "examples":
        k.examples = v;
        k.doc = true;
        break;
      case "example":
        k.hasExample = true;
        k.example = v;
        k.doc = true;
        break;
      case "deprecated":
        k.deprecated = v;
        k.doc = true;
        break;
      case "patternProperties":
        k.patternProperties = v;
        break;
      case "unevaluatedProperties":
        k.unevaluatedProperties = v;
        break;
      case "prefixItems":
        k.prefixItems = v;
        break;
      case "additionalItems":
        k.additionalItems = v;
        break;
      case "$recursiveRef":
        k.recursiveRef = v;
        k.simple = false;
        break;
      case "$dynamicRef":
        k.dynamicRef = v;
        k.simple = false;
        break;
    }
  }
  if (k.ref !== undefined) k.refKeyword = "$ref";
  else if (k.recursiveRef !== undefined) {
    k.ref = k.recursiveRef;
    k.refKeyword = "$recursiveRef";
  } else if (k.dynamicRef !== undefined) {
    k.ref = k.dynamicRef;
    k.refKeyword = "$dynamicRef";
  }
  return k;
}

/** An object type without combinators: it can be declared as an interface. */
function isPlainObject(k: Keywords): boolean {
  if (!k.simple) return false;
  if (k.type === undefined) {
    return k.properties !== undefined || k.additionalProperties !== undefined ||
      k.patternProperties !== undefined;
  }
  return k.type === "object";
}

/** Keywords that constrain a schema next to a `$ref` (read as an intersection). */
function hasShapeBesideRef(k: Keywords): boolean {
  return k.properties !== undefined || k.patternProperties !== undefined ||
    k.additionalProperties !== undefined || k.items !== undefined ||
    k.prefixItems !== undefined;
}

function sameWords(a: string, b: string): boolean {
  return a.toLowerCase().replace(NON_WORD, "") === b.toLowerCase().replace(NON_WORD, "");
}

/** Whether the JSON value `v` is of one of the JSON Schema `types`. */
function fitsType(v: unknown, types: readonly string[]): boolean {
  for (const t of types) if (fitsTypeName(v, t)) return true;
  return false;
}

/** Whether the JSON value `v` is of the JSON Schema type `t`. */
function fitsTypeName(v: unknown, t: string): boolean {
  switch (t) {
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    case "number":
      return typeof v === "number";
    case "integer":
      return Number.isInteger(v);
    case "null":
      return v === null;
    case "array":
      return Array.isArray(v);
    case "object":
      return isSchemaObject(v);
    default:
      return true; // an unknown type name constrains nothing here
  }
}

/**
 * Shortens `types` and `precs` to `length`. Popping a few entries is cheaper
 * than setting `length`, which may reallocate the arrays' storage.
 */
function truncate(types: string[], precs: number[], length: number): void {
  while (types.length > length) types.pop();
  while (precs.length > length) precs.pop();
}

/** Whether `list[from…to)` holds `item`. */
function includesBetween(list: readonly string[], item: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (list[i] === item) return true;
  return false;
}

function formatBound(n: number): string {
  return Object.is(n, -0) ? "0" : String(n);
}

class Converter {
  readonly warnings: string[] = [];
  /** Precedence of the type expression the last conversion returned. */
  private prec = PRIMARY;
  /** > 0 while inside an object, array or tuple type (references there are deferred). */
  private deferred = 0;
  private direct: Set<string> | undefined = undefined;
  private nodes = 0;
  private dropped = 0;
  /**
   * The schema objects being converted, outermost first. Nesting is shallow,
   * so a scan beats hashing every schema object into a set.
   */
  private readonly active: object[] = [];
  /** Names of referenced schemas; created on the first reference. */
  private named: Map<object, string> | undefined = undefined;
  /** Lower-cased names taken; created on the first named helper type. */
  private used: Set<string> | undefined = undefined;
  private readonly queue: Pending[] = [];
  /**
   * Whether `$id`s and anchors were indexed. Only references need them, so a
   * schema without references is never walked for them.
   */
  private indexed = false;
  /** Schema resources by absolute URI (without fragment), from `$id`. */
  private resources = NO_SCHEMAS;
  /** Schemas by absolute URI + `#` + anchor, from `$anchor`, `$dynamicAnchor` and `$id: "#x"`. */
  private anchors = NO_SCHEMAS;
  /**
   * The base URI of every schema object under a `$id`, for relative
   * references; `undefined` while no `$id` changes a base.
   */
  private bases: Map<object, string> | undefined = undefined;
  /** Base URI of the schema being converted. */
  private base = DEFAULT_BASE;
  private readonly recordNever: string;
  private readonly recordUnknown: string;
  /**
   * Alternatives or constraints being collected for {@link Converter.union}
   * and {@link Converter.intersection}, with their precedences: a stack
   * shared by nested conversions (each takes its own off before returning),
   * instead of two arrays per schema.
   */
  private readonly types: string[] = [];
  private readonly precs: number[] = [];
  /** See {@link Converter.docLines}. */
  private readonly docBuffer: string[] = [];
  /** Keywords of the schema object the last `convert` call converted, if any. */
  private last: Keywords | undefined;
  /** See {@link Converter.keywordsAt}. */
  /** How many {@link Converter.keywordPool} entries this conversion used. */
  poolDepth = 0;

  constructor(
    private readonly root: unknown,
    private readonly rootName: string,
    private readonly docs: boolean,
    private readonly maxDepth: number,
    private readonly reserved: readonly string[],
    private readonly indent: string,
    private readonly compact: boolean,
    indexFirst: boolean,
    /** See {@link Converter.keywordsAt}. */
    private readonly keywordPool: Keywords[],
  ) {
    if (indexFirst) this.indexResources();
    // Never lean on the global `Record` when the module declares its own.
    const shadowed = rootName === "Record";
    this.recordNever = shadowed ? "{ [key: string]: never }" : "Record<string, never>";
    this.recordUnknown = shadowed ? "{ [key: string]: unknown }" : "Record<string, unknown>";
  }

  /**
   * A reset {@link Keywords} object for a schema at `depth`. Nested schemas
   * are deeper, so one object per depth serves a whole conversion: the
   * keywords of a schema stay intact while its subschemas are converted.
   */
  private keywordsAt(depth: number): Keywords {
    if (depth >= this.poolDepth) this.poolDepth = depth + 1;
    const k = this.keywordPool[depth];
    if (k === undefined) return this.keywordPool[depth] = new Keywords();
    k.reset();
    return k;
  }

  /** The names of referenced schemas, the root's name first. */
  private names(): Map<object, string> {
    if (this.named === undefined) {
      this.named = new Map();
      if (isSchemaObject(this.root)) this.named.set(this.root, this.rootName);
    }
    return this.named;
  }

  run(): SchemaDeclarations {
    const decls: Declaration[] = [];
    let root = this.root;
    let rootDoc: Schema | undefined = isSchemaObject(root) ? root : undefined;
    // `{ "$ref": "#/$defs/Main", "$defs": {…} }`: `Main` is the root type itself.
    for (let hop = 0; hop < 8 && isSchemaObject(root) && this.isPureRef(root); hop++) {
      if (!this.indexed) this.indexResources();
      this.base = this.bases?.get(root) ?? this.base;
      const target = this.lookup(root.$ref as string);
      const named = this.names();
      if (!isSchemaObject(target) || named.has(target)) break;
      named.set(target, this.rootName);
      root = target;
      if (typeof rootDoc?.description !== "string") rootDoc = target;
    }
    if (root === undefined || root === null) {
      decls.push({
        name: this.rootName,
        pointer: "#",
        code: `export type ${this.rootName} = ${this.recordUnknown};`,
        direct: undefined,
      });
    } else decls.push(this.declare(this.rootName, root, "#", rootDoc, null));
    for (let i = 0; i < this.queue.length; i++) {
      const { name, schema, pointer, key } = this.queue[i];
      decls.push(this.declare(name, schema, pointer, schema, key));
    }
    if (decls.some((d) => d.direct !== undefined)) this.breakAliasCycles(decls);
    let declarations = decls[0].code;
    for (let i = 1; i < decls.length; i++) declarations += "\n\n" + decls[i].code;
    if (this.dropped > 0) this.warnings.push(`${this.dropped} more warnings were left out`);
    const acceptsEmptyObject = this.acceptsEmpty(this.root, 0);
    return { declarations, acceptsEmptyObject, warnings: this.warnings };
  }

  /** See {@link SchemaConversion.acceptsEmptyObject}. */
  private acceptsEmpty(s: unknown, depth: number): boolean {
    if (s === undefined || s === null || s === true) return true;
    if (depth > 32) return true;
    if (!isSchemaObject(s)) return false;
    const outerBase = this.base;
    if (this.bases !== undefined) this.base = this.bases.get(s) ?? outerBase;
    try {
      const req = s.required;
      if (Array.isArray(req) && req.length > 0) return false;
      const type = s.type;
      if (typeof type === "string" && type !== "object") return false;
      if (Array.isArray(type) && !type.includes("object")) return false;
      if ("const" in s && !isEmptyObject(s.const)) return false;
      if (Array.isArray(s.enum) && !s.enum.some(isEmptyObject)) return false;
      for (const keyword of ["$ref", "$recursiveRef", "$dynamicRef"]) {
        const ref = s[keyword];
        if (typeof ref === "string") {
          const target = this.lookup(ref);
          if (target !== undefined && target !== s && !this.acceptsEmpty(target, depth + 1)) {
            return false;
          }
        }
      }
      if (Array.isArray(s.allOf) && !s.allOf.every((x) => this.acceptsEmpty(x, depth + 1))) {
        return false;
      }
      for (const keyword of ["anyOf", "oneOf"]) {
        const list = s[keyword];
        if (Array.isArray(list) && list.length > 0) {
          if (!list.some((x) => this.acceptsEmpty(x, depth + 1))) return false;
        }
      }
      return true;
    } finally {
      this.base = outerBase;
    }
  }

  private isPureRef(s: Schema): boolean {
    if (typeof s.$ref !== "string" || s.$ref === "#") return false;
    for (const key in s) {
      if (
        key !== "$ref" && key !== "$schema" && key !== "$id" && key !== "$defs" &&
        key !== "definitions" && key !== "title" && key !== "description" && key !== "$comment"
      ) return false;
    }
    return true;
  }

  private warn(pointer: string, message: string): void {
    if (this.warnings.length >= MAX_WARNINGS - 1) {
      this.dropped++;
      return;
    }
    this.warnings.push(`Unsupported schema at ${quote(pointer)}: ${message}`);
  }

  /**
   * Declares one named type. `key` is the `$defs` key (a title equal to it is
   * not repeated), or `null` for the root, whose title is never shown (tool
   * schemas often carry generated ones such as `add_numbersArguments`).
   */
  private declare(
    name: string,
    schema: unknown,
    pointer: string,
    doc: Schema | undefined,
    key: string | null,
  ): Declaration {
    this.direct = undefined;
    this.deferred = 0;
    this.base = (isSchemaObject(schema) ? this.bases?.get(schema) : undefined) ?? DEFAULT_BASE;
    const k = isSchemaObject(schema) ? readKeywords(schema, this.keywordsAt(0)) : undefined;
    const docKeywords = this.docs && doc ? (doc === schema ? k : readKeywords(doc)) : undefined;
    const comment = docKeywords?.doc ? jsdoc(this.docLines(docKeywords, key)) : "";
    let body: string | undefined;
    if (k !== undefined && isPlainObject(k) && this.enter(schema as object, pointer, 0)) {
      this.deferred = 1;
      const members = this.members(k, pointer, 0, this.indent);
      this.deferred = 0;
      this.active.pop();
      if (members.code === "") {
        body = `export type ${name} = ${members.open ? this.recordUnknown : this.recordNever};`;
      } else {
        const one = this.compact ? this.oneLine(members, this.indent) : undefined;
        body = `export interface ${name} ${one ?? `{\n${members.code}\n}`}`;
      }
    }
    body ??= `export type ${name} = ${this.convert(schema, pointer, 0, "")};`;
    return {
      name,
      pointer,
      code: comment === "" ? body : `${comment}\n${body}`,
      direct: this.direct,
    };
  }

  /** Checks depth, size and cycles before a schema object is converted; marks it active. */
  private enter(s: object, pointer: string, depth: number): boolean {
    if (depth > this.maxDepth) {
      this.warn(pointer, `nested deeper than ${this.maxDepth} levels (used unknown)`);
      return false;
    }
    if (++this.nodes > MAX_SCHEMA_NODES) {
      if (this.nodes === MAX_SCHEMA_NODES + 1) {
        this.warn(pointer, `more than ${MAX_SCHEMA_NODES} subschemas (used unknown from here on)`);
      }
      return false;
    }
    if (this.active.includes(s)) {
      this.warn(pointer, "the schema object contains itself (used unknown)");
      return false;
    }
    this.active.push(s);
    return true;
  }

  /** Converts any schema value to a type expression; sets `prec` and `last`. */
  private convert(s: unknown, pointer: string, depth: number, ind: string): string {
    this.prec = PRIMARY;
    this.last = undefined;
    if (s === true) return "unknown";
    if (s === false) return "never";
    if (!isSchemaObject(s)) {
      this.warn(pointer, `expected a schema, got ${describeValue(s)} (used unknown)`);
      return "unknown";
    }
    if (!this.enter(s, pointer, depth)) return "unknown";
    const k = readKeywords(s, this.keywordsAt(depth));
    const outerBase = this.base;
    if (this.bases !== undefined) this.base = this.bases.get(s) ?? outerBase;
    let type: string;
    if (k.simple) {
      type = this.typed(k, pointer, depth, ind) ?? "unknown";
      if (type === "unknown") this.prec = PRIMARY;
    } else type = this.combined(k, pointer, depth, ind);
    this.base = outerBase;
    this.active.pop();
    this.last = k;
    return type;
  }

  /** A schema with `$ref`, `const`, `enum`, combinators or `nullable`. */
  private combined(k: Keywords, pointer: string, depth: number, ind: string): string {
    const base = this.types.length;
    const ref = k.ref;
    if (ref !== undefined) {
      if (typeof ref === "string") {
        this.types.push(this.reference(ref, `${pointer}/${k.refKeyword}`));
        this.precs.push(this.prec);
      } else {
        this.warn(`${pointer}/${k.refKeyword}`, `expected a string, got ${describeValue(ref)}`);
      }
    }
    let core: string | undefined;
    if (k.hasConst) core = this.valueType(k.constValue, `${pointer}/const`, depth + 1);
    else if (k.enumValues !== undefined) {
      core = this.enumType(k.enumValues, k.type, `${pointer}/enum`, depth + 1);
    } else if (ref === undefined || hasShapeBesideRef(k)) {
      core = this.typed(k, pointer, depth, ind);
    }
    if (core !== undefined) {
      this.types.push(core);
      this.precs.push(this.prec);
    }
    const allOf = k.allOf;
    if (Array.isArray(allOf)) {
      for (let i = 0; i < allOf.length; i++) {
        const part = this.convert(allOf[i], `${pointer}/allOf/${i}`, depth + 1, ind);
        this.types.push(part);
        this.precs.push(this.prec);
      }
    } else if (allOf !== undefined) {
      this.warn(`${pointer}/allOf`, `expected an array, got ${describeValue(allOf)} (ignored)`);
    }
    if (k.anyOf !== undefined) {
      const union = this.alternatives(k.anyOf, "anyOf", pointer, depth, ind);
      if (union !== undefined) {
        this.types.push(union);
        this.precs.push(this.prec);
      }
    }
    if (k.oneOf !== undefined) {
      const union = this.alternatives(k.oneOf, "oneOf", pointer, depth, ind);
      if (union !== undefined) {
        this.types.push(union);
        this.precs.push(this.prec);
      }
    }
    const none = this.types.length === base;
    let type = none ? "unknown" : this.intersection(base);
    if (none) this.prec = PRIMARY;
    if (k.nullable && type !== "unknown" && type !== "null") {
      type = type === "never" ? "null" : `${type} | null`;
      this.prec = type === "null" ? PRIMARY : UNION;
    }
    return type;
  }

  private alternatives(
    list: unknown,
    keyword: "anyOf" | "oneOf",
    pointer: string,
    depth: number,
    ind: string,
  ): string | undefined {
    if (!Array.isArray(list)) {
      this.warn(`${pointer}/${keyword}`, `expected an array, got ${describeValue(list)} (ignored)`);
      return undefined;
    }
    const base = this.types.length;
    for (let i = 0; i < list.length; i++) {
      const type = this.convert(list[i], `${pointer}/${keyword}/${i}`, depth + 1, ind);
      this.types.push(this.described(type));
      this.precs.push(this.prec);
    }
    return this.union(base);
  }

  /**
   * Puts the description of the schema last converted (a union branch, array
   * items, map values) in front of its type as a one-line comment, where it
   * would otherwise be lost.
   */
  private described(type: string): string {
    const d = this.last?.description;
    if (!this.docs || typeof d !== "string" || d === "" || type === "unknown" || type === "never") {
      return type;
    }
    const line = sanitizeCommentText(d, 300).replace(WHITE_SPACE_RUN, " ");
    return line === "" ? type : `/** ${line} */ ${type}`;
  }

  /** {@link Converter.union} of `types` with precedences `precs`. */
  private unionOf(types: readonly string[], precs: readonly number[]): string {
    const base = this.types.length;
    for (let i = 0; i < types.length; i++) {
      this.types.push(types[i]);
      this.precs.push(precs[i]);
    }
    return this.union(base);
  }

  /**
   * Joins the alternatives on {@link Converter.types} from `base` on, and
   * takes them off; `unknown` absorbs, `never` vanishes, duplicates go. Sets `prec`.
   */
  private union(base: number): string {
    const types = this.types;
    const precs = this.precs;
    const from = base;
    const end = types.length;
    // Kept alternatives are moved down to from…kept. Short unions: a linear
    // scan beats a Set; long ones (enums of 100,000 values) need the Set to
    // stay linear.
    let kept = from;
    let set: Set<string> | undefined;
    let lastPrec = PRIMARY;
    for (let i = from; i < end; i++) {
      const t = types[i];
      if (t === "unknown") {
        truncate(types, precs, from);
        this.prec = PRIMARY;
        return "unknown";
      }
      if (t === "never") continue;
      if (set === undefined && kept - from >= 16) {
        set = new Set();
        for (let j = from; j < kept; j++) set.add(types[j]);
      }
      if (set !== undefined ? set.has(t) : includesBetween(types, t, from, kept)) continue;
      types[kept] = t;
      set?.add(t);
      lastPrec = precs[i];
      kept++;
    }
    let type: string;
    if (kept === from) {
      this.prec = PRIMARY;
      type = "never";
    } else if (kept === from + 1) {
      this.prec = lastPrec;
      type = types[from];
    } else {
      this.prec = UNION;
      // Concatenated rather than joined: the text is copied once, when the whole is used.
      type = types[from];
      for (let i = from + 1; i < kept; i++) type += " | " + types[i];
    }
    truncate(types, precs, from);
    return type;
  }

  /**
   * Intersects the constraints on {@link Converter.types} from `base` on
   * (at least one), and takes them off; `never` absorbs, `unknown` vanishes,
   * duplicates go. Sets `prec`.
   */
  private intersection(base: number): string {
    if (this.types.length === base + 1) {
      this.prec = this.precs.pop()!;
      return this.types.pop()!;
    }
    const types = this.types.splice(base);
    const precs = this.precs.splice(base);
    const seen = new Map<string, number>();
    for (let i = 0; i < types.length; i++) {
      const t = types[i];
      if (t === "never") {
        this.prec = PRIMARY;
        return "never";
      }
      if (t !== "unknown" && !seen.has(t)) seen.set(t, precs[i]);
    }
    if (seen.size === 0) {
      this.prec = PRIMARY;
      return "unknown";
    }
    if (seen.size === 1) {
      const [[t, p]] = seen;
      this.prec = p;
      return t;
    }
    const out: string[] = [];
    for (const [t, p] of seen) out.push(paren(t, p, INTERSECTION));
    this.prec = INTERSECTION;
    return out.join(" & ");
  }

  /** The type from `type` (or from keywords that imply one); undefined when nothing constrains it. */
  private typed(k: Keywords, pointer: string, depth: number, ind: string): string | undefined {
    let type = k.type;
    if (type === undefined) {
      if (
        k.properties !== undefined || k.additionalProperties !== undefined ||
        k.patternProperties !== undefined
      ) type = "object";
      else if (k.items !== undefined || k.prefixItems !== undefined) type = "array";
      else return undefined;
    }
    if (typeof type === "string") return this.typeName(type, k, pointer, depth, ind);
    if (Array.isArray(type)) {
      const base = this.types.length;
      for (let i = 0; i < type.length; i++) {
        const t = type[i];
        if (typeof t === "string") {
          const name = this.typeName(t, k, pointer, depth, ind);
          this.types.push(name);
        } else {
          this.warn(`${pointer}/type/${i}`, `expected a string, got ${describeValue(t)} (ignored)`);
          this.prec = PRIMARY;
          this.types.push("never");
        }
        this.precs.push(this.prec);
      }
      return this.union(base);
    }
    this.warn(
      `${pointer}/type`,
      `expected a string or an array, got ${describeValue(type)} (ignored)`,
    );
    return undefined;
  }

  private typeName(t: string, k: Keywords, pointer: string, depth: number, ind: string): string {
    this.prec = PRIMARY;
    switch (t) {
      case "string":
        return "string";
      case "number":
      case "integer":
        return "number";
      case "boolean":
        return "boolean";
      case "null":
        return "null";
      case "object":
        return this.objectType(k, pointer, depth, ind);
      case "array":
        return this.arrayType(k, pointer, depth, ind);
      default:
        this.warn(`${pointer}/type`, `unknown type ${quote(t)} (used unknown)`);
        return "unknown";
    }
  }

  /** The one-line form of `members` (see {@link oneLine}), if it has one. */
  private oneLine(members: Members, ind: string): string | undefined {
    if (members.one === null) return undefined;
    return members.one ?? oneLine(members.code, ind);
  }

  private objectType(k: Keywords, pointer: string, depth: number, ind: string): string {
    this.deferred++;
    const members = this.members(k, pointer, depth, ind + this.indent);
    this.deferred--;
    this.prec = PRIMARY;
    if (members.code === "") return members.open ? this.recordUnknown : this.recordNever;
    if (members.single !== undefined) return `{ ${members.single} }`;
    const one = this.compact ? this.oneLine(members, ind + this.indent) : undefined;
    if (one !== undefined) return one;
    return `{\n${members.code}\n${ind}}`;
  }

  /**
   * The members of an object type, one per line at `ind`. `open` tells an
   * empty result from an object that allows any key; `single` is set when the
   * only member is an undocumented index signature.
   */
  private members(
    k: Keywords,
    pointer: string,
    depth: number,
    ind: string,
  ): Members {
    const lines: string[] = [];
    // Whether the lines can still be a compact one-line object type: at most
    // three members without comments, each on one line.
    let single = this.compact;
    const props = k.properties;
    const pp = k.patternProperties;
    let ap = k.additionalProperties;
    if (ap === undefined && k.unevaluatedProperties === false) ap = false;
    // Property types are only needed to widen an index signature.
    const propTypes: string[] | undefined = (ap !== undefined && ap !== false) || pp !== undefined
      ? []
      : undefined;
    let optional = false;
    if (props !== undefined) {
      if (isSchemaObject(props)) {
        const req = k.required;
        const required = Array.isArray(req) && req.length > 0 ? req : undefined;
        const base = `${pointer}/properties/`;
        const keys = Object.keys(props);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          let type = this.convert(props[key], base + pointerSegment(key), depth + 1, ind);
          const keywords = this.last;
          const opt = required === undefined || !required.includes(key);
          // A value without this key still has Object.prototype's member of
          // that name, so TypeScript compares the member against the type.
          if (opt && OBJECT_MEMBERS.has(key)) type = `${type} | Object[${tsStringLiteral(key)}]`;
          if (keywords?.doc === true && this.docs) {
            const comment = jsdoc(this.docLines(keywords, key), ind);
            if (comment !== "") {
              lines.push(comment);
              single = false;
            }
          }
          lines.push(
            opt ? `${ind}${propertyKey(key)}?: ${type};` : `${ind}${propertyKey(key)}: ${type};`,
          );
          if (single && (lines.length > 3 || type.includes("\n"))) single = false;
          propTypes?.push(type);
          if (opt) optional = true;
        }
      } else {
        this.warn(
          `${pointer}/properties`,
          `expected an object, got ${describeValue(props)} (ignored)`,
        );
      }
    }

    if (pp === undefined && (ap === undefined || ap === false)) {
      // No index signature: the common case, decided without the work below.
      if (lines.length === 0) return { code: "", open: ap === undefined && props === undefined };
      // Joined, that is copied into one string: many small pieces held
      // until the whole file is built would cost the garbage collector more.
      const code = lines.join("\n");
      let one: string | null | undefined = null;
      if (single) {
        // Each line is `${ind}${member};`: the length of `{ m1; m2 }` is known
        // before it is built.
        if (code.length - lines.length * ind.length + 3 <= 80) {
          one = `{ ${lines[0].slice(ind.length, -1)}`;
          for (let i = 1; i < lines.length; i++) one += `; ${lines[i].slice(ind.length, -1)}`;
          one += " }";
        }
      } else if (this.compact && lines.length <= 3) one = undefined;
      return { code, open: false, one };
    }
    const indexTypes: string[] = [];
    const indexPrecs: number[] = [];
    const patterns: string[] = [];
    if (pp !== undefined) {
      if (isSchemaObject(pp)) {
        const base = `${pointer}/patternProperties/`;
        for (const key of Object.keys(pp)) {
          patterns.push(key);
          indexTypes.push(
            this.described(this.convert(pp[key], base + pointerSegment(key), depth + 1, ind)),
          );
          indexPrecs.push(this.prec);
        }
      } else {
        this.warn(
          `${pointer}/patternProperties`,
          `expected an object, got ${describeValue(pp)} (ignored)`,
        );
      }
    }
    let open = false;
    if (ap === undefined) {
      // A bare `{ "type": "object" }` allows anything; declared properties
      // describe the intended shape, so no index signature is added to them.
      if (props === undefined && pp === undefined) open = true;
    } else if (ap !== false) {
      indexTypes.push(
        this.described(this.convert(ap, `${pointer}/additionalProperties`, depth + 1, ind)),
      );
      indexPrecs.push(this.prec);
    }
    if (indexTypes.length === 0 && lines.length === 0) return { code: "", open };
    let index: string | undefined;
    if (indexTypes.length > 0) {
      index = this.unionOf(indexTypes, indexPrecs);
      if (propTypes !== undefined && propTypes.length > 0 && index !== "unknown") {
        // An index signature must admit every declared property's type.
        const all = [index, ...propTypes];
        if (optional) all.push("undefined");
        const distinct = new Set(all);
        let fits = distinct.size <= 6;
        for (const t of distinct) if (t.includes("\n") || t === "unknown") fits = false;
        index = fits ? this.unionOf(all, all.map(() => UNION)) : "unknown";
      }
    } else if (open) index = "unknown";
    if (index !== undefined) {
      if (index === "unknown" && lines.length === 0 && patterns.length === 0) {
        return { code: "", open: true };
      }
      const signature = `[key: string]: ${index};`;
      if (this.docs && patterns.length > 0) {
        const text = sanitizeCommentText(`Keys matching: ${patterns.join(", ")}`, 300);
        lines.push(jsdoc([text], ind));
      } else if (lines.length === 0 && !index.includes("\n")) {
        return { code: ind + signature, open: true, single: `[key: string]: ${index}` };
      }
      lines.push(ind + signature);
    }
    return { code: lines.join("\n"), open: index !== undefined };
  }

  private arrayType(k: Keywords, pointer: string, depth: number, ind: string): string {
    this.deferred++;
    let type: string;
    const prefixKeyword = Array.isArray(k.prefixItems)
      ? "prefixItems"
      : Array.isArray(k.items)
      ? "items"
      : undefined;
    if (prefixKeyword !== undefined) {
      const prefix = (prefixKeyword === "prefixItems" ? k.prefixItems : k.items) as unknown[];
      const rest = prefixKeyword === "prefixItems" ? k.items : k.additionalItems;
      const restKeyword = prefixKeyword === "prefixItems" ? "items" : "additionalItems";
      const min = typeof k.minItems === "number" ? k.minItems : 0;
      const max = typeof k.maxItems === "number" ? k.maxItems : Infinity;
      const elements: string[] = [];
      const count = Math.min(prefix.length, max);
      for (let i = 0; i < count; i++) {
        const t = this.described(
          this.convert(prefix[i], `${pointer}/${prefixKeyword}/${i}`, depth + 1, ind),
        );
        elements.push(i >= min ? `${paren(t, this.prec, PRIMARY)}?` : t);
      }
      if (rest !== false && max > prefix.length) {
        let r = "unknown";
        let restPrec = PRIMARY;
        if (rest !== undefined && rest !== true) {
          r = this.convert(rest, `${pointer}/${restKeyword}`, depth + 1, ind);
          restPrec = this.prec;
        }
        if (r !== "never") elements.push(`...${paren(r, restPrec, PRIMARY)}[]`);
      }
      type = `[${elements.join(", ")}]`;
    } else {
      const items = k.items;
      let t = "unknown";
      let prec = PRIMARY;
      if (items !== undefined) {
        const plain = this.convert(items, `${pointer}/items`, depth + 1, ind);
        t = this.described(plain);
        // `/** A tag *\/ string[]` would read as if the comment were about the array.
        prec = t === plain ? this.prec : UNION;
      }
      type = `${paren(t, prec, PRIMARY)}[]`;
    }
    this.deferred--;
    this.prec = PRIMARY;
    return type;
  }

  /** A union of the `values` that fit the declared `type` (values that cannot validate are dropped). */
  private enumType(
    values: unknown,
    declared: unknown,
    pointer: string,
    depth: number,
  ): string | undefined {
    if (!Array.isArray(values)) {
      this.warn(pointer, `expected an array, got ${describeValue(values)} (ignored)`);
      return undefined;
    }
    const one = typeof declared === "string" ? declared : undefined;
    const allowed = one === undefined && Array.isArray(declared) &&
        declared.every((t) => typeof t === "string")
      ? declared as string[]
      : undefined;
    const base = this.types.length;
    for (const v of values) {
      if (
        one !== undefined ? !fitsTypeName(v, one) : allowed !== undefined && !fitsType(v, allowed)
      ) {
        continue;
      }
      const type = this.valueType(v, pointer, depth);
      this.types.push(type);
      this.precs.push(this.prec);
    }
    return this.union(base);
  }

  /** The literal type of a JSON value (`const`, `enum` members). Sets `prec`. */
  private valueType(v: unknown, pointer: string, depth: number): string {
    this.prec = PRIMARY;
    switch (typeof v) {
      case "string":
        return tsStringLiteral(v);
      case "boolean":
        return v ? "true" : "false";
      case "number":
        if (!Number.isFinite(v)) return "number";
        if (v < 0) this.prec = UNION; // `-1[]` does not parse
        return formatBound(v);
      case "bigint":
        if (v < 0n) this.prec = UNION;
        return `${v}n`;
      case "object": {
        if (v === null) return "null";
        if (!this.enter(v, pointer, depth)) return "unknown";
        let type: string;
        if (Array.isArray(v)) {
          const items: string[] = [];
          for (const item of v) items.push(this.valueType(item, pointer, depth + 1));
          type = `[${items.join(", ")}]`;
        } else {
          const keys = Object.keys(v);
          const members: string[] = [];
          for (const key of keys) {
            const t = this.valueType((v as Schema)[key], pointer, depth + 1);
            members.push(`${propertyKey(key)}: ${t}`);
          }
          type = keys.length === 0 ? this.recordNever : `{ ${members.join("; ")} }`;
        }
        this.active.pop();
        this.prec = PRIMARY;
        return type;
      }
      default:
        return "unknown";
    }
  }

  /**
   * Records every `$id` (schema resources) and `$anchor` in the schema, and
   * the base URI of each schema object, walking at most
   * {@link MAX_SCHEMA_NODES} objects.
   */
  private indexResources(): void {
    this.indexed = true;
    this.resources = new Map();
    this.anchors = new Map();
    if (!isSchemaObject(this.root)) return;
    // Only objects and arrays are stacked, each with the base URI of its parent.
    const nodes: object[] = [this.root];
    const nodeBases: string[] = [DEFAULT_BASE];
    const seen = new Set<object>();
    this.resources.set(DEFAULT_BASE, this.root);
    while (nodes.length > 0 && seen.size < MAX_SCHEMA_NODES) {
      const node = nodes.pop()!;
      const parentBase = nodeBases.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      if (Array.isArray(node)) {
        for (const item of node) {
          if (typeof item === "object" && item !== null) {
            nodes.push(item);
            nodeBases.push(parentBase);
          }
        }
        continue;
      }
      const schema = node as Schema;
      const first = nodes.length;
      let dollarId: unknown = undefined;
      let plainId: unknown = undefined;
      let anchor: unknown = undefined;
      let dynamicAnchor: unknown = undefined;
      for (const key in schema) {
        const v = schema[key];
        if (typeof v === "object" && v !== null && !DATA_KEYWORDS.has(key)) {
          nodes.push(v);
          nodeBases.push(parentBase);
        }
        if (key.charCodeAt(0) === 36) { // "$"
          if (key === "$id") dollarId = v;
          else if (key === "$anchor") anchor = v;
          else if (key === "$dynamicAnchor") dynamicAnchor = v;
        } else if (key === "id") plainId = v;
      }
      let base = parentBase;
      const id = dollarId ?? plainId;
      if (typeof id === "string" && id !== "") {
        if (id.startsWith("#")) this.anchors.set(`${withoutFragment(base)}#${id.slice(1)}`, schema);
        else {
          const uri = resolveUri(id, base);
          if (uri !== undefined) {
            base = withoutFragment(uri);
            if (!this.resources.has(base)) this.resources.set(base, schema);
            for (let i = first; i < nodes.length; i++) nodeBases[i] = base;
          }
        }
      }
      if (base !== DEFAULT_BASE) (this.bases ??= new Map()).set(schema, base);
      this.addAnchor(base, anchor, schema);
      this.addAnchor(base, dynamicAnchor, schema);
    }
  }

  private addAnchor(base: string, anchor: unknown, schema: Schema): void {
    if (typeof anchor === "string" && anchor !== "") {
      const key = `${base}#${anchor}`;
      if (!this.anchors.has(key)) this.anchors.set(key, schema);
    }
  }

  /**
   * The schema `ref` points to, relative to the current base URI: a JSON
   * pointer, an anchor, or a `$id` of the schema (with an optional fragment).
   * `undefined` when it is not in the schema.
   */
  private lookup(ref: string): unknown {
    if (!this.indexed) {
      this.indexResources();
      // Base URIs read so far were taken as the default one: start over if that was wrong.
      if (this.bases !== undefined) throw RESTART_INDEXED;
    }
    let doc: string;
    let fragment: string;
    if (ref.charCodeAt(0) === 35 && PLAIN_FRAGMENT.test(ref)) {
      // What resolveUri gives, without building the absolute URI.
      doc = this.base;
      fragment = ref.slice(1);
    } else {
      const uri = resolveUri(ref, this.base);
      if (uri === undefined) return undefined;
      const hash = uri.indexOf("#");
      doc = hash < 0 ? uri : uri.slice(0, hash);
      fragment = hash < 0 ? "" : uri.slice(hash + 1);
    }
    const resource = this.resources.get(doc);
    if (resource === undefined) return undefined;
    if (fragment === "") return resource;
    if (!fragment.startsWith("/")) {
      let anchor = fragment;
      try {
        anchor = decodeURIComponent(fragment);
      } catch { /* keep it as written */ }
      return this.anchors.get(`${doc}#${anchor}`);
    }
    let target: unknown = resource;
    for (const seg of pointerSegments(`#${fragment}`)) {
      if (Array.isArray(target)) {
        const i = /^(?:0|[1-9][0-9]*)$/.test(seg) ? Number(seg) : -1;
        if (i < 0 || i >= target.length) return undefined;
        target = target[i];
      } else if (isSchemaObject(target) && Object.hasOwn(target, seg)) {
        target = target[seg];
      } else return undefined;
    }
    return target;
  }

  /** The type a reference stands for; queues a named declaration on first sight. */
  private reference(ref: string, pointer: string): string {
    this.prec = PRIMARY;
    const target = this.lookup(ref);
    if (target === undefined && !ref.startsWith("#")) {
      const uri = resolveUri(ref, this.base);
      if (uri === undefined || !this.resources.has(withoutFragment(uri))) {
        this.warn(pointer, `external reference ${quote(ref)} is not supported (used unknown)`);
        return "unknown";
      }
    }
    if (target === true) return "unknown";
    if (target === false) return "never";
    if (!isSchemaObject(target)) {
      this.warn(
        pointer,
        target === undefined
          ? `reference ${quote(ref)} cannot be resolved (used unknown)`
          : `reference ${quote(ref)} points to ${describeValue(target)} (used unknown)`,
      );
      return "unknown";
    }
    const named = this.names();
    let name = named.get(target);
    if (name === undefined) {
      const key = refKey(ref);
      name = this.newName(key);
      named.set(target, name);
      this.queue.push({ name, schema: target, pointer: ref, key });
    }
    if (this.deferred === 0) (this.direct ??= new Set()).add(name);
    return name;
  }

  private newName(key: string): string {
    let part = key === "" ? "Def" : toPascalIdentifier(key);
    if (part.length > MAX_NAME_PART) part = part.slice(0, MAX_NAME_PART);
    const stem = this.rootName + part;
    let name = stem;
    if (this.used === undefined) {
      this.used = new Set();
      for (const reserved of this.reserved) this.used.add(reserved.toLowerCase());
      this.used.add(this.rootName.toLowerCase());
    }
    for (let n = 2; this.used.has(name.toLowerCase()); n++) name = `${stem}_${n}`;
    this.used.add(name.toLowerCase());
    return name;
  }

  /**
   * A type alias may not reach itself without passing through an object,
   * array or tuple type (`type A = B | string; type B = A`). Such aliases
   * become `unknown`.
   */
  private breakAliasCycles(decls: Declaration[]): void {
    const byName = new Map<string, Declaration>();
    for (const d of decls) byName.set(d.name, d);
    const pending = new Map<string, number>();
    const dependents = new Map<string, string[]>();
    const done: string[] = [];
    for (const d of decls) {
      let n = 0;
      for (const target of d.direct ?? []) {
        if (!byName.has(target)) continue;
        n++;
        const list = dependents.get(target);
        if (list) list.push(d.name);
        else dependents.set(target, [d.name]);
      }
      pending.set(d.name, n);
      if (n === 0) done.push(d.name);
    }
    for (let i = 0; i < done.length; i++) {
      for (const dependent of dependents.get(done[i]) ?? []) {
        const n = pending.get(dependent)! - 1;
        pending.set(dependent, n);
        if (n === 0) done.push(dependent);
      }
    }
    if (done.length === decls.length) return;
    for (const d of decls) {
      if (pending.get(d.name) === 0) continue;
      this.warn(d.pointer, `type ${quote(d.name)} refers to itself directly (used unknown)`);
      d.code = `export type ${d.name} = unknown;`;
    }
  }

  /**
   * JSDoc lines for a schema. A title is left out when it only repeats `key`
   * (the property or `$defs` name), and always when `key` is `null`.
   */
  private docLines(k: Keywords, key: string | null): string[] {
    // Read at once by `jsdoc`, so one array serves every comment.
    const lines = this.docBuffer;
    while (lines.length > 0) lines.pop();
    const title = k.title;
    const description = k.description;
    if (
      typeof title === "string" && title !== "" && title !== description && key !== null &&
      (key === undefined || !sameWords(title, key))
    ) lines.push(sanitizeCommentText(title, 300));
    if (typeof description === "string" && description !== "") {
      lines.push(sanitizeCommentText(description));
    }
    if (k.bounds) {
      const constraints = this.constraints(k);
      if (constraints !== "") lines.push(constraints);
    }
    if (k.hasDefault) {
      const json = jsonForComment(k.defaultValue);
      if (json !== undefined) lines.push(`@default ${json}`);
    }
    const examples = k.examples;
    if (Array.isArray(examples)) {
      for (let i = 0; i < examples.length && i < 3; i++) {
        const json = jsonForComment(examples[i]);
        if (json !== undefined) lines.push(`@example ${json}`);
      }
    } else if (k.hasExample) {
      const json = jsonForComment(k.example);
      if (json !== undefined) lines.push(`@example ${json}`);
    }
    if (k.deprecated === true) lines.push("@deprecated");
    return lines;
  }

  /** One short line: format, integer, numeric, length and item bounds, pattern. */
  private constraints(k: Keywords): string {
    // Parts joined by ", ", the first one capitalized. Only `format` and
    // `pattern` carry text from the schema that may need sanitizing.
    let line = "";
    let text = false;
    if (typeof k.format === "string") {
      line = `Format: ${k.format}`;
      text = true;
    }
    const type = k.type;
    if (type === "integer" || (Array.isArray(type) && type.includes("integer"))) {
      line = line === "" ? "Integer" : `${line}, integer`;
    }
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = k;
    if (typeof minimum === "number" && minimum > Number.MIN_SAFE_INTEGER) {
      const part = `${exclusiveMinimum === true ? ">" : ">="} ${formatBound(minimum)}`;
      line = line === "" ? part : `${line}, ${part}`;
    }
    if (typeof exclusiveMinimum === "number") {
      const part = `> ${formatBound(exclusiveMinimum)}`;
      line = line === "" ? part : `${line}, ${part}`;
    }
    if (typeof maximum === "number" && maximum < Number.MAX_SAFE_INTEGER) {
      const part = `${exclusiveMaximum === true ? "<" : "<="} ${formatBound(maximum)}`;
      line = line === "" ? part : `${line}, ${part}`;
    }
    if (typeof exclusiveMaximum === "number") {
      const part = `< ${formatBound(exclusiveMaximum)}`;
      line = line === "" ? part : `${line}, ${part}`;
    }
    if (typeof k.multipleOf === "number") {
      const n = formatBound(k.multipleOf);
      line = line === "" ? `Multiple of ${n}` : `${line}, multiple of ${n}`;
    }
    if (typeof k.minLength === "number" && k.minLength > 0) {
      line = line === "" ? `Length >= ${k.minLength}` : `${line}, length >= ${k.minLength}`;
    }
    if (typeof k.maxLength === "number") {
      line = line === "" ? `Length <= ${k.maxLength}` : `${line}, length <= ${k.maxLength}`;
    }
    if (typeof k.minItems === "number" && k.minItems > 0) {
      line = line === "" ? `Items >= ${k.minItems}` : `${line}, items >= ${k.minItems}`;
    }
    if (typeof k.maxItems === "number") {
      line = line === "" ? `Items <= ${k.maxItems}` : `${line}, items <= ${k.maxItems}`;
    }
    if (k.uniqueItems === true) line = line === "" ? "Unique items" : `${line}, unique items`;
    if (typeof k.pattern === "string") {
      line = line === "" ? `Pattern: ${k.pattern}` : `${line}, pattern: ${k.pattern}`;
      text = true;
    }
    // Numbers and fixed words are safe as they are, but may exceed the cap.
    return text || line.length > 300 ? sanitizeCommentText(line, 300) : line;
  }
}

/**
 * Converts a JSON Schema to exported TypeScript declarations.
 *
 * Choices:
 * - An object schema becomes `export interface <rootName> { … }`; anything
 *   else becomes `export type <rootName> = …;`.
 * - Objects: properties in schema order, `?` unless listed in `required`;
 *   names that are not identifiers are quoted. `additionalProperties: true`
 *   or a schema, and `patternProperties`, add an index signature (the
 *   patterns named in its comment); when properties are declared too, the
 *   index type is widened to admit them (`unknown` when that would be long).
 *   Without `additionalProperties`, declared properties are taken as the
 *   whole shape (no index signature). No properties at all: a bare
 *   `{ "type": "object" }` becomes `Record<string, unknown>`; an object with
 *   `properties: {}` or `additionalProperties: false` becomes
 *   `Record<string, never>` (only `{}` fits).
 * - An `undefined` or `null` schema (a tool without an input schema) becomes
 *   `Record<string, unknown>`, without a warning.
 * - `integer` becomes `number` (its JSDoc says "integer"); `format`, bounds
 *   and `pattern` only go to the JSDoc.
 * - `enum`/`const` become literal types; `anyOf`/`oneOf` unions; `allOf`
 *   (and keywords next to a `$ref`) intersections; `type: [..]` with `"null"`
 *   and OpenAPI `nullable: true` add `| null`.
 * - Tuples (`prefixItems`, or `items: [..]`): elements from index `minItems`
 *   (default 0) on are optional; a rest element `...T[]` follows unless
 *   `items`/`additionalItems` is `false` or `maxItems` forbids it.
 * - Every referenced subschema becomes a named type `<rootName><Name>`,
 *   `Name` from the `$defs`/`definitions` key or from the whole pointer,
 *   deduplicated with `_2`, `_3`, …; `#` refers to the root. A root that only
 *   refers to another schema (`{ "$ref": "#/$defs/Main" }`) is that schema.
 * - `true` is `unknown`, `false` is `never`. External, anchor and
 *   unresolvable references, garbage where a schema belongs, nesting deeper
 *   than `maxDepth`, schema objects that contain themselves, more than
 *   {@link MAX_SCHEMA_NODES} subschemas, and type aliases that refer to
 *   themselves directly become `unknown` with a warning.
 * - All text from the schema is sanitized ({@link sanitizeCommentText},
 *   {@link tsStringLiteral}); the output is the same string for the same input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { schemaToTypeScript } from "./json_schema_to_ts.ts";
 * const { code } = schemaToTypeScript({
 *   type: "object",
 *   properties: { a: { type: "number", description: "First number" }, b: { type: "number" } },
 *   required: ["a"],
 * }, "GetSumInput");
 * assert.equal(
 *   code,
 *   "export interface GetSumInput {\n  /** First number *\/\n  a: number;\n  b?: number;\n}\n",
 * );
 * ```
 *
 * @param schema The JSON Schema, as parsed JSON (anything is accepted).
 * @param rootName Name of the root type: an identifier, not a reserved word.
 * @param options See {@link SchemaToTypeScriptOptions}.
 * @returns The declarations and any warnings.
 * @throws {TypeError} When `rootName` is not a usable type name.
 */
export function schemaToTypeScript(
  schema: unknown,
  rootName: string,
  options: SchemaToTypeScriptOptions = {},
): SchemaConversion {
  if (
    !isIdentifier(rootName) || TS_RESERVED_TYPE_NAMES.has(rootName) ||
    RESERVED_IDENTIFIERS.has(rootName)
  ) {
    throw new TypeError(
      `Cannot use ${quote(rootName)} as a type name: expected an identifier that is not reserved`,
    );
  }
  const { declarations, acceptsEmptyObject, warnings } = schemaDeclarations(
    schema,
    rootName,
    options,
  );
  return { code: declarations + "\n", rootName, acceptsEmptyObject, warnings };
}

/**
 * What {@link schemaToTypeScript} gives, with the declarations not ending in
 * a line break.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { declarations } = schemaDeclarations({ type: "string" }, "Name");
 * assert.equal(declarations, "export type Name = string;");
 * ```
 */
export interface SchemaDeclarations {
  /** See {@link SchemaConversion.code}; no final line break. */
  declarations: string;
  /** See {@link SchemaConversion.acceptsEmptyObject}. */
  acceptsEmptyObject: boolean;
  /** See {@link SchemaConversion.warnings}. */
  warnings: string[];
}

/**
 * {@link schemaToTypeScript} for a `rootName` the caller knows to be a
 * usable type name (it is not checked), returning the declarations without
 * the final line break: the form the code generator puts in templates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const { declarations } = schemaDeclarations({ type: "object" }, "GetSumInput", { compact: true });
 * assert.equal(declarations, "export type GetSumInput = Record<string, unknown>;");
 * ```
 *
 * @param schema The JSON Schema, as parsed JSON (anything is accepted).
 * @param rootName Name of the root type: an identifier, not a reserved word.
 * @param options See {@link SchemaToTypeScriptOptions}.
 * @throws {RangeError} When `maxDepth` is not a positive integer.
 */
export function schemaDeclarations(
  schema: unknown,
  rootName: string,
  options: SchemaToTypeScriptOptions = {},
): SchemaDeclarations {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new RangeError(`Cannot use ${maxDepth} as maxDepth: expected a positive integer`);
  }
  const reserved = options.reservedNames === undefined ? [] : [...options.reservedNames];
  const docs = options.description ?? true;
  const indent = options.indent ?? "  ";
  const compact = options.compact ?? false;
  const pool = sharedKeywordPool ?? [];
  sharedKeywordPool = undefined;
  let converter: Converter | undefined;
  let used = 0;
  const convert = (indexed: boolean) => {
    converter = new Converter(
      schema,
      rootName,
      docs,
      maxDepth,
      reserved,
      indent,
      compact,
      indexed,
      pool,
    );
    return converter.run();
  };
  try {
    return convert(false);
  } catch (error) {
    if (error !== RESTART_INDEXED) throw error;
    used = converter!.poolDepth;
    return convert(true);
  } finally {
    // Hold no part of this schema, and no more objects than common depths need.
    used = Math.max(used, converter?.poolDepth ?? pool.length);
    for (let i = 0; i < used && i < pool.length; i++) pool[i].reset();
    if (pool.length > DEFAULT_MAX_DEPTH) pool.length = DEFAULT_MAX_DEPTH;
    sharedKeywordPool = pool;
  }
}
