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

/** Module tokens over raw definition tokens, one ratio per tool, sorted. */
function ratios(): { module: number[]; signature: number[] } {
  const snapshots: ServerSnapshot[] = captured.map((c) => ({
    name: c.server,
    serverInfo: c.serverInfo,
    capabilities: { tools: {} },
    tools: c.tools,
    resources: [],
    resourceTemplates: [],
    prompts: [],
  }));
  const { files, servers } = generate(snapshots);
  const module: number[] = [];
  const signature: number[] = [];
  for (const s of servers) {
    const snap = snapshots.find((x) => x.name === s.name)!;
    for (const t of s.tools) {
      const raw = countTokens(
        JSON.stringify(modelFacingTool(snap.tools.find((x) => x.name === t.name)!)),
      );
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
  const { module, signature } = ratios();
  assert.equal(module.length, 37);
  const m = median(module);
  const s = median(signature);
  console.log(
    `tool modules / raw definitions over ${module.length} real tools: median ${m.toFixed(2)}x, ` +
      `max ${module.at(-1)!.toFixed(2)}x; search_tools "full" form: median ${s.toFixed(2)}x`,
  );
  assert.ok(m <= 0.8, `median ratio ${m.toFixed(3)}`);
  assert.ok(s <= m, "the search_tools form is no larger than the module");
});
