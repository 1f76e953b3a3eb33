import assert from "node:assert/strict";
import { parse } from "jsonc-parser";
import { McpxError } from "../errors.ts";
import { clientConfigPath, clientInfo, defaultMcpxConfigPath } from "./clients.ts";
import { configArgOf, planInstall, planUninstall } from "./install_plan.ts";

const launcher = { command: "deno", args: ["run", "-A", "jsr:@mcpx/cli"] };
const desktop = clientInfo("claude-desktop");

const CLAUDE = `{
  // my servers
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "fs": { "command": "npx", "args": ["-y", "server-fs", "\${HOME}/notes"] },
    "github": {
      "type": "http",
      "url": "https://example.com/mcp",
      "headers": { "Authorization": "Bearer \${GITHUB_TOKEN}" }, // trailing comma next
    },
  },
}
`;

Deno.test("planInstall moves every server verbatim and keeps the rest of the file", () => {
  const plan = planInstall({
    client: desktop,
    clientPath: "claude.json",
    clientText: CLAUDE,
    mcpxPath: "/cfg/mcpx/claude-desktop.json",
    mcpxText: undefined,
    launcher,
  });
  assert.deepEqual(plan.moved, ["fs", "github"]);
  assert.match(plan.clientText, /\/\/ my servers/);
  const client = parse(plan.clientText);
  assert.equal(client.globalShortcut, "Ctrl+Space");
  assert.deepEqual(Object.keys(client.mcpServers), ["mcpx"]);
  assert.deepEqual(client.mcpServers.mcpx, {
    command: "deno",
    args: ["run", "-A", "jsr:@mcpx/cli", "serve", "-c", "/cfg/mcpx/claude-desktop.json"],
  });
  const mcpx = JSON.parse(plan.mcpxText);
  assert.deepEqual(mcpx.mcpServers, parse(CLAUDE).mcpServers);
  // References stay references: no secret is expanded into the mcpx config.
  assert.match(plan.mcpxText, /\$\{GITHUB_TOKEN\}/);
});

Deno.test("planInstall then planUninstall gives back the same servers", () => {
  const mcpxPath = "/cfg/mcpx/claude-desktop.json";
  const installed = planInstall({
    client: desktop,
    clientPath: "claude.json",
    clientText: CLAUDE,
    mcpxPath,
    mcpxText: undefined,
    launcher,
  });
  const restored = planUninstall({
    client: desktop,
    clientPath: "claude.json",
    clientText: installed.clientText,
    readMcpxConfig: (arg) => {
      assert.equal(arg, mcpxPath);
      return { path: arg, text: installed.mcpxText };
    },
  });
  assert.deepEqual(restored.restored, ["fs", "github"]);
  assert.deepEqual(parse(restored.clientText), parse(CLAUDE));
  assert.match(restored.clientText, /\/\/ my servers/);
});

Deno.test("planInstall moves only the servers named, and again later the new ones", () => {
  const first = planInstall({
    client: desktop,
    clientPath: "claude.json",
    clientText: CLAUDE,
    mcpxPath: "/m.json",
    mcpxText: undefined,
    launcher,
    servers: ["github"],
  });
  assert.deepEqual(first.moved, ["github"]);
  assert.deepEqual(Object.keys(parse(first.clientText).mcpServers), ["fs", "mcpx"]);
  const second = planInstall({
    client: desktop,
    clientPath: "claude.json",
    clientText: first.clientText,
    mcpxPath: "/m.json",
    mcpxText: first.mcpxText,
    launcher,
  });
  assert.deepEqual(second.moved, ["fs"]);
  assert.deepEqual(Object.keys(JSON.parse(second.mcpxText).mcpServers), ["github", "fs"]);
  assert.throws(
    () =>
      planInstall({
        client: desktop,
        clientPath: "claude.json",
        clientText: second.clientText,
        mcpxPath: "/m.json",
        mcpxText: second.mcpxText,
        launcher,
      }),
    /Nothing to install: every server of "claude.json" already runs behind mcpx/,
  );
});

