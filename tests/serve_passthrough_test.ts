// End-to-end: what upstream servers ask of the client (elicitation, sampling,
// roots), their progress and their logs pass through `mcpx serve` to the
// client whose program caused them, in both protocol eras, over stdio and
// Streamable HTTP. Driven by the SDK's v1 client (2025-11-25) and its v2
// client in auto mode (2026-07-28), against the real server-everything.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  Client,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  StdioClientTransport,
} from "../src/_sdk.ts";
import {
  V2Client,
  V2StdioClientTransport,
  V2StreamableHTTPClientTransport,
} from "../src/_sdk_client.ts";
import { StreamableHTTPClientTransport } from "../src/_sdk_remote.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, filesystemServer, startHttp } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

const CAPS = {
  elicitation: { form: {}, url: {} },
  sampling: {},
  roots: { listChanged: true },
};

interface Answers {
  /** Name put in accepted elicitations. */
  name: string;
  /** Called when an elicitation arrives; resolves when it may be answered. */
  onElicit?: () => Promise<void>;
  elicitations: number;
  samplings: number;
  /** URLs of URL-mode elicitations. */
  urls: string[];
}

/** Installs handlers that answer as `a.name` on a v1 or v2 client. */
function answer(client: Client | V2Client, a: Answers): void {
  const elicit = async (req: { params: Record<string, unknown> }) => {
    a.elicitations++;
    if (req.params.mode === "url") {
      a.urls.push(String(req.params.url));
      return { action: "accept" as const };
    }
    await a.onElicit?.();
    return { action: "accept" as const, content: { name: a.name, check: true } };
  };
  const sample = () => {
    a.samplings++;
    return {
      role: "assistant" as const,
      content: { type: "text" as const, text: `sampled by ${a.name}` },
      model: "test-model",
    };
  };
  const roots = () => ({ roots: [{ uri: `file:///roots/${a.name}`, name: a.name }] });
  if (client instanceof Client) {
    client.setRequestHandler(ElicitRequestSchema, elicit);
    client.setRequestHandler(CreateMessageRequestSchema, sample);
    client.setRequestHandler(ListRootsRequestSchema, roots);
  } else {
    client.setRequestHandler("elicitation/create", elicit);
    client.setRequestHandler("sampling/createMessage", sample);
    client.setRequestHandler("roots/list", roots);
  }
}

const ELICIT = `import { triggerElicitationRequest } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await triggerElicitationRequest({}));`;

const SAMPLE = `import { triggerSamplingRequest } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await triggerSamplingRequest({ prompt: "hi", maxTokens: 10 }));`;

const ROOTS = `import { getRootsList } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await getRootsList({}));`;

async function run(
  client: { callTool: (p: never, ...rest: never[]) => Promise<unknown> },
  code: string,
  extra: Record<string, unknown> = {},
): Promise<{ text: string; isError: boolean }> {
  const r = await (client.callTool as (p: unknown, a?: unknown, b?: unknown) => Promise<unknown>)(
    { name: "execute_code", arguments: { code, ...extra } },
    ...(client instanceof Client ? [undefined, { timeout: 60_000 }] : [{ timeout: 60_000 }]),
  ) as { content: { type: string; text: string }[]; isError?: boolean };
  return {
    text: r.content.filter((c) => c.type === "text").map((c) => c.text).join("\n"),
    isError: r.isError === true,
  };
}

async function config(dir: string): Promise<string> {
  return await writeConfig(dir, [everythingServer()]);
}

async function v1Stdio(cfg: string, a: Answers, extra: string[] = []): Promise<Client> {
  const client = new Client({ name: "v1", version: "1.0.0" }, { capabilities: CAPS });
  answer(client, a);
  await client.connect(
    new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", CLI, "serve", "--config", cfg, ...extra],
      stderr: "ignore",
    }),
  );
  return client;
}

