import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { everythingServer, filesystemServer } from "../../tests/_servers.ts";
import { inMemoryServer, sleep } from "../../tests/_in_memory_server.ts";
import type { Tool } from "../_sdk.ts";
import type { Connection } from "../introspect/connect.ts";
import { introspect } from "../introspect/introspect.ts";
import { Bridge, type CallEvent, toolMap } from "./bridge.ts";
import { ClientPool } from "./client_pool.ts";
import type { CallEnvelope } from "./envelope.ts";
import { HOST_HOOK_KEY, installHostRuntime } from "./host_runtime.ts";

const RUNTIME_TEMPLATE = fileURLToPath(new URL("../../templates/runtime.eta", import.meta.url));

function ok(reply: CallEnvelope): unknown {
  if (!reply.ok) assert.fail(`expected ok, got ${reply.error.code}: ${reply.error.message}`);
  return reply.value;
}

function failed(reply: CallEnvelope, code: string): { message: string; content?: unknown } {
  if (reply.ok) assert.fail(`expected ${code}, got ok: ${JSON.stringify(reply.value)}`);
  assert.equal(reply.error.code, code, reply.error.message);
  return reply.error;
}

function waitClosed(conn: Connection): Promise<void> {
  return new Promise((resolve) => conn.onClose(() => resolve()));
}

