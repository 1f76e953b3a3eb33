// Tokens that pass through the model, workflow by workflow: each workflow is
// replayed for real against real MCP servers, once as direct tool calling
// (every call and every result goes through the model) and once as code mode
// through mcpx (one search, one program, its short result), and each
// transcript is counted with two tokenizers.
//
//   deno task tokens      (writes bench/results/tokens.md and tokens.svg)
//
// Counted: tool definitions (all up front, or deferred as hosts now do: a
// search tool, then the definitions of the tools actually used), the user's
// request, every call (name and arguments, or the program), every result, and
// the final answer. Each transcript is counted once, as it stands at the end
// of the conversation.
import { countTokens as claudeTokens } from "@anthropic-ai/tokenizer";
import { join } from "node:path";
import { Client, InMemoryTransport, type Tool } from "../src/_sdk.ts";
import type { ServerConfig } from "../src/config/types.ts";
import { connect, type Connection } from "../src/introspect/connect.ts";
import { ServeHost } from "../src/server/serve_host.ts";
import { countTokens as o200kTokens, modelFacingTool } from "../src/server/tokens.ts";
import { syntheticTools } from "./_synthetic.ts";
import { barChart } from "./_svg_chart.ts";
import { filesystemServer, memoryServer } from "../tests/_servers.ts";

type Tokenizer = { name: string; count: (text: string) => number };
const TOKENIZERS: Tokenizer[] = [
  { name: "o200k_base", count: o200kTokens },
  { name: "claude", count: claudeTokens },
];

/** One message of a transcript, as text the model reads or writes. */
interface Turn {
  kind: "definitions" | "request" | "call" | "result" | "answer";
  text: string;
}

interface Workflow {
  name: string;
  request: string;
  /** Direct tool calling: the calls a model makes, in order (results come from the servers). */
  direct: (call: DirectCaller) => Promise<string>;
  /** Puts the data back as it was, before each mode runs. */
  reset?: () => Promise<void>;
  /** Code mode: the search query and the program. */
  search: string;
  code: string;
}

type DirectCaller = (
  server: string,
  tool: string,
  args: Record<string, unknown>,
) => Promise<string>;

const dataDir = await Deno.makeTempDir({ prefix: "mcpx-tokens-" });
const REGIONS = ["north", "south", "east", "west"];
const rows = ["id,customer,region,amount,status"];
for (let i = 1; i <= 2000; i++) {
  const refunded = i % 400 === 7; // five rows: 7, 407, 807, 1207, 1607
  rows.push(
    `${i},customer-${String(i).padStart(4, "0")},${REGIONS[i % 4]},${
      refunded ? 950 + (i % 40) : (i * 37) % 900
    },${refunded ? "refunded" : i % 3 === 0 ? "pending" : "paid"}`,
  );
}
await Deno.writeTextFile(join(dataDir, "orders.csv"), rows.join("\n") + "\n");
const people = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov"];
await Deno.writeTextFile(
  join(dataDir, "team.txt"),
  people.map((p, i) => `${p} — ${["lead", "engineer", "researcher"][i % 3]} at Example Corp`).join(
    "\n",
  ) + "\n",
);
await Deno.mkdir(join(dataDir, "logs"));
for (let f = 1; f <= 20; f++) {
  const lines = [];
  for (let l = 0; l < 150; l++) {
    lines.push(
      `2026-11-${String(f).padStart(2, "0")}T10:${String(l % 60).padStart(2, "0")}:00Z ${
        f === 14 && l === 97 ? "ERROR payment gateway timeout after 30s" : `INFO request ${l} ok`
      }`,
    );
  }
  await Deno.writeTextFile(
    join(dataDir, "logs", `day-${String(f).padStart(2, "0")}.log`),
    lines.join("\n") + "\n",
  );
}
const writeService = () =>
  Deno.writeTextFile(
    join(dataDir, "service.json"),
    JSON.stringify(
      { name: "billing", port: 8080, mode: "development", replicas: 1, features: { audit: false } },
      null,
      2,
    ) +
      "\n",
  );
await writeService();

