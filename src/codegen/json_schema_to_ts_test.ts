import assert from "node:assert/strict";
import { toPascalIdentifier } from "./identifiers.ts";
import { MAX_SCHEMA_NODES, schemaToTypeScript } from "./json_schema_to_ts.ts";

interface RealTool {
  name: string;
  inputSchema: unknown;
  outputSchema?: unknown;
}

/** Tool schemas captured from server-everything, -filesystem, -memory and -sequential-thinking. */
const REAL: Record<string, RealTool[]> = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/real_tool_schemas.json", import.meta.url)),
);

function code(schema: unknown, rootName = "Input"): string {
  const result = schemaToTypeScript(schema, rootName);
  assert.deepEqual(result.warnings, [], `unexpected warnings for ${rootName}`);
  return result.code;
}

Deno.test("schemaToTypeScript: exact output", async (t) => {
  await t.step("object with required, optional and documented properties", () => {
    const tool = REAL.everything.find((tool) => tool.name === "get-annotated-message")!;
    assert.equal(
      code(tool.inputSchema, "GetAnnotatedMessageInput"),
      `export interface GetAnnotatedMessageInput {
  /** Type of message to demonstrate different annotation patterns */
  messageType: "error" | "success" | "debug";
  /**
   * Whether to include an example image
   * @default false
   */
  includeImage?: boolean;
}
`,
    );
  });

  await t.step("empty input objects", () => {
    assert.equal(
      code({ type: "object", properties: {} }, "GetEnvInput"),
      "export type GetEnvInput = Record<string, never>;\n",
    );
    assert.equal(
      code({ type: "object", additionalProperties: false }, "A"),
      "export type A = Record<string, never>;\n",
    );
    assert.equal(code({ type: "object" }, "A"), "export type A = Record<string, unknown>;\n");
    assert.equal(code(undefined, "A"), "export type A = Record<string, unknown>;\n");
    assert.equal(code(null, "A"), "export type A = Record<string, unknown>;\n");
  });

  await t.step("nested arrays of objects, integers, bounds", () => {
    assert.equal(
      code({
        type: "object",
        properties: {
          edits: {
            type: "array",
            items: {
              type: "object",
              properties: { oldText: { type: "string" }, n: { type: "integer", minimum: 1 } },
              required: ["oldText"],
            },
            minItems: 1,
          },
        },
        required: ["edits"],
      }, "EditFileInput"),
      `export interface EditFileInput {
  /** Items >= 1 */
  edits: {
    oldText: string;
    /** Integer, >= 1 */
    n?: number;
  }[];
}
`,
    );
  });

  await t.step("recursive $defs through a root that only refers", () => {
    assert.equal(
      code({
        $ref: "#/$defs/node",
        $defs: {
          node: {
            type: "object",
            description: "A node",
            properties: {
              value: { type: "string" },
              children: { type: "array", items: { $ref: "#/$defs/node" } },
            },
            required: ["value"],
          },
        },
      }, "Tree"),
      `/** A node */
export interface Tree {
  value: string;
  children?: Tree[];
}
`,
    );
  });

  await t.step("named helper types in order of first reference, deduplicated names", () => {
    assert.equal(
      code({
        type: "object",
        properties: {
          p: { $ref: "#/$defs/Point", description: "Where" },
          q: { $ref: "#/definitions/point" },
          list: { type: "array", items: { $ref: "#/$defs/Point" } },
        },
        required: ["p"],
        $defs: {
          Unused: { type: "number" },
          Point: {
            type: "object",
            title: "Point",
            properties: { x: { type: "number" }, y: { type: "number" } },
            required: ["x", "y"],
          },
        },
        definitions: { point: { type: "string" } },
      }, "Shape"),
      `export interface Shape {
  /** Where */
  p: ShapePoint;
  q?: ShapePoint_2;
  list?: ShapePoint[];
}

export interface ShapePoint {
  x: number;
  y: number;
}

export type ShapePoint_2 = string;
`,
    );
  });

  await t.step("unions, tuples, index signatures, quoted keys, annotations", () => {
    assert.equal(
      code({
        type: "object",
        properties: {
          "a-b": { type: ["string", "null"] },
          e: { enum: ["x", 1, true, null, -2] },
          t: {
            type: "array",
            prefixItems: [{ type: "string" }, { anyOf: [{ type: "number" }, { type: "boolean" }] }],
            minItems: 1,
            items: { type: "string" },
          },
          m: { type: "object", additionalProperties: { type: "integer" } },
          n: {
            type: "object",
            properties: { a: { type: "string" } },
            additionalProperties: { type: "number" },
          },
          pp: { type: "object", patternProperties: { "^x-": { type: "string" } } },
          u: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
          d: {
            type: "string",
            format: "date-time",
            title: "Due date",
            minLength: 1,
            maxLength: 30,
            pattern: "^[0-9]+$",
            examples: ["2024"],
            deprecated: true,
          },
        },
        required: ["e"],
      }, "Misc"),
      `export interface Misc {
  "a-b"?: string | null;
  e: "x" | 1 | true | null | -2;
  /** Items >= 1 */
  t?: [string, (number | boolean)?, ...string[]];
  m?: { [key: string]: number };
  n?: {
    a?: string;
    [key: string]: number | string | undefined;
  };
  pp?: {
    /** Keys matching: ^x- */
    [key: string]: string;
  };
  u?: (string | number)[];
  /**
   * Due date
   * Format: date-time, length >= 1, length <= 30, pattern: ^[0-9]+$
   * @example "2024"
   * @deprecated
   */
  d?: string;
}
`,
    );
  });

  await t.step("non-object roots become type aliases", () => {
    assert.equal(code({ type: "string" }, "S"), "export type S = string;\n");
    assert.equal(code(true, "S"), "export type S = unknown;\n");
    assert.equal(code(false, "S"), "export type S = never;\n");
    assert.equal(
      code({ type: "array", items: { type: "number" } }, "S"),
      "export type S = number[];\n",
    );
    assert.equal(
      code({ type: "object", properties: { a: { type: "string" } }, nullable: true }, "S"),
      "export type S = {\n  a?: string;\n} | null;\n",
    );
  });
});

