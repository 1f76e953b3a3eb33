// The hostile corpus, part two: hostile upstream servers and hostile plugin
// files. Each case states what an attacker does and the containment mcpx must
// meet (the error, or what is shown), and after each one a check that the
// next execution (or the next plugin) is healthy. The servers are the faulty
// fixture (tests/fixtures/faulty_server.ts) over real stdio, run through one
// real runtime and sandbox per block; the plugins are real plugin stores on
// disk with real signing keys.
import assert from "node:assert/strict";
import { join } from "node:path";
import { memoryIo } from "../src/cli/io.ts";
import { printResult } from "../src/cli/run_command.ts";
import { blake3Hex, rootChecksum } from "../src/plugin_store/checksum.ts";
import { SigningKeys } from "../src/plugin_store/plugin_signing.ts";
import {
  MAX_PLUGIN_FILE_BYTES,
  type PluginContents,
  PluginStore,
} from "../src/plugin_store/plugin_store.ts";
import { Runtime } from "../src/runtime/runtime.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { faultyServer } from "./_faulty.ts";

/** One hostile case: what the attacker does, and what must contain it. */
interface HostileCase {
  name: string;
  /** The containment expected, in words (shown when the case fails). */
  expect: string;
  run: () => Promise<void>;
}

/** Runs `cases` as steps; after each one, `healthy` must pass. */
async function runCases(
  t: Deno.TestContext,
  cases: readonly HostileCase[],
  healthy: () => Promise<void>,
): Promise<void> {
  for (const c of cases) {
    await t.step(`${c.name} → ${c.expect}`, async () => {
      await c.run();
      await healthy();
    });
  }
}

const LONG_NAME = "long_" + "x".repeat(4_995);
const SECRET = "sekrit-value-4242";
const ESC = "\u001b";

// ---------------------------------------------------------------------------
// Hostile servers: one runtime against the faulty fixture, which also lists
// tools no client should accept.

/** A program that calls `tool` and gives back the ToolError's code and message. */
function callProgram(tool: string, args: Record<string, unknown> = {}): string {
  return `import { callTool, ToolError } from "./runtime.ts";
let out: unknown = "no error";
try { await callTool("faulty", ${JSON.stringify(tool)}, ${JSON.stringify(args)}); }
catch (e) { out = e instanceof ToolError ? { code: e.code, message: e.message } : String(e); }
export default out;`;
}

