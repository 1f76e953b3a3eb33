// `mcpx install` / `uninstall` / `add` against a Claude Desktop config in a
// temporary home, and the installed entry started the way the client starts it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "jsonc-parser";
import { Client, StdioClientTransport } from "../src/_sdk.ts";
import { addCommand } from "../src/cli/add_command.ts";
import { installCommand, uninstallCommand } from "../src/cli/install_command.ts";
import { memoryIo } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { tempDir } from "./_helpers.ts";
import { memoryServer, thinkingServer } from "./_servers.ts";

const CLI_URL = new URL("../cli.ts", import.meta.url).href;

Deno.test("install moves Claude Desktop's servers behind mcpx, the entry serves them, uninstall restores them", async () => {
  await using home = await tempDir("mcpx-install-");
  const xdg = join(home.path, ".config");
  const claudeDir = join(xdg, "Claude");
  await Deno.mkdir(claudeDir, { recursive: true });
  const memory = memoryServer(join(home.path, "memory.jsonl"));
  const thinking = thinkingServer();
  const original = `{
  // Claude Desktop settings
  "mcpServers": {
    "memory": ${JSON.stringify({ command: memory.command, args: memory.args, env: memory.env })},
    "thinking": ${JSON.stringify({ command: thinking.command, args: thinking.args })}
  }
}
`;
  const clientPath = join(claudeDir, "claude_desktop_config.json");
  await Deno.writeTextFile(clientPath, original);
  const env = { HOME: home.path, XDG_CONFIG_HOME: xdg, PATH: Deno.env.get("PATH") ?? "" };
  const ctx = { mainModule: CLI_URL, cwd: home.path, now: () => new Date("2026-12-01T10:00:00Z") };

  // A dry run shows the change and writes nothing.
  const dry = memoryIo({ env });
  assert.equal(await installCommand(["--client", "claude-desktop", "--dry-run"], dry, ctx), 0);
  assert.match(dry.stdout, /^-\s+"memory": /m);
  assert.match(dry.stdout, /^\+\s+"mcpx": \{/m);
  assert.equal(await Deno.readTextFile(clientPath), original);

  const io = memoryIo({ env });
  assert.equal(await installCommand(["--client", "claude-desktop"], io, ctx), 0, io.stderr);
  assert.match(io.stderr, /Moved 2 server\(s\) \("memory", "thinking"\)/);
  const backup = `${clientPath}.mcpx-backup-20261201T100000Z`;
  assert.equal(await Deno.readTextFile(backup), original);
  const mcpxPath = join(xdg, "mcpx", "claude-desktop.json");
  assert.equal((await Deno.stat(mcpxPath)).mode! & 0o777, 0o600);
  const installed = parse(await Deno.readTextFile(clientPath));
  assert.deepEqual(Object.keys(installed.mcpServers), ["mcpx"]);
  assert.match(await Deno.readTextFile(clientPath), /\/\/ Claude Desktop settings/);

  // Start the entry exactly as Claude Desktop would, from another directory.
  const entry = installed.mcpServers.mcpx as { command: string; args: string[] };
  const client = new Client({ name: "install-test", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      cwd: home.path,
      stderr: "pipe",
    }),
  );
  try {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes("execute_code"), String(tools));
    const run = await client.callTool({
      name: "execute_code",
      arguments: {
        code: `import { createEntities, readGraph } from "./servers/memory/index.ts";
await createEntities({ entities: [{ name: "mcpx", entityType: "tool", observations: ["installed"] }] });
const graph = await readGraph({});
export default JSON.stringify(graph).includes("installed");`,
      },
    });
    assert.ok(!run.isError, JSON.stringify(run));
    assert.match(JSON.stringify(run.content), /true/);
  } finally {
    await client.close();
  }

  // Uninstall puts the servers back as they were.
  const un = memoryIo({ env });
  assert.equal(await uninstallCommand(["--client", "claude-desktop"], un, ctx), 0, un.stderr);
  const restored = await Deno.readTextFile(clientPath);
  assert.deepEqual(parse(restored), parse(original));
  assert.match(restored, /\/\/ Claude Desktop settings/);
  const again = memoryIo({ env });
  await assert.rejects(
    () => uninstallCommand(["--client", "claude-desktop"], again, ctx),
    /mcpx is not installed in ".*claude_desktop_config.json": it has no "mcpx" server/,
  );
});

Deno.test("install reports a missing client config and bad flags clearly", async () => {
  await using home = await tempDir("mcpx-install-");
  const env = { HOME: home.path, XDG_CONFIG_HOME: join(home.path, "cfg") };
  const io = memoryIo({ env });
  assert.equal(await main(["install", "--client", "cursor"], io), 1);
  assert.match(io.stderr, /No Cursor config at ".*\.cursor\/mcp\.json": pass --config-path FILE/);
  const usage = memoryIo({ env });
  assert.equal(await main(["install", "--client", "zed"], usage), 2);
  assert.match(usage.stderr, /Unknown client "zed": known clients are "claude-desktop"/);
  const missing = memoryIo({ env });
  assert.equal(await main(["install"], missing), 2);
  assert.match(missing.stderr, /Missing --client/);
});

Deno.test("add grows a config from the command line, keeping its comments", async () => {
  await using dir = await tempDir("mcpx-add-");
  const path = join(dir.path, "mcpx.json");
  await Deno.writeTextFile(path, '{\n  // mine\n  "mcpServers": {}\n}\n');
  const io = memoryIo();
  assert.equal(
    await addCommand([
      "fs",
      "-c",
      path,
      "-e",
      "TOKEN=${TOKEN}",
      "--",
      "npx",
      "-y",
      "server-fs",
      ".",
    ], io),
    0,
  );
  assert.equal(
    await addCommand([
      "api",
      "-c",
      path,
      "--url",
      "https://example.com/mcp",
      "-H",
      "Authorization: Bearer ${KEY}",
    ], io),
    0,
  );
  const text = await Deno.readTextFile(path);
  assert.match(text, /\/\/ mine/);
  assert.deepEqual(parse(text).mcpServers, {
    fs: { command: "npx", args: ["-y", "server-fs", "."], env: { TOKEN: "${TOKEN}" } },
    api: {
      type: "http",
      url: "https://example.com/mcp",
      headers: { Authorization: "Bearer ${KEY}" },
    },
  });
  await assert.rejects(
    () => addCommand(["fs", "-c", path, "--", "other"], memoryIo()),
    /Server "fs" already exists in ".*mcpx.json": pass --force to replace it/,
  );
  const bad = memoryIo();
  assert.equal(await main(["add", "x", "-c", path], bad), 2);
  assert.match(bad.stderr, /Give either -- <command> \[args…\] or --url URL/);
});
