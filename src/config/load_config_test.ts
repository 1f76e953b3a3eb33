import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";
import {
  findDefaultConfig,
  inlineServer,
  loadConfig,
  parseConfig,
  selectServers,
} from "./load_config.ts";

const SRC = "/abs/path/mcp.json";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("parseConfig reads Claude's mcpServers format", () => {
  const config = parseConfig(
    JSON.stringify({
      mcpServers: {
        fs: { command: "npx", args: ["-y", "server-fs", "/tmp"], env: { A: "1" }, cwd: "sub" },
        plain: { command: "node" },
        typed: { type: "stdio", command: "node", args: ["x.js"] },
        remote: { url: "https://example.com/mcp", headers: { Authorization: "Bearer t" } },
        legacy: { type: "sse", url: "http://localhost:1/sse" },
        streamable: { type: "streamable-http", url: "http://localhost:2/mcp" },
        off: { command: "nope", disabled: true },
        extra: { command: "node", autoApprove: ["x"], disabled: false, alwaysAllow: [] },
      },
    }),
    SRC,
    { env: {} },
  );
  assert.equal(config.source, SRC);
  assert.deepEqual(config.servers, [
    {
      name: "fs",
      transport: "stdio",
      command: "npx",
      args: ["-y", "server-fs", "/tmp"],
      env: { A: "1" },
      cwd: "/abs/path/sub",
    },
    { name: "plain", transport: "stdio", command: "node", args: [] },
    { name: "typed", transport: "stdio", command: "node", args: ["x.js"] },
    {
      name: "remote",
      transport: "http",
      url: "https://example.com/mcp",
      headers: { Authorization: "Bearer t" },
    },
    { name: "legacy", transport: "sse", url: "http://localhost:1/sse" },
    { name: "streamable", transport: "http", url: "http://localhost:2/mcp" },
    { name: "extra", transport: "stdio", command: "node", args: [] },
  ]);
});

Deno.test("parseConfig reads VS Code's servers format with comments and inputs", () => {
  const text = `{
    // VS Code allows comments
    "inputs": [{ "type": "promptString", "id": "key" }],
    "servers": {
      "mem": { "type": "stdio", "command": "node", "args": ["\${workspaceFolder}/m.js"], },
      /* block */ "web": { "type": "http", "url": "http://127.0.0.1:9/mcp" },
    },
  }`;
  const config = parseConfig(text, "/proj/.vscode/mcp.json", { env: {} });
  assert.deepEqual(config.servers, [
    { name: "mem", transport: "stdio", command: "node", args: ["/proj/m.js"] },
    { name: "web", transport: "http", url: "http://127.0.0.1:9/mcp" },
  ]);
});

Deno.test("parseConfig expands ${VAR} and ${VAR:-default} everywhere", () => {
  const env = { HOME: "/home/me", TOKEN: "s3cret", EMPTY: "" };
  const config = parseConfig(
    JSON.stringify({
      mcpServers: {
        fs: {
          command: "${HOME}/bin/server",
          args: ["--root", "${HOME}/data", "${MISSING:-fallback}", "${EMPTY:-was-empty}"],
          env: { KEY: "${TOKEN}", VS: "${env:TOKEN}" },
          cwd: "${HOME}",
        },
        web: {
          url: "https://${HOST:-example.com}/mcp",
          headers: { Authorization: "Bearer ${TOKEN}" },
        },
      },
    }),
    SRC,
    { env },
  );
  assert.deepEqual(config.servers, [
    {
      name: "fs",
      transport: "stdio",
      command: "/home/me/bin/server",
      args: ["--root", "/home/me/data", "fallback", "was-empty"],
      env: { KEY: "s3cret", VS: "s3cret" },
      cwd: "/home/me",
    },
    {
      name: "web",
      transport: "http",
      url: "https://example.com/mcp",
      headers: { Authorization: "Bearer s3cret" },
    },
  ]);
});

