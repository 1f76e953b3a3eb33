// Code generation for 10, 50 and 1,000 tools. Baseline: serializing the same
// tool list to JSON, the least work any generator must do to read it.
import { generate } from "../src/codegen/generate.ts";
import { syntheticSnapshot } from "./_synthetic.ts";

for (const count of [10, 50, 1000]) {
  const snapshot = syntheticSnapshot(count);
  generate([snapshot]); // warm templates and caches
  const group = `codegen ${count} tools`;
  Deno.bench({ name: `JSON.stringify ${count} tools (baseline)`, group, baseline: true }, () => {
    JSON.stringify(snapshot.tools, null, 2);
  });
  Deno.bench({ name: `generate ${count} tools`, group }, () => {
    generate([snapshot]);
  });
}

// A 100,000-value enum: generation stays linear in the size of the schema.
{
  const values = Array.from({ length: 100_000 }, (_, i) => `value-${i}`);
  const tools = [{
    name: "pick",
    inputSchema: { type: "object" as const, properties: { v: { type: "string", enum: values } } },
  }];
  const snapshot = { ...syntheticSnapshot(0), tools };
  const group = "codegen 100,000-value enum";
  Deno.bench({ name: "JSON.stringify the enum schema (baseline)", group, baseline: true }, () => {
    JSON.stringify(tools, null, 2);
  });
  Deno.bench({ name: "generate the tool with the enum", group }, () => {
    generate([snapshot]);
  });
}

// Heap held by a 1,000-tool tree (run with --v8-flags=--expose-gc for exact figures).
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  const snapshot = syntheticSnapshot(1000);
  generate([snapshot]);
  gc();
  const before = Deno.memoryUsage().heapUsed;
  const kept = generate([snapshot]);
  gc();
  const after = Deno.memoryUsage().heapUsed;
  const bytes = kept.files.reduce((n, f) => n + f.content.length, 0);
  console.log(
    `heap growth for the 1,000-tool tree: ${
      ((after - before) / 1048576).toFixed(2)
    } MiB (${kept.files.length} files, ${(bytes / 1048576).toFixed(2)} MiB of source)`,
  );
}
