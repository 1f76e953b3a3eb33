// End-to-end tests of approvals: the real `mcpx serve` over Streamable HTTP,
// real SDK clients (with and without elicitation) and real memory and
// filesystem servers; every call checked in the audit log afterwards.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, getDefaultEnvironment, StdioClientTransport } from "../src/_sdk.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type AuditEntry, readAudit } from "../src/policy/audit_log.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { filesystemServer, freePort, memoryServer } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

type Answer = { action: "accept" | "decline" | "cancel"; content?: Record<string, unknown> };
type Asked = { message: string; requestedSchema: Record<string, unknown> };

interface TestClient {
  client: Client;
  asked: Asked[];
  run(code: string, extra?: Record<string, unknown>): Promise<{ text: string; isError: boolean }>;
}

async function connect(url: string, answer?: (form: Asked) => Answer): Promise<TestClient> {
  const client = new Client(
    { name: "approvals-test", version: "1.0.0" },
    { capabilities: answer ? { elicitation: {} } : {} },
  );
  const asked: Asked[] = [];
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      const form = req.params as unknown as Asked;
      asked.push(form);
      return answer(form);
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    client,
    asked,
    async run(code, extra = {}) {
      const r = await client.callTool(
        { name: "execute_code", arguments: { code, ...extra } },
        undefined,
        { timeout: 60_000 },
      );
      const content = r.content as { type: string; text: string }[];
      return { text: content[0].text, isError: r.isError === true };
    },
  };
}

async function startServe(config: string, env: Record<string, string>) {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "serve", "--http", String(port), "-c", config],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`mcpx serve exited: ${seen}`);
    seen += value;
  }
  (async () => {
    try {
      while (!(await reader.read()).done) { /* drain */ }
    } catch { /* closed */ }
  })();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

const MEMORY = `import * as memory from "./servers/memory/index.ts";`;

function names(text: string): string[] {
  const m = /NAMES=(\[.*?\])/.exec(text);
  assert.ok(m, `no NAMES in: ${text}`);
  return JSON.parse(m[1]);
}

/** A program that creates `create`, deletes `del` (catching the error code), and lists names. */
function deleteProgram(create: string[], del: string[]): string {
  // server-memory rewrites its whole file on every change: no empty writes that race.
  const creating = create.length === 0
    ? "// nothing to create"
    : `await memory.createEntities({ entities: ${
      JSON.stringify(create.map((name) => ({ name, entityType: "t", observations: [] })))
    } });`;
  return `${MEMORY}
${creating}
let code = "none";
try {
  await memory.deleteEntities({ entityNames: ${JSON.stringify(del)} });
} catch (e) {
  code = e.code;
}
const graph = await memory.readGraph({});
console.log("CODE=" + code);
console.log("NAMES=" + JSON.stringify(graph.entities.map((e) => e.name).sort()));
`;
}

function codeOf(text: string): string {
  return /CODE=(\S+)/.exec(text)?.[1] ?? "?";
}

