// Speed of the JSON Schema → TypeScript converter over 1,000 tool input
// schemas built from a fixed seed, so every run converts the same input:
// - "realistic": 3–8 top-level properties (strings, integers with bounds,
//   enums with defaults, nullable and date-time strings, string arrays), now
//   and then a nested object or array of objects of 2–4 properties, a shared
//   `$defs` type in one tool out of ten — about 7 properties a tool, a little
//   above the real servers' average;
// - "heavy": nested objects of 3–8 properties two levels deep, about 20
//   properties a tool.
//
//   deno bench -A bench/json_schema_to_ts_bench.ts
import { assignIdentifiers, toCamelIdentifier } from "../src/codegen/identifiers.ts";
import { sanitizeCommentText } from "../src/codegen/jsdoc.ts";
import { schemaToTypeScript } from "../src/codegen/json_schema_to_ts.ts";

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
const WORDS = [
  "path",
  "query",
  "limit",
  "owner",
  "repo",
  "branch",
  "title",
  "body",
  "labels",
  "state",
  "page",
  "per_page",
  "since",
  "recursive",
  "encoding",
  "timeout_ms",
  "include-hidden",
  "sortBy",
];
const SENTENCES = [
  "The path of the file to read, relative to the workspace root",
  "Maximum number of results to return",
  "Whether to include hidden entries",
  "Free-text query matched against names and descriptions",
  "Identifier of the resource",
];

function leaf(): Record<string, unknown> {
  const r = rand();
  const description = rand() < 0.7 ? pick(SENTENCES) : undefined;
  if (r < 0.35) return { type: "string", description };
  if (r < 0.5) return { type: "integer", minimum: 1, maximum: 100, default: 30, description };
  if (r < 0.6) return { type: "boolean", default: false, description };
  if (r < 0.75) return { type: "string", enum: ["open", "closed", "all"], default: "open" };
  if (r < 0.85) return { type: "array", items: { type: "string" }, description };
  if (r < 0.9) return { type: "string", format: "date-time", description };
  return { type: ["string", "null"], description };
}

interface Shape {
  nested: number;
  maxDepth: number;
  nestedMin: number;
  nestedSpread: number;
}

const REALISTIC: Shape = { nested: 0.06, maxDepth: 1, nestedMin: 2, nestedSpread: 3 };
const HEAVY: Shape = { nested: 0.11, maxDepth: 2, nestedMin: 3, nestedSpread: 6 };

function object(shape: Shape, depth: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const count = depth === 0
    ? 3 + Math.floor(rand() * 6)
    : shape.nestedMin + Math.floor(rand() * shape.nestedSpread);
  const required: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${pick(WORDS)}${i}`;
    const r = rand();
    if (depth < shape.maxDepth && r < shape.nested) properties[name] = object(shape, depth + 1);
    else if (depth < shape.maxDepth && r < 2 * shape.nested) {
      properties[name] = {
        type: "array",
        items: object(shape, depth + 1),
        description: pick(SENTENCES),
      };
    } else properties[name] = leaf();
    if (rand() < 0.5) required.push(name);
  }
  return { type: "object", properties, required };
}

function toolSchema(shape: Shape, i: number): Record<string, unknown> {
  const schema = object(shape, 0);
  schema.$schema = "http://json-schema.org/draft-07/schema#";
  if (i % 10 === 0) {
    // Some tools share a definition through $defs.
    (schema.properties as Record<string, unknown>).author = { $ref: "#/$defs/User" };
    schema.$defs = {
      User: {
        type: "object",
        properties: { login: { type: "string" }, id: { type: "integer" } },
        required: ["login"],
      },
    };
  }
  return schema;
}

const SCHEMAS = Array.from({ length: 1000 }, (_, i) => toolSchema(REALISTIC, i));
const HEAVY_SCHEMAS = Array.from({ length: 1000 }, (_, i) => toolSchema(HEAVY, i));
const NAMES = SCHEMAS.map((_, i) => `${pick(WORDS)}_${pick(WORDS)}_${i}`);

const REAL: Record<string, { inputSchema: unknown; outputSchema?: unknown }[]> = JSON.parse(
  await Deno.readTextFile(
    new URL("../src/codegen/testdata/real_tool_schemas.json", import.meta.url),
  ),
);
const REAL_SCHEMAS = Object.values(REAL).flat().flatMap((t) =>
  t.outputSchema ? [t.inputSchema, t.outputSchema] : [t.inputSchema]
);

let sink = 0;

Deno.bench({
  name: "JSON.stringify of 1,000 schemas (floor)",
  group: "1,000 tool schemas",
  baseline: true,
  fn() {
    for (const s of SCHEMAS) sink += JSON.stringify(s).length;
  },
});

Deno.bench({
  name: "schemaToTypeScript, 1,000 realistic schemas, with JSDoc",
  group: "1,000 tool schemas",
  fn() {
    for (let i = 0; i < SCHEMAS.length; i++) {
      sink += schemaToTypeScript(SCHEMAS[i], "ToolInput").code.length;
    }
  },
});

Deno.bench({
  name: "schemaToTypeScript, 1,000 realistic schemas, no JSDoc",
  group: "1,000 tool schemas",
  fn() {
    for (let i = 0; i < SCHEMAS.length; i++) {
      sink += schemaToTypeScript(SCHEMAS[i], "ToolInput", { description: false }).code.length;
    }
  },
});

Deno.bench({
  name: "assignIdentifiers + toCamelIdentifier, 1,000 names",
  group: "1,000 tool schemas",
  fn() {
    sink += assignIdentifiers(NAMES, toCamelIdentifier).size;
  },
});

Deno.bench({
  name: "sanitizeCommentText, 1,000 descriptions",
  group: "1,000 tool schemas",
  fn() {
    for (let i = 0; i < 1000; i++) sink += sanitizeCommentText(SENTENCES[i % 5]).length;
  },
});

Deno.bench({
  name: "schemaToTypeScript, 1,000 heavy schemas, with JSDoc",
  group: "heavy schemas",
  fn() {
    for (let i = 0; i < HEAVY_SCHEMAS.length; i++) {
      sink += schemaToTypeScript(HEAVY_SCHEMAS[i], "ToolInput").code.length;
    }
  },
});

Deno.bench({
  name: `schemaToTypeScript, ${REAL_SCHEMAS.length} real server schemas`,
  group: "real servers",
  fn() {
    for (const s of REAL_SCHEMAS) sink += schemaToTypeScript(s, "ToolInput").code.length;
  },
});

addEventListener("unload", () => {
  if (sink < 0) throw new Error("unreachable");
});
