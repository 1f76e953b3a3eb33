import assert from "node:assert/strict";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import type { Tool } from "../_sdk.ts";
import {
  countTokens,
  formatTokenReport,
  modelFacingTool,
  type TokenReport,
  tokenReport,
  toolDefinitionTokens,
} from "./tokens.ts";
import realTools from "./testdata/real_tools.json" with { type: "json" };

const fixture = realTools as unknown as { server: string; tools: Tool[] }[];

/** A plausible definition of the five tools `mcpx serve` exposes. */
const MCPX_TOOLS: Tool[] = [
  {
    name: "search_tools",
    description:
      "Find tools of the connected MCP servers by keywords. Returns names and module paths; " +
      'detail "full" adds descriptions and TypeScript signatures.',
    inputSchema: {
      type: "object",
      properties: {
        query: { type: "string" },
        detail: { type: "string", enum: ["name", "summary", "full"] },
        server: { type: "string" },
        limit: { type: "integer", minimum: 1, maximum: 50 },
      },
      required: ["query"],
    },
  },
  {
    name: "list_files",
    description: "List the files under a folder of the tool tree (servers/, skills/).",
    inputSchema: { type: "object", properties: { path: { type: "string" } } },
  },
  {
    name: "read_file",
    description: "Read a file of the tool tree, such as a generated tool module.",
    inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  },
  {
    name: "execute_code",
    description: "Run TypeScript in a sandbox. Import tools from ./servers/<server>/<tool>.ts; " +
      "returns console output and the value of the last expression.",
    inputSchema: {
      type: "object",
      properties: { code: { type: "string" }, timeoutMs: { type: "integer" } },
      required: ["code"],
    },
  },
  {
    name: "save_skill",
    description: "Save working code as a reusable skill under skills/.",
    inputSchema: {
      type: "object",
      properties: {
        name: { type: "string" },
        description: { type: "string" },
        code: { type: "string" },
      },
      required: ["name", "code"],
    },
  },
];

Deno.test("countTokens", async (t) => {
  await t.step("known o200k counts", () => {
    assert.equal(countTokens("hello world"), 2);
    assert.equal(countTokens(""), 0);
  });
  await t.step("agrees with the library's encoder", () => {
    for (
      const text of [
        "The quick brown fox jumps over the lazy dog.",
        "read_text_file: Read the complete contents of a file as text",
        '{"type":"object","properties":{"a":{"type":"number"}}}',
        "Café – naïve 日本語 🎉",
      ]
    ) {
      assert.equal(countTokens(text), encode(text).length, text);
    }
  });
  await t.step("counts special-token markers as plain text", () => {
    assert.throws(() => encode("before <|endoftext|> after"));
    const n = countTokens("before <|endoftext|> after");
    assert.equal(n, encode("before <|endoftext|> after", { disallowedSpecial: new Set() }).length);
    assert.ok(n > 3);
  });
});

Deno.test("modelFacingTool keeps what a model sees, in order", () => {
  const tool = {
    _meta: { x: 1 },
    annotations: { readOnlyHint: true },
    execution: { taskSupport: "forbidden" },
    outputSchema: { type: "object" },
    inputSchema: { type: "object" },
    description: "D",
    title: "T",
    icons: [{ src: "https://example.com/i.png" }],
    name: "n",
  } as unknown as Tool;
  const picked = modelFacingTool(tool);
  assert.deepEqual(Object.keys(picked), [
    "name",
    "title",
    "description",
    "inputSchema",
    "outputSchema",
    "annotations",
  ]);
  assert.deepEqual(Object.keys(modelFacingTool({ name: "m", inputSchema: { type: "object" } })), [
    "name",
    "inputSchema",
  ]);
});

