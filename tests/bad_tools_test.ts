// One bad tool stays one bad tool: a real stdio server (the faulty fixture
// with `--fault bad-tools`) lists, besides its good tools, tools the MCP SDK's
// result schema rejects. introspect, generate, run and serve skip those with a
// warning naming each, and the server's other tools keep working.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Client, StdioClientTransport } from "../src/_sdk.ts";
import { introspect } from "../src/introspect/introspect.ts";
import { connect } from "../src/introspect/connect.ts";
import { toCamelIdentifier } from "../src/codegen/identifiers.ts";
import { cli, listFiles, tempDir, writeConfig } from "./_helpers.ts";
import { faultyServer } from "./_faulty.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const LONG_NAME = "long_" + "x".repeat(4_995);
const GOOD = [
  "crash",
  "echo",
  "escapes",
  "garbage",
  "hang",
  "huge",
  LONG_NAME,
  "pid",
  "secret",
  "sleep",
  "stray",
  "wedge",
];
const BAD = [
  /Skipped tool "string-input" of server "bad": its input schema is not an object schema/,
  /Skipped tool #\d+ of server "bad": its name is not a string \(a number\)/,
  /Skipped tool "no-input" of server "bad": it has no input schema/,
  /Skipped tool "array-properties" of server "bad": its input schema is not an object schema: properties/,
  /Skipped tool "bad-output" of server "bad": its output schema is not an object schema/,
  /Skipped tool "unresolvable-output" of server "bad": its output schema cannot be compiled/,
  /Skipped tool "\\u001b\]0;pwned\\u0007\\u001b\[2Jy+…y+ \(314 characters\)" of server "bad"/,
  /Skipped tool #\d+ of server "bad": it is a string, not an object/,
  /Skipped tool #\d+ of server "bad": it is null, not an object/,
];
const bad = () => faultyServer({ name: "bad", faults: ["bad-tools"] });

function assertWarnings(text: string): void {
  for (const re of BAD) assert.match(text, re);
  // Terminal escapes in a tool name never reach the output raw.
  assert.ok(!text.includes("\u001b"), "no raw escape character");
  assert.ok(!text.includes(LONG_NAME), "a 5,000-character name is shortened in messages");
}

Deno.test("introspect skips each unusable tool with a warning and keeps the rest", async () => {
  const snapshot = await introspect(bad(), { toolsOnly: true });
  assert.deepEqual(
    snapshot.tools.map((t) => t.name).sort(),
    [...GOOD, "wedge-soon"].sort(),
  );
  assert.equal(snapshot.warnings?.length, BAD.length, snapshot.warnings?.join("\n"));
  assertWarnings(snapshot.warnings!.join("\n"));
});

Deno.test("the connection that listed bad tools still calls the good ones", async () => {
  await using conn = await connect(bad());
  await introspect(conn, { toolsOnly: true });
  const echo = await conn.client.callTool({ name: "echo", arguments: { message: "hi" } });
  assert.deepEqual(echo.content, [{ type: "text", text: "Echo: hi" }]);
  const long = await conn.client.callTool({ name: LONG_NAME, arguments: {} });
  assert.deepEqual(long.content, [{ type: "text", text: "long" }]);
});

Deno.test("generate writes the good tools of a server with bad ones, under short stable names", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [bad()]);
  const out = join(dir.path, "out");
  const r = await cli(["generate", "-c", config, "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  assertWarnings(r.stderr);
  const files = await listFiles(out);
  for (const t of ["echo", "pid", "wedge"]) assert.ok(files.includes(`servers/bad/${t}.ts`), t);
  const longFn = toCamelIdentifier(LONG_NAME);
  assert.ok(longFn.length < 80, longFn);
  assert.ok(files.includes(`servers/bad/${longFn}.ts`), files.join("\n"));
  assert.ok(!files.some((f) => /string|bad-output|unresolvable|noInput/i.test(f)), files.join());
  // The same list gives the same file names.
  const again = join(dir.path, "again");
  assert.equal((await cli(["generate", "-c", config, "--out", again])).code, 0);
  assert.deepEqual(await listFiles(again), files);
});

Deno.test("mcpx run calls the good tools of a server that lists bad ones", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [bad()]);
  const file = join(dir.path, "p.ts");
  await Deno.writeTextFile(
    file,
    `import { echo } from "./servers/bad/index.ts";
import { callTool } from "./runtime.ts";
const a = await echo({ message: "still here" });
const b = await callTool("bad", ${JSON.stringify(LONG_NAME)}, {});
export default [a, b];
`,
  );
  const r = await cli([
    "run",
    "-c",
    config,
    "--plugin-dir",
    join(dir.path, "plugins"),
    "--json",
    "--no-check",
    file,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).result, [
    [{ type: "text", text: "Echo: still here" }],
    [{ type: "text", text: "long" }],
  ]);
  assertWarnings(r.stderr);
});

Deno.test("mcpx serve runs code against the good tools of a server that lists bad ones", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [bad()]);
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      "run",
      "-A",
      CLI,
      "serve",
      "-c",
      config,
      "--plugin-dir",
      join(dir.path, "plugins"),
      "--no-check",
    ],
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (c: Uint8Array) => stderr += new TextDecoder().decode(c));
  const client = new Client({ name: "bad-tools-test", version: "1.0.0" });
  await client.connect(transport);
  try {
    const r = await client.callTool(
      {
        name: "execute_code",
        arguments: {
          code: `import { echo } from "./servers/bad/index.ts";
export default await echo({ message: "served" });`,
        },
      },
      undefined,
      { timeout: 60_000 },
    );
    const text = (r.content as { text: string }[]).map((c) => c.text).join("\n");
    assert.notEqual(r.isError, true, text);
    assert.match(text, /Echo: served/);
  } finally {
    await client.close();
  }
  assertWarnings(stderr);
});