Deno.test("planInstall names what is wrong", () => {
  const base = {
    client: desktop,
    clientPath: "claude.json",
    mcpxPath: "/m.json",
    mcpxText: undefined,
    launcher,
  };
  assert.throws(
    () => planInstall({ ...base, clientText: CLAUDE, servers: ["gdrive"] }),
    (e: unknown) =>
      e instanceof McpxError && e.code === "INSTALL" &&
      e.message === 'Unknown server "gdrive" in "claude.json": known servers are "fs", "github"',
  );
  assert.throws(
    () => planInstall({ ...base, clientText: '{"mcpServers": {"a": {]}' }),
    /Cannot parse "claude.json": .* at line 1, column/,
  );
  assert.throws(
    () => planInstall({ ...base, clientText: '{"theme": "dark"}' }),
    /"claude.json" has no MCP servers under "mcpServers"/,
  );
  assert.throws(
    () =>
      planInstall({
        ...base,
        clientText: '{"mcpServers": {"mcpx": {"command": "other"}, "b": {"command": "x"}}}',
      }),
    /already has a server named "mcpx" that does not run this mcpx config: pass --name/,
  );
  assert.throws(
    () =>
      planInstall({
        ...base,
        clientText: CLAUDE,
        mcpxText: '{"mcpServers": {"fs": {"command": "old"}}}',
      }),
    /Cannot move server "fs": "\/m.json" already has a server of that name/,
  );
});

Deno.test("VS Code entries are typed and name the config through ${workspaceFolder}", () => {
  const plan = planInstall({
    client: clientInfo("vscode"),
    clientPath: ".vscode/mcp.json",
    clientText: '{"inputs": [], "servers": {"mem": {"type": "stdio", "command": "npx"}}}',
    mcpxPath: "/proj/mcpx.json",
    mcpxText: undefined,
    launcher,
    configArg: "${workspaceFolder}/mcpx.json",
  });
  const entry = parse(plan.clientText).servers.mcpx;
  assert.equal(entry.type, "stdio");
  assert.equal(configArgOf(entry), "${workspaceFolder}/mcpx.json");
  assert.deepEqual(parse(plan.clientText).inputs, []);
});

Deno.test("client config paths follow each platform's convention", () => {
  const env = { HOME: "/home/me", APPDATA: "C:\\Users\\me\\AppData\\Roaming" };
  assert.equal(
    clientConfigPath("claude-desktop", { os: "linux", env, cwd: "/p" }),
    "/home/me/.config/Claude/claude_desktop_config.json",
  );
  assert.equal(
    clientConfigPath("claude-desktop", { os: "darwin", env, cwd: "/p" }),
    "/home/me/Library/Application Support/Claude/claude_desktop_config.json",
  );
  assert.match(
    clientConfigPath("claude-desktop", { os: "windows", env, cwd: "/p" }),
    /^C:\\Users\\me\\AppData\\Roaming.Claude.claude_desktop_config\.json$/,
  );
  assert.equal(clientConfigPath("claude-code", { os: "linux", env, cwd: "/p" }), "/p/.mcp.json");
  assert.equal(clientConfigPath("vscode", { os: "linux", env, cwd: "/p" }), "/p/.vscode/mcp.json");
  assert.equal(
    clientConfigPath("cursor", { os: "linux", env, cwd: "/p" }),
    "/home/me/.cursor/mcp.json",
  );
  assert.equal(
    defaultMcpxConfigPath("claude-desktop", {
      os: "linux",
      env: { HOME: "/h", XDG_CONFIG_HOME: "/x" },
      cwd: "/p",
    }),
    "/x/mcpx/claude-desktop.json",
  );
  assert.equal(
    defaultMcpxConfigPath("claude-code", { os: "linux", env, cwd: "/p" }),
    "/p/mcpx.json",
  );
  assert.throws(
    () => clientInfo("zed"),
    /Unknown client "zed": known clients are "claude-desktop"/,
  );
});
