// Secrets from the config (env values, URL passwords) that a failing server
// echoes never reach mcpx's messages and logs: generate, doctor, run and the
// audit log redact them; control characters a server prints are escaped.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ServerConfig } from "../src/config/types.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";

const TOKEN = "tok-9f8e7d6c5b4a";
const PASSWORD = "hunter22-pw";

function servers(): ServerConfig[] {
  return [
    {
      name: "leaky",
      transport: "stdio",
      command: "node",
      args: [
        "-e",
        `console.error("\\u001b]0;pwned\\u0007token is " + process.env.LEAKY_TOKEN); process.exit(3)`,
      ],
      env: { LEAKY_TOKEN: TOKEN },
    },
    { name: "remote", transport: "http", url: `http://me:${PASSWORD}@127.0.0.1:9/mcp` },
  ];
}

function assertClean(what: string, text: string): void {
  assert.ok(!text.includes(TOKEN), `${what} shows the env secret:\n${text}`);
  assert.ok(!text.includes(PASSWORD), `${what} shows the URL password:\n${text}`);
  assert.ok(!text.includes("\u001b"), `${what} has a raw escape character:\n${text}`);
}

Deno.test("secrets a failing server echoes are redacted from generate, doctor, run and the audit log", async (t) => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, servers());
  const plugins = join(dir.path, "plugins");

  await t.step("generate", async () => {
    const r = await cli(["generate", "-c", config, "--timeout", "5000"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /token is \[redacted\]/);
    assertClean("generate", r.stdout + r.stderr);
  });
  await t.step("doctor", async () => {
    const r = await cli(["doctor", "-c", config], { env: { MCPX_DATA_DIR: dir.path } });
    assertClean("doctor", r.stdout + r.stderr);
  });
  await t.step("run and the audit log", async () => {
    const file = join(dir.path, "p.ts");
    await Deno.writeTextFile(
      file,
      `import { callTool } from "./runtime.ts";
const out: string[] = [];
for (const s of ["leaky", "remote"]) {
  try { await callTool(s, "anything", {}); } catch (e) { out.push((e as Error).message); }
}
console.log(out.join("\\n"));
export default out.length;
`,
    );
    const audit = join(dir.path, "audit.jsonl");
    const r = await cli(
      [
        "run",
        "-c",
        config,
        "--plugin-dir",
        plugins,
        "--no-check",
        "--connect-timeout",
        "5000",
        file,
      ],
      { env: { MCPX_AUDIT_LOG: audit } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /token is \[redacted\]/);
    assertClean("run", r.stdout + r.stderr);
    const log = await Deno.readTextFile(audit);
    assert.match(log, /leaky/);
    assertClean("the audit log", log);
  });
});