Deno.test("approvals through mcpx serve: elicitation, dry runs, plans, sessions, audit", async (t) => {
  await using tmp = await tempDir("mcpx-approvals-");
  const root = join(tmp.path, "root");
  await Deno.mkdir(root);
  const data = join(tmp.path, "data");
  const config = await writeConfig(tmp.path, [
    memoryServer(join(tmp.path, "memory.jsonl")),
    filesystemServer(root, "fs"),
  ]);
  await using serve = await startServe(config, { MCPX_DATA_DIR: data });

  let decline: TestClient | undefined;
  await t.step("decline: APPROVAL_DENIED the guest can catch; nothing deleted", async () => {
    decline = await connect(serve.url, () => ({ action: "decline" }));
    const r = await decline.run(deleteProgram(["d1"], ["d1"]));
    assert.equal(r.isError, false, r.text);
    assert.equal(codeOf(r.text), "APPROVAL_DENIED");
    assert.ok(names(r.text).includes("d1"));
    assert.equal(decline.asked.length, 1);
    const form = decline.asked[0];
    assert.match(form.message, /^Allow "memory\/delete_entities"\?/);
    assert.match(form.message, /Server: memory/);
    assert.match(form.message, /Tool: delete_entities/);
    assert.match(form.message, /Called from: line 5 of the program/);
    assert.match(form.message, /entityNames: \["d1"\]/);
    const props = form.requestedSchema.properties as Record<
      string,
      { type: string; title: string }
    >;
    assert.equal(props.approveAllForSession.type, "boolean");
    assert.match(props.approveAllForSession.title, /Approve all calls to memory\/delete_entities/);
  });

  await t.step("accept: the call goes through; the next call is asked again", async () => {
    const c = await connect(serve.url, () => ({ action: "accept", content: {} }));
    const r = await c.run(deleteProgram(["a1", "a2"], ["a1"]));
    assert.equal(codeOf(r.text), "none", r.text);
    assert.ok(!names(r.text).includes("a1"));
    const again = await c.run(deleteProgram([], ["a2"]));
    assert.equal(codeOf(again.text), "none", again.text);
    assert.equal(c.asked.length, 2);
    await c.client.close();
  });

  await t.step("approve all: one question for every call to the tool in the session", async () => {
    // Two calls at once: the second waits for the first answer and is not asked.
    const c = await connect(
      serve.url,
      () => ({ action: "accept", content: { approveAllForSession: true } }),
    );
    const r = await c.run(`${MEMORY}
await memory.createEntities({ entities: [{ name: "s1", entityType: "t", observations: [] }, { name: "s2", entityType: "t", observations: [] }] });
await Promise.all([
  memory.deleteEntities({ entityNames: ["s1"] }),
  memory.deleteEntities({ entityNames: ["s2"] }),
]);
export default "done";`);
    assert.equal(r.isError, false, r.text);
    const next = await c.run(deleteProgram(["s3"], ["s3"]));
    assert.equal(codeOf(next.text), "none", next.text);
    assert.equal(c.asked.length, 1);
    // Another tool is still asked about.
    const fs = await c.run(`import * as fs from "./servers/fs/index.ts";
await fs.writeFile({ path: ${JSON.stringify(join(root, "a.txt"))}, content: "hi" });
export default "written";`);
    assert.match(fs.text, /written/);
    assert.equal(c.asked.length, 2);
    assert.match(c.asked[1].message, /Allow "fs\/write_file"\?/);
    assert.equal(await Deno.readTextFile(join(root, "a.txt")), "hi");
    await c.client.close();
  });

  let plain: TestClient | undefined;
  await t.step("a client without elicitation: APPROVAL_REQUIRED, nothing runs", async () => {
    plain = await connect(serve.url);
    const r = await plain.run(deleteProgram(["r1"], ["r1"]));
    assert.equal(codeOf(r.text), "APPROVAL_REQUIRED", r.text);
    assert.ok(names(r.text).includes("r1"));
    const raw = await plain.run(`${MEMORY}
await memory.deleteEntities({ entityNames: ["r1"] });`);
    assert.equal(raw.isError, true);
    assert.match(raw.text, /needs the user's approval \(destructiveHint\)/);
    assert.match(raw.text, /Ask the user/);
    assert.match(raw.text, /dryRun: true/);
    assert.match(raw.text, /approvalToken/);
    const fsr = await plain.run(`import * as fs from "./servers/fs/index.ts";
await fs.writeFile({ path: ${JSON.stringify(join(root, "b.txt"))}, content: "x" });`);
    assert.equal(fsr.isError, true);
    await assert.rejects(Deno.stat(join(root, "b.txt")), Deno.errors.NotFound);
  });

  let token = "";
  await t.step("dry run: allowed calls live, the others planned with placeholders", async () => {
    const r = await plain!.run(deleteProgram(["p1", "p2"], ["p1"]), { dryRun: true });
    assert.equal(r.isError, false, r.text);
    assert.match(r.text, /Dry run: 1 call was recorded, not made:/);
    assert.match(r.text, /1\. memory\/delete_entities \(line 5\): needs approval/);
    assert.match(r.text, /entityNames: \["p1"\]/);
    assert.equal(codeOf(r.text), "none", r.text); // the placeholder came back as a result
    assert.deepEqual(names(r.text).filter((n) => n.startsWith("p")), ["p1", "p2"]);
    token = /Approval token: (\S+)/.exec(r.text)![1];
  });

  await t.step("the approved run makes exactly the planned call", async () => {
    const r = await plain!.run(deleteProgram(["p1", "p2"], ["p1"]), { approvalToken: token });
    assert.equal(codeOf(r.text), "none", r.text);
    assert.deepEqual(names(r.text).filter((n) => n.startsWith("p")), ["p2"]);
    const reuse = await plain!.run(deleteProgram([], ["p2"]), { approvalToken: token });
    assert.equal(reuse.isError, true);
    assert.match(reuse.text, /Invalid approval token: it was already used/);
    const forged = await plain!.run(deleteProgram([], ["p2"]), {
      approvalToken: token.slice(0, -2) + (token.endsWith("A") ? "BB" : "AA"),
    });
    assert.match(forged.text, /Invalid approval token: its signature does not match/);
  });

  await t.step(
    "a program that strays from its plan is stopped at the first differing call",
    async () => {
      const dry = await plain!.run(deleteProgram(["x1", "x2"], ["x1"]), { dryRun: true });
      const t2 = /Approval token: (\S+)/.exec(dry.text)![1];
      const r = await plain!.run(
        `${MEMORY}
let first = "none", second = "none";
try { await memory.deleteEntities({ entityNames: ["x2"] }); } catch (e) { first = e.code; }
try { await memory.deleteEntities({ entityNames: ["x1"] }); } catch (e) { second = e.code; }
let third = "none";
try { await memory.readGraph({}); } catch (e) { third = e.code; }
console.log("CODE=" + first + "," + second + "," + third);`,
        { approvalToken: t2 },
      );
      // Stopped at the first differing call: nothing after it goes upstream, not even a read.
      assert.equal(codeOf(r.text), "PLAN_MISMATCH,PLAN_MISMATCH,PLAN_MISMATCH", r.text);
      const after = await plain!.run(deleteProgram([], []));
      assert.ok(names(after.text).includes("x1") && names(after.text).includes("x2"));
    },
  );

  await t.step("two concurrent sessions each approve only their own calls", async () => {
    const gates: Record<string, () => void> = {};
    const opened: Record<string, Promise<void>> = {};
    for (const who of ["A", "B"]) {
      opened[who] = new Promise((r) => gates[who] = r);
    }
    const mk = (who: string, action: "accept" | "decline") =>
      connect(serve.url, (form) => {
        gates[who]();
        assert.match(form.message, new RegExp(`"${who}-`), `${who} was asked about another call`);
        return { action, content: { approveAllForSession: true } };
      });
    const [a, b] = await Promise.all([mk("A", "accept"), mk("B", "decline")]);
    // server-memory rewrites its whole file on each change: create before the race.
    await plain!.run(deleteProgram(["A-1", "A-2", "B-1"], []));
    const [ra, rb] = await Promise.all([
      a.run(deleteProgram([], ["A-1"])),
      b.run(deleteProgram([], ["B-1"])),
    ]);
    await Promise.all([opened.A, opened.B]);
    assert.equal(codeOf(ra.text), "none", ra.text);
    assert.equal(codeOf(rb.text), "APPROVAL_DENIED", rb.text);
    // A's "approve all" holds for A only.
    const [ra2, rb2] = await Promise.all([
      a.run(deleteProgram([], ["A-2"])),
      b.run(deleteProgram([], ["B-1"])),
    ]);
    assert.equal(codeOf(ra2.text), "none");
    assert.equal(codeOf(rb2.text), "APPROVAL_DENIED");
    assert.equal(a.asked.length, 1);
    assert.equal(b.asked.length, 2);
    assert.ok(names(rb2.text).includes("B-1"), rb2.text);
    assert.ok(!names(ra2.text).includes("A-2"));
    await Promise.all([a.client.close(), b.client.close()]);
  });

  await decline?.client.close();
  await plain?.client.close();

  await t.step("the audit log records every call with its decision", async () => {
    // Entries are flushed shortly after each call.
    let entries: AuditEntry[] = [];
    for (let i = 0; i < 50; i++) {
      entries = await readAudit(join(data, "audit.jsonl"), { tool: "memory/delete_entities" });
      if (entries.some((e) => e.outcome === "PLAN_MISMATCH")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const decisions = new Set(entries.map((e) => `${e.approval}:${e.outcome}`));
    for (
      const d of [
        "declined:APPROVAL_DENIED",
        "approved:ok",
        "approved-session:ok",
        "required:APPROVAL_REQUIRED",
        "planned:ok",
        "approved-plan:ok",
        "strayed:PLAN_MISMATCH",
      ]
    ) assert.ok(decisions.has(d), `no "${d}" entry in ${[...decisions].join(", ")}`);
    for (const e of entries) {
      assert.match(e.digest, /^[0-9a-f]{64}$/);
      assert.ok(e.session !== "" && e.execution !== "");
      assert.equal(e.args, undefined, "arguments are not recorded unless configured");
    }
    assert.ok(entries.every((e) => typeof e.line === "number"));
    const fs = await readAudit(join(data, "audit.jsonl"), { tool: "fs/write_file" });
    assert.ok(fs.some((e) => e.approval === "approved-session" && e.outcome === "ok"));
    assert.ok(fs.some((e) => e.approval === "required"));
    // Sessions: the two concurrent clients are told apart.
    const a = entries.filter((e) => e.outcome === "ok" && e.approval === "approved-session");
    assert.ok(new Set(a.map((e) => e.session)).size >= 2);
  });
});

Deno.test("approvals through mcpx serve over stdio: the session's client is asked", async () => {
  await using tmp = await tempDir("mcpx-approvals-stdio-");
  const config = await writeConfig(tmp.path, [memoryServer(join(tmp.path, "memory.jsonl"))]);
  const client = new Client(
    { name: "approvals-stdio", version: "1.0.0" },
    { capabilities: { elicitation: {} } },
  );
  const asked: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, (req) => {
    asked.push(req.params.message);
    return { action: asked.length === 1 ? "decline" : "accept", content: {} };
  });
  await client.connect(
    new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", CLI, "serve", "-c", config],
      env: { ...getDefaultEnvironment(), MCPX_DATA_DIR: join(tmp.path, "data") },
      stderr: "pipe",
    }),
  );
  try {
    const run = async (code: string) => {
      const r = await client.callTool({ name: "execute_code", arguments: { code } });
      return (r.content as { text: string }[])[0].text;
    };
    const first = await run(deleteProgram(["s"], ["s"]));
    assert.equal(codeOf(first), "APPROVAL_DENIED", first);
    const second = await run(deleteProgram([], ["s"]));
    assert.equal(codeOf(second), "none", second);
    assert.ok(!names(second).includes("s"));
    assert.equal(asked.length, 2);
    assert.match(asked[0], /Allow "memory\/delete_entities"\?/);
  } finally {
    await client.close();
  }
});