Deno.test("schemaToTypeScript: behaviour", async (t) => {
  await t.step("maps every JSON Schema type", () => {
    const props = {
      s: { type: "string" },
      n: { type: "number" },
      i: { type: "integer" },
      b: { type: "boolean" },
      z: { type: "null" },
      a: { type: "array" },
      o: { type: "object" },
      c: { const: "fixed" },
      any: {},
    };
    const out = code({ type: "object", properties: props }, "T");
    for (
      const line of [
        "s?: string;",
        "n?: number;",
        "i?: number;",
        "b?: boolean;",
        "z?: null;",
        "a?: unknown[];",
        "o?: Record<string, unknown>;",
        'c?: "fixed";',
        "any?: unknown;",
      ]
    ) assert.ok(out.includes(`  ${line}\n`), `missing ${line} in\n${out}`);
  });

  await t.step("allOf intersects, anyOf/oneOf unite, unknown absorbs unions", () => {
    assert.equal(
      code({ allOf: [{ $ref: "#/$defs/A" }, {}], $defs: { A: true } }),
      "export type Input = unknown;\n",
    );
    assert.equal(
      code({ anyOf: [{ type: "string" }, { type: "string" }, false] }),
      "export type Input = string;\n",
    );
    assert.equal(
      code({ oneOf: [{ type: "string" }, { required: ["x"] }] }),
      "export type Input = unknown;\n",
    );
    assert.equal(
      code({ allOf: [{ anyOf: [{ type: "string" }, { type: "number" }] }, { enum: [1, "a"] }] }),
      'export type Input = (string | number) & (1 | "a");\n',
    );
    assert.equal(code({ enum: [] }), "export type Input = never;\n");
    assert.equal(
      code({ type: ["integer", "number"] }),
      "/** Integer */\nexport type Input = number;\n",
    );
  });

  await t.step("OpenAPI nullable and type arrays with null", () => {
    assert.equal(code({ type: "number", nullable: true }), "export type Input = number | null;\n");
    assert.equal(code({ type: ["null", "string"] }), "export type Input = null | string;\n");
    assert.equal(
      code({ type: "array", items: { type: ["string", "null"] } }),
      "export type Input = (string | null)[];\n",
    );
  });

  await t.step("tuples: draft-07 items arrays, closed tuples, maxItems", () => {
    assert.equal(
      code({ type: "array", items: [{ type: "string" }], additionalItems: false }),
      "export type Input = [string?];\n",
    );
    assert.equal(
      code({ type: "array", items: [{ type: "string" }, { type: "number" }], minItems: 2 }),
      "/** Items >= 2 */\nexport type Input = [string, number, ...unknown[]];\n",
    );
    assert.equal(
      code({ type: "array", prefixItems: [{ type: "string" }], minItems: 1, maxItems: 1 }),
      "/** Items >= 1, items <= 1 */\nexport type Input = [string];\n",
    );
    assert.equal(
      code({ type: "array", prefixItems: [{ enum: [-1] }], minItems: 0, items: { enum: [-1, 1] } }),
      "export type Input = [(-1)?, ...(-1 | 1)[]];\n",
    );
  });

  await t.step("JSON pointer references with ~0/~1 and percent escapes", () => {
    const schema = JSON.parse(
      `{"type":"object","properties":{"a/b":{"type":"object","properties":{"c~d":{"enum":["x"]}}},
      "copy":{"$ref":"#/properties/a~1b/properties/c~0d"},
      "pct":{"$ref":"#/%24defs/My%20Type"},
      "list":{"type":"array","items":{"type":"integer"}},"again":{"$ref":"#/properties/list/items"}},
      "$defs":{"My Type":{"type":"boolean"}}}`,
    );
    const out = code(schema, "P");
    assert.match(out, /^ {2}copy\?: PPropertiesABPropertiesCD;$/m);
    assert.match(out, /^export type PPropertiesABPropertiesCD = "x";$/m);
    assert.match(out, /^ {2}pct\?: PMyType;$/m);
    assert.match(out, /^export type PMyType = boolean;$/m);
    assert.match(out, /^ {2}again\?: PPropertiesListItems;$/m);
    assert.match(out, /^export type PPropertiesListItems = number;$/m);
  });

  await t.step("root recursion with $ref: #", () => {
    assert.equal(
      code({ type: "object", properties: { next: { $ref: "#" } } }, "List"),
      "export interface List {\n  next?: List;\n}\n",
    );
  });

  await t.step("type aliases that refer to themselves directly become unknown", () => {
    const result = schemaToTypeScript({
      type: "object",
      properties: { a: { $ref: "#/$defs/A" } },
      $defs: {
        A: { $ref: "#/$defs/B" },
        B: { anyOf: [{ $ref: "#/$defs/A" }, { type: "string" }] },
      },
    }, "C");
    assert.equal(
      result.code,
      "export interface C {\n  a?: CA;\n}\n\nexport type CA = unknown;\n\nexport type CB = unknown;\n",
    );
    assert.equal(result.warnings.length, 2);
    assert.match(result.warnings[0], /^Unsupported schema at "#\/\$defs\/A": type "CA" refers/);
    // Recursion through an array or object is fine and kept.
    assert.equal(
      code({
        $ref: "#/$defs/json",
        $defs: {
          json: {
            anyOf: [
              { type: ["string", "number", "boolean", "null"] },
              { type: "array", items: { $ref: "#/$defs/json" } },
              { type: "object", additionalProperties: { $ref: "#/$defs/json" } },
            ],
          },
        },
      }, "Json"),
      "export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };\n",
    );
  });

  await t.step("warns with the JSON pointer of garbage and unsupported references", () => {
    const result = schemaToTypeScript({
      type: "object",
      properties: {
        a: 5,
        "we/ird~": "x",
        c: [1],
        x: { $ref: "https://example.com/s.json" },
        y: { $ref: "#anchor" },
        z: { $ref: "#/$defs/missing" },
        t: { type: "strange" },
      },
    }, "G");
    assert.deepEqual(result.warnings, [
      'Unsupported schema at "#/properties/a": expected a schema, got number (used unknown)',
      'Unsupported schema at "#/properties/we~1ird~0": expected a schema, got string (used unknown)',
      'Unsupported schema at "#/properties/c": expected a schema, got an array (used unknown)',
      'Unsupported schema at "#/properties/x/$ref": external reference "https://example.com/s.json" is not supported (used unknown)',
      'Unsupported schema at "#/properties/y/$ref": reference "#anchor" cannot be resolved (used unknown)',
      'Unsupported schema at "#/properties/z/$ref": reference "#/$defs/missing" cannot be resolved (used unknown)',
      'Unsupported schema at "#/properties/t/type": unknown type "strange" (used unknown)',
    ]);
    assert.equal((result.code.match(/\?: unknown;/g) ?? []).length, 7);
    for (const garbage of [5, "x", [1, 2]]) {
      const r = schemaToTypeScript(garbage, "R");
      assert.equal(r.code, "export type R = unknown;\n");
      assert.match(r.warnings[0], /^Unsupported schema at "#": expected a schema/);
    }
  });

  await t.step("a $ref into the prototype chain does not resolve", () => {
    const r = schemaToTypeScript({ properties: { a: { $ref: "#/constructor" } } }, "R");
    assert.match(r.warnings[0], /"#\/constructor" cannot be resolved/);
  });

  await t.step("titles: shown unless they repeat the property name; root titles never", () => {
    const out = code({
      type: "object",
      title: "add_numbersArguments",
      properties: {
        file_path: { type: "string", title: "File Path" },
        n: { type: "number", title: "Count of things" },
      },
    });
    assert.ok(!out.includes("add_numbersArguments"));
    assert.ok(!out.includes("File Path"));
    assert.ok(out.includes("/** Count of things */"));
  });

  await t.step("description: false emits no comments", () => {
    const tool = REAL.everything.find((tool) => tool.name === "gzip-file-as-resource")!;
    const out = schemaToTypeScript(tool.inputSchema, "G", { description: false }).code;
    assert.ok(!out.includes("/*"));
    assert.match(out, /^ {2}outputType\?: "resourceLink" \| "resource";$/m);
  });

  await t.step("reservedNames steer helper names clear", () => {
    const schema = { properties: { x: { $ref: "#/$defs/X" } }, $defs: { X: { type: "string" } } };
    assert.match(schemaToTypeScript(schema, "In").code, /export type InX = string;/);
    const out = schemaToTypeScript(schema, "In", { reservedNames: ["inx"] }).code;
    assert.match(out, /export type InX_2 = string;/);
  });

  await t.step("references resolve against the $id of the schema that holds them", () => {
    // `#/$defs/q` inside `sub/a.json` means that resource's `$defs`, not the root's.
    const schema = {
      $id: "https://example.com/root.json",
      type: "object",
      properties: {
        a: {
          $id: "sub/a.json",
          properties: { x: { $ref: "#/$defs/q" } },
          $defs: { q: { type: "string" } },
        },
        b: { $ref: "sub/a.json" },
        c: { $ref: "https://example.com/root.json#/properties/a" },
      },
      $defs: { q: { type: "number" } },
    };
    const { code, warnings } = schemaToTypeScript(schema, "X");
    assert.equal(
      code,
      "export interface X {\n  a?: {\n    x?: XQ;\n  };\n  b?: XA;\n  c?: XA;\n}\n\n" +
        "export type XQ = string;\n\nexport interface XA {\n  x?: XQ;\n}\n",
    );
    assert.deepEqual(warnings, []);
  });

  await t.step("anchors and nested $id resources are found", () => {
    const schema = {
      type: "object",
      properties: {
        a: { $id: "urn:example:a", $defs: { t: { type: "number" } }, $ref: "#/$defs/t" },
        n: { $ref: "#n" },
      },
      $defs: { n: { $anchor: "n", type: "boolean" } },
    };
    assert.equal(
      schemaToTypeScript(schema, "X").code,
      "export interface X {\n  a?: XT;\n  n?: XN;\n}\n\nexport type XT = number;\n\nexport type XN = boolean;\n",
    );
  });

  await t.step("conversions one after another do not leak keywords into each other", () => {
    const rich = {
      type: "object",
      properties: { a: { type: "integer", minimum: 1, description: "A", default: 2 } },
    };
    const plain = { type: "object", properties: { a: { type: "string" } } };
    schemaToTypeScript(rich, "R");
    assert.equal(schemaToTypeScript(plain, "P").code, "export interface P {\n  a?: string;\n}\n");
  });

  await t.step("a root named Record does not use the global Record", () => {
    const out = code({ type: "object", properties: { m: { type: "object" }, n: {} } }, "Record");
    assert.ok(!out.includes("Record<"));
    assert.match(out, /m\?: \{ \[key: string\]: unknown \};/);
  });

  await t.step("rejects unusable root names and depths", () => {
    for (const name of ["default", "string", "1a", "a-b", "", "unknown", "NaN"]) {
      assert.throws(() => schemaToTypeScript({}, name), TypeError, name);
    }
    assert.throws(() => schemaToTypeScript({}, "A", { maxDepth: 0 }), RangeError);
  });

  await t.step("comment text and string literals are sanitized", () => {
    const out = schemaToTypeScript({
      type: "object",
      properties: {
        k: {
          type: "string",
          description: "*/ export const pwned = 1; /*\u2028x\n@deprecated forged\u202E",
          default: "*/",
          enum: ["\u2028", "*/"],
        },
      },
    }, "H").code;
    assert.ok(
      out.includes("   * *\\/ export const pwned = 1; /*\n   * x\n   * \\@deprecated forged\n"),
    );
    assert.ok(out.includes('k?: "\\u2028" | "*/";'));
    assert.doesNotMatch(out, /[\u2028\u2029\u202A-\u202E]/);
  });

  await t.step("output is deterministic", () => {
    for (const tools of Object.values(REAL)) {
      for (const tool of tools) {
        const a = schemaToTypeScript(tool.inputSchema, "A");
        const b = schemaToTypeScript(structuredClone(tool.inputSchema), "A");
        assert.equal(a.code, b.code);
      }
    }
  });
});

