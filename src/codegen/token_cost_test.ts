// What a generated module costs a model, against the raw `tools/list` entry
// it replaces, over the tool lists of real servers.
import assert from "node:assert/strict";
import type { Tool } from "../_sdk.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { toolSignature } from "../server/signature.ts";
import { countTokens, modelFacingTool } from "../server/tokens.ts";
import { generate } from "./generate.ts";

interface Captured {
  server: string;
  serverInfo: { name: string; version: string };
  tools: Tool[];
}

const captured: Captured[] = JSON.parse(
  await Deno.readTextFile(new URL("../server/testdata/real_tools.json", import.meta.url)),
);
// The same servers captured with names, descriptions and schemas only.
const schemasOnly: Record<string, Tool[]> = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/real_tool_schemas.json", import.meta.url)),
);

/** Module tokens over raw definition tokens, one ratio per tool, sorted; servers generate alone. */
function ratios(lists: Captured[]): { module: number[]; signature: number[] } {
  const snapshots: ServerSnapshot[] = lists.map((c) => ({
    name: c.server,
    serverInfo: c.serverInfo,
    capabilities: { tools: {} },
    tools: c.tools,
    resources: [],
    resourceTemplates: [],
    prompts: [],
  }));
  const files = [];
  const servers = [];
  for (const snapshot of snapshots) {
    const one = generate([snapshot]);
    files.push(...one.files.filter((f) => f.path.startsWith("servers/")));
    servers.push(...one.servers);
  }
  const module: number[] = [];
  const signature: number[] = [];
  for (const s of servers) {
    const snap = snapshots.find((x) => x.name === s.name)!;
    for (const t of s.tools) {
      const tool = snap.tools.find((x) => x.name === t.name)!;
      const raw = countTokens(JSON.stringify(modelFacingTool(tool)));
      const source = files.find((f) => f.path === t.path)!.content;
      module.push(countTokens(source) / raw);
      signature.push(countTokens(toolSignature(source)) / raw);
    }
  }
  return { module: module.sort((a, b) => a - b), signature: signature.sort((a, b) => a - b) };
}

const median = (xs: number[]) =>
  xs.length % 2 === 1 ? xs[xs.length >> 1] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2;

Deno.test("a generated module costs at most 0.8x its raw tool definition (median, o200k)", () => {
  const full = ratios(captured);
  const reduced = ratios(
    Object.entries(schemasOnly).map(([server, tools]) => ({
      server,
      serverInfo: { name: server, version: "0" },
      tools,
    })),
  );
  const all = {
    module: [...full.module, ...reduced.module].sort((a, b) => a - b),
    signature: [...full.signature, ...reduced.signature].sort((a, b) => a - b),
  };
  assert.equal(all.module.length, 74);
  const line = (what: string, r: { module: number[]; signature: number[] }) =>
    `${what} (${r.module.length} tools): module median ${median(r.module).toFixed(3)}x, max ${
      r.module.at(-1)!.toFixed(2)
    }x; search_tools "full" median ${median(r.signature).toFixed(2)}x`;
  console.log(line("real_tools.json", full));
  console.log(line("real_tool_schemas.json", reduced));
  console.log(line("both", all));
  const m = median(all.module);
  assert.ok(m <= 0.8, `median ratio ${m.toFixed(3)}`);
  assert.ok(median(full.module) <= 0.8, "the definitions as clients forward them");
  assert.ok(median(reduced.module) <= 0.8, "the definitions without titles and annotations");
  assert.ok(median(all.signature) <= m, "the search_tools form is no larger than the module");
});