Deno.test("toolDefinitionTokens", async (t) => {
  const [a, b] = fixture[1].tools;
  await t.step("counts the compact JSON of each tool's model-facing fields", () => {
    const { name, title, description, inputSchema, outputSchema, annotations } = a;
    const json = JSON.stringify({
      name,
      title,
      description,
      inputSchema,
      outputSchema,
      annotations,
    });
    assert.equal(toolDefinitionTokens([a]), encode(json).length);
    assert.ok("execution" in a, "the fixture has protocol fields that are not counted");
    assert.ok(toolDefinitionTokens([a]) < countTokens(JSON.stringify(a)));
  });
  await t.step("is additive", () => {
    assert.equal(
      toolDefinitionTokens([a, b]),
      toolDefinitionTokens([a]) + toolDefinitionTokens([b]),
    );
    assert.equal(toolDefinitionTokens([]), 0);
  });
});

Deno.test("tokenReport", async (t) => {
  const report = tokenReport({
    upstream: fixture.map((s) => ({ server: s.server, tools: s.tools })),
    mcpx: MCPX_TOOLS,
  });
  await t.step("per-server rows and sums", () => {
    assert.deepEqual(report.servers.map((s) => [s.server, s.tools]), [
      ["everything", 13],
      ["filesystem", 14],
      ["memory", 9],
      ["sequential-thinking", 1],
    ]);
    for (const [i, s] of report.servers.entries()) {
      assert.equal(s.tokens, toolDefinitionTokens(fixture[i].tools));
    }
    assert.equal(report.upstream.tools, 37);
    assert.equal(report.upstream.tokens, report.servers.reduce((n, s) => n + s.tokens, 0));
    assert.equal(report.upstream.tokens, toolDefinitionTokens(fixture.flatMap((s) => s.tools)));
    assert.deepEqual(report.mcpx, { tools: 5, tokens: toolDefinitionTokens(MCPX_TOOLS) });
    assert.equal(report.saved, report.upstream.tokens - report.mcpx.tokens);
    assert.equal(report.savedPercent, (report.saved / report.upstream.tokens) * 100);
  });
  await t.step("five small tools cost at least 95% fewer tokens than the four servers", () => {
    assert.ok(report.savedPercent >= 95, formatTokenReport(report));
  });
  await t.step("nothing upstream", () => {
    const empty = tokenReport({ upstream: [], mcpx: MCPX_TOOLS });
    assert.equal(empty.upstream.tokens, 0);
    assert.equal(empty.saved, -empty.mcpx.tokens);
    assert.equal(empty.savedPercent, 0);
  });
});

Deno.test("formatTokenReport", async (t) => {
  await t.step("aligned table with thousands separators", () => {
    const report: TokenReport = {
      servers: [
        { server: "everything", tools: 13, tokens: 1605 },
        { server: "filesystem", tools: 14, tokens: 2681 },
        { server: "sequential-thinking", tools: 1, tokens: 991 },
      ],
      upstream: { tools: 28, tokens: 5277 },
      mcpx: { tools: 5, tokens: 282 },
      saved: 4995,
      savedPercent: 94.656,
    };
    assert.equal(
      formatTokenReport(report),
      [
        "server               tools  tokens",
        "everything              13   1,605",
        "filesystem              14   2,681",
        "sequential-thinking      1     991",
        "upstream total          28   5,277",
        "mcpx                     5     282",
        "saved                        4,995 (94.7%)",
      ].join("\n"),
    );
  });
  await t.step("a short table and a negative saving", () => {
    const report: TokenReport = {
      servers: [{ server: "a", tools: 1, tokens: 10 }],
      upstream: { tools: 1, tokens: 10 },
      mcpx: { tools: 5, tokens: 1234 },
      saved: -1224,
      savedPercent: -12240,
    };
    assert.equal(
      formatTokenReport(report),
      [
        "server          tools  tokens",
        "a                   1      10",
        "upstream total      1      10",
        "mcpx                5   1,234",
        "saved                  -1,224 (-12240.0%)",
      ].join("\n"),
    );
  });
  await t.step("formats a real report", () => {
    const report = tokenReport({
      upstream: fixture.map((s) => ({ server: s.server, tools: s.tools })),
      mcpx: MCPX_TOOLS,
    });
    const lines = formatTokenReport(report).split("\n");
    assert.equal(lines.length, 1 + 4 + 3);
    assert.match(lines[5], /^upstream total +37 +\d{1,2},\d{3}$/);
    assert.ok(lines.slice(0, 7).every((l) => l.length === lines[0].length));
  });
});