async function v2Stdio(cfg: string, a: Answers): Promise<V2Client> {
  const client = new V2Client({ name: "v2", version: "1.0.0" }, {
    capabilities: CAPS,
    versionNegotiation: { mode: "auto" },
  });
  answer(client, a);
  await client.connect(
    new V2StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", CLI, "serve", "--config", cfg],
      stderr: "ignore",
    }),
  );
  return client;
}

function answers(name: string): Answers {
  return { name, elicitations: 0, samplings: 0, urls: [] };
}

Deno.test({
  name: "serve stdio, SDK v2 client (2026-07-28): elicitation, sampling and roots round trips",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const a = answers("Ada");
    const client = await v2Stdio(await config(dir.path), a);
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      const e = await run(client as never, ELICIT);
      assert.equal(e.isError, false, e.text);
      assert.match(e.text, /- Name: Ada/);
      assert.equal(a.elicitations, 1);
      const s = await run(client as never, SAMPLE);
      assert.match(s.text, /sampled by Ada/);
      assert.equal(a.samplings, 1);
      // server-everything asks for roots once, right after it starts. If that
      // happens while a call of this client is in flight, the question reaches
      // this client (as an InputRequiredResult); if no call is in flight, the
      // server gets the --root folders (here none). Which one depends on how
      // fast the server starts.
      const r = await run(client as never, ROOTS);
      assert.match(r.text, /file:\/\/\/roots\/Ada|no roots are currently configured/, r.text);
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "serve stdio, SDK v1 client (2025-11-25): elicitation, sampling and roots round trips",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const a = answers("Bob");
    const client = await v1Stdio(await config(dir.path), a, ["--root", dir.path]);
    try {
      const e = await run(client as never, ELICIT);
      assert.equal(e.isError, false, e.text);
      assert.match(e.text, /- Name: Bob/);
      const s = await run(client as never, SAMPLE);
      assert.match(s.text, /sampled by Bob/);
      const r = await run(client as never, ROOTS);
      // Asked during a call: this client's roots; asked outside one: --root
      // and the roots of 2025-era sessions (see the v2 test above).
      assert.match(r.text, new RegExp(`URI: (file:///roots/Bob|file://${dir.path})`), r.text);
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "serve stdio: a client without the capabilities gets a clear refusal",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const client = new Client({ name: "plain", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: Deno.execPath(),
        args: ["run", "-A", CLI, "serve", "--config", await config(dir.path)],
        stderr: "ignore",
      }),
    );
    try {
      const e = await run(client as never, ELICIT);
      assert.equal(e.isError, true, e.text);
      assert.match(e.text, /does not support "elicitation\/create" in form mode/);
    } finally {
      await client.close();
    }
  },
});

