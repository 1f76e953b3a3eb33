// The README's first command: `deno task demo` runs `mcpx demo` against
// server-everything from npm (through npx, as a user's config would).
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, listFiles, tempDir } from "./_helpers.ts";

Deno.test("mcpx demo generates, saves and verifies a plugin, shows the tree and runs code", async () => {
  await using dir = await tempDir();
  const plugins = join(dir.path, "plugins");
  const r = await cli(["demo", "--plugin-dir", plugins]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /: 13 tools, \d+ resources, \d+ prompts/);
  assert.match(r.stdout, /saved and verified: 19 files, root BLAKE3 [0-9a-f]{64}/);
  assert.ok(
    r.stdout.includes("│   │   ├── getSum.ts"),
    "the tree shows servers/everything/getSum.ts",
  );
  assert.match(r.stdout, /export const getSum = \$\.tool<GetSumInput, GetSumOutput>/);
  assert.match(r.stdout, /image payload: \d+ base64 characters, kept inside the sandbox/);
  assert.match(r.stdout, /"sum": "The sum of \d+ and 1000 is \d+\."/);
  assert.match(r.stdout, /again, warm: [\d.]+ ms/);
  // The plugin is really on disk and intact.
  const files = await listFiles(join(plugins, "everything"));
  assert.ok(files.includes("manifest.json") && files.includes("servers/everything/getSum.ts"));
  assert.equal((await cli(["plugin", "verify", "everything", "--plugin-dir", plugins])).code, 0);
});
