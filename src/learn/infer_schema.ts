/**
 * Infers a JSON Schema from sample values, and merges schemas inferred from
 * more samples: the shapes of real responses of tools that declare no
 * `outputSchema`.
 *
 * The inferred schemas use a small subset of JSON Schema: `type` (`null`,
 * `boolean`, `integer`, `number`, `string`, `array`, `object`), `items`,
 * `properties`, `required` (the keys present in every sample),
 * `additionalProperties` (for objects with many keys, read as maps) and
 * `anyOf` (for values seen with several types). Key order follows first
 * sight, so the same samples give the same schema.
 *
 * @module
 */

/**
 * A schema produced by {@link schemaOf} and {@link mergeSchemas}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const schema: InferredSchema = schemaOf({ count: 3 });
 * assert.equal(schema.type, "object");
 * ```
 */
export type InferredSchema = Record<string, unknown>;

/** Objects with more keys than this are read as maps (`additionalProperties`). */
export const MAX_LEARNED_PROPERTIES = 40;
/** Nesting below this depth is left open (`{}`). */
export const MAX_LEARNED_DEPTH = 8;
const MAX_VARIANTS = 6;

/**
 * The schema of one JSON value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { schemaOf } from "./infer_schema.ts";
 * assert.deepEqual(schemaOf({ n: 1, tags: ["a"] }), {
 *   type: "object",
 *   properties: { n: { type: "integer" }, tags: { type: "array", items: { type: "string" } } },
 *   required: ["n", "tags"],
 * });
 * ```
 */
export function schemaOf(value: unknown, depth = 0): InferredSchema {
  if (depth > MAX_LEARNED_DEPTH) return {};
  if (value === null) return { type: "null" };
  switch (typeof value) {
    case "boolean":
      return { type: "boolean" };
    case "number":
      return { type: Number.isInteger(value) ? "integer" : "number" };
    case "string":
      return { type: "string" };
    case "object":
      break;
    default:
      return {};
  }
  if (Array.isArray(value)) {
    let items: InferredSchema | undefined;
    for (const item of value) {
      const s = schemaOf(item, depth + 1);
      items = items === undefined ? s : mergeSchemas(items, s, depth + 1);
    }
    return items === undefined ? { type: "array" } : { type: "array", items };
  }
  const keys = Object.keys(value as object);
  if (keys.length > MAX_LEARNED_PROPERTIES) {
    let values: InferredSchema | undefined;
    for (const key of keys) {
      const s = schemaOf((value as Record<string, unknown>)[key], depth + 1);
      values = values === undefined ? s : mergeSchemas(values, s, depth + 1);
    }
    return { type: "object", additionalProperties: values ?? {} };
  }
  const properties: Record<string, InferredSchema> = {};
  for (const key of keys) {
    properties[key] = schemaOf((value as Record<string, unknown>)[key], depth + 1);
  }
  return { type: "object", properties, required: keys };
}

function kind(s: InferredSchema): string {
  return typeof s.type === "string" ? s.type : s.anyOf !== undefined ? "anyOf" : "any";
}

/**
 * A schema that admits every value either schema admits (as far as the
 * subset goes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeSchemas, schemaOf } from "./infer_schema.ts";
 * assert.deepEqual(mergeSchemas(schemaOf({ a: 1 }), schemaOf({ a: 1.5, b: "x" })), {
 *   type: "object",
 *   properties: { a: { type: "number" }, b: { type: "string" } },
 *   required: ["a"],
 * });
 * ```
 */
export function mergeSchemas(a: InferredSchema, b: InferredSchema, depth = 0): InferredSchema {
  const ka = kind(a);
  const kb = kind(b);
  if (ka === "any" || kb === "any" || depth > MAX_LEARNED_DEPTH) return {};
  if (ka === "anyOf" || kb === "anyOf" || ka !== kb) {
    if ((ka === "integer" && kb === "number") || (ka === "number" && kb === "integer")) {
      return { type: "number" };
    }
    const variants = [
      ...(ka === "anyOf" ? a.anyOf as InferredSchema[] : [a]),
    ];
    for (const v of kb === "anyOf" ? b.anyOf as InferredSchema[] : [b]) {
      const i = variants.findIndex((x) => {
        const k = kind(x);
        const kv = kind(v);
        return k === kv || (k === "integer" && kv === "number") ||
          (k === "number" && kv === "integer");
      });
      if (i < 0) variants.push(v);
      else variants[i] = mergeSchemas(variants[i], v, depth + 1);
    }
    return variants.length > MAX_VARIANTS ? {} : { anyOf: variants };
  }
  if (ka === "array") {
    if (a.items === undefined) return b;
    if (b.items === undefined) return a;
    return {
      type: "array",
      items: mergeSchemas(a.items as InferredSchema, b.items as InferredSchema, depth + 1),
    };
  }
  if (ka !== "object") return a;
  const mapA = a.additionalProperties as InferredSchema | undefined;
  const mapB = b.additionalProperties as InferredSchema | undefined;
  const propsA = (a.properties ?? {}) as Record<string, InferredSchema>;
  const propsB = (b.properties ?? {}) as Record<string, InferredSchema>;
  const keys = [...new Set([...Object.keys(propsA), ...Object.keys(propsB)])];
  if (mapA !== undefined || mapB !== undefined || keys.length > MAX_LEARNED_PROPERTIES) {
    let values: InferredSchema | undefined = mapA ?? mapB;
    for (const s of [...Object.values(propsA), ...Object.values(propsB), mapB ?? mapA!]) {
      if (s === undefined) continue;
      values = values === undefined ? s : mergeSchemas(values, s, depth + 1);
    }
    return { type: "object", additionalProperties: values ?? {} };
  }
  const properties: Record<string, InferredSchema> = {};
  for (const key of keys) {
    const pa = propsA[key];
    const pb = propsB[key];
    properties[key] = pa === undefined
      ? pb
      : pb === undefined
      ? pa
      : mergeSchemas(pa, pb, depth + 1);
  }
  const reqB = new Set((b.required ?? []) as string[]);
  const required = ((a.required ?? []) as string[]).filter((k) => reqB.has(k));
  return { type: "object", properties, required };
}
