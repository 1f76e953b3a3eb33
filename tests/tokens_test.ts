// End-to-end test of `mcpx tokens` against the four real reference servers.
import assert from "node:assert/strict";
import { join } from "node:path";
import { MCPX_TOOLS } from "../src/server/tool_definitions.ts";
import { toolDefinitionTokens } from "../src/server/tokens.ts";
import { mcpxToolList } from "../src/cli/tokens_command.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, filesystemServer, memoryServer, thinkingServer } from "./_servers.ts";

Deno.test("mcpx tokens: four real servers cost far more than mcpx's five tools", async (t) => {
  await using tmp = await tempDir("mcpx-tokens-");
  const config = await writeConfig(tmp.path, [
    everythingServer(),
    filesystemServer(tmp.path),
    memoryServer(join(tmp.path, "memory.json")),
    thinkingServer(),
  ]);

  await t.step("the table names every server and saves at least 95%", async () => {
    const { code, stdout, stderr } = await cli(["tokens", "--config", config]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trimEnd().split("\n");
    assert.match(lines[0], /^server\s+tools\s+tokens$/);
    for (const name of ["everything", "filesystem", "memory", "thinking"]) {
      assert.match(stdout, new RegExp(`^${name}\\s+\\d+\\s+[\\d,]+$`, "m"));
    }
    assert.match(stdout, /^mcpx\s+5\s+\d+$/m);
    const saved = /^saved\s+([\d,]+) \((\d+\.\d)%\)$/m.exec(stdout);
    assert.ok(saved, stdout);
    assert.ok(Number(saved[2]) >= 95, `saved only ${saved[2]}%`);
  });

  await t.step("--json gives the same figures, counted on the real tools/list", async () => {
    const { code, stdout } = await cli([
      "tokens",
      "--config",
      config,
      "--json",
      "--server",
      "memory",
    ]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout);
    assert.equal(report.encoding, "o200k_base");
    assert.deepEqual(report.servers.map((s: { server: string }) => s.server), ["memory"]);
    const listed = await mcpxToolList();
    assert.deepEqual(listed.map((x) => x.name), MCPX_TOOLS.map((x) => x.name));
    assert.equal(report.mcpx.tokens, toolDefinitionTokens(listed));
    assert.equal(report.mcpx.tools, 5);
    assert.equal(report.saved, report.upstream.tokens - report.mcpx.tokens);
  });

  await t.step("an unknown server is a usage error", async () => {
    const { code, stderr } = await cli(["tokens", "--config", config, "--server", "nope"]);
    assert.notEqual(code, 0);
    assert.match(stderr, /nope/);
  });
});