Deno.test("parseConfig errors name the file and the key", async (t) => {
  const cases: [string, unknown, string][] = [
    [
      "command of the wrong type",
      { mcpServers: { fs: { command: 42 } } },
      `Invalid config "${SRC}": mcpServers.fs.command: expected a string`,
    ],
    [
      "an argument of the wrong type",
      { mcpServers: { fs: { command: "x", args: ["a", 1] } } },
      `Invalid config "${SRC}": mcpServers.fs.args[1]: expected a string`,
    ],
    [
      "an env value of the wrong type",
      { servers: { fs: { command: "x", env: { PORT: 80 } } } },
      `Invalid config "${SRC}": servers.fs.env.PORT: expected a string`,
    ],
    [
      "no servers object",
      { other: {} },
      `Invalid config "${SRC}": no "mcpServers" or "servers" object`,
    ],
    [
      "an unknown type",
      { mcpServers: { fs: { type: "websocket", url: "ws://x" } } },
      `Invalid config "${SRC}": mcpServers.fs.type: expected one of "stdio", "http", "sse", "streamable-http"`,
    ],
    [
      "neither command nor url",
      { mcpServers: { "my server": { args: [] } } },
      `Invalid config "${SRC}": mcpServers["my server"]: needs "command" (a stdio server) or "url" (an http or sse server)`,
    ],
    [
      "a stdio type without command",
      { mcpServers: { fs: { type: "stdio", url: "http://x" } } },
      `Invalid config "${SRC}": mcpServers.fs.command: required for a stdio server`,
    ],
    [
      "a bad url",
      { mcpServers: { web: { url: "ftp://x" } } },
      `Invalid config "${SRC}": mcpServers.web.url: expected an http(s) URL, got "ftp://x"`,
    ],
    [
      "an entry that is not an object",
      { mcpServers: { fs: "npx" } },
      `Invalid config "${SRC}": mcpServers.fs: expected an object`,
    ],
    [
      "an unset variable",
      { mcpServers: { gh: { command: "x", env: { TOKEN: "${GITHUB_TOKEN}" } } } },
      `Invalid config "${SRC}": mcpServers.gh.env.TOKEN: environment variable "GITHUB_TOKEN" is not set`,
    ],
    [
      "a server name with a slash",
      { mcpServers: { "a/b": { command: "x" } } },
      `Invalid config "${SRC}": mcpServers["a/b"]: a server name must be non-empty and must not contain "/"`,
    ],
  ];
  for (const [label, value, message] of cases) {
    await t.step(label, () => {
      const error = configError(() => parseConfig(JSON.stringify(value), SRC, { env: {} }));
      assert.equal(error.code, "CONFIG_INVALID");
      assert.equal(error.message, message);
    });
  }
  await t.step("invalid JSON gives the line and column", () => {
    const error = configError(() => parseConfig('{\n  "mcpServers": {\n    "a" 1\n}', SRC));
    assert.equal(
      error.message,
      `Invalid config "${SRC}": invalid JSON: Expected ":" after property name, unexpected "1" at line 3, column 9`,
    );
  });
  await t.step("VS Code inputs are refused with a hint", () => {
    const error = configError(() =>
      parseConfig('{"servers":{"a":{"command":"x","env":{"K":"${input:key}"}}}}', SRC)
    );
    assert.match(error.message, /servers\.a\.env\.K: "\$\{input:key\}" asks for an interactive/);
  });
});