Deno.test("hostile servers are contained, and the next execution is healthy", async (t) => {
  const warnings: string[] = [];
  await using rt = await Runtime.create({
    servers: [{
      ...faultyServer({ faults: ["bad-tools"] }),
      env: { FAULTY_SECRET: SECRET },
      // Short deadlines for the hangs; room for the big replies on a busy machine.
      timeouts: { callMs: 2_000, toolsMs: { huge: 20_000, garbage: 10_000 } },
    }],
    onWarning: (w) => warnings.push(w),
    typeCheck: false,
    workers: 1,
  });
  const error = async (tool: string, args?: Record<string, unknown>) => {
    const r = await rt.execute(callProgram(tool, args));
    assert.equal(r.ok, true, JSON.stringify(r.error));
    return r.result as { code: string; message: string };
  };
  const healthy = async () => {
    const r = await rt.execute(`import { echo } from "./servers/faulty/index.ts";
export default await echo({ message: "ok" });`);
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.deepEqual(r.result, [{ type: "text", text: "Echo: ok" }]);
  };

  const cases: HostileCase[] = [
    {
      name: "a tool list with tools whose schema or name the SDK rejects",
      expect: "each skipped with a warning naming it; the other tools work",
      run: async () => {
        await healthy();
        assert.equal(warnings.filter((w) => w.startsWith("Skipped tool ")).length, 9);
        assert.ok(warnings.some((w) => /"string-input" of server "faulty"/.test(w)));
        assert.ok(!warnings.join("\n").includes(ESC), "a raw escape in a warning");
      },
    },
    {
      name: "a tool with a 5,000-character name",
      expect: "callable; its module has a short, stable file name",
      run: async () => {
        const r = await rt.execute(`import { callTool } from "./runtime.ts";
export default await callTool("faulty", ${JSON.stringify(LONG_NAME)}, {});`);
        assert.deepEqual(r.result, [{ type: "text", text: "long" }], JSON.stringify(r.error));
        const paths = rt.catalog.generated().files.map((f) => f.path);
        assert.ok(paths.every((p) => p.length < 120), paths.find((p) => p.length >= 120));
      },
    },
    {
      name: "a reply of 11 MiB, over the stdio transport's 10 MiB limit",
      expect: "SERVER_ERROR that names the size limit and the server",
      run: async () => {
        const e = await error("huge", { ms: 11 * 1024 * 1024 });
        assert.equal(e.code, "SERVER_ERROR");
        assert.match(
          e.message,
          /Server "faulty" sent a message larger than .*size limit of 10 MiB/,
        );
      },
    },
    {
      name: "a reply of 9 MiB, just under the limit",
      expect: "answered within its 20 s call timeout (the read buffer is linear in its size)",
      run: async () => {
        const r = await rt.execute(`import { huge } from "./servers/faulty/index.ts";
const [c] = await huge({ ms: ${9 * 1024 * 1024} });
export default c.text.length;`);
        assert.equal(r.result, 9 * 1024 * 1024, JSON.stringify(r.error));
      },
    },
    {
      name: "a reply corrupted by stray bytes",
      expect: "SERVER_PROTOCOL_ERROR at once",
      run: async () => {
        const e = await error("garbage");
        assert.equal(e.code, "SERVER_PROTOCOL_ERROR", e.message);
      },
    },
    {
      name: "a stray line printed on stdout before the reply",
      expect: "ignored; the call answers",
      run: async () => {
        const r = await rt.execute(`import { stray } from "./servers/faulty/index.ts";
export default await stray({ message: "x" });`);
        assert.deepEqual(r.result, [{ type: "text", text: "Echo: x" }], JSON.stringify(r.error));
      },
    },
    {
      name: "a tool that never answers",
      expect: "TOOL_TIMEOUT after the call timeout",
      run: async () => {
        const e = await error("hang");
        assert.equal(e.code, "TOOL_TIMEOUT", e.message);
      },
    },
    {
      name: "a server that blocks its event loop for 3 s",
      expect: "TOOL_TIMEOUT; the server answers again afterwards",
      run: async () => {
        const e = await error("wedge", { ms: 3_000 });
        assert.equal(e.code, "TOOL_TIMEOUT", e.message);
      },
    },
    {
      name: "a server that crashes mid-call",
      expect: "SERVER_ERROR naming the exit code; restarted on the next call",
      run: async () => {
        const e = await error("crash");
        assert.equal(e.code, "SERVER_ERROR");
        assert.match(e.message, /exit code 7/);
      },
    },
    {
      name: "a server that echoes its secret environment value in an error",
      expect: "the secret is redacted from the message",
      run: async () => {
        const e = await error("secret", { message: "nothing" });
        assert.equal(e.code, "TOOL_ERROR", e.message);
        assert.ok(!e.message.includes(SECRET), e.message);
        assert.match(e.message, /cannot authenticate with \[redacted\]/);
      },
    },
    {
      name: "tool text with terminal escapes (title, clear screen, CSI, bidi)",
      expect: "shown as visible escapes by mcpx run, never obeyed",
      run: async () => {
        const r = await rt.execute(`import { escapes } from "./servers/faulty/index.ts";
const [c] = await escapes({});
console.log(c.text);
export default c.text;`);
        assert.equal(r.ok, true, JSON.stringify(r.error));
        const io = memoryIo();
        printResult(r, io, false);
        assert.match(io.stdout, /\\x1b\]0;pwned\\x07\\x1b\[2J/);
        // deno-lint-ignore no-control-regex
        assert.doesNotMatch(io.stdout, /[\u0000-\u0008\u001b\u009b\u202e]/);
      },
    },
  ];
  await runCases(t, cases, healthy);
});

Deno.test("mcpx run: a server that ignores SIGTERM is killed when run exits", async (t) => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [faultyServer({ faults: ["ignore-sigterm"] })]);
  const plugins = join(dir.path, "plugins");
  const run = async (code: string) => {
    const file = join(dir.path, "p.ts");
    await Deno.writeTextFile(file, code);
    return await cli(["run", "-c", config, "--plugin-dir", plugins, "--no-check", file]);
  };
  const alive = (pid: number) => {
    try {
      Deno.kill(pid, "SIGCONT");
      return true;
    } catch {
      return false;
    }
  };
  await runCases(t, [{
    name: "a server that ignores SIGTERM and the end of its stdin",
    expect: "killed (SIGKILL) within the grace periods; run exits",
    run: async () => {
      const r = await run(`import { pid } from "./servers/faulty/index.ts";
export default (await pid({}))[0].text;`);
      assert.equal(r.code, 0, r.stderr);
      const pid = Number(JSON.parse(r.stdout));
      assert.ok(pid > 0, r.stdout);
      for (let i = 0; i < 20 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(pid), false, `server ${pid} outlived mcpx run`);
    },
  }], async () => {
    const r = await run("export default 1 + 1;\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "2");
  });
});

// ---------------------------------------------------------------------------
// Hostile plugin files: someone who can write plugins/ but not the user's key.