/** Both clients' elicitations are pending before either is answered. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((r) => open = r);
  return () => {
    if (++arrived === n) open();
    return all;
  };
}

Deno.test({
  name: "serve HTTP: two concurrent sessions per era with pending elicitations each get their own",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    await using server = await startHttp(await config(dir.path));

    // 2025-11-25: two SDK v1 sessions.
    // The first session of each era asks first; while its question is
    // pending, the second one asks. (Two questions sent at the same instant on
    // one connection cannot be told apart: a 2025-era server does not say
    // which call a question belongs to. See "Routing" in the README.)
    const wait1 = barrier(2);
    const carolAsked = Promise.withResolvers<void>();
    const a1 = {
      ...answers("Carol"),
      onElicit: () => {
        carolAsked.resolve();
        return wait1();
      },
    };
    const b1 = { ...answers("Dave"), onElicit: wait1 };
    const legacy = await Promise.all([a1, b1].map(async (a) => {
      const c = new Client({ name: "v1", version: "1.0.0" }, { capabilities: CAPS });
      answer(c, a);
      await c.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      return c;
    }));
    // 2026-07-28: two SDK v2 clients in auto mode.
    const wait2 = barrier(2);
    const erinAsked = Promise.withResolvers<void>();
    const a2 = {
      ...answers("Erin"),
      onElicit: () => {
        erinAsked.resolve();
        return wait2();
      },
    };
    const b2 = { ...answers("Frank"), onElicit: wait2 };
    const modern = await Promise.all([a2, b2].map(async (a) => {
      const c = new V2Client({ name: "v2", version: "1.0.0" }, {
        capabilities: CAPS,
        versionNegotiation: { mode: "auto" },
      });
      answer(c, a);
      await c.connect(new V2StreamableHTTPClientTransport(new URL(server.url)));
      return c;
    }));
    try {
      for (const c of modern) assert.equal(c.getNegotiatedProtocolVersion(), "2026-07-28");
      // Four executions on one shared upstream connection, all four questions pending at once.
      const p1 = run(legacy[0] as never, ELICIT);
      const p3 = run(modern[0] as never, ELICIT);
      await Promise.all([carolAsked.promise, erinAsked.promise]);
      const [r1, r2, r3, r4] = await Promise.all([
        p1,
        run(legacy[1] as never, ELICIT),
        p3,
        run(modern[1] as never, ELICIT),
      ]);
      assert.match(r1.text, /- Name: Carol/, r1.text);
      assert.match(r2.text, /- Name: Dave/, r2.text);
      assert.match(r3.text, /- Name: Erin/, r3.text);
      assert.match(r4.text, /- Name: Frank/, r4.text);
      for (const a of [a1, b1, a2, b2]) assert.equal(a.elicitations, 1, a.name);
      // Modern HTTP carries the workspace as a handle.
      assert.match(r3.text, /workspace: ws-/);
    } finally {
      await Promise.allSettled([...legacy, ...modern].map((c) => c.close()));
    }
  },
});

const PROGRESS = `import { triggerLongRunningOperation } from "./servers/everything/index.ts";
import { reportProgress } from "./client.ts";
await reportProgress(1, 10, "guest starting");
await triggerLongRunningOperation({ duration: 0.4, steps: 2 });
export default "done";`;

const GUEST_ELICIT = `import { elicit } from "./client.ts";
const answer = await elicit("Which color?", { type: "object", properties: { name: { type: "string" } } });
export default answer;`;

type Progress = { progress: number; total?: number; message?: string };

Deno.test({
  name:
    "serve stdio, both eras: upstream and guest progress reach the client; the guest can elicit",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const cfg = await config(dir.path);
    const v1 = await v1Stdio(cfg, answers("Gus"));
    const v2 = await v2Stdio(cfg, answers("Hal"));
    try {
      const seen1: Progress[] = [];
      const r1 = await v1.callTool(
        { name: "execute_code", arguments: { code: PROGRESS } },
        undefined,
        { onprogress: (p) => void seen1.push(p), timeout: 60_000 },
      );
      assert.equal(r1.isError, undefined, JSON.stringify(r1));
      const seen2: Progress[] = [];
      const r2 = await v2.callTool(
        { name: "execute_code", arguments: { code: PROGRESS } },
        { onprogress: (p: Progress) => void seen2.push(p), timeout: 60_000 },
      );
      assert.equal(r2.isError, undefined, JSON.stringify(r2));
      for (const seen of [seen1, seen2]) {
        assert.deepEqual(seen[0], { progress: 1, total: 10, message: "guest starting" });
        // The upstream's steps, on the execute_code request's token (the last
        // one may race the final response, after which a client drops progress).
        assert.ok(seen.some((p) => p.progress === 1 && p.total === 2), JSON.stringify(seen));
      }
      const e1 = await run(v1 as never, GUEST_ELICIT);
      assert.match(e1.text, /"action":"accept","content":{"name":"Gus"/);
      const e2 = await run(v2 as never, GUEST_ELICIT);
      assert.match(e2.text, /"action":"accept","content":{"name":"Hal"/);
    } finally {
      await Promise.allSettled([v1.close(), v2.close()]);
    }
  },
});

Deno.test({
  name: "serve stdio: logging/setLevel works and upstream logs arrive with the server's name",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const client = await v1Stdio(await config(dir.path), answers("Ivy"));
    const logs: { level: string; logger?: string; data: unknown }[] = [];
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void logs.push(n.params),
    );
    try {
      await client.setLoggingLevel("debug");
      const code = `import { toggleSimulatedLogging } from "./servers/everything/index.ts";
export default await toggleSimulatedLogging({});`;
      const r = await run(client as never, code);
      assert.equal(r.isError, false, r.text);
      const deadline = Date.now() + 8_000;
      const simulated = () => logs.find((l) => /level.message/.test(String(l.data)));
      while (!simulated() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(simulated(), `no simulated log message arrived: ${JSON.stringify(logs)}`);
      assert.ok(logs.every((l) => l.logger === "everything"), JSON.stringify(logs));
      await run(client as never, code); // off again
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "serve stdio, 2026-07-28: a tampered requestState is refused",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const client = await v2Stdio(await config(dir.path), answers("Jo"));
    try {
      await assert.rejects(
        client.callTool(
          {
            name: "execute_code",
            arguments: { code: "export default 1" },
            requestState: "eyJlIjoiYSIsInMiOiJiIn0.forged",
            inputResponses: { "elicitation-1": { action: "accept", content: {} } },
          } as never,
        ),
        (e: Error & { code?: number }) => e.code === -32602 && /requestState/.test(e.message),
      );
      // The server is still there.
      const r = await run(client as never, "export default 41 + 1");
      assert.match(r.text, /^42/);
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name:
    "serve stdio: a tool that requires task execution works from guest code, with its elicitation",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const a = answers("Kim");
    const client = await v1Stdio(await config(dir.path), a);
    try {
      const seen: Progress[] = [];
      const r = await client.callTool(
        {
          name: "execute_code",
          arguments: {
            code: `import { simulateResearchQuery } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await simulateResearchQuery({ topic: "python", ambiguous: true }));`,
          },
        },
        undefined,
        { onprogress: (p) => void seen.push(p), timeout: 60_000 },
      );
      const out = (r.content as { text: string }[])[0].text;
      assert.equal(r.isError, undefined, out);
      assert.match(out, /# Research Report: python/);
      // The task's clarifying question reached this client.
      assert.equal(a.elicitations, 1);
      assert.ok(seen.some((p) => /task working/.test(p.message ?? "")), JSON.stringify(seen));
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "serve HTTP, 2026-07-28: cancelling execute_code stops the execution",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    await using server = await startHttp(await config(dir.path));
    const client = new V2Client({ name: "v2", version: "1.0.0" }, {
      capabilities: {},
      versionNegotiation: { mode: "auto" },
    });
    await client.connect(new V2StreamableHTTPClientTransport(new URL(server.url)));
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 1_500);
      await assert.rejects(client.callTool({
        name: "execute_code",
        arguments: {
          code: `import { triggerLongRunningOperation } from "./servers/everything/index.ts";
await triggerLongRunningOperation({ duration: 20, steps: 20 });
export default 1;`,
        },
      }, { signal: ac.signal, timeout: 60_000 }));
      const health = new URL("/health", server.url);
      const deadline = Date.now() + 5_000;
      let stats: Record<string, number> = {};
      while (Date.now() < deadline) {
        stats = await (await fetch(health)).json();
        if (stats.running === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(stats.running, 0, JSON.stringify(stats));
      assert.equal(stats.cancelled, 1, JSON.stringify(stats));
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "serve stdio: server-filesystem takes its folders from the client's roots",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const allowed = `${dir.path}/allowed`;
    await Deno.mkdir(allowed);
    await Deno.writeTextFile(`${allowed}/note.txt`, "from the root");
    const fs = filesystemServer(allowed);
    // No folder on the command line: the folders come from roots only.
    const cfg = await writeConfig(dir.path, [{ ...fs, args: fs.args.slice(0, 1) }]);
    const client = new Client({ name: "v1", version: "1.0.0" }, { capabilities: { roots: {} } });
    client.setRequestHandler(ListRootsRequestSchema, () => ({
      roots: [{ uri: `file://${allowed}`, name: "allowed" }],
    }));
    await client.connect(
      new StdioClientTransport({
        command: Deno.execPath(),
        args: ["run", "-A", CLI, "serve", "--config", cfg],
        stderr: "ignore",
      }),
    );
    try {
      const r = await run(
        client as never,
        `import { readTextFile } from "./servers/filesystem/index.ts";
export default await readTextFile({ path: ${JSON.stringify(`${allowed}/note.txt`)} });`,
      );
      assert.equal(r.isError, false, r.text);
      assert.match(r.text, /from the root/);
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "serve HTTP, 2026-07-28: the workspace travels as a handle; logs reach the client",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    await using server = await startHttp(await config(dir.path));
    const client = new V2Client({ name: "v2", version: "1.0.0" }, {
      capabilities: {},
      versionNegotiation: { mode: "auto" },
    });
    const logs: { logger?: string; data: unknown }[] = [];
    client.setNotificationHandler("notifications/message", (n) => void logs.push(n.params));
    await client.connect(new V2StreamableHTTPClientTransport(new URL(server.url)));
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      // A 2026-07-28 client asks for logs per request, in the request's _meta.
      const reply = await client.callTool({
        name: "execute_code",
        arguments: {
          code: `import { writeFile } from "./workspace.ts";
import { toggleSimulatedLogging } from "./servers/everything/index.ts";
await writeFile("notes.txt", "kept");
export default await toggleSimulatedLogging({});`,
        },
        _meta: { "io.modelcontextprotocol/logLevel": "debug" },
      }, { timeout: 60_000 });
      const first = {
        text: (reply.content as { type: string; text: string }[]).map((c) => c.text).join("\n"),
        isError: reply.isError === true,
      };
      assert.equal(first.isError, false, first.text);
      const handle = /workspace: (ws-[\w-]+)/.exec(first.text)?.[1];
      assert.ok(handle, first.text);
      const again = await run(
        client as never,
        `import { readFile } from "./workspace.ts";
export default await readFile("notes.txt");`,
        { workspace: handle },
      );
      assert.match(again.text, /^kept/, again.text);
      assert.match(again.text, new RegExp(`workspace: ${handle}`));
      // Without the handle, a new, empty workspace.
      const fresh = await run(
        client as never,
        `import { listFiles } from "./workspace.ts";
export default (await listFiles()).length;`,
      );
      assert.match(fresh.text, /^0/, fresh.text);
      const unknown = await run(client as never, "export default 1", { workspace: "ws-nope" });
      assert.equal(unknown.isError, true);
      assert.match(unknown.text, /Unknown workspace "ws-nope"/);
      // The log the upstream sent during the first call came with it
      // (server-everything writes "Debug-level message" and the like, and "Alert level-message").
      assert.ok(
        logs.some((l) => l.logger === "everything" && /level.message/.test(String(l.data))),
        JSON.stringify(logs),
      );
      await run(
        client as never,
        `import { toggleSimulatedLogging } from "./servers/everything/index.ts";
export default await toggleSimulatedLogging({});`,
      );
    } finally {
      await client.close();
    }
  },
});

Deno.test({
  name: "serve stdio, both eras: URL-mode elicitation passes through",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dir = await tempDir();
    const cfg = await config(dir.path);
    const a1 = answers("Lee");
    const a2 = answers("Max");
    const v1 = await v1Stdio(cfg, a1);
    const v2 = await v2Stdio(cfg, a2);
    const code = (url: string) =>
      `import { triggerUrlElicitation } from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
export default text(await triggerUrlElicitation({ url: "${url}" }));`;
    try {
      const r1 = await run(v1 as never, code("https://example.com/one"));
      assert.match(r1.text, /User completed the URL elicitation flow/, r1.text);
      assert.deepEqual(a1.urls, ["https://example.com/one"]);
      const r2 = await run(v2 as never, code("https://example.com/two"));
      assert.match(r2.text, /User completed the URL elicitation flow/, r2.text);
      assert.deepEqual(a2.urls, ["https://example.com/two"]);
    } finally {
      await Promise.allSettled([v1.close(), v2.close()]);
    }
  },
});