Deno.test("loadConfig reads a file and reports a missing one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, ".mcp.json");
    await Deno.writeTextFile(path, JSON.stringify({ mcpServers: { a: { command: "node" } } }));
    const config = await loadConfig(path, { env: {} });
    assert.equal(config.source, path);
    assert.deepEqual(config.servers.map((s) => s.name), ["a"]);

    const missing = join(dir, "nope.json");
    await assert.rejects(loadConfig(missing), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.code, "CONFIG_NOT_FOUND");
      assert.equal(error.message, `Config file "${missing}" not found`);
      return true;
    });

    await Deno.writeTextFile(path, JSON.stringify({ mcpServers: { a: { command: 1 } } }));
    await assert.rejects(
      loadConfig(path),
      new RegExp(`^ConfigError: Invalid config "${path}": mcpServers\\.a\\.command`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("findDefaultConfig checks mcpx.json, .mcp.json, .vscode/mcp.json in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(findDefaultConfig(dir), undefined);
    await Deno.mkdir(join(dir, ".vscode"));
    await Deno.writeTextFile(join(dir, ".vscode", "mcp.json"), "{}");
    assert.equal(findDefaultConfig(dir), join(dir, ".vscode", "mcp.json"));
    await Deno.writeTextFile(join(dir, ".mcp.json"), "{}");
    assert.equal(findDefaultConfig(dir), join(dir, ".mcp.json"));
    await Deno.writeTextFile(join(dir, "mcpx.json"), "{}");
    assert.equal(findDefaultConfig(dir), join(dir, "mcpx.json"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("selectServers picks by name and lists known servers for an unknown one", () => {
  const config = parseConfig(
    JSON.stringify({ mcpServers: { fs: { command: "a" }, memory: { command: "b" } } }),
    SRC,
    { env: {} },
  );
  assert.deepEqual(selectServers(config, []).map((s) => s.name), ["fs", "memory"]);
  assert.deepEqual(selectServers(config, ["memory", "fs", "memory"]).map((s) => s.name), [
    "memory",
    "fs",
  ]);
  const error = configError(() => selectServers(config, ["gdrive"]));
  assert.equal(error.code, "UNKNOWN_SERVER");
  assert.equal(error.message, `Unknown server "gdrive": known servers are "fs", "memory"`);
});

Deno.test("inlineServer builds stdio and remote servers", () => {
  assert.deepEqual(inlineServer({ name: "fs", command: `npx -y "my server" 'a b' c\\ d` }), {
    name: "fs",
    transport: "stdio",
    command: "npx",
    args: ["-y", "my server", "a b", "c d"],
  });
  assert.deepEqual(inlineServer({ name: "fs", command: "my tool", args: ["x"] }), {
    name: "fs",
    transport: "stdio",
    command: "my tool",
    args: ["x"],
  });
  assert.deepEqual(inlineServer({ name: "w", url: "http://h/mcp" }), {
    name: "w",
    transport: "http",
    url: "http://h/mcp",
  });
  assert.deepEqual(inlineServer({ name: "w", url: "http://h/sse", transport: "sse" }), {
    name: "w",
    transport: "sse",
    url: "http://h/sse",
  });
  assert.throws(() => inlineServer({ name: "x" }), /needs exactly one of a command or a URL/);
  assert.throws(() => inlineServer({ name: "x", url: "nope" }), /expected an http\(s\) URL/);
});

Deno.test("loadConfig rejects a file that is not valid UTF-8, naming the byte offset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "mcp.json");
    const head = new TextEncoder().encode('{"mcpServers": {"caf');
    const tail = new TextEncoder().encode('": {"command": "node"}}}');
    // 0xE9 is "é" in Latin-1: an invalid byte in UTF-8.
    await Deno.writeFile(path, new Uint8Array([...head, 0xe9, ...tail]));
    const err = await loadConfig(path).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, "CONFIG_INVALID");
    assert.match(
      err.message,
      new RegExp(`not valid UTF-8 at byte offset ${head.length} \\(byte 0xe9\\)`),
    );
    // A truncated sequence, an overlong encoding and a surrogate are refused too.
    for (const bad of [[0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      await Deno.writeFile(path, new Uint8Array([...head, ...bad, ...tail]));
      await assert.rejects(loadConfig(path), new RegExp(`byte offset ${head.length} `));
    }
    // Valid multi-byte UTF-8 (and a BOM) is fine.
    await Deno.writeFile(
      path,
      new Uint8Array([
        0xef,
        0xbb,
        0xbf,
        ...new TextEncoder().encode('{"mcpServers": {"café": {"command": "node"}}}'),
      ]),
    );
    assert.deepEqual((await loadConfig(path)).servers.map((s) => s.name), ["café"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseConfig reads per-server timeouts and names a bad one", () => {
  const config = parseConfig(
    JSON.stringify({
      mcpServers: {
        slow: {
          command: "node",
          timeouts: { connect: 5000, call: 90000, tools: { build: 600000 } },
        },
        web: { url: "https://example.com/mcp", timeouts: { call: 1000 } },
      },
    }),
    SRC,
  );
  assert.deepEqual(config.servers[0].timeouts, {
    connectMs: 5000,
    callMs: 90000,
    toolsMs: { build: 600000 },
  });
  assert.deepEqual(config.servers[1].timeouts, { callMs: 1000 });
  const err = configError(() =>
    parseConfig(
      JSON.stringify({ mcpServers: { s: { command: "x", timeouts: { call: -5 } } } }),
      SRC,
    )
  );
  assert.match(err.message, /mcpServers\.s\.timeouts\.call: expected at least 1 ms/);
  const err2 = configError(() =>
    parseConfig(JSON.stringify({ mcpServers: { s: { command: "x", timeouts: { cal: 5 } } } }), SRC)
  );
  assert.match(err2.message, /mcpServers\.s\.timeouts/);
});

Deno.test("the optional mcpx block: policy and audit settings, validated by key", () => {
  const text = (mcpx: unknown) => JSON.stringify({ mcpServers: { a: { command: "x" } }, mcpx });
  const ok = parseConfig(
    text({ policy: { "github/delete_*": "ask", memory: "allow" }, audit: { args: true } }),
    "/c.json",
  );
  assert.deepEqual(ok.mcpx, {
    policy: { "github/delete_*": "ask", memory: "allow" },
    audit: { args: true },
  });
  assert.equal(ok.servers.length, 1);
  assert.equal(parseConfig(text(undefined), "/c.json").mcpx, undefined);
  assert.throws(
    () => parseConfig(text({ policy: { "github/delete_*": "maybe" } }), "/c.json"),
    /Invalid config "\/c.json": mcpx\.policy\["github\/delete_\*"\]: expected "allow", "ask" or "deny"/,
  );
  assert.throws(
    () => parseConfig(text({ polcy: {} }), "/c.json"),
    /mcpx: Unrecognized key: "polcy"/,
  );
  assert.throws(
    () => parseConfig(text({ audit: { maxBytes: 10 } }), "/c.json"),
    /mcpx\.audit\.maxBytes/,
  );
});
