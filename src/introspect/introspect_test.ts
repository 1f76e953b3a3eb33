import assert from "node:assert/strict";
import type { Tool } from "../_sdk.ts";
import { ServerConnectionError } from "../errors.ts";
import { everythingServer, filesystemServer } from "../../tests/_servers.ts";
import { inMemoryServer } from "../../tests/_in_memory_server.ts";
import { introspect, introspectAll } from "./introspect.ts";

function tool(name: string): Tool {
  return { name, inputSchema: { type: "object", properties: {} } };
}

Deno.test("introspect: server-everything", async () => {
  const snap = await introspect(everythingServer());
  assert.equal(snap.name, "everything");
  assert.match(snap.serverInfo.name, /everything/);
  assert.ok(snap.serverInfo.version.length > 0);
  assert.ok(snap.protocolVersion !== undefined);
  assert.ok(snap.capabilities.tools !== undefined);
  assert.equal(typeof snap.instructions, "string");
  assert.equal(snap.tools.length, 13);
  const echo = snap.tools.find((t) => t.name === "echo");
  assert.ok(echo !== undefined);
  assert.equal(typeof echo.description, "string");
  assert.equal(echo.inputSchema.type, "object");
  assert.deepEqual(echo.annotations?.readOnlyHint, true);
  const structured = snap.tools.find((t) => t.name === "get-structured-content");
  assert.ok(structured?.outputSchema !== undefined, "outputSchema is kept");
  assert.ok(snap.resources.length > 0);
  assert.ok(snap.resourceTemplates.length > 0);
  assert.ok(snap.prompts.length > 0);
  assert.equal(snap.warnings, undefined);
});

Deno.test("introspect: server-filesystem in a temp dir", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const snap = await introspect(filesystemServer(dir));
    assert.equal(snap.tools.length, 14);
    assert.ok(snap.tools.some((t) => t.name === "read_text_file"));
    // No resources or prompts capability: nothing is requested, nothing is missing.
    assert.deepEqual(snap.prompts, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("introspect: follows nextCursor across pages", async () => {
  const pages = [["a", "b"], ["c"], ["d", "e"]];
  const seen: (string | undefined)[] = [];
  const server = inMemoryServer({
    tools: (cursor) => {
      seen.push(cursor);
      const i = cursor === undefined ? 0 : Number(cursor.slice(5));
      return {
        tools: pages[i].map(tool),
        ...(i + 1 < pages.length ? { nextCursor: `page-${i + 1}` } : {}),
      };
    },
  });
  await using conn = await server.connect();
  const snap = await introspect(conn);
  assert.deepEqual(snap.tools.map((t) => t.name), ["a", "b", "c", "d", "e"]);
  assert.deepEqual(seen, [undefined, "page-1", "page-2"]);
  assert.equal(conn.closed, false, "a given connection stays open");
});

Deno.test("introspect: a server that repeats its cursor is stopped", async () => {
  let requests = 0;
  const server = inMemoryServer({
    name: "loop",
    tools: () => {
      requests++;
      return { tools: [tool(`t${requests}`)], nextCursor: "again" };
    },
  });
  await using conn = await server.connect();
  await assert.rejects(introspect(conn), (error: unknown) => {
    assert.ok(error instanceof ServerConnectionError);
    assert.equal(error.code, "SERVER_ERROR");
    assert.equal(error.message, `Server "loop" repeated the cursor "again" while listing tools`);
    return true;
  });
  assert.equal(requests, 2);
});

Deno.test("introspect: a server with endless fresh cursors is capped", async () => {
  let requests = 0;
  const server = inMemoryServer({
    name: "endless",
    tools: () => ({ tools: [tool(`t${++requests}`)], nextCursor: `c${requests}` }),
  });
  await using conn = await server.connect();
  await assert.rejects(
    introspect(conn, { maxPages: 50 }),
    /^ServerConnectionError: Server "endless" returned more than 50 pages of tools; giving up$/,
  );
  assert.equal(requests, 50);
});

Deno.test("introspectAll: connects in parallel and reports failures", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const started = performance.now();
    const result = await introspectAll([
      everythingServer(),
      { name: "broken", transport: "stdio", command: "node", args: ["-e", "process.exit(4)"] },
      filesystemServer(dir),
    ]);
    const elapsed = performance.now() - started;
    assert.deepEqual(result.snapshots.map((s) => [s.name, s.tools.length]), [
      ["everything", 13],
      ["filesystem", 14],
    ]);
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0].server, "broken");
    assert.match(result.failures[0].error.message, /exited with code 4 during start-up/);
    assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
