/**
 * Stand-in results for calls a dry run records instead of making: a value of
 * the shape the tool's `outputSchema` describes, or content blocks saying
 * the call was not made.
 *
 * @module
 */

/**
 * A value typed as the tool's result: for an `outputSchema`, an object with
 * every required property filled with the simplest value of its type (the
 * schema's `default`, first `enum` value or `const` when given); without
 * one, a text content block.
 *
 * @example
 * ```ts
 * import { placeholderResult } from "./placeholder.ts";
 * placeholderResult("memory", "delete_entities", undefined);
 * // [{ type: "text", text: "[dry run] memory/delete_entities was not called" }]
 * ```
 */
export function placeholderResult(
  server: string,
  tool: string,
  outputSchema: Record<string, unknown> | undefined,
): unknown {
  const note = `[dry run] ${server}/${tool} was not called`;
  if (outputSchema === undefined || outputSchema === null) return [{ type: "text", text: note }];
  return sample(outputSchema, outputSchema, 0, note);
}

function sample(
  schema: unknown,
  root: Record<string, unknown>,
  depth: number,
  note: string,
): unknown {
  if (schema === true || schema === undefined || depth > 16) return null;
  if (typeof schema !== "object" || schema === null) return null;
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === "string" && s.$ref.startsWith("#/")) {
    let target: unknown = root;
    for (const part of s.$ref.slice(2).split("/")) {
      target = (target as Record<string, unknown> | undefined)
        ?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    return sample(target, root, depth + 1, note);
  }
  if ("default" in s) return s.default;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const list = s[key];
    if (Array.isArray(list) && list.length > 0) return sample(list[0], root, depth + 1, note);
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") ?? s.type[0] : s.type;
  switch (type) {
    case "string":
      return depth === 1 ? note : "";
    case "number":
    case "integer":
      return typeof s.minimum === "number" ? s.minimum : 0;
    case "boolean":
      return false;
    case "null":
      return null;
    case "array": {
      const min = typeof s.minItems === "number" ? Math.min(s.minItems, 8) : 0;
      return Array.from({ length: min }, () => sample(s.items, root, depth + 1, note));
    }
    default: {
      if (type !== "object" && s.properties === undefined) return null;
      const out: Record<string, unknown> = {};
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? s.required as string[] : [];
      for (const k of required) out[k] = sample(props[k], root, depth + 1, note);
      return out;
    }
  }
}
