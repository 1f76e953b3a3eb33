/**
 * The JSON Schema engine behind argument validation: `@hyperjump/json-schema`
 * with drafts 4, 6, 7, 2019-09 and 2020-12 and their formats, set up so that
 * nothing a schema or an instance holds can stall the host or reach outside:
 *
 * - `pattern`, `patternProperties` and `additionalProperties` match with the
 *   linear-time engine of `linear_pattern.ts`. A pattern it cannot express is
 *   skipped (it matches every string) and reported by the caller; the rest of
 *   the schema is still enforced.
 * - `$ref`s resolve only to schemas registered in process: retrieval over
 *   `http:`, `https:` and `file:` is switched off.
 * - A schema is not checked against its meta-schema first: a schema that is a
 *   little off (an empty `prefixItems`) is enforced for what it says.
 * - `format` follows each draft: an assertion in draft-04 to draft-07, an
 *   annotation in 2019-09 and 2020-12.
 *
 * @module
 */

import "@hyperjump/json-schema/draft-04";
import "@hyperjump/json-schema/draft-06";
import "@hyperjump/json-schema/draft-07";
import "@hyperjump/json-schema/draft-2019-09";
import "@hyperjump/json-schema/draft-2020-12";
import "@hyperjump/json-schema/formats";
import * as Browser from "@hyperjump/browser";
import { setShouldValidateSchema } from "@hyperjump/json-schema/draft-2020-12";
import { addKeyword, getKeywordName, Validation } from "@hyperjump/json-schema/experimental";
import * as Instance from "@hyperjump/json-schema/instance/experimental";
import { compilePattern, type LinearPattern } from "../validation/linear_pattern.ts";

export {
  registerSchema,
  unregisterSchema,
  validate as compileSchema,
} from "@hyperjump/json-schema/draft-2020-12";
export { BASIC } from "@hyperjump/json-schema/experimental";

// Servers' schemas are often a little off their meta-schema (an empty `prefixItems`, say):
// enforce what they say rather than nothing.
setShouldValidateSchema(false);

for (const scheme of ["http", "https", "file"]) {
  try {
    Browser.removeUriSchemePlugin(scheme);
  } catch { /* already gone */ }
}

type Node = Parameters<typeof Instance.typeOf>[0];
type SchemaBrowser = Parameters<typeof Browser.value>[0];
// deno-lint-ignore no-explicit-any
type Context = any;

// The engine's keyword API, typed loosely: its declared types do not cover custom keywords.
const defineKeyword = addKeyword as unknown as (handler: Record<string, unknown>) => void;
const compileSub = Validation.compile as unknown as (
  s: SchemaBrowser,
  ast: unknown,
) => Promise<string>;
const interpretSub = Validation.interpret as unknown as (
  uri: string,
  instance: Node,
  context: Context,
) => boolean;

const ANY: LinearPattern = { source: "", test: () => true };
const linear = (source: string): LinearPattern => compilePattern(source) ?? ANY;

defineKeyword({
  id: "https://json-schema.org/keyword/pattern",
  compile: (schema: SchemaBrowser) => linear(Browser.value<string>(schema)),
  interpret: (pattern: LinearPattern, instance: Node) =>
    Instance.typeOf(instance) !== "string" || pattern.test(Instance.value<string>(instance)),
});

defineKeyword({
  id: "https://json-schema.org/keyword/patternProperties",
  compile: async (schema: SchemaBrowser, ast: unknown) => {
    const out: [LinearPattern, string][] = [];
    for await (const [pattern, sub] of Browser.entries(schema)) {
      const compiled = compilePattern(pattern);
      // An inexpressible pattern selects no property (its subschema is not applied), but the
      // properties it would have selected count as defined, below, so none is wrongly refused.
      if (compiled !== undefined) out.push([compiled, await compileSub(sub, ast)]);
    }
    return out;
  },
  interpret: (compiled: [LinearPattern, string][], instance: Node, context: Context) => {
    if (Instance.typeOf(instance) !== "object") return true;
    let valid = true;
    for (const [pattern, schemaUri] of compiled) {
      for (const [nameNode, value] of Instance.entries(instance)) {
        const name = Instance.value<string>(nameNode);
        if (!pattern.test(name)) continue;
        if (!interpretSub(schemaUri, value, context)) valid = false;
        context.evaluatedProperties?.add(name);
      }
    }
    return valid;
  },
  simpleApplicator: true,
});

defineKeyword({
  id: "https://json-schema.org/keyword/additionalProperties",
  compile: async (schema: SchemaBrowser, ast: unknown, parent: SchemaBrowser) => {
    const dialect = (schema as unknown as { document: { dialectId: string } }).document.dialectId;
    const names = new Set<string>();
    const properties = await Browser.step(
      getKeywordName(dialect, "https://json-schema.org/keyword/properties"),
      parent,
    );
    if (Browser.typeOf(properties) === "object") {
      for (const name of Browser.keys(properties)) names.add(name);
    }
    const patterns: LinearPattern[] = [];
    const patternProperties = await Browser.step(
      getKeywordName(dialect, "https://json-schema.org/keyword/patternProperties"),
      parent,
    );
    if (Browser.typeOf(patternProperties) === "object") {
      for (const pattern of Browser.keys(patternProperties)) patterns.push(linear(pattern));
    }
    return [names, patterns, await compileSub(schema, ast)];
  },
  interpret: (
    [names, patterns, schemaUri]: [Set<string>, LinearPattern[], string],
    instance: Node,
    context: Context,
  ) => {
    if (Instance.typeOf(instance) !== "object") return true;
    let valid = true;
    for (const [nameNode, value] of Instance.entries(instance)) {
      const name = Instance.value<string>(nameNode);
      if (names.has(name) || patterns.some((p) => p.test(name))) continue;
      if (!interpretSub(schemaUri, value, context)) valid = false;
      context.evaluatedProperties?.add(name);
    }
    return valid;
  },
  simpleApplicator: true,
});