Deno.test("schemaToTypeScript: hostile and huge input", async (t) => {
  await t.step("nesting 5,000 levels deep stops at maxDepth without overflowing", () => {
    for (
      const wrap of [
        (s: unknown) => ({ type: "object", properties: { x: s }, required: ["x"] }),
        (s: unknown) => ({ type: "array", items: s }),
        (s: unknown) => ({ anyOf: [s, { type: "null" }] }),
        (s: unknown) => ({ allOf: [s] }),
        (s: unknown) => ({ type: "array", prefixItems: [s] }),
      ]
    ) {
      let schema: unknown = { type: "string" };
      for (let i = 0; i < 5000; i++) schema = wrap(schema);
      const result = schemaToTypeScript(schema, "Deep");
      assert.ok(result.warnings.length >= 1);
      for (const w of result.warnings) {
        assert.match(w, /nested deeper than 64 levels \(used unknown\)$/);
      }
      assert.ok(result.code.includes("unknown"));
    }
    let schema: unknown = { type: "string" };
    for (let i = 0; i < 5000; i++) schema = { type: "object", properties: { x: schema } };
    const shallow = schemaToTypeScript(schema, "Deep", { maxDepth: 3 });
    assert.equal((shallow.code.match(/x\?:/g) ?? []).length, 4);
  });

  await t.step("a chain of 5,000 $defs converts without recursion", () => {
    const defs: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) {
      defs[`d${i}`] = { type: "object", properties: { next: { $ref: `#/$defs/d${i + 1}` } } };
    }
    defs.d5000 = { type: "string" };
    const result = schemaToTypeScript({ $ref: "#/$defs/d0", $defs: defs }, "Chain");
    assert.deepEqual(result.warnings, []);
    // The root is d0 itself, then d1 … d5000.
    assert.equal((result.code.match(/^export /gm) ?? []).length, 5001);
    assert.match(result.code, /^export interface Chain \{\n {2}next\?: ChainD1;\n\}$/m);
    assert.match(result.code, /^export type ChainD5000 = string;$/m);
  });

  await t.step("a 5,000-long cycle of aliases becomes unknown, with capped warnings", () => {
    const defs: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) defs[`d${i}`] = { $ref: `#/$defs/d${(i + 1) % 5000}` };
    const result = schemaToTypeScript(
      { properties: { a: { $ref: "#/$defs/d0" } }, $defs: defs },
      "C",
    );
    assert.equal((result.code.match(/ = unknown;$/gm) ?? []).length, 5000);
    assert.equal(result.warnings.length, 100);
    assert.equal(result.warnings[99], "4901 more warnings were left out");
  });

  await t.step("a schema object that contains itself does not loop", () => {
    const schema: Record<string, unknown> = { type: "object", properties: {} };
    (schema.properties as Record<string, unknown>).self = schema;
    const result = schemaToTypeScript(schema, "Self");
    assert.equal(result.code, "export interface Self {\n  self?: unknown;\n}\n");
    assert.match(result.warnings[0], /"#\/properties\/self": the schema object contains itself/);
    const value: Record<string, unknown> = {};
    value.self = value;
    const constant = schemaToTypeScript({ const: value }, "K");
    assert.equal(constant.code, "export type K = { self: unknown };\n");
  });

  await t.step("shared subschemas cannot blow up exponentially", () => {
    let schema: unknown = { type: "string" };
    for (let i = 0; i < 60; i++) schema = { type: "object", properties: { a: schema, b: schema } };
    const start = performance.now();
    const result = schemaToTypeScript(schema, "Dag", { description: false });
    assert.ok(performance.now() - start < 5000);
    assert.ok(result.warnings.some((w) => w.includes(`more than ${MAX_SCHEMA_NODES} subschemas`)));
  });

  await t.step("huge descriptions are capped", () => {
    const result = schemaToTypeScript({
      type: "object",
      properties: { a: { type: "string", description: "d".repeat(1_000_000) } },
    }, "Big");
    assert.ok(result.code.length < 4200);
    assert.ok(result.code.includes("…"));
  });
});

