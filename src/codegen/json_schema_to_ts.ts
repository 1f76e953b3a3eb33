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

/** The result of {@link schemaToTypeScript}. */
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
   * Human-readable warnings about parts of the schema that could not be
   * expressed, such as
   * `Unsupported schema at "#/properties/x": expected a schema, got number (used unknown)`.
   * At most 100, the last one counting the rest.
   */
  warnings: string[];
}

/** Options of {@link schemaToTypeScript}. */
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
   * Names already declared in the module the code goes into; named helper
   * types avoid them (compared case-insensitively).
   */
  reservedNames?: Iterable<string>;
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

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const NON_WORD = /[^a-z0-9]/g;
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
  /** Named types referenced outside any object, array or tuple type. */
  direct: Set<string>;
}

interface Pending {
  name: string;
  schema: Schema;
  pointer: string;
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

function propertyKey(key: string): string {
  return IDENTIFIER.test(key) ? key : tsStringLiteral(key);
}

function paren(type: string, prec: number, min: number): string {
  return prec < min ? `(${type})` : type;
}

function isPlainObjectSchema(s: Schema): boolean {
  const type = s.type;
  if (type === undefined) {
    if (
      s.properties === undefined && s.additionalProperties === undefined &&
      s.patternProperties === undefined
    ) return false;
  } else if (type !== "object") return false;
  return s.$ref === undefined && s.$recursiveRef === undefined && s.$dynamicRef === undefined &&
    s.enum === undefined && !Object.hasOwn(s, "const") && s.anyOf === undefined &&
    s.oneOf === undefined && s.allOf === undefined && s.nullable !== true;
}

/** Keywords that constrain a schema next to a `$ref` (read as an intersection). */
function hasShapeBesideRef(s: Schema): boolean {
  return s.properties !== undefined || s.patternProperties !== undefined ||
    s.additionalProperties !== undefined || s.items !== undefined ||
    s.prefixItems !== undefined;
}

function sameWords(a: string, b: string): boolean {
  return a.toLowerCase().replace(NON_WORD, "") === b.toLowerCase().replace(NON_WORD, "");
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
  private direct = new Set<string>();
  private nodes = 0;
  private dropped = 0;
  private readonly active = new Set<object>();
  private readonly named = new Map<object, string>();
  private readonly used = new Set<string>();
  private readonly queue: Pending[] = [];
  private readonly recordNever: string;
  private readonly recordUnknown: string;

  constructor(
    private readonly root: unknown,
    private readonly rootName: string,
    private readonly docs: boolean,
    private readonly maxDepth: number,
    reserved: Iterable<string>,
  ) {
    for (const name of reserved) this.used.add(name.toLowerCase());
    this.used.add(rootName.toLowerCase());
    // Never lean on the global `Record` when the module declares its own.
    const shadowed = rootName === "Record";
    this.recordNever = shadowed ? "{ [key: string]: never }" : "Record<string, never>";
    this.recordUnknown = shadowed ? "{ [key: string]: unknown }" : "Record<string, unknown>";
  }

  run(): SchemaConversion {
    const decls: Declaration[] = [];
    let root = this.root;
    let rootDoc: Schema | undefined = isSchemaObject(root) ? root : undefined;
    if (isSchemaObject(root)) this.named.set(root, this.rootName);
    // `{ "$ref": "#/$defs/Main", "$defs": {…} }`: `Main` is the root type itself.
    for (let hop = 0; hop < 8 && isSchemaObject(root) && this.isPureRef(root); hop++) {
      const target = this.lookup(root.$ref as string);
      if (!isSchemaObject(target) || this.named.has(target)) break;
      this.named.set(target, this.rootName);
      root = target;
      if (typeof rootDoc?.description !== "string") rootDoc = target;
    }
    if (root === undefined || root === null) {
      decls.push({
        name: this.rootName,
        pointer: "#",
        code: `export type ${this.rootName} = ${this.recordUnknown};`,
        direct: new Set(),
      });
    } else decls.push(this.declare(this.rootName, root, "#", rootDoc, null));
    for (let i = 0; i < this.queue.length; i++) {
      const { name, schema, pointer } = this.queue[i];
      const segments = pointerSegments(pointer);
      decls.push(this.declare(name, schema, pointer, schema, segments[segments.length - 1]));
    }
    this.breakAliasCycles(decls);
    const code = decls.map((d) => d.code).join("\n\n") + "\n";
    if (this.dropped > 0) this.warnings.push(`${this.dropped} more warnings were left out`);
    return { code, rootName: this.rootName, warnings: this.warnings };
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
    this.direct = new Set();
    this.deferred = 0;
    const comment = this.docs && doc ? jsdoc(this.docLines(doc, key)) : "";
    let body: string | undefined;
    if (isSchemaObject(schema) && isPlainObjectSchema(schema) && this.enter(schema, pointer, 0)) {
      this.deferred = 1;
      const members = this.members(schema, pointer, 0, "  ");
      this.deferred = 0;
      this.active.delete(schema);
      if (members.code === "") {
        body = `export type ${name} = ${members.open ? this.recordUnknown : this.recordNever};`;
      } else body = `export interface ${name} {\n${members.code}\n}`;
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
    if (this.active.has(s)) {
      this.warn(pointer, "the schema object contains itself (used unknown)");
      return false;
    }
    this.active.add(s);
    return true;
  }

  /** Converts any schema value to a type expression; sets `prec`. */
  private convert(s: unknown, pointer: string, depth: number, ind: string): string {
    this.prec = PRIMARY;
    if (s === true) return "unknown";
    if (s === false) return "never";
    if (!isSchemaObject(s)) {
      this.warn(pointer, `expected a schema, got ${describeValue(s)} (used unknown)`);
      return "unknown";
    }
    if (!this.enter(s, pointer, depth)) return "unknown";
    const type = this.convertObject(s, pointer, depth, ind);
    this.active.delete(s);
    return type;
  }

  private convertObject(s: Schema, pointer: string, depth: number, ind: string): string {
    const parts: string[] = [];
    const precs: number[] = [];
    const add = (t: string | undefined) => {
      if (t === undefined) return;
      parts.push(t);
      precs.push(this.prec);
    };
    let ref: unknown = s.$ref;
    let refKeyword = "$ref";
    if (ref === undefined && s.$recursiveRef !== undefined) {
      ref = s.$recursiveRef;
      refKeyword = "$recursiveRef";
    }
    if (ref === undefined && s.$dynamicRef !== undefined) {
      ref = s.$dynamicRef;
      refKeyword = "$dynamicRef";
    }
    if (ref !== undefined) {
      if (typeof ref === "string") add(this.reference(ref, `${pointer}/${refKeyword}`));
      else {
        this.warn(`${pointer}/${refKeyword}`, `expected a string, got ${describeValue(ref)}`);
      }
    }
    if (Object.hasOwn(s, "const")) add(this.valueType(s.const, `${pointer}/const`, depth + 1));
    else if (s.enum !== undefined) add(this.enumType(s.enum, `${pointer}/enum`, depth + 1));
    else if (ref === undefined || hasShapeBesideRef(s)) add(this.typed(s, pointer, depth, ind));
    const allOf = s.allOf;
    if (Array.isArray(allOf)) {
      for (let i = 0; i < allOf.length; i++) {
        add(this.convert(allOf[i], `${pointer}/allOf/${i}`, depth + 1, ind));
      }
    } else if (allOf !== undefined) {
      this.warn(`${pointer}/allOf`, `expected an array, got ${describeValue(allOf)} (ignored)`);
    }
    add(this.alternatives(s, "anyOf", pointer, depth, ind));
    add(this.alternatives(s, "oneOf", pointer, depth, ind));
    let type = this.intersection(parts, precs);
    if (s.nullable === true && type !== "unknown" && type !== "null") {
      type = type === "never" ? "null" : `${type} | null`;
      this.prec = type === "null" ? PRIMARY : UNION;
    }
    return type;
  }

  private alternatives(
    s: Schema,
    keyword: "anyOf" | "oneOf",
    pointer: string,
    depth: number,
    ind: string,
  ): string | undefined {
    const list = s[keyword];
    if (list === undefined) return undefined;
    if (!Array.isArray(list)) {
      this.warn(`${pointer}/${keyword}`, `expected an array, got ${describeValue(list)} (ignored)`);
      return undefined;
    }
    const types: string[] = [];
    const precs: number[] = [];
    for (let i = 0; i < list.length; i++) {
      types.push(this.convert(list[i], `${pointer}/${keyword}/${i}`, depth + 1, ind));
      precs.push(this.prec);
    }
    return this.union(types, precs);
  }

  /** Joins alternatives; `unknown` absorbs, `never` vanishes, duplicates go. Sets `prec`. */
  private union(types: string[], precs: number[]): string {
    const seen = new Set<string>();
    let lastPrec = PRIMARY;
    for (let i = 0; i < types.length; i++) {
      const t = types[i];
      if (t === "unknown") {
        this.prec = PRIMARY;
        return "unknown";
      }
      if (t !== "never" && !seen.has(t)) {
        seen.add(t);
        lastPrec = precs[i];
      }
    }
    if (seen.size === 0) {
      this.prec = PRIMARY;
      return "never";
    }
    if (seen.size === 1) {
      this.prec = lastPrec;
      return seen.values().next().value!;
    }
    this.prec = UNION;
    return [...seen].join(" | ");
  }

  /** Joins constraints; `never` absorbs, `unknown` vanishes, duplicates go. Sets `prec`. */
  private intersection(types: string[], precs: number[]): string {
    if (types.length === 1) {
      this.prec = precs[0];
      return types[0];
    }
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
  private typed(s: Schema, pointer: string, depth: number, ind: string): string | undefined {
    let type = s.type;
    if (type === undefined) {
      if (
        s.properties !== undefined || s.additionalProperties !== undefined ||
        s.patternProperties !== undefined
      ) type = "object";
      else if (s.items !== undefined || s.prefixItems !== undefined) type = "array";
      else return undefined;
    }
    if (typeof type === "string") return this.typeName(type, s, pointer, depth, ind);
    if (Array.isArray(type)) {
      const types: string[] = [];
      const precs: number[] = [];
      for (let i = 0; i < type.length; i++) {
        const t = type[i];
        if (typeof t === "string") types.push(this.typeName(t, s, pointer, depth, ind));
        else {
          this.warn(`${pointer}/type/${i}`, `expected a string, got ${describeValue(t)} (ignored)`);
          this.prec = PRIMARY;
          types.push("never");
        }
        precs.push(this.prec);
      }
      return this.union(types, precs);
    }
    this.warn(
      `${pointer}/type`,
      `expected a string or an array, got ${describeValue(type)} (ignored)`,
    );
    return undefined;
  }

  private typeName(t: string, s: Schema, pointer: string, depth: number, ind: string): string {
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
        return this.objectType(s, pointer, depth, ind);
      case "array":
        return this.arrayType(s, pointer, depth, ind);
      default:
        this.warn(`${pointer}/type`, `unknown type ${quote(t)} (used unknown)`);
        return "unknown";
    }
  }

  private objectType(s: Schema, pointer: string, depth: number, ind: string): string {
    this.deferred++;
    const members = this.members(s, pointer, depth, `${ind}  `);
    this.deferred--;
    this.prec = PRIMARY;
    if (members.code === "") return members.open ? this.recordUnknown : this.recordNever;
    if (members.single !== undefined) return `{ ${members.single} }`;
    return `{\n${members.code}\n${ind}}`;
  }

  /**
   * The members of an object type, one per line at `ind`. `open` tells an
   * empty result from an object that allows any key; `single` is set when the
   * only member is an undocumented index signature.
   */
  private members(
    s: Schema,
    pointer: string,
    depth: number,
    ind: string,
  ): { code: string; open: boolean; single?: string } {
    const lines: string[] = [];
    const props = s.properties;
    let propTypes: string[] | undefined;
    let optional = false;
    if (props !== undefined) {
      if (isSchemaObject(props)) {
        const required = Array.isArray(s.required) && s.required.length > 0
          ? new Set<unknown>(s.required)
          : undefined;
        const base = `${pointer}/properties/`;
        for (const key of Object.keys(props)) {
          const ps = props[key];
          const type = this.convert(ps, base + pointerSegment(key), depth + 1, ind);
          const opt = required === undefined || !required.has(key);
          if (this.docs && isSchemaObject(ps)) {
            const comment = jsdoc(this.docLines(ps, key), ind);
            if (comment !== "") lines.push(comment);
          }
          lines.push(`${ind}${propertyKey(key)}${opt ? "?" : ""}: ${type};`);
          (propTypes ??= []).push(type);
          if (opt) optional = true;
        }
      } else {
        this.warn(
          `${pointer}/properties`,
          `expected an object, got ${describeValue(props)} (ignored)`,
        );
      }
    }

    const indexTypes: string[] = [];
    const indexPrecs: number[] = [];
    const patterns: string[] = [];
    const pp = s.patternProperties;
    if (pp !== undefined) {
      if (isSchemaObject(pp)) {
        const base = `${pointer}/patternProperties/`;
        for (const key of Object.keys(pp)) {
          patterns.push(key);
          indexTypes.push(this.convert(pp[key], base + pointerSegment(key), depth + 1, ind));
          indexPrecs.push(this.prec);
        }
      } else {
        this.warn(
          `${pointer}/patternProperties`,
          `expected an object, got ${describeValue(pp)} (ignored)`,
        );
      }
    }
    let ap = s.additionalProperties;
    if (ap === undefined && s.unevaluatedProperties === false) ap = false;
    let open = false;
    if (ap === undefined) {
      // A bare `{ "type": "object" }` allows anything; declared properties
      // describe the intended shape, so no index signature is added to them.
      if (props === undefined && pp === undefined) open = true;
    } else if (ap !== false) {
      indexTypes.push(this.convert(ap, `${pointer}/additionalProperties`, depth + 1, ind));
      indexPrecs.push(this.prec);
    }
    if (indexTypes.length === 0 && lines.length === 0) return { code: "", open };
    let index: string | undefined;
    if (indexTypes.length > 0) {
      index = this.union(indexTypes, indexPrecs);
      if (propTypes !== undefined && index !== "unknown") {
        // An index signature must admit every declared property's type.
        const all = [index, ...propTypes];
        if (optional) all.push("undefined");
        const distinct = new Set(all);
        let fits = distinct.size <= 6;
        for (const t of distinct) if (t.includes("\n") || t === "unknown") fits = false;
        index = fits ? this.union(all, all.map(() => UNION)) : "unknown";
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

  private arrayType(s: Schema, pointer: string, depth: number, ind: string): string {
    this.deferred++;
    let type: string;
    const prefixKeyword = Array.isArray(s.prefixItems)
      ? "prefixItems"
      : Array.isArray(s.items)
      ? "items"
      : undefined;
    if (prefixKeyword !== undefined) {
      const prefix = s[prefixKeyword] as unknown[];
      const rest = prefixKeyword === "prefixItems" ? s.items : s.additionalItems;
      const restKeyword = prefixKeyword === "prefixItems" ? "items" : "additionalItems";
      const min = typeof s.minItems === "number" ? s.minItems : 0;
      const max = typeof s.maxItems === "number" ? s.maxItems : Infinity;
      const elements: string[] = [];
      const count = Math.min(prefix.length, max);
      for (let i = 0; i < count; i++) {
        const t = this.convert(prefix[i], `${pointer}/${prefixKeyword}/${i}`, depth + 1, ind);
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
      const items = s.items;
      const t = items === undefined
        ? "unknown"
        : this.convert(items, `${pointer}/items`, depth + 1, ind);
      type = `${paren(t, items === undefined ? PRIMARY : this.prec, PRIMARY)}[]`;
    }
    this.deferred--;
    this.prec = PRIMARY;
    return type;
  }

  private enumType(values: unknown, pointer: string, depth: number): string | undefined {
    if (!Array.isArray(values)) {
      this.warn(pointer, `expected an array, got ${describeValue(values)} (ignored)`);
      return undefined;
    }
    const types: string[] = [];
    const precs: number[] = [];
    for (const v of values) {
      types.push(this.valueType(v, pointer, depth));
      precs.push(this.prec);
    }
    return this.union(types, precs);
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
        this.active.delete(v);
        this.prec = PRIMARY;
        return type;
      }
      default:
        return "unknown";
    }
  }

  private lookup(ref: string): unknown {
    if (ref === "#") return this.root;
    if (!ref.startsWith("#/")) return undefined;
    let target: unknown = this.root;
    for (const seg of pointerSegments(ref)) {
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
    if (!ref.startsWith("#")) {
      this.warn(pointer, `external reference ${quote(ref)} is not supported (used unknown)`);
      return "unknown";
    }
    if (ref !== "#" && !ref.startsWith("#/")) {
      this.warn(pointer, `anchor reference ${quote(ref)} is not supported (used unknown)`);
      return "unknown";
    }
    const target = this.lookup(ref);
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
    let name = this.named.get(target);
    if (name === undefined) {
      name = this.newName(ref);
      this.named.set(target, name);
      this.queue.push({ name, schema: target, pointer: ref });
    }
    if (this.deferred === 0) this.direct.add(name);
    return name;
  }

  private newName(ref: string): string {
    const segments = pointerSegments(ref);
    const base = segments.length === 2 && (segments[0] === "$defs" || segments[0] === "definitions")
      ? segments[1]
      : segments.join(" ");
    let part = base === "" ? "Def" : toPascalIdentifier(base);
    if (part.length > MAX_NAME_PART) part = part.slice(0, MAX_NAME_PART);
    const stem = this.rootName + part;
    let name = stem;
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
      for (const target of d.direct) {
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
  private docLines(s: Schema, key?: string | null): string[] {
    const lines: string[] = [];
    const title = s.title;
    const description = s.description;
    if (
      typeof title === "string" && title !== "" && title !== description && key !== null &&
      (key === undefined || !sameWords(title, key))
    ) lines.push(sanitizeCommentText(title, 300));
    if (typeof description === "string" && description !== "") {
      lines.push(sanitizeCommentText(description));
    }
    const constraints = this.constraints(s);
    if (constraints !== "") lines.push(constraints);
    if (Object.hasOwn(s, "default")) {
      const json = jsonForComment(s.default);
      if (json !== undefined) lines.push(`@default ${json}`);
    }
    const examples = s.examples;
    if (Array.isArray(examples)) {
      for (let i = 0; i < examples.length && i < 3; i++) {
        const json = jsonForComment(examples[i]);
        if (json !== undefined) lines.push(`@example ${json}`);
      }
    } else if (Object.hasOwn(s, "example")) {
      const json = jsonForComment(s.example);
      if (json !== undefined) lines.push(`@example ${json}`);
    }
    if (s.deprecated === true) lines.push("@deprecated");
    return lines;
  }

  /** One short line: format, integer, numeric, length and item bounds, pattern. */
  private constraints(s: Schema): string {
    let parts: string[] | undefined;
    const push = (text: string) => (parts ??= []).push(text);
    if (typeof s.format === "string") push(`format: ${s.format}`);
    const type = s.type;
    if (type === "integer" || (Array.isArray(type) && type.includes("integer"))) push("integer");
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = s;
    if (typeof minimum === "number" && minimum > Number.MIN_SAFE_INTEGER) {
      push(`${exclusiveMinimum === true ? ">" : ">="} ${formatBound(minimum)}`);
    }
    if (typeof exclusiveMinimum === "number") push(`> ${formatBound(exclusiveMinimum)}`);
    if (typeof maximum === "number" && maximum < Number.MAX_SAFE_INTEGER) {
      push(`${exclusiveMaximum === true ? "<" : "<="} ${formatBound(maximum)}`);
    }
    if (typeof exclusiveMaximum === "number") push(`< ${formatBound(exclusiveMaximum)}`);
    if (typeof s.multipleOf === "number") push(`multiple of ${formatBound(s.multipleOf)}`);
    if (typeof s.minLength === "number" && s.minLength > 0) push(`length >= ${s.minLength}`);
    if (typeof s.maxLength === "number") push(`length <= ${s.maxLength}`);
    if (typeof s.minItems === "number" && s.minItems > 0) push(`items >= ${s.minItems}`);
    if (typeof s.maxItems === "number") push(`items <= ${s.maxItems}`);
    if (s.uniqueItems === true) push("unique items");
    if (typeof s.pattern === "string") push(`pattern: ${s.pattern}`);
    if (parts === undefined) return "";
    const line = parts.join(", ");
    return sanitizeCommentText(line[0].toUpperCase() + line.slice(1), 300);
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
    !IDENTIFIER.test(rootName) || TS_RESERVED_TYPE_NAMES.has(rootName) ||
    RESERVED_IDENTIFIERS.has(rootName)
  ) {
    throw new TypeError(
      `Cannot use ${quote(rootName)} as a type name: expected an identifier that is not reserved`,
    );
  }
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new RangeError(`Cannot use ${maxDepth} as maxDepth: expected a positive integer`);
  }
  return new Converter(
    schema,
    rootName,
    options.description ?? true,
    maxDepth,
    options.reservedNames ?? [],
  ).run();
}