const fsPath = (p: string) => join(dataDir, p);
const WORKFLOWS: Workflow[] = [
  {
    name: "filter 2,000 rows to 5",
    request: `Which orders in ${
      fsPath("orders.csv")
    } were refunded with an amount over 900? List them.`,
    direct: async (call) => {
      const csv = await call("filesystem", "read_text_file", { path: fsPath("orders.csv") });
      return csv.split("\n").filter((l) => /,refunded$/.test(l) && Number(l.split(",")[3]) > 900)
        .join("\n");
    },
    search: "read a text file",
    code: `import { readTextFile } from "./servers/filesystem/index.ts";
const csv = (await readTextFile({ path: ${JSON.stringify(fsPath("orders.csv"))} })).content;
export default csv.split("\\n").filter((l) => /,refunded$/.test(l) && Number(l.split(",")[3]) > 900);`,
  },
  {
    name: "chain two servers",
    request: `Add everyone in ${
      fsPath("team.txt")
    } to the knowledge graph as a person, with their role.`,
    direct: async (call) => {
      const text = await call("filesystem", "read_text_file", { path: fsPath("team.txt") });
      const entities = text.trim().split("\n").map((l) => {
        const [name, role] = l.split(" — ");
        return { name, entityType: "person", observations: [role] };
      });
      return await call("memory", "create_entities", { entities });
    },
    search: "create entities in the knowledge graph",
    code: `import { readTextFile } from "./servers/filesystem/index.ts";
import { createEntities } from "./servers/memory/index.ts";
const lines = (await readTextFile({ path: ${
      JSON.stringify(fsPath("team.txt"))
    } })).content.trim().split("\\n");
const entities = lines.map((l) => { const [name, role] = l.split(" — "); return { name, entityType: "person", observations: [role] }; });
await createEntities({ entities });
export default \`added \${entities.length} people\`;`,
  },
  {
    name: "loop with a condition",
    request: `Find the first log in ${fsPath("logs")} with an ERROR line, and show that line.`,
    direct: async (call) => {
      const list = await call("filesystem", "list_directory", { path: fsPath("logs") });
      const files = list.split("\n").map((l) => l.replace(/^\[FILE\] /, "").trim()).filter((f) =>
        f.endsWith(".log")
      ).sort();
      for (const f of files) {
        const text = await call("filesystem", "read_text_file", { path: fsPath(`logs/${f}`) });
        const hit = text.split("\n").find((l) => l.includes("ERROR"));
        if (hit) return `${f}: ${hit}`;
      }
      return "none";
    },
    search: "list a directory",
    code: `import { listDirectory, readTextFile } from "./servers/filesystem/index.ts";
const dir = ${JSON.stringify(fsPath("logs"))};
const files = (await listDirectory({ path: dir })).content.split("\\n").map((l) => l.replace(/^\\[FILE\\] /, "").trim()).filter((f) => f.endsWith(".log")).sort();
let found = "none";
for (const f of files) {
  const hit = (await readTextFile({ path: dir + "/" + f })).content.split("\\n").find((l) => l.includes("ERROR"));
  if (hit) { found = f + ": " + hit; break; }
}
export default found;`,
  },
  {
    name: "multi-step edit",
    request: `In ${
      fsPath("service.json")
    }, switch mode to production and replicas to 3, then confirm the file.`,
    direct: async (call) => {
      await call("filesystem", "read_text_file", { path: fsPath("service.json") });
      await call("filesystem", "edit_file", {
        path: fsPath("service.json"),
        edits: [
          { oldText: '"mode": "development"', newText: '"mode": "production"' },
          { oldText: '"replicas": 1', newText: '"replicas": 3' },
        ],
      });
      return await call("filesystem", "read_text_file", { path: fsPath("service.json") });
    },
    reset: writeService,
    search: "edit a file",
    code: `import { editFile, readTextFile } from "./servers/filesystem/index.ts";
const path = ${JSON.stringify(fsPath("service.json"))};
await editFile({ path, edits: [{ oldText: '"mode": "development"', newText: '"mode": "production"' }, { oldText: '"replicas": 1', newText: '"replicas": 3' }] });
const after = JSON.parse((await readTextFile({ path })).content);
export default { mode: after.mode, replicas: after.replicas };`,
  },
];

const servers: ServerConfig[] = [
  filesystemServer(dataDir),
  memoryServer(join(dataDir, "memory.jsonl")),
];
const connections = new Map<string, Connection>();
for (const s of servers) connections.set(s.name, await connect(s));
const upstreamTools = new Map<string, Tool[]>();
for (const [name, c] of connections) upstreamTools.set(name, (await c.client.listTools()).tools);

const resultText = (r: { content?: unknown; structuredContent?: unknown }): string => {
  const blocks = (r.content ?? []) as { type: string; text?: string }[];
  return blocks.map((b) => b.type === "text" ? b.text ?? "" : JSON.stringify(b)).join("\n");
};

// The edit workflow writes files: allowed here, as a user's config would allow
// it (the direct transcript makes the same call without asking anyone either).
await using host = await ServeHost.create({
  runtime: { servers, approvals: { rules: { "filesystem/edit_file": "allow" } } },
});
const session = host.createSession();
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await session.server.connect(serverSide);
const mcpx = new Client({ name: "mcpx-tokens", version: "1.0.0" });
await mcpx.connect(clientSide);
const mcpxTools = (await mcpx.listTools()).tools;

const defs = (tools: Tool[]) => tools.map((t) => JSON.stringify(modelFacingTool(t))).join("\n");
const TOOL_SEARCH: Tool = {
  name: "tool_search",
  description: "Search the available tools by keyword and load the definitions of the ones found",
  inputSchema: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
};
const synthetic = syntheticTools(200);

interface Row {
  workflow: string;
  mode: string;
  tokens: Record<string, number>;
}
const results: Row[] = [];
const count = (turns: Turn[]) =>
  Object.fromEntries(
    TOKENIZERS.map((t) => [t.name, turns.reduce((n, x) => n + t.count(x.text), 0)]),
  );