// ---------------------------------------------------------------------------
// Type-check: one `deno check` over many generated modules, each followed by
// values that must be accepted and values that must be rejected.

interface Case {
  name: string;
  schema: unknown;
  accept?: unknown[];
  reject?: unknown[];
  warnings?: boolean;
}

function deep(levels: number): unknown {
  let schema: unknown = { type: "string" };
  for (let i = 0; i < levels; i++) {
    schema = { type: "object", properties: { x: schema, y: { type: "number" } } };
  }
  return schema;
}

const CASES: Case[] = [
  {
    name: "Basic",
    schema: {
      type: "object",
      properties: {
        s: { type: "string" },
        n: { type: "integer" },
        b: { type: "boolean" },
        e: { enum: ["x", "y"] },
        c: { const: 42 },
      },
      required: ["s", "e"],
    },
    accept: [{ s: "a", e: "x" }, { s: "a", e: "y", n: 1, b: true, c: 42 }],
    reject: [{ e: "x" }, { s: "a", e: "z" }, { s: "a", e: "x", c: 41 }, { s: "a", e: "x", z: 1 }],
  },
  {
    name: "QuotedKeys",
    schema: JSON.parse(
      `{"type":"object","properties":{"a-b":{"type":"string"},"with space":{"type":"number"},
      "0":{"type":"boolean"},"__proto__":{"type":"string"},"*/":{"type":"null"},
      "\\u2028":{"type":"string"},"default":{"type":"string"},"$x":{"type":"number"}},
      "required":["a-b"]}`,
    ),
    accept: [{ "a-b": "x", "0": true, default: "d", "*/": null, "\u2028": "s", $x: 1 }],
    reject: [{ "a-b": 1 }, { "with space": 1 }],
  },
  {
    name: "AdditionalOnly",
    schema: { type: "object", additionalProperties: { type: "number" } },
    accept: [{ a: 1, b: 2 }, {}],
    reject: [{ a: "x" }],
  },
  {
    name: "AdditionalWithProps",
    schema: {
      type: "object",
      properties: { name: { type: "string" }, opt: { type: "boolean" } },
      required: ["name"],
      additionalProperties: { type: "number" },
    },
    accept: [{ name: "x", extra: 1 }, { name: "x", opt: true }],
    // The index signature must admit the declared properties' types too.
    reject: [{ name: "x", extra: [1] }, { extra: 1 }],
  },
  {
    name: "AdditionalComplex",
    schema: {
      type: "object",
      properties: { a: { type: "object", properties: { b: { type: "string" } } } },
      additionalProperties: { type: "number" },
    },
    accept: [{ a: { b: "x" }, other: 1 }],
  },
  {
    name: "AdditionalTrue",
    schema: { type: "object", properties: { a: { type: "string" } }, additionalProperties: true },
    accept: [{ a: "x", b: [1] }],
    reject: [{ a: 1 }],
  },
  {
    name: "Closed",
    schema: { type: "object", additionalProperties: false },
    accept: [{}],
    reject: [{ a: 1 }],
  },
  { name: "OpenBare", schema: { type: "object" }, accept: [{ a: 1 }], reject: ["x"] },
  {
    name: "EmptyProperties",
    schema: { type: "object", properties: {} },
    accept: [{}],
    reject: [{ a: 1 }],
  },
  {
    name: "PatternProps",
    schema: {
      type: "object",
      patternProperties: { "^x-": { type: "string" }, "^n-": { type: "number" } },
      additionalProperties: false,
    },
    accept: [{ "x-a": "s", "n-b": 1 }],
    reject: [{ "x-a": true }],
  },
  {
    name: "PatternWithProps",
    schema: {
      type: "object",
      properties: { id: { type: "string" } },
      required: ["id"],
      patternProperties: { "^n": { type: "integer" } },
    },
    accept: [{ id: "a", n1: 2 }],
    reject: [{ id: "a", n1: true }],
  },
  {
    name: "EnumMixed",
    schema: { enum: ["a", 1, true, null, -2, 2.5, "a"] },
    accept: ["a", 1, true, null, -2, 2.5],
    reject: ["b", false, 3],
  },
  {
    name: "ConstObject",
    schema: { const: { kind: "fixed", list: [1, "two"], "a b": null, empty: {} } },
    accept: [{ kind: "fixed", list: [1, "two"], "a b": null, empty: {} }],
    reject: [{ kind: "other", list: [1, "two"], "a b": null, empty: {} }],
  },
  {
    name: "Unions",
    schema: {
      type: "object",
      properties: {
        v: { anyOf: [{ type: "string" }, { type: "number" }] },
        w: {
          oneOf: [
            {
              type: "object",
              properties: { kind: { const: "a" }, a: { type: "string" } },
              required: ["kind", "a"],
            },
            {
              type: "object",
              properties: { kind: { const: "b" }, b: { type: "number" } },
              required: ["kind", "b"],
            },
          ],
        },
      },
      required: ["v", "w"],
    },
    accept: [{ v: "x", w: { kind: "a", a: "s" } }, { v: 1, w: { kind: "b", b: 2 } }],
    reject: [{ v: true, w: { kind: "a", a: "s" } }, { v: 1, w: { kind: "a", b: 2 } }],
  },
  {
    name: "ArrayOfUnionObjects",
    schema: {
      type: "array",
      items: {
        anyOf: [
          { type: "object", properties: { t: { const: "a" } }, required: ["t"] },
          { type: "object", properties: { u: { type: "number" } }, required: ["u"] },
        ],
      },
    },
    accept: [[{ t: "a" }, { u: 1 }]],
    reject: [[{ t: "b" }]],
  },
  {
    name: "AllOf",
    schema: {
      allOf: [
        { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
        { type: "object", properties: { b: { type: "number" } }, required: ["b"] },
      ],
    },
    accept: [{ a: "x", b: 1 }],
    reject: [{ a: "x" }],
  },
  {
    name: "ObjectWithOneOfRequired",
    schema: {
      type: "object",
      properties: { a: { type: "string" }, b: { type: "string" } },
      oneOf: [{ required: ["a"] }, { required: ["b"] }],
    },
    accept: [{ a: "x" }, { b: "y" }],
    reject: [{ a: 1 }],
  },
  {
    name: "Nullable",
    schema: {
      type: "object",
      properties: {
        a: { type: ["string", "null"] },
        b: { type: "integer", nullable: true },
        c: { type: ["array", "null"], items: { type: ["number", "string"] } },
      },
      required: ["a", "b", "c"],
    },
    accept: [{ a: null, b: null, c: null }, { a: "x", b: 1, c: [1, "2"] }],
    reject: [{ a: 1, b: null, c: null }, { a: null, b: null, c: [true] }],
  },
  {
    name: "Arrays",
    schema: {
      type: "array",
      items: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
    },
    accept: [[["a", 1]], []],
    reject: [[[true]]],
  },
  { name: "ArrayNoItems", schema: { type: "array" }, accept: [[1, "x"]], reject: ["x"] },
  {
    name: "TupleClosed",
    schema: {
      type: "array",
      prefixItems: [{ type: "string" }, { type: "number" }],
      items: false,
      minItems: 2,
    },
    accept: [["a", 1]],
    reject: [["a"], ["a", 1, 2]],
  },
  {
    name: "TupleOptional",
    schema: {
      type: "array",
      prefixItems: [
        { type: "string" },
        { type: "number" },
        { anyOf: [{ type: "string" }, { type: "boolean" }] },
      ],
      minItems: 1,
      items: { type: "boolean" },
    },
    accept: [["a"], ["a", 1], ["a", 1, "x", true, false]],
    reject: [[], ["a", "b"], ["a", 1, "x", "y"]],
  },
  {
    name: "TupleDraft07",
    schema: {
      type: "array",
      items: [{ type: "string" }, { type: "number" }],
      additionalItems: { type: "string" },
      minItems: 2,
    },
    accept: [["a", 1], ["a", 1, "b"]],
    reject: [["a", 1, 2]],
  },
  {
    name: "TupleMaxItems",
    schema: { type: "array", items: [{ type: "string" }], minItems: 1, maxItems: 1 },
    accept: [["a"]],
    reject: [["a", "b"]],
  },
  {
    name: "Defs",
    schema: {
      type: "object",
      properties: {
        p: { $ref: "#/$defs/Point" },
        q: { $ref: "#/definitions/point" },
        list: { type: "array", items: { $ref: "#/$defs/Point" } },
      },
      required: ["p"],
      $defs: {
        Point: {
          type: "object",
          properties: { x: { type: "number" }, y: { type: "number" } },
          required: ["x", "y"],
        },
      },
      definitions: { point: { type: "string" } },
    },
    accept: [{ p: { x: 1, y: 2 }, q: "s", list: [{ x: 0, y: 0 }] }],
    reject: [{ p: { x: 1 } }, { p: { x: 1, y: 2 }, q: 1 }],
  },
  {
    name: "DefNames",
    schema: {
      type: "object",
      properties: {
        a: { $ref: "#/$defs/foo-bar" },
        b: { $ref: "#/$defs/fooBar" },
        c: { $ref: "#/$defs/FooBar" },
        d: { $ref: "#/$defs/default" },
        e: { $ref: "#/$defs/" },
        f: { $ref: "#/$defs/日本" },
      },
      $defs: {
        "foo-bar": { const: 1 },
        fooBar: { const: 2 },
        FooBar: { const: 3 },
        default: { const: 4 },
        "": { const: 5 },
        "日本": { const: 6 },
      },
    },
    accept: [{ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }],
    reject: [{ a: 2 }, { c: 1 }],
  },
  {
    name: "Pointer",
    schema: JSON.parse(
      `{"type":"object","properties":{"a/b":{"type":"object","properties":{"c~d":{"enum":["x"]}}},
      "copy":{"$ref":"#/properties/a~1b/properties/c~0d"},
      "list":{"type":"array","items":{"type":"integer"}},"again":{"$ref":"#/properties/list/items"}}}`,
    ),
    accept: [{ copy: "x", again: 1 }],
    reject: [{ copy: "y" }, { again: "1" }],
  },
  {
    name: "Tree",
    schema: {
      $ref: "#/$defs/node",
      $defs: {
        node: {
          type: "object",
          properties: {
            value: { type: "string" },
            children: { type: "array", items: { $ref: "#/$defs/node" } },
          },
          required: ["value"],
        },
      },
    },
    accept: [{ value: "a", children: [{ value: "b", children: [] }] }],
    reject: [{ value: "a", children: [{ children: [] }] }],
  },
  {
    name: "RootRecursion",
    schema: {
      type: "object",
      properties: { name: { type: "string" }, next: { $ref: "#" } },
      required: ["name"],
    },
    accept: [{ name: "a", next: { name: "b" } }],
    reject: [{ name: "a", next: {} }],
  },
  {
    name: "MutualRecursion",
    schema: {
      $defs: {
        A: { type: "object", properties: { b: { $ref: "#/$defs/B" } } },
        B: { type: "object", properties: { a: { $ref: "#/$defs/A" } } },
      },
      type: "object",
      properties: { a: { $ref: "#/$defs/A" } },
    },
    accept: [{ a: { b: { a: {} } } }],
    reject: [{ a: { b: { a: { b: 1 } } } }],
  },
  {
    name: "JsonValue",
    schema: {
      $defs: {
        json: {
          anyOf: [
            { type: "string" },
            { type: "number" },
            { type: "boolean" },
            { type: "null" },
            { type: "array", items: { $ref: "#/$defs/json" } },
            { type: "object", additionalProperties: { $ref: "#/$defs/json" } },
          ],
        },
      },
      $ref: "#/$defs/json",
    },
    accept: [{ a: [1, "x", null, { b: true }] }, 1],
  },
  {
    name: "RefSiblings",
    schema: {
      $defs: { Base: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } },
      $ref: "#/$defs/Base",
      properties: { extra: { type: "number" } },
      required: ["extra"],
    },
    accept: [{ id: "a", extra: 1 }],
    reject: [{ id: "a" }],
  },
  {
    name: "AliasCycle",
    schema: {
      type: "object",
      properties: { a: { $ref: "#/$defs/A" } },
      $defs: {
        A: { $ref: "#/$defs/B" },
        B: { anyOf: [{ $ref: "#/$defs/A" }, { type: "string" }] },
      },
    },
    accept: [{ a: 1 }],
    warnings: true,
  },
  {
    name: "RootAliasCycle",
    schema: { anyOf: [{ type: "string" }, { $ref: "#" }] },
    warnings: true,
  },
  {
    name: "Booleans",
    schema: { type: "object", properties: { any: true, none: false } },
    accept: [{ any: 1 }],
    reject: [{ none: 1 }],
  },
  {
    name: "Garbage",
    schema: {
      type: "object",
      properties: {
        a: 5,
        b: "x",
        c: [1],
        d: null,
        x: { $ref: "https://example.com/s.json" },
        y: { $ref: "#anchor" },
        z: { $ref: "#/$defs/missing" },
        t: { type: 7 },
        e: { enum: "nope" },
      },
      required: ["a"],
    },
    accept: [{ a: 1 }],
    warnings: true,
  },
  {
    name: "Hostile",
    schema: {
      description: "root */ export const pwnedRoot = 1; /*",
      type: "object",
      properties: {
        "*/ export const k = 1; /*": {
          type: "string",
          description: "*/ export const pwned = 1; /*\u2028export const line = 2;\n@deprecated x",
          title: "\u202Eevil */ export const t = 1; /*",
          default: "*/ export const d = 1; /*",
          examples: ["*/ export const e = 1; /*"],
          pattern: "*/ export const p = 1; /*",
          format: "*/ export const f = 1; /*",
          minimum: 1,
        },
        e: { enum: ["*/ export const z = 1; /*", "\u2028", "\u202E"] },
      },
      $defs: { "*/ export const def = 1; /*": { type: "string" } },
    },
    accept: [{ e: "\u2028" }],
  },
  {
    name: "Record",
    schema: {
      type: "object",
      properties: { m: { type: "object" }, n: { type: "object", additionalProperties: false } },
    },
    accept: [{ m: { a: 1 }, n: {} }],
    reject: [{ n: { a: 1 } }],
  },
  { name: "Deep", schema: deep(100), warnings: true },
  { name: "NoSchema", schema: undefined, accept: [{ a: 1 }], reject: ["x"] },
  {
    name: "TypeArrayObject",
    schema: { type: ["object", "string"], properties: { a: { type: "number" } } },
    accept: ["x", { a: 1 }],
    reject: [{ a: "x" }],
  },
];

