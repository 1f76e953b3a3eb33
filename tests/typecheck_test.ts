// End to end: programs are type-checked against the generated tree before
// they run, in `mcpx run` and in `mcpx serve`'s execute_code, with a real
// server (server-everything) and the real sandbox.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Client, StdioClientTransport } from "../src/_sdk.ts";
import { Runtime } from "../src/runtime/runtime.ts";
import { WORKSPACE_MODULE } from "../src/server/workspace.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

// Each program calls a tool first, then has a type error on line 3. Run
// unchecked, the first call is made; checked, no tool is called.
const HEAD = `import { echo, getStructuredContent, getSum } from "./servers/everything/index.ts";
await echo({ message: "first call" });
`;
const WRONG_ARGUMENT = `${HEAD}const sum = await getSum({ a: "1", b: 2 });
export default sum;
`;
const MISSPELT_PROPERTY =
  `${HEAD}const w = await getStructuredContent({ location: "Chicago" }); const t = w.temprature;
export default t;
`;
const WRONG_TYPE =
  `${HEAD}const w = await getStructuredContent({ location: "Chicago" }); const c: number = w.conditions;
export default c;
`;
const CORRECT = `${HEAD}const w = await getStructuredContent({ location: "Chicago" });
const c: string = w.conditions;
export default { c: typeof c, t: typeof w.temperature };
`;

Deno.test("mcpx run refuses a program with a type error before any tool call; --no-check runs it", async (t) => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [everythingServer()]);
  const run = async (code: string, ...flags: string[]) => {
    const file = join(dir.path, "program.ts");
    await Deno.writeTextFile(file, code);
    const r = await cli(["run", file, "--config", config, "--json", ...flags]);
    return { code: r.code, out: JSON.parse(r.stdout), stderr: r.stderr };
  };
  const cases: [string, string, RegExp][] = [
    [
      "wrong argument type",
      WRONG_ARGUMENT,
      /program\.ts:3:28 - TS2322: Type 'string' is not assignable to type 'number'\. \(The expected type comes from property 'a' which is declared here on type 'GetSumInput'\)\n {2}3 \| const sum = await getSum\(\{ a: "1", b: 2 \}\);/,
    ],
    [
      "misspelt property of a typed result",
      MISSPELT_PROPERTY,
      /program\.ts:3:76 - TS2551: Property 'temprature' does not exist on type 'GetStructuredContentOutput'\. Did you mean 'temperature'\?/,
    ],
    [
      "result assigned to the wrong type",
      WRONG_TYPE,
      /program\.ts:3:70 - TS2322: Type 'string' is not assignable to type 'number'\./,
    ],
  ];
  for (const [name, code, diagnostic] of cases) {
    await t.step(name, async () => {
      const r = await run(code);
      assert.equal(r.code, 1);
      assert.equal(r.out.error.code, "TYPE_ERROR");
      assert.equal(r.out.error.name, "TypeCheckError");
      assert.match(
        r.out.error.message,
        /^The program does not type-check, so it was not run \(1 error\):\n/,
      );
      assert.match(r.out.error.message, diagnostic);
      assert.equal(r.out.stats.toolCalls, 0, "no tool may be called");
      assert.deepEqual(r.out.logs, []);
    });
  }

  await t.step("--no-check runs them: the first tool call is made", async () => {
    const wrongArg = await run(WRONG_ARGUMENT, "--no-check");
    // Now the bridge's argument validation catches it, after the first call.
    assert.equal(wrongArg.code, 1);
    assert.equal(wrongArg.out.error.code, "SANDBOX_RUNTIME");
    assert.match(wrongArg.out.error.message, /get-sum/);
    assert.ok(wrongArg.out.stats.toolCalls >= 1);
    const misspelt = await run(MISSPELT_PROPERTY, "--no-check");
    assert.equal(misspelt.code, 0, JSON.stringify(misspelt.out));
    assert.equal(misspelt.out.stats.toolCalls, 2);
    assert.equal(misspelt.out.result, null, "the misspelt property is undefined at run time");
  });

  await t.step("a correct program runs", async () => {
    const r = await run(CORRECT);
    assert.equal(r.code, 0, JSON.stringify(r.out));
    assert.deepEqual(r.out.result, { c: "string", t: "number" });
    assert.equal(r.out.stats.toolCalls, 2);
  });

  await t.step("text output names the line on stderr", async () => {
    const file = join(dir.path, "program.ts");
    await Deno.writeTextFile(file, WRONG_TYPE);
    const r = await cli(["run", file, "--config", config]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: TypeCheckError: The program does not type-check/);
    assert.match(r.stderr, /\n {2}3 \| const w = await getStructuredContent/);
  });
});

type Reply = { text: string; isError: boolean };

async function serve(args: string[]): Promise<Client> {
  const client = new Client({ name: "typecheck-test", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", CLI, "serve", ...args],
      stderr: "ignore",
    }),
  );
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Reply> {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
  const content = r.content as { type: string; text: string }[];
  return { text: content[0].text, isError: r.isError === true };
}