Deno.test("bridge: policy and replies against real servers", async (t) => {
  const dir = await Deno.makeTempDir();
  await using pool = new ClientPool([everythingServer(), filesystemServer(dir, "fs")]);
  const servers = pool.servers;
  try {
    await t.step("a call returns the tool's content", async () => {
      await using bridge = new Bridge({ servers, pool });
      assert.deepEqual(ok(await bridge.callTool("everything", "echo", { message: "hi" })), [
        { type: "text", text: "Echo: hi" },
      ]);
    });

    await t.step("structuredContent is preferred over content", async () => {
      await using bridge = new Bridge({ servers, pool });
      const value = ok(
        await bridge.callTool("everything", "get-structured-content", { location: "Chicago" }),
      ) as Record<string, unknown>;
      assert.deepEqual(Object.keys(value).sort(), ["conditions", "humidity", "temperature"]);
      assert.equal(typeof value.temperature, "number");
    });

    await t.step("the allowlist refuses other tools", async () => {
      await using bridge = new Bridge({
        servers,
        pool,
        policy: { allow: { everything: ["echo"], fs: "*" }, deny: ["fs/write_*"] },
      });
      ok(await bridge.callTool("everything", "echo", { message: "x" }));
      const denied = failed(
        await bridge.callTool("everything", "get-sum", { a: 1, b: 2 }),
        "TOOL_DENIED",
      );
      assert.equal(denied.message, `Tool "everything/get-sum" is not allowed by the allowlist`);
      failed(
        await bridge.callTool("fs", "write_file", { path: `${dir}/x`, content: "" }),
        "TOOL_DENIED",
      );
      ok(await bridge.callTool("fs", "list_allowed_directories", {}));
    });

    await t.step("unknown servers and tools are named, with suggestions", async () => {
      await using bridge = new Bridge({ servers, pool });
      assert.equal(
        failed(await bridge.callTool("everythin", "echo", {}), "UNKNOWN_SERVER").message,
        `Unknown server "everythin": did you mean "everything"?`,
      );
      assert.equal(
        failed(await bridge.callTool("gdrive", "list", {}), "UNKNOWN_SERVER").message,
        `Unknown server "gdrive": known servers are "everything", "fs"`,
      );
      assert.equal(
        failed(await bridge.callTool("everything", "ech", {}), "UNKNOWN_TOOL").message,
        `Unknown tool "everything/ech": did you mean "echo"? Call it as echo(args: { message: string }).`,
      );
      const unknown = failed(await bridge.callTool("everything", "zzzzzz", {}), "UNKNOWN_TOOL");
      assert.match(
        unknown.message,
        /^Unknown tool "everything\/zzzzzz": server "everything" has "echo", /,
      );
    });

    await t.step(
      "a schema JavaScript cannot compile is still enforced, as the caller's error",
      async () => {
        // everything's echo as a server could declare it: an RE2-style `(?i)` pattern, a
        // pattern that backtracks exponentially in JavaScript, and a second required property.
        const echo: Tool = {
          name: "echo",
          inputSchema: {
            type: "object",
            properties: {
              message: { type: "string", pattern: "(?i)^[a-z ]+$" },
              tag: { type: "string", pattern: "^(a+)+$" },
            },
            required: ["message", "id"],
          },
        };
        await using bridge = new Bridge({
          servers,
          pool,
          tools: new Map([["everything", [echo]]]),
        });
        assert.equal(
          failed(
            await bridge.callTool("everything", "echo", { message: "Hi" }),
            "TOOL_INVALID_ARGS",
          )
            .message,
          `Invalid arguments for "everything/echo": missing required property "id". Call it as echo(args: { message: string; tag?: string }).`,
        );
        const t0 = performance.now();
        assert.equal(
          failed(
            await bridge.callTool("everything", "echo", {
              message: "Hi",
              id: 1,
              tag: "a".repeat(30) + "!",
            }),
            "TOOL_INVALID_ARGS",
          ).message,
          `Invalid arguments for "everything/echo": /tag: does not match the pattern "^(a+)+$". Call it as echo(args: { message: string; tag?: string }).`,
        );
        assert.ok(performance.now() - t0 < 1_000);
        assert.deepEqual(
          ok(await bridge.callTool("everything", "echo", { message: "Hi There", id: 1 })),
          [{ type: "text", text: "Echo: Hi There" }],
        );
      },
    );

    await t.step("arguments are checked against the schema and the size limit", async () => {
      await using bridge = new Bridge({ servers, pool, policy: { maxArgBytes: 200 } });
      assert.equal(
        failed(
          await bridge.callTool("everything", "get-sum", { a: "1", b: 2 }),
          "TOOL_INVALID_ARGS",
        )
          .message,
        `Invalid arguments for "everything/get-sum": /a: expected number, got string. Call it as getSum(args: { a: number; b: number }).`,
      );
      assert.equal(
        failed(await bridge.callTool("everything", "get-sum", { a: 1 }), "TOOL_INVALID_ARGS")
          .message,
        `Invalid arguments for "everything/get-sum": missing required property "b". Call it as getSum(args: { a: number; b: number }).`,
      );
      // A misspelt argument name gets a suggestion.
      assert.equal(
        failed(await bridge.callTool("everything", "get-sum", { a: 1, bb: 2 }), "TOOL_INVALID_ARGS")
          .message,
        `Invalid arguments for "everything/get-sum": missing required property "b". Unknown argument "bb": did you mean "b"? Call it as getSum(args: { a: number; b: number }).`,
      );
      assert.equal(
        failed(await bridge.callTool("everything", "get-sum", [1, 2]), "TOOL_INVALID_ARGS").message,
        `Invalid arguments for "everything/get-sum": expected an object, got an array. Call it as getSum(args: { a: number; b: number }).`,
      );
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      failed(await bridge.callTool("everything", "echo", cyclic), "TOOL_INVALID_ARGS");
      assert.equal(
        failed(
          await bridge.callTool("everything", "echo", { message: "é".repeat(150) }),
          "TOOL_LIMIT",
        ).message,
        `Arguments for "everything/echo" are 314 bytes of JSON, over the 200 bytes limit`,
      );
      assert.deepEqual(ok(await bridge.callTool("everything", "get-sum", { a: 1, b: 2 })), [
        { type: "text", text: "The sum of 1 and 2 is 3." },
      ]);
    });

    await t.step("isError results become TOOL_ERROR with the tool's content", async () => {
      await using bridge = new Bridge({ servers, pool, policy: { validateArgs: false } });
      const missing = failed(
        await bridge.callTool("fs", "read_text_file", { path: `${dir}/missing.txt` }),
        "TOOL_ERROR",
      );
      assert.match(
        missing.message,
        /^Tool "fs\/read_text_file" reported an error: .*(ENOENT|no such file)/is,
      );
      assert.match(missing.message, /Call it as readTextFile\(args: \{ path: string;/);
      assert.ok(Array.isArray(missing.content) && missing.content.length > 0);
      // With validation off, the server's own validation answers (also isError).
      const upstream = failed(
        await bridge.callTool("everything", "get-sum", { a: "x", b: 2 }),
        "TOOL_ERROR",
      );
      assert.match(upstream.message, /Invalid arguments for tool get-sum/);
    });

    await t.step("the rate limit refuses calls beyond the burst", async () => {
      await using bridge = new Bridge({
        servers,
        pool,
        policy: { rateLimits: { "everything/echo": { callsPerSecond: 1, burst: 2 } } },
      });
      ok(await bridge.callTool("everything", "echo", { message: "1" }));
      ok(await bridge.callTool("everything", "echo", { message: "2" }));
      assert.equal(
        failed(await bridge.callTool("everything", "echo", { message: "3" }), "TOOL_RATE_LIMITED")
          .message,
        `Rate limit of 1 calls per second exceeded for "everything/echo"`,
      );
      ok(await bridge.callTool("everything", "get-sum", { a: 1, b: 1 }));
    });

    await t.step("the cache answers repeated read-only calls", async () => {
      await using bridge = new Bridge({ servers, pool, policy: { cache: { ttlMs: 10_000 } } });
      const first = ok(await bridge.callTool("everything", "get-sum", { a: 2, b: 3 }));
      const second = ok(await bridge.callTool("everything", "get-sum", { b: 3, a: 2 }));
      assert.deepEqual(second, first);
      ok(await bridge.callTool("everything", "get-sum", { a: 2, b: 4 }));
      const stats = bridge.stats();
      assert.equal(stats.calls, 3);
      assert.equal(stats.cacheHits, 1);
      assert.equal(stats.upstreamCalls, 2);
      // A cached value is a copy: mutating one reply does not change the next.
      (second as { text: string }[])[0].text = "changed";
      const third = ok(await bridge.callTool("everything", "get-sum", { a: 2, b: 3 }));
      assert.deepEqual(third, first);
    });

    await t.step("without annotations, nothing is cached unless listed", async () => {
      await using bridge = new Bridge({
        servers,
        pool,
        policy: { cache: { annotated: false, tools: ["everything/get-sum"] } },
      });
      ok(await bridge.callTool("everything", "echo", { message: "m" }));
      ok(await bridge.callTool("everything", "echo", { message: "m" }));
      ok(await bridge.callTool("everything", "get-sum", { a: 1, b: 1 }));
      ok(await bridge.callTool("everything", "get-sum", { a: 1, b: 1 }));
      assert.equal(bridge.stats().upstreamCalls, 3);
      assert.equal(bridge.stats().cacheHits, 1);
    });

    await t.step("a slow call times out and the server keeps working", async () => {
      await using bridge = new Bridge({ servers, pool, policy: { callTimeoutMs: 300 } });
      const started = performance.now();
      const reply = await bridge.callTool("everything", "trigger-long-running-operation", {
        duration: 5,
        steps: 5,
      });
      const elapsed = performance.now() - started;
      assert.equal(
        failed(reply, "TOOL_TIMEOUT").message,
        `Tool "everything/trigger-long-running-operation" did not answer within 300 ms`,
      );
      assert.ok(elapsed < 1_500, `took ${elapsed} ms`);
      ok(await bridge.callTool("everything", "echo", { message: "still here" }));
    });

    await t.step("an aborted signal cancels the call", async () => {
      await using bridge = new Bridge({ servers, pool });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const reply = await bridge.callTool(
        "everything",
        "trigger-long-running-operation",
        { duration: 5, steps: 5 },
        ac.signal,
      );
      failed(reply, "TOOL_CANCELLED");
      const timed = await bridge.callTool(
        "everything",
        "trigger-long-running-operation",
        { duration: 5, steps: 5 },
        AbortSignal.timeout(100),
      );
      failed(timed, "TOOL_TIMEOUT");
    });

    await t.step("tools from snapshots are used as given", async () => {
      const snapshot = await introspect(pool.peek("everything")!);
      snapshot.tools = snapshot.tools.filter((t) => t.name !== "get-sum");
      const events: CallEvent[] = [];
      await using bridge = new Bridge({
        servers,
        pool,
        tools: toolMap([snapshot]),
        onCall: (e) => events.push(e),
      });
      ok(await bridge.callTool("everything", "echo", { message: "x" }));
      failed(await bridge.callTool("everything", "get-sum", { a: 1, b: 2 }), "UNKNOWN_TOOL");
      assert.deepEqual(events.map((e) => [e.server, e.tool, e.ok, e.code, e.cached]), [
        ["everything", "echo", true, undefined, false],
        ["everything", "get-sum", false, "UNKNOWN_TOOL", false],
      ]);
    });

    await t.step("generated code calls through the host runtime", async () => {
      await using bridge = new Bridge({ servers, pool, policy: { allow: ["everything/echo"] } });
      const moduleDir = await Deno.makeTempDir({ dir });
      await Deno.copyFile(RUNTIME_TEMPLATE, join(moduleDir, "runtime.ts"));
      const runtime = await import(`file://${moduleDir}/runtime.ts`);
      const uninstall = installHostRuntime(bridge);
      try {
        assert.deepEqual(await runtime.callTool("everything", "echo", { message: "via hook" }), [
          { type: "text", text: "Echo: via hook" },
        ]);
        await assert.rejects(
          runtime.callTool("everything", "get-sum", { a: 1, b: 2 }),
          (e: unknown) => {
            assert.ok(e instanceof runtime.ToolError);
            assert.equal((e as { code: string }).code, "TOOL_DENIED");
            return true;
          },
        );
      } finally {
        uninstall();
      }
      assert.equal(HOST_HOOK_KEY in globalThis, false);
      await assert.rejects(
        runtime.callTool("everything", "echo", {}),
        /No mcpx runtime is installed/,
      );
    });
  } finally {
    await pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bridge: reconnects after the server process dies", async () => {
  await using bridge = new Bridge({ servers: [everythingServer()] });
  ok(await bridge.callTool("everything", "echo", { message: "before" }));
  const first = bridge.pool.peek("everything")!;
  const pid = first.pid!;
  const closed = waitClosed(first);
  Deno.kill(pid, "SIGKILL");
  await closed;
  assert.equal(bridge.pool.peek("everything"), undefined);
  assert.deepEqual(ok(await bridge.callTool("everything", "echo", { message: "after" })), [
    { type: "text", text: "Echo: after" },
  ]);
  const second = bridge.pool.peek("everything")!;
  assert.notEqual(second.pid, pid);
  assert.equal(bridge.pool.stats().connects, 2);
});

Deno.test("bridge: a server crash mid-call is a SERVER_ERROR and the next call restarts it", async () => {
  await using bridge = new Bridge({ servers: [everythingServer()] });
  ok(await bridge.callTool("everything", "echo", { message: "warm up" }));
  const pid = bridge.pool.peek("everything")!.pid!;
  const pending = bridge.callTool("everything", "trigger-long-running-operation", {
    duration: 5,
    steps: 5,
  });
  await sleep(200);
  Deno.kill(pid, "SIGKILL");
  const error = failed(await pending, "SERVER_ERROR");
  assert.match(
    error.message,
    /^Server "everything" closed the connection during "trigger-long-running-operation" \(killed by SIGKILL\)/,
  );
  ok(await bridge.callTool("everything", "echo", { message: "again" }));
});

Deno.test("bridge: a server that cannot start gives an envelope, not an exception", async () => {
  const broken = {
    name: "broken",
    transport: "stdio" as const,
    command: "node",
    args: ["-e", "console.error('no config'); process.exit(2)"],
  };
  await using bridge = new Bridge({ servers: [broken] });
  const error = failed(await bridge.callTool("broken", "anything", {}), "SERVER_START_FAILED");
  assert.ok(
    error.message.endsWith(`exited with code 2 during start-up. Last stderr lines:\n  no config`),
    error.message,
  );
  await bridge.close();
  assert.equal(
    failed(await bridge.callTool("broken", "anything", {}), "SERVER_ERROR").message,
    "The tool bridge is closed",
  );
});

const SLEEP_TOOL: Tool = {
  name: "sleep",
  inputSchema: { type: "object", properties: { ms: { type: "number" } }, required: ["ms"] },
};

Deno.test("bridge: concurrent calls run concurrently on one connection", async () => {
  const server = inMemoryServer({
    tools: [SLEEP_TOOL],
    call: async (_name, args, signal) => {
      await sleep(args.ms as number, signal);
      return { content: [{ type: "text", text: `slept ${args.ms}` }] };
    },
  });
  const pool = new ClientPool([server.config], { connect: server.connector });
  await using bridge = new Bridge({ servers: [server.config], pool });
  try {
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => bridge.callTool("mem", "sleep", { ms: 100 })),
    );
    const elapsed = performance.now() - started;
    for (const reply of replies) assert.deepEqual(ok(reply), [{ type: "text", text: "slept 100" }]);
    assert.ok(elapsed < 500, `10 calls of 100 ms took ${elapsed} ms`);
    assert.equal(server.maxInFlight, 10);
    assert.equal(server.instances, 1, "one shared connection");
  } finally {
    await pool.close();
  }
});

Deno.test("bridge: an in-process server that goes away mid-call", async () => {
  const server = inMemoryServer({
    tools: [SLEEP_TOOL],
    call: async (_name, args, signal) => {
      await sleep(args.ms as number, signal).catch(() => {});
      return { content: [] };
    },
  });
  const pool = new ClientPool([server.config], { connect: server.connector });
  await using bridge = new Bridge({ servers: [server.config], pool });
  try {
    const pending = bridge.callTool("mem", "sleep", { ms: 1_000 });
    await sleep(50);
    await server.crash();
    const error = failed(await pending, "SERVER_ERROR");
    assert.match(error.message, /^Server "mem" closed the connection during "sleep"/);
    ok(await bridge.callTool("mem", "sleep", { ms: 1 }));
    assert.equal(server.instances, 2);
  } finally {
    await pool.close();
  }
});