for (const [server, tools] of Object.entries(REAL)) {
  for (const tool of tools) {
    const base = toPascalIdentifier(`${server} ${tool.name}`);
    CASES.push({ name: `${base}Input`, schema: tool.inputSchema });
    if (tool.outputSchema) CASES.push({ name: `${base}Output`, schema: tool.outputSchema });
  }
}

Deno.test("schemaToTypeScript: generated code type-checks and means what the schema says", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mcpx_schema_ts_" });
  try {
    const files: string[] = [];
    const realFiles: string[] = [];
    for (const c of CASES) {
      const result = schemaToTypeScript(c.schema, c.name);
      if (c.warnings) assert.ok(result.warnings.length > 0, `expected warnings for ${c.name}`);
      else assert.deepEqual(result.warnings, [], `unexpected warnings for ${c.name}`);
      let source = result.code;
      (c.accept ?? []).forEach((v, i) => {
        source += `\nconst _ok${i}: ${c.name} = ${JSON.stringify(v)};\n`;
      });
      (c.reject ?? []).forEach((v, i) => {
        source += `\n// @ts-expect-error must be rejected\nconst _bad${i}: ${c.name} = ${
          JSON.stringify(v)
        };\n`;
      });
      const file = `${dir}/${c.name}.ts`;
      await Deno.writeTextFile(file, source);
      files.push(file);
      if (c.accept === undefined && c.reject === undefined && !c.warnings) {
        const plain = `${dir}/plain_${c.name}.ts`;
        await Deno.writeTextFile(plain, result.code);
        realFiles.push(plain);
      }
    }

    await t.step(`deno check passes on ${files.length} modules`, async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--no-config", "--quiet", ...files],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, text);
    });

    await t.step("deno check catches a broken module (the harness is live)", async () => {
      const file = `${dir}/broken.ts`;
      await Deno.writeTextFile(file, `${code({ type: "string" }, "S")}const s: S = 1;\n`);
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--no-config", "--quiet", file],
        cwd: dir,
        stdout: "null",
        stderr: "null",
      }).output();
      assert.notEqual(out.code, 0);
    });

    await t.step("real-server modules are already formatted", async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["fmt", "--no-config", "--check", "--line-width", "100", ...realFiles],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    });

    await t.step("no comment or literal leaks a runtime export", async () => {
      for (const file of files) {
        const mod = await import(`file://${file}`);
        assert.deepEqual(Object.keys(mod), [], file);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
