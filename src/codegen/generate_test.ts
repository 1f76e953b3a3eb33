import assert from "node:assert/strict";
import { join } from "node:path";
import type { Tool } from "../_sdk.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { generate } from "./generate.ts";

function snapshot(
  name: string,
  tools: Tool[],
  extra: Partial<ServerSnapshot> = {},
): ServerSnapshot {
  return {
    name,
    serverInfo: { name: `${name}-server`, version: "1.0.0" },
    capabilities: { tools: {} },
    tools,
    resources: [],
    resourceTemplates: [],
    prompts: [],
    ...extra,
  };
}

const obj = (properties: Record<string, object> = {}, required: string[] = []) => ({
  type: "object" as const,
  properties,
  required,
});

async function typeChecks(files: { path: string; content: string }[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mcpx-gen-" });
  try {
    for (const f of files) {
      await Deno.mkdir(join(dir, f.path, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, f.path), f.content);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "check",
        "--quiet",
        "--no-config",
        ...files.filter((f) => f.path.endsWith(".ts")).map((f) => f.path),
      ],
      cwd: dir,
      stderr: "piped",
      stdout: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    return out.code === 0
      ? ""
      : new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a small tool generates exactly this module", () => {
  const { files } = generate([
    snapshot("calc", [{
      name: "get-sum",
      title: "Sum",
      description: "Adds two numbers.",
      inputSchema: obj({ a: { type: "number", description: "First" }, b: { type: "number" } }, [
        "a",
        "b",
      ]),
      annotations: { readOnlyHint: true, idempotentHint: true },
    }]),
  ]);
  const mod = files.find((f) => f.path === "servers/calc/getSum.ts")!.content;
  assert.equal(
    mod,
    `import * as $ from "../../runtime.ts";

export interface GetSumInput {
\t/** First */
\ta: number;
\tb: number;
}

export type GetSumOutput = $.ToolContent;

/**
 * Sum
 * Adds two numbers.
 * @remarks read-only, idempotent
 */
export const getSum = $.tool<GetSumInput, GetSumOutput>("calc", "get-sum");
`,
  );
  const index = files.find((f) => f.path === "servers/calc/index.ts")!.content;
  assert.match(
    index,
    /export \{ getSum \} from "\.\/getSum\.ts";\nexport type \{ GetSumInput, GetSumOutput \} from "\.\/getSum\.ts";/,
  );
  assert.match(
    files.find((f) => f.path === "servers/index.ts")!.content,
    /export \* as calc from "\.\/calc\/index\.ts";/,
  );
});

Deno.test("hostile and colliding names map deterministically without collisions, and type-check", async () => {
  const names = [
    "get-sum",
    "get_sum",
    "get.sum",
    "GetSum",
    "délete",
    "class",
    "123go",
    "😀",
    "constructor",
    "__proto__",
    "a b/c\\d",
    "",
    "index",
    "Index",
  ];
  const tools: Tool[] = names.map((name) => ({
    name,
    inputSchema: obj({ x: { type: "string" } }),
  }));
  const hostile = snapshot("my-server.v2", tools);
  const other = snapshot("my_server_v2", [{ name: "echo", inputSchema: obj() }]);
  const a = generate([hostile, other]);
  const b = generate([other, { ...hostile, tools: [...tools].reverse() }]);
  assert.deepEqual(a.files, b.files);
  const fns = a.servers.flatMap((s) => s.tools.map((t) => t.fn));
  assert.equal(
    new Set(fns.map((f) => f.toLowerCase())).size,
    fns.length,
    "no two files collide, even case-insensitively",
  );
  const dirs = a.servers.map((s) => s.dir);
  assert.equal(new Set(dirs.map((d) => d.toLowerCase())).size, 2);
  for (const f of a.files) assert.match(f.path, /^[A-Za-z0-9_./-]+$/, `unsafe path ${f.path}`);
  const paths = a.files.map((f) => f.path.toLowerCase());
  assert.equal(new Set(paths).size, paths.length, "no two files share a path");
  // A tool named "index" does not take the server's index.ts.
  assert.ok(a.servers.flatMap((s) => s.tools).every((t) => t.fn.toLowerCase() !== "index"));
  assert.equal(await typeChecks(a.files), "");
});

Deno.test("hostile descriptions cannot end the comment or smuggle invisible characters", async () => {
  const evil =
    "Reads a file. */ export const pwned = true; /* \u202Etxt.exe\u202C \u200Bhidden\u2066 and \u0000nul";
  const { files } = generate([
    snapshot("evil", [{
      name: "read",
      title: "*/ title",
      description: evil,
      inputSchema: obj({ path: { type: "string", description: "*/ prop */", default: "*/" } }),
    }], { instructions: "*/ instructions" }),
  ]);
  for (const f of files) {
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(f.content, /[\u202A-\u202E\u2066-\u2069\u200B\u0000]/, f.path);
    assert.doesNotMatch(f.content, /^export const pwned/m, f.path);
  }
  assert.equal(await typeChecks(files), "");
});

Deno.test("an unusable schema still generates, with unknown and a warning", async () => {
  const { files, warnings } = generate([
    snapshot("odd", [
      {
        name: "garbage",
        inputSchema: { type: "object", properties: { x: 42 as unknown as object } },
      },
      { name: "external", inputSchema: obj({ y: { $ref: "https://example.com/schema.json" } }) },
      { name: "none", inputSchema: undefined as unknown as Tool["inputSchema"] },
    ]),
  ]);
  assert.ok(warnings.some((w) => w.startsWith(`"odd/garbage"`)), warnings.join("\n"));
  assert.ok(warnings.some((w) => w.startsWith(`"odd/external"`)), warnings.join("\n"));
  assert.match(files.find((f) => f.path === "servers/odd/garbage.ts")!.content, /unknown/);
  // A tool without input schema takes an optional argument object.
  assert.match(
    files.find((f) => f.path === "servers/odd/none.ts")!.content,
    /\$\.tool<NoneInput \| void, NoneOutput>\("odd", "none"\)/,
  );
  assert.equal(await typeChecks(files), "");
});

Deno.test("recursive and pointer refs generate named types that type-check", async () => {
  const { files, warnings } = generate([
    snapshot("tree", [{
      name: "walk",
      inputSchema: {
        type: "object",
        properties: { root: { $ref: "#/$defs/node" }, again: { $ref: "#/properties/root" } },
        required: ["root"],
        $defs: {
          node: {
            type: "object",
            properties: { children: { type: "array", items: { $ref: "#/$defs/node" } } },
          },
        },
      },
      outputSchema: {
        type: "object",
        properties: { count: { type: "integer" } },
        required: ["count"],
      },
    }]),
  ]);
  assert.deepEqual(warnings, []);
  const mod = files.find((f) => f.path === "servers/tree/walk.ts")!.content;
  assert.match(mod, /export interface WalkOutput/);
  assert.match(mod, /count: number/);
  assert.equal(await typeChecks(files), "");
});

Deno.test("duplicate server names are refused", () => {
  assert.throws(() => generate([snapshot("a", []), snapshot("a", [])]), /Server "a" appears twice/);
});

Deno.test("generator fixes: shadowing, required args, unsafe keys, lost descriptions, names, enums, refs", async (t) => {
  const longName = "x".repeat(5000);
  const cjkName = "查询天气".repeat(15); // 60 CJK characters
  const tools: Tool[] = [
    // Names of the runtime's exports.
    { name: "call_tool", inputSchema: obj({ q: { type: "string" } }, ["q"]) },
    { name: "callTool", inputSchema: obj() },
    { name: "text", inputSchema: obj() },
    { name: "tool", inputSchema: obj() },
    { name: "ToolContent", inputSchema: obj() },
    // Required arguments behind a root $ref, allOf and anyOf.
    {
      name: "via_ref",
      inputSchema: {
        $ref: "#/$defs/Args",
        $defs: { Args: obj({ id: { type: "string" } }, ["id"]) },
      } as unknown as Tool["inputSchema"],
    },
    {
      name: "via_all_of",
      inputSchema: {
        type: "object",
        allOf: [obj({ id: { type: "string" } }, ["id"])],
      } as unknown as Tool["inputSchema"],
    },
    {
      name: "via_any_of",
      inputSchema: {
        type: "object",
        properties: { a: { type: "string" }, b: { type: "string" } },
        anyOf: [{ required: ["a"] }, { required: ["b"] }],
      } as unknown as Tool["inputSchema"],
    },
    // Keys of Object.prototype.
    {
      name: "proto_keys",
      inputSchema: obj({
        constructor: { type: "string" },
        toString: { type: "number" },
        __proto__: { type: "boolean" },
        hasOwnProperty: { type: "string" },
      }),
    },
    // Descriptions on branches, items and map values.
    {
      name: "described",
      inputSchema: obj({
        target: {
          anyOf: [
            { type: "string", description: "A file path" },
            { type: "number", description: "A file descriptor" },
          ],
        },
        tags: { type: "array", items: { type: "string", description: "One tag, lower case" } },
        env: {
          type: "object",
          additionalProperties: { type: "string", description: "The variable's value" },
        },
      }),
    },
    // Names that used to become unreadable or too long.
    { name: "查询天气", inputSchema: obj() },
    { name: longName, inputSchema: obj() },
    { name: cjkName, inputSchema: obj() },
    // Enum values that contradict the declared type.
    { name: "pick", inputSchema: obj({ mode: { type: "string", enum: ["a", 1, null, "b"] } }) },
    // $anchor and $id-relative references.
    {
      name: "anchored",
      inputSchema: {
        $id: "https://example.com/tools/anchored.json",
        type: "object",
        properties: {
          a: { $ref: "#point" },
          b: { $ref: "shape.json" },
          c: { $ref: "https://example.com/tools/shape.json#/properties/kind" },
        },
        required: ["a", "b"],
        $defs: {
          point: { $anchor: "point", type: "object", properties: { x: { type: "number" } } },
          shape: {
            $id: "shape.json",
            type: "object",
            properties: { kind: { type: "string", enum: ["circle", "square"] } },
          },
        },
      } as unknown as Tool["inputSchema"],
    },
    // Required with a default stays required.
    {
      name: "with_default",
      inputSchema: obj({ limit: { type: "integer", default: 10 } }, ["limit"]),
    },
    // Unusable: skipped with a warning, the rest still generates.
    { name: 42 as unknown as string, inputSchema: obj() },
    { name: "bad_schema", inputSchema: "not a schema" as unknown as Tool["inputSchema"] },
  ];
  const { files, servers, warnings } = generate([snapshot("gw", tools)]);
  const mod = (fn: string) => files.find((f) => f.path === `servers/gw/${fn}.ts`)?.content ?? "";
  const fns = new Map(servers[0].tools.map((x) => [x.name, x.fn]));

  await t.step("runtime names cannot be shadowed", () => {
    assert.equal(fns.get("call_tool"), "callTool_2");
    assert.equal(fns.get("callTool"), "callTool");
    assert.match(mod("callTool"), /^import \* as \$ from "\.\.\/\.\.\/runtime\.ts";/);
    assert.match(mod("callTool"), /export const callTool = \$\.tool</);
  });

  await t.step("required arguments stay required through $ref, allOf and anyOf", () => {
    for (const fn of ["viaRef", "viaAllOf", "viaAnyOf", "withDefault", "callTool_2"]) {
      assert.doesNotMatch(mod(fn), /\| void/, fn);
    }
    assert.match(mod("withDefault"), /\n\tlimit: number;/);
    assert.match(mod("protoKeys"), /\$\.tool<ProtoKeysInput \| void, ProtoKeysOutput>/);
  });

  await t.step("descriptions of branches, items and map values are kept", () => {
    const m = mod("described");
    assert.match(m, /\/\*\* A file path \*\/ string \| \/\*\* A file descriptor \*\/ number/);
    assert.match(m, /\(\/\*\* One tag, lower case \*\/ string\)\[\]/);
    assert.match(m, /\[key: string\]: \/\*\* The variable's value \*\/ string/);
  });

  await t.step("readable, capped names", () => {
    assert.equal(fns.get("查询天气"), "chaXunTianQi");
    for (const name of [longName, cjkName]) {
      const fn = fns.get(name)!;
      assert.ok(fn.length <= 64, fn);
      assert.match(fn, /_[0-9a-z]+$/);
    }
    for (const f of files) assert.ok(new TextEncoder().encode(f.path).length < 200, f.path);
  });

  await t.step("enum values outside the type are dropped", () => {
    assert.match(mod("pick"), /mode\?: "a" \| "b" \}/);
  });

  await t.step("$anchor and $id-relative references resolve", () => {
    const m = mod("anchored");
    assert.doesNotMatch(m, /unknown/);
    assert.match(m, /a: AnchoredInputPoint;/);
    assert.match(m, /b: AnchoredInputShape;/);
    assert.match(m, /c\?: "circle" \| "square"|c\?: AnchoredInput\w+;/);
    assert.ok(!warnings.some((w) => w.includes("anchored")), warnings.join("\n"));
  });

  await t.step("unusable tools are skipped with a warning naming them", () => {
    assert.ok(
      warnings.some((w) => /Skipped tool "42" of server "gw"/.test(w)),
      warnings.join("\n"),
    );
    assert.ok(
      warnings.some((w) => /Skipped tool "bad_schema" of server "gw": its input schema/.test(w)),
      warnings.join("\n"),
    );
    assert.equal(servers[0].tools.length, tools.length - 2);
  });

  await t.step("the tree type-checks, and required arguments are required", async () => {
    const program = {
      path: "program.ts",
      content: `import * as gw from "./servers/gw/index.ts";
import { text } from "./runtime.ts";
export async function main(): Promise<string> {
  // @ts-expect-error the id is required
  await gw.viaRef();
  // @ts-expect-error the id is required
  await gw.viaAllOf({});
  // @ts-expect-error the limit is required
  await gw.withDefault({});
  await gw.viaRef({ id: "x" });
  await gw.protoKeys();
  await gw.protoKeys({ constructor: "c", toString: 1 });
  await gw.anchored({ a: { x: 1 }, b: { kind: "circle" } });
  return text(await gw.callTool()) + text(await gw.text()) + text(await gw.callTool_2({ q: "q" }));
}
`,
    };
    assert.equal(await typeChecks([...files, program]), "");
  });
});

Deno.test("large enums convert in linear time", () => {
  const values = Array.from({ length: 100_000 }, (_, i) => `value-${i}`);
  const started = performance.now();
  const { files } = generate([
    snapshot("big", [{ name: "pick", inputSchema: obj({ v: { type: "string", enum: values } }) }]),
  ]);
  const ms = performance.now() - started;
  assert.ok(ms < 1000, `100,000 enum values took ${ms.toFixed(0)} ms`);
  assert.ok(files.find((f) => f.path === "servers/big/pick.ts")!.content.includes('"value-99999"'));
});
