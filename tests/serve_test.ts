// End-to-end tests of `mcpx serve`: the real CLI in a subprocess, driven by the
// MCP SDK client over stdio and Streamable HTTP, against real MCP servers.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Client, McpError, StdioClientTransport } from "../src/_sdk.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
import type { ServerConfig } from "../src/config/types.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, filesystemServer, freePort, memoryServer } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const EVERYTHING_ENTRY = everythingServer().args[0];

type Reply = { text: string; isError: boolean };

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Reply> {
  const r = await client.callTool({ name, arguments: args }, undefined, {
    signal,
    timeout: 60_000,
  });
  const content = r.content as { type: string; text: string }[];
  assert.equal(content[0].type, "text");
  return { text: content[0].text, isError: r.isError === true };
}

async function stdioClient(args: string[]): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", CLI, "serve", ...args],
    stderr: "pipe",
  });
  let stderr = "";
  const client = new Client({ name: "serve-test", version: "1.0.0" });
  await client.connect(transport);
  transport.stderr?.on("data", (chunk: Uint8Array) => stderr += new TextDecoder().decode(chunk));
  return { client, stderr: () => stderr };
}

/** Starts `mcpx serve --http` and waits until it listens. */
async function startHttp(
  args: string[],
): Promise<
  & { url: string; health: () => Promise<Record<string, number>>; stderr: () => string }
  & AsyncDisposable
> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "--http", String(port), ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = Date.now() + 30_000;
  while (!seen.includes("listening on")) {
    if (Date.now() > deadline) throw new Error(`mcpx serve --http did not listen: ${seen}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`mcpx serve --http exited: ${seen}`);
    seen += value;
  }
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
    } catch { /* closed */ }
  })();
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/mcp`,
    health: async () => await (await fetch(`${base}/health`)).json(),
    stderr: () => seen,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

async function httpClient(url: string): Promise<Client> {
  const client = new Client({ name: "serve-test-http", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("mcpx serve over stdio and Streamable HTTP with real servers", async (t) => {
  await using tmp = await tempDir("mcpx-serve-");
  const root = join(tmp.path, "root");
  await Deno.mkdir(root);
  const pluginDir = join(tmp.path, "plugins");
  const pidFile = join(tmp.path, "crashy.pid");
  const servers: ServerConfig[] = [
    everythingServer(),
    filesystemServer(root),
    memoryServer(join(tmp.path, "memory.json")),
    { name: "bogus", transport: "stdio", command: join(tmp.path, "no-such-server"), args: [] },
    {
      name: "crashy",
      transport: "stdio",
      command: "sh",
      args: ["-c", `echo $$ > '${pidFile}'; exec node '${EVERYTHING_ENTRY}' stdio`],
    },
  ];
  const config = await writeConfig(tmp.path, servers);
  const common = [
    "--config",
    config,
    "--plugin-dir",
    pluginDir,
    "--timeout",
    "60000",
    // write_file is destructiveHint: this client cannot be asked, so the policy allows it.
    "--policy",
    "filesystem/write_file=allow",
  ];

  const a = await stdioClient(common);
  try {
    await t.step("tools/list returns exactly the five tools", async () => {
      const { tools } = await a.client.listTools();
      assert.deepEqual(tools.map((x) => x.name), [
        "search_tools",
        "list_files",
        "read_file",
        "execute_code",
        "save_skill",
      ]);
      const instructions = a.client.getInstructions() ?? "";
      assert.match(instructions, /\.\/servers\/<server>\/index\.ts/);
    });

    await t.step("the five tools carry titles, annotations and an output schema", async () => {
      const { tools } = await a.client.listTools();
      const by = new Map(tools.map((x) => [x.name, x]));
      for (const name of ["search_tools", "list_files", "read_file"]) {
        assert.equal(by.get(name)?.annotations?.readOnlyHint, true, name);
      }
      for (const x of tools) assert.ok(x.title, x.name);
      assert.equal(by.get("execute_code")?.outputSchema?.type, "object");
      // Tools not known yet, or some destructive (filesystem writes): cautious hints.
      assert.equal(by.get("execute_code")?.annotations?.readOnlyHint, false);
      assert.equal(by.get("execute_code")?.annotations?.destructiveHint, true);
    });

    await t.step("search_tools ranks tools and reports the down server in one line", async () => {
      const sum = await call(a.client, "search_tools", { query: "add two numbers" });
      assert.equal(sum.isError, false);
      // "crashy" is server-everything too.
      assert.match(
        sum.text.split("\n")[0],
        /^getSum \(servers\/(everything|crashy)\/getSum\.ts\): Returns the sum/,
      );
      const bogus = sum.text.split("\n").filter((l) => l.includes("bogus"));
      assert.equal(bogus.length, 1);
      assert.match(bogus[0], /^Unavailable: bogus \(/);

      const read = await call(a.client, "search_tools", {
        query: "read a file",
        detail: "name",
        limit: 4,
      });
      const firsts = read.text.split("\n").slice(0, 3).join("\n");
      assert.match(firsts, /\(servers\/filesystem\/read(Text)?File\.ts\)/);

      const full = await call(a.client, "search_tools", {
        query: "get-sum",
        detail: "full",
        limit: 1,
        server: "everything",
      });
      assert.match(full.text, /^\/\/ servers\/everything\/getSum\.ts\n/);
      assert.match(full.text, /export interface GetSumInput \{/);
      assert.match(full.text, /\* Returns the sum of two numbers/);
      assert.match(
        full.text,
        /export const getSum = \$\.tool<GetSumInput, GetSumOutput>\("everything", "get-sum"\);/,
      );
      assert.doesNotMatch(full.text, /^import /m);
      assert.doesNotMatch(full.text, /return await callTool/);

      const only = await call(a.client, "search_tools", { query: "file", server: "memory" });
      assert.ok(only.text.split("\n").every((l) => !l.includes("servers/filesystem/")));
      const unknown = await call(a.client, "search_tools", { query: "x", server: "nope" });
      assert.equal(unknown.isError, true);
      assert.match(unknown.text, /Unknown server "nope"/);
    });

    await t.step("list_files and read_file show the generated tree", async () => {
      const top = await call(a.client, "list_files", {});
      for (
        const entry of [
          "servers/",
          "skills/",
          "workspace/",
          "README.md",
          "runtime.ts",
          "workspace.ts",
        ]
      ) {
        assert.ok(top.text.split("\n").some((l) => l.startsWith(entry)), `${entry} in ${top.text}`);
      }
      const srv = await call(a.client, "list_files", { path: "servers/" });
      assert.match(srv.text, /^everything\/ \(\d+ files\)$/m);
      assert.match(srv.text, /^filesystem\/ \(\d+ files\)$/m);
      const fs = await call(a.client, "list_files", { path: "servers/filesystem" });
      assert.match(fs.text, /^readTextFile\.ts$/m);
      const mod = await call(a.client, "read_file", { path: "/servers/everything/getSum.ts" });
      assert.match(
        mod.text,
        /export const getSum = \$\.tool<GetSumInput, GetSumOutput>\("everything", "get-sum"\);/,
      );
      const miss = await call(a.client, "read_file", { path: "servers/everything/getsum.ts" });
      assert.equal(miss.isError, true);
      assert.match(
        miss.text,
        /No file "servers\/everything\/getsum\.ts"\. Closest: "servers\/everything\/getSum\.ts"/,
      );
    });

    await t.step("images and resources in a result come back as content blocks", async () => {
      const r = await a.client.callTool(
        {
          name: "execute_code",
          arguments: {
            code: `import { getTinyImage, getResourceLinks } from "./servers/everything/index.ts";
const img = await getTinyImage({});
const links = await getResourceLinks({ count: 2 });
export default { img: img.find((b) => b.type === "image"), links: links.filter((b) => b.type === "resource_link") };`,
          },
        },
        undefined,
        { timeout: 60_000 },
      );
      const content = r.content as { type: string; mimeType?: string; uri?: string }[];
      assert.equal(r.isError, undefined, JSON.stringify(content[0]));
      assert.deepEqual(content.map((b) => b.type), [
        "text",
        "image",
        "resource_link",
        "resource_link",
      ]);
      assert.equal(content[1].mimeType, "image/png");
      // No base64 in the text: a reference to the block instead.
      assert.ok(!(content[0] as unknown as { text: string }).text.includes("iVBOR"));
      const sc = r.structuredContent as {
        ok: boolean;
        result: { img: { $content: number }; links: { $content: number; uri: string }[] };
        stats: { toolCalls: number };
        contentBlocks: number;
      };
      assert.equal(sc.ok, true);
      assert.equal(sc.result.img.$content, 1);
      assert.equal(sc.result.links[1].$content, 3);
      assert.equal(sc.result.links[1].uri, content[3].uri);
      assert.equal(sc.stats.toolCalls, 2);
      assert.equal(sc.contentBlocks, 3);
    });

    await t.step("execute_code chains two upstream servers and returns a summary", async () => {
      const file = join(root, "note.txt");
      const r = await call(a.client, "execute_code", {
        code: `import { writeFile, readTextFile } from "./servers/filesystem/index.ts";
import { getSum } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
await writeFile({ path: ${JSON.stringify(file)}, content: "forty two" });
const back = await readTextFile({ path: ${JSON.stringify(file)} });
const sum = text(await getSum({ a: 40, b: 2 }));
console.log("wrote and read", back.content.length, "chars");
export default { back: back.content, sum };`,
      });
      assert.equal(r.isError, false, r.text);
      assert.equal(await Deno.readTextFile(file), "forty two");
      const [log, result, stats] = r.text.split("\n");
      assert.equal(log, "wrote and read 9 chars");
      assert.deepEqual(JSON.parse(result), {
        back: "forty two",
        sum: "The sum of 40 and 2 is 42.",
      });
      assert.match(stats, /^\[ok · \d+ ms · 3 tool calls\]$/);
    });

    await t.step(
      "a guest error is isError with name, message and a stack into the user's code",
      async () => {
        const r = await call(a.client, "execute_code", {
          code:
            `const n: number = 1;\nfunction check(x: number) {\n  if (x > 0) throw new RangeError("too big: " + x);\n}\ncheck(n);\n`,
        });
        assert.equal(r.isError, true);
        assert.match(r.text, /^RangeError: too big: 1\n/);
        assert.match(r.text, /at check \(\/main\.ts:3:/);
        assert.match(r.text, /\[failed SANDBOX_RUNTIME/);
        const tool = await call(a.client, "execute_code", {
          code:
            `import { getSum } from "./servers/everything/index.ts";\nexport default await getSum({ a: "x" } as never);`,
        });
        assert.equal(tool.isError, true);
        assert.match(tool.text, /ToolError/);
      },
    );

    await t.step("the workspace persists across executions of a session", async () => {
      const w = await call(a.client, "execute_code", {
        code: `import { writeFile } from "./workspace.ts";
await writeFile("data/nums.json", JSON.stringify([1, 2, 3]));
await writeFile("lib.ts", "export const triple = (n: number): number => 3 * n;");
export default "saved";`,
      });
      assert.equal(w.isError, false, w.text);
      const r = await call(a.client, "execute_code", {
        code: `import { readFile, listFiles } from "./workspace.ts";
import { triple } from "./workspace/lib.ts";
const nums: number[] = JSON.parse(await readFile("data/nums.json"));
export default { files: (await listFiles()).map((f) => f.path), total: nums.map(triple).reduce((a, b) => a + b) };`,
      });
      assert.equal(r.isError, false, r.text);
      assert.deepEqual(JSON.parse(r.text.split("\n")[0]), {
        files: ["data/nums.json", "lib.ts"],
        total: 18,
      });
      const listed = await call(a.client, "list_files", { path: "workspace" });
      assert.equal(listed.text, "data/ (1 file)\nlib.ts");
      const read = await call(a.client, "read_file", { path: "workspace/data/nums.json" });
      assert.equal(read.text, "[1,2,3]");
      const full = await call(a.client, "execute_code", {
        code:
          `import { writeFile } from "./workspace.ts";\nawait writeFile("big.txt", "x".repeat(5 * 1024 * 1024));`,
      });
      assert.equal(full.isError, true);
      assert.match(full.text, /over its limit of 4194304/);
    });

    await t.step("concurrent execute_code calls in one session", async () => {
      const replies = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call(a.client, "execute_code", {
            code: `import { getSum } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await getSum({ a: ${i}, b: 100 }));`,
          })),
      );
      replies.forEach((r, i) => {
        assert.equal(r.isError, false, r.text);
        assert.equal(r.text.split("\n")[0], `The sum of ${i} and 100 is ${i + 100}.`);
      });
    });

    await t.step("save_skill stores a checked module that later code imports", async () => {
      const bad = await call(a.client, "save_skill", {
        name: "broken",
        description: "x",
        code: "export const = ;",
      });
      assert.equal(bad.isError, true);
      assert.match(bad.text, /Cannot save skill "broken": Syntax error/);
      const missing = await call(a.client, "save_skill", {
        name: "nowhere",
        description: "x",
        code: `import { x } from "./servers/nope/index.ts";\nexport const y = x;`,
      });
      assert.equal(missing.isError, true);
      assert.match(missing.text, /import "\.\.\/servers\/nope\/index\.ts" does not resolve/);
      const badName = await call(a.client, "save_skill", {
        name: "../evil",
        description: "x",
        code: "export {}",
      });
      assert.equal(badName.isError, true);
      assert.match(badName.text, /Invalid skill name/);

      const saved = await call(a.client, "save_skill", {
        name: "sum-of",
        description: "Adds a list of numbers with the everything server",
        code: `import { getSum } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export async function sumOf(nums: number[]): Promise<number> {
  let total = 0;
  for (const n of nums) total = Number(/is (-?\\d+)/.exec(text(await getSum({ a: total, b: n })))![1]);
  return total;
}`,
      });
      assert.equal(saved.isError, false, saved.text);
      assert.match(
        saved.text,
        /^Saved skills\/sum-of\.ts .*import \{ sumOf \} from "\.\/skills\/sum-of\.ts"/,
      );
      const onDisk = await Deno.readTextFile(join(pluginDir, "skills", "sum-of.ts"));
      assert.match(onDisk, /from "\.\.\/servers\/everything\/index\.ts"/);
      const r = await call(a.client, "execute_code", {
        code:
          `import { sumOf } from "./skills/sum-of.ts";\nexport default await sumOf([1, 2, 3, 4]);`,
      });
      assert.equal(r.text.split("\n")[0], "10");
      const found = await call(a.client, "search_tools", { query: "add list of numbers" });
      assert.match(found.text, /sumOf \(skills\/sum-of\.ts\)/);
      assert.match((await call(a.client, "list_files", { path: "skills" })).text, /^sum-of\.ts$/m);
      // A second skill, tampered on disk: later sessions must refuse it.
      await call(a.client, "save_skill", {
        name: "evil",
        description: "x",
        code: "export const evil = 1;",
      });
      await Deno.writeTextFile(join(pluginDir, "skills", "evil.ts"), "export const evil = 2;");
    });

    await t.step("huge code gets a clear error and the server stays up", async () => {
      const r = await call(a.client, "execute_code", { code: "// " + "x".repeat(5_000_000) });
      assert.equal(r.isError, true);
      assert.match(r.text, /The code is 5,000,003 characters: the limit is 1,000,000/);
      assert.equal((await a.client.listTools()).tools.length, 5);
    });

    await t.step("malformed requests get JSON-RPC errors and the server stays up", async () => {
      await assert.rejects(a.client.callTool({ name: "no_such_tool", arguments: {} }), (e) => {
        assert.ok(e instanceof McpError);
        assert.equal(e.code, -32602);
        assert.match(e.message, /Unknown tool "no_such_tool"/);
        return true;
      });
      // Invalid arguments to mcpx's own tools are results the model can read and fix.
      const badCode = await call(a.client, "execute_code", { code: 42 });
      assert.equal(badCode.isError, true);
      assert.match(badCode.text, /Invalid argument "code": expected a string, got number/);
      const noPath = await call(a.client, "read_file", {});
      assert.equal(noPath.isError, true);
      assert.match(noPath.text, /Missing argument "path"/);
      const badDetail = await call(a.client, "search_tools", { query: "x", detail: "everything" });
      assert.equal(badDetail.isError, true);
      assert.match(badDetail.text, /Invalid detail "everything"/);
      const badLimit = await call(a.client, "search_tools", { query: "x", limit: -1 });
      assert.equal(badLimit.isError, true);
      assert.match(badLimit.text, /Invalid limit -1/);
      // A request that is not even a valid tools/call.
      await assert.rejects(
        a.client.request(
          { method: "tools/call", params: { arguments: 1 } } as never,
          (await import("../src/_sdk.ts")).CallToolResultSchema,
        ),
        (e) =>
          e instanceof McpError && (e.code === -32602 || e.code === -32603) &&
          /expected string/.test(e.message),
      );
      const r = await call(a.client, "execute_code", { code: "export default 6 * 7;" });
      assert.equal(r.text.split("\n")[0], "42");
    });

    await t.step(
      "an upstream that dies mid-call gives isError and the server stays up",
      async () => {
        const pending = call(a.client, "execute_code", {
          code: `import { triggerLongRunningOperation } from "./servers/crashy/index.ts";
export default await triggerLongRunningOperation({ duration: 20, steps: 2 });`,
        });
        const pid = await waitFor("crashy pid", async () => {
          const text = await Deno.readTextFile(pidFile).catch(() => "");
          return text.trim() ? Number(text.trim()) : undefined;
        });
        await new Promise((r) => setTimeout(r, 500));
        Deno.kill(pid, "SIGKILL");
        const r = await pending;
        assert.equal(r.isError, true);
        assert.match(r.text, /ToolError/);
        const after = await call(a.client, "execute_code", {
          code:
            `import { echo } from "./servers/everything/index.ts";\nexport default await echo({ message: "still here" });`,
        });
        assert.match(after.text, /Echo: still here/);
      },
    );

    await t.step("cancelling a request stops its execution", async () => {
      const abort = new AbortController();
      const pending = call(a.client, "execute_code", {
        code: `import { writeFile } from "./workspace.ts";
for (let i = 0; ; i++) await writeFile("tick", String(i));`,
      }, abort.signal);
      const tick =
        `import { readFile } from "./workspace.ts";\nexport default Number(await readFile("tick"));`;
      await waitFor("ticks", async () => {
        const r = await call(a.client, "execute_code", { code: tick });
        return r.isError ? undefined : true;
      });
      abort.abort();
      await assert.rejects(pending);
      await new Promise((r) => setTimeout(r, 200));
      const first = Number(
        (await call(a.client, "execute_code", { code: tick })).text.split("\n")[0],
      );
      await new Promise((r) => setTimeout(r, 300));
      const second = Number(
        (await call(a.client, "execute_code", { code: tick })).text.split("\n")[0],
      );
      assert.ok(first > 0);
      assert.equal(second, first, "the loop kept running after the cancellation");
    });
  } finally {
    await a.client.close();
  }

  await using http = await startHttp(common);

  await t.step(
    "HTTP: a new process loads the saved skill and refuses the tampered one",
    async () => {
      assert.match(
        http.stderr(),
        /warning: skipping skill "evil": Skill "evil" failed verification/,
      );
      const c = await httpClient(http.url);
      try {
        const r = await call(c, "execute_code", {
          code: `import { sumOf } from "./skills/sum-of.ts";\nexport default await sumOf([5, 6]);`,
        });
        assert.equal(r.text.split("\n")[0], "11", r.text);
        const evil = await call(c, "execute_code", {
          code: `import { evil } from "./skills/evil.ts";\nexport default evil;`,
        });
        assert.equal(evil.isError, true);
        assert.match(evil.text, /no file "\/skills\/evil\.ts"/);
      } finally {
        await c.close();
      }
    },
  );

  await t.step("HTTP: sessions have separate workspaces and DELETE frees them", async () => {
    const one = await httpClient(http.url);
    const two = await httpClient(http.url);
    try {
      assert.equal((await one.listTools()).tools.length, 5);
      const w = await call(one, "execute_code", {
        code: `import { writeFile } from "./workspace.ts";\nawait writeFile("secret.txt", "mine");`,
      });
      assert.equal(w.isError, false, w.text);
      const mine = await call(one, "read_file", { path: "workspace/secret.txt" });
      assert.equal(mine.text, "mine");
      const theirs = await call(two, "execute_code", {
        code:
          `import { listFiles } from "./workspace.ts";\nexport default (await listFiles()).length;`,
      });
      assert.equal(theirs.text.split("\n")[0], "0");
      assert.equal((await call(two, "read_file", { path: "workspace/secret.txt" })).isError, true);
      const before = (await http.health()).sessions;
      await (one.transport as StreamableHTTPClientTransport).terminateSession();
      await waitFor(
        "session freed",
        async () => (await http.health()).sessions === before - 1 ? true : undefined,
      );
    } finally {
      await one.close();
      await two.close();
    }
  });

  await t.step("HTTP: a client that disconnects mid-execution cancels it", async () => {
    const c = await httpClient(http.url);
    const before = await http.health();
    const pending = call(c, "execute_code", { code: "while (true) {}" }).catch((e) => e);
    await waitFor(
      "execution running",
      async () => (await http.health()).running > 0 ? true : undefined,
    );
    await c.close();
    await pending;
    const after = await waitFor("execution cancelled", async () => {
      const h = await http.health();
      return h.running === 0 ? h : undefined;
    }, 5_000);
    assert.equal(after.cancelled, before.cancelled + 1);
    // The server still answers quickly in a new session.
    const d = await httpClient(http.url);
    try {
      const started = performance.now();
      const r = await call(d, "execute_code", { code: "export default 1 + 1;" });
      assert.equal(r.text.split("\n")[0], "2");
      assert.ok(performance.now() - started < 5_000);
    } finally {
      await d.close();
    }
  });

  await t.step("HTTP: huge bodies and bad requests get HTTP/JSON-RPC errors", async () => {
    const c = await httpClient(http.url);
    try {
      const r = await call(c, "execute_code", { code: "/*" + "y".repeat(5_000_000) + "*/" });
      assert.equal(r.isError, true);
      assert.match(r.text, /the limit is 1,000,000/);
    } finally {
      await c.close();
    }
    const bad = await fetch(http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: "{not json",
    });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, -32700);
    const stale = await fetch(http.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": "no-such-session",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(stale.status, 404);
    await stale.body?.cancel();
  });
});

Deno.test("mcpx serve answers at once with ten slow upstream servers", async () => {
  await using tmp = await tempDir("mcpx-serve-slow-");
  const slow: ServerConfig[] = Array.from({ length: 10 }, (_, i) => ({
    name: `slow${i}`,
    transport: "stdio",
    command: "sh",
    args: ["-c", `sleep 30; exec node '${EVERYTHING_ENTRY}' stdio`],
  }));
  const config = await writeConfig(tmp.path, slow);
  const started = performance.now();
  const { client } = await stdioClient([
    "--config",
    config,
    "--plugin-dir",
    join(tmp.path, "plugins"),
  ]);
  try {
    const { tools } = await client.listTools();
    const ms = performance.now() - started;
    assert.equal(tools.length, 5);
    // Process start-up included; a server that waited for its upstreams would take 30 s.
    assert.ok(ms < 10_000, `initialize + tools/list took ${ms} ms`);
  } finally {
    await client.close();
  }
});