Deno.test("mcpx serve: execute_code is type-checked against the tree and saved skills", async () => {
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [everythingServer()]);
  const plugins = join(dir.path, "plugins");
  const client = await serve(["--config", config, "--plugin-dir", plugins]);
  try {
    const refused = await call(client, "execute_code", { code: MISSPELT_PROPERTY });
    assert.equal(refused.isError, true);
    assert.match(refused.text, /^TypeCheckError: The program does not type-check/);
    assert.match(refused.text, /main\.ts:3:76 - TS2551: Property 'temprature' does not exist/);
    assert.match(refused.text, /\[failed TYPE_ERROR · \d+ ms · 0 tool calls\]$/);

    const ok = await call(client, "execute_code", { code: CORRECT });
    assert.equal(ok.isError, false, ok.text);
    assert.match(ok.text, /"c": ?"string"/);

    // A saved skill's signature is checked at its call sites.
    const saved = await call(client, "save_skill", {
      name: "double",
      description: "Doubles a number",
      code: `export function double(n: number): number {\n  return n * 2;\n}\n`,
    });
    assert.equal(saved.isError, false, saved.text);
    const misuse = await call(client, "execute_code", {
      code: `import { double } from "./skills/double.ts";\nexport default double("2");`,
    });
    assert.equal(misuse.isError, true);
    assert.match(
      misuse.text,
      /main\.ts:2:23 - TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/,
    );
    const use = await call(client, "execute_code", {
      code: `import { double } from "./skills/double.ts";\nexport default double(2);`,
    });
    assert.equal(use.isError, false, use.text);
  } finally {
    await client.close();
  }

  const unchecked = await serve(["--config", config, "--plugin-dir", plugins, "--no-check"]);
  try {
    const r = await call(unchecked, "execute_code", { code: MISSPELT_PROPERTY });
    assert.equal(r.isError, false, r.text);
    assert.match(r.text, /\[ok · \d+ ms · 2 tool calls\]$/);
  } finally {
    await unchecked.close();
  }
});

/** Type-checking this takes far longer than the deadline below; it runs at once. */
const HOSTILE = `type D = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9";
type A = \`\${D}\${D}\${D}\${D}\`;
type B = { [K in A]: { [J in A]: K } };
const c: B[A][A] = "x" as any;
export default c;
`;

Deno.test("Runtime: a program that is too costly to check is refused at the deadline without blocking the host", async () => {
  await using runtime = await Runtime.create({ typeCheck: { timeoutMs: 1_500 } });
  await runtime.typeChecker!.warmUp();
  let ticks = 0;
  const interval = setInterval(() => ticks++, 50);
  const t0 = performance.now();
  const r = await runtime.execute(HOSTILE).finally(() => clearInterval(interval));
  const elapsed = performance.now() - t0;
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, "TYPE_CHECK_FAILED");
  assert.match(r.error!.message, /took longer than 1500 ms.*--no-check/);
  assert.ok(elapsed < 4_000, `refused after ${elapsed} ms`);
  assert.ok(ticks >= 10, `the host's timers ran only ${ticks} times in ${elapsed} ms`);
  // Unchecked, it runs; checked again, a fresh worker answers.
  const unchecked = await runtime.execute(HOSTILE, { check: false });
  assert.equal(unchecked.result, "x");
  const next = await runtime.execute(`const n: number = "1";`);
  assert.equal(next.error?.code, "TYPE_ERROR");
  assert.equal(runtime.typeChecker!.processesStarted, 2);
});

Deno.test("Runtime: typeCheck and check options; the session's workspace module is typed", async () => {
  await using unchecked = await Runtime.create({ typeCheck: false });
  assert.equal(unchecked.typeChecker, undefined);
  const code = `const n: number = "1" as unknown as string;\nexport default n;`;
  assert.equal((await unchecked.execute(code)).result, "1");
  const asked = await unchecked.execute(code, { check: true });
  assert.equal(asked.error?.code, "TYPE_ERROR");
  assert.match(asked.error!.message, /main\.ts:1:7 - TS2322/);
  // One checked execution does not turn checking on for the next ones.
  assert.equal((await unchecked.execute(code)).result, "1");

  await using runtime = await Runtime.create();
  const files = new Map([["/workspace.ts", WORKSPACE_MODULE]]);
  const r = await runtime.execute(
    `import { listFiles } from "./workspace.ts";\nconst files = await listFiles();\nexport default files.map((f) => f.size);`,
    { files, intercept: () => Promise.resolve([]) },
  );
  assert.equal(r.error?.code, "TYPE_ERROR");
  assert.match(
    r.error!.message,
    /main\.ts:3:35 - TS2339: Property 'size' does not exist on type '\{ path: string; bytes: number; \}'/,
  );
  const ok = await runtime.execute(
    `import { listFiles } from "./workspace.ts";\nconst files = await listFiles();\nexport default files.map((f) => f.bytes);`,
    { files, intercept: () => Promise.resolve([{ path: "a", bytes: 1 }]) },
  );
  assert.deepEqual(ok.result, [1]);
});