for (const w of WORKFLOWS) {
  // Direct tool calling, for real.
  await w.reset?.();
  const calls: Turn[] = [];
  const used = new Map<string, Tool>();
  const answer = await w.direct(async (server, tool, args) => {
    calls.push({
      kind: "call",
      text: JSON.stringify({ name: `${server}_${tool}`, arguments: args }),
    });
    const r = await connections.get(server)!.client.callTool({ name: tool, arguments: args });
    const text = resultText(r as never);
    calls.push({ kind: "result", text });
    used.set(`${server}/${tool}`, upstreamTools.get(server)!.find((t) => t.name === tool)!);
    return text;
  });
  const request: Turn = { kind: "request", text: w.request };
  const final: Turn = { kind: "answer", text: answer };
  const allUpstream = [...upstreamTools.values()].flat();
  results.push({
    workflow: w.name,
    mode: "direct, all definitions up front",
    tokens: count([{ kind: "definitions", text: defs(allUpstream) }, request, ...calls, final]),
  });
  results.push({
    workflow: w.name,
    mode: "direct, plus a 200-tool server",
    tokens: count([
      { kind: "definitions", text: defs([...allUpstream, ...synthetic]) },
      request,
      ...calls,
      final,
    ]),
  });
  const deferred: Turn[] = [{ kind: "definitions", text: defs([TOOL_SEARCH]) }];
  for (const tool of used.values()) {
    deferred.push({
      kind: "call",
      text: JSON.stringify({ name: "tool_search", arguments: { query: tool.name } }),
    });
    deferred.push({ kind: "result", text: defs([tool]) });
  }
  results.push({
    workflow: w.name,
    mode: "direct, deferred definitions",
    tokens: count([...deferred, request, ...calls, final]),
  });

  // Code mode through mcpx, for real.
  await w.reset?.();
  const search = await mcpx.callTool({
    name: "search_tools",
    arguments: { query: w.search, limit: 5 },
  });
  const run = await mcpx.callTool({ name: "execute_code", arguments: { code: w.code } });
  if (run.isError) throw new Error(`${w.name}: ${resultText(run as never)}`);
  results.push({
    workflow: w.name,
    mode: "code mode (mcpx)",
    tokens: count([
      { kind: "definitions", text: defs(mcpxTools) },
      request,
      {
        kind: "call",
        text: JSON.stringify({ name: "search_tools", arguments: { query: w.search, limit: 5 } }),
      },
      { kind: "result", text: resultText(search as never) },
      { kind: "call", text: JSON.stringify({ name: "execute_code", arguments: { code: w.code } }) },
      { kind: "result", text: resultText(run as never) },
      final,
    ]),
  });
}

await mcpx.close();
for (const c of connections.values()) await c.close();
await Deno.remove(dataDir, { recursive: true });

// Report.
const modes = [...new Set(results.map((r) => r.mode))];
const fmt = (n: number) => n.toLocaleString("en-US");
const lines = [
  `# Tokens per workflow: direct tool calling against code mode`,
  "",
  `Measured ${
    new Date().toISOString().slice(0, 10)
  } with \`deno task tokens\` (Deno ${Deno.version.deno}, ${Deno.build.os}/${Deno.build.arch}), against server-filesystem and server-memory from npm; definitions of a generated 200-tool server for the second row. Tokenizers: o200k_base (gpt-tokenizer) and Claude's (@anthropic-ai/tokenizer).`,
  "",
  `| workflow | ${modes.join(" | ")} | code mode vs direct |`,
  `| --- | ${modes.map(() => "---:").join(" | ")} | ---: |`,
];
for (const w of WORKFLOWS) {
  const cells = modes.map((m) => {
    const r = results.find((x) => x.workflow === w.name && x.mode === m)!;
    return TOKENIZERS.map((t) => fmt(r.tokens[t.name])).join(" / ");
  });
  const direct = results.find((x) =>
    x.workflow === w.name && x.mode === modes[0]
  )!.tokens.o200k_base;
  const code = results.find((x) => x.workflow === w.name && x.mode === "code mode (mcpx)")!.tokens
    .o200k_base;
  lines.push(
    `| ${w.name} | ${cells.join(" | ")} | ${(100 * (1 - code / direct)).toFixed(1)}% fewer |`,
  );
}
lines.push(
  "",
  "Each cell: o200k_base / claude tokens. The last column compares code mode with direct calling with all definitions up front (o200k_base).",
  "",
);
const markdown = lines.join("\n");
console.log(markdown);

const outDir = new URL("./results/", import.meta.url);
await Deno.mkdir(outDir, { recursive: true });
await Deno.writeTextFile(new URL("tokens.md", outDir), markdown);
await Deno.writeTextFile(
  new URL("tokens.svg", outDir),
  barChart({
    title: "Tokens through the model per workflow",
    unit: "o200k_base tokens",
    series: modes,
    groups: WORKFLOWS.map((w) => ({
      label: w.name,
      values: modes.map((m) =>
        results.find((x) => x.workflow === w.name && x.mode === m)!.tokens.o200k_base
      ),
    })),
    log: true,
  }),
);
console.log(`Wrote bench/results/tokens.md and bench/results/tokens.svg`);