function contents(command = "node"): PluginContents {
  return {
    files: [
      { path: "README.md", content: "# calc\n" },
      { path: "runtime.ts", content: "// mcpx runtime\n" },
      { path: "servers/calc/getSum.ts", content: "export const v = 1;\n" },
    ],
    servers: [{
      name: "calc",
      dir: "calc",
      tools: [{ name: "get-sum", fn: "getSum", path: "servers/calc/getSum.ts", structured: false }],
    }],
    snapshots: [{
      name: "calc",
      serverInfo: { name: "calc-server", version: "1.0.0" },
      capabilities: { tools: {} },
      tools: [{ name: "get-sum", inputSchema: { type: "object" } }],
      resources: [],
      resourceTemplates: [],
      prompts: [],
    }],
    configs: [{ name: "calc", transport: "stdio", command, args: ["calc.js"] }],
  };
}

Deno.test("hostile plugin files are refused, and the next plugin is healthy", async (t) => {
  await using dir = await tempDir("mcpx-hostile-plugins-");
  const keys = new SigningKeys(join(dir.path, "keys"));
  const store = new PluginStore(join(dir.path, "plugins"), { keys });
  await store.save("good", contents());
  const root = () => store.pathOf("calc");
  const rewrite = async (path: string, edit: (text: string) => string) => {
    const full = join(root(), path);
    await Deno.writeTextFile(full, edit(await Deno.readTextFile(full)));
  };
  /** Recomputes every checksum, as an attacker without the key can. */
  const rechecksum = async (extra: Record<string, string> = {}) => {
    const path = join(root(), "manifest.json");
    const m = JSON.parse(await Deno.readTextFile(path));
    for (const f of Object.keys(m.files)) {
      const p = join(root(), f);
      const bytes = await Deno.readFile(p).catch(() => undefined);
      if (bytes !== undefined) m.files[f] = blake3Hex(bytes);
    }
    Object.assign(m.files, extra);
    m.rootChecksum = rootChecksum(m.files);
    await Deno.writeTextFile(path, JSON.stringify(m, null, 2) + "\n");
  };
  const refused = async (pattern: RegExp) => {
    const e = await store.load("calc").then(() => undefined, (e: Error) => e);
    assert.ok(e !== undefined, "the plugin was accepted");
    assert.equal(e.name, "PluginIntegrityError", e.message);
    assert.match(e.message, pattern);
    await store.remove("calc");
  };
  const healthy = async () => {
    const good = await store.load("good");
    assert.equal((good.snapshot.configs[0] as { command?: string }).command, "node");
  };

  const cases: HostileCase[] = [
    {
      name: "a generated module edited in place",
      expect: "refused: the file was modified (checksum)",
      run: async () => {
        await store.save("calc", contents());
        await rewrite("servers/calc/getSum.ts", () => "export const v = 'evil';\n");
        await refused(/file "servers\/calc\/getSum\.ts" was modified/);
      },
    },
    {
      name: "a checksum in the manifest edited",
      expect: "refused: the root checksum does not match",
      run: async () => {
        await store.save("calc", contents());
        await rewrite(
          "manifest.json",
          (m) => m.replace(/"README\.md": "[0-9a-f]{4}/, '"README.md": "0000'),
        );
        await refused(/root checksum/);
      },
    },
    {
      name: "the server command changed and every checksum recomputed",
      expect: "refused: the signature does not match the manifest",
      run: async () => {
        await store.save("calc", contents());
        await rewrite("snapshot.json", (s) => s.replace('"command": "node"', '"command": "sh"'));
        await rechecksum();
        await refused(/signature does not match/);
      },
    },
    {
      name: "the signature removed",
      expect: "refused: the plugin is not signed",
      run: async () => {
        await store.save("calc", contents());
        await Deno.remove(join(root(), "signature.json"));
        await refused(/it is not signed/);
      },
    },
    {
      name: "a plugin signed by a foreign key",
      expect: "refused: signed by a key this machine does not trust",
      run: async () => {
        const mallory = new PluginStore(store.dir, {
          keys: new SigningKeys(join(dir.path, "mallory")),
        });
        await mallory.save("calc", contents("sh"));
        await refused(/a key this machine does not trust/);
      },
    },
    {
      name: "a manifest entry with a `..` path",
      expect: "refused before anything outside the plugin is read",
      run: async () => {
        await store.save("calc", contents());
        await rechecksum({ "../../../../etc/passwd": blake3Hex("x") });
        await refused(/file "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is missing/);
      },
    },
    {
      name: "a module replaced by a symlink to a host file",
      expect: "refused: the plugin contains a link",
      run: async () => {
        await store.save("calc", contents());
        const target = join(root(), "servers/calc/getSum.ts");
        await Deno.remove(target);
        await Deno.symlink("/etc/passwd", target);
        await refused(/contains a link "servers\/calc\/getSum\.ts"/);
      },
    },
    {
      name: "a file far over the size limit",
      expect: "refused by its size before it is read or hashed",
      run: async () => {
        await store.save("calc", contents());
        const big = join(root(), "README.md");
        const f = await Deno.open(big, { write: true });
        await f.truncate(MAX_PLUGIN_FILE_BYTES + 1);
        f.close();
        await refused(/file "README\.md" has \d+ bytes, over the limit/);
      },
    },
  ];
  await runCases(t, cases, healthy);
});
