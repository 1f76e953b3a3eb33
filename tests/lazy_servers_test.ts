// An execution waits only for the servers its program imports: an upstream
// that never answers delays nothing else (defect 7).
import assert from "node:assert/strict";
import { join } from "node:path";
import type { RemoteServerConfig } from "../src/config/types.ts";
import { Runtime } from "../src/runtime/runtime.ts";
import { cli, tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer } from "./_servers.ts";
import { startFaultyHttp } from "./fixtures/faulty_http_server.ts";

Deno.test("export default 1 + 1 returns at once with an HTTP upstream that never answers", async () => {
  await using http = await startFaultyHttp();
  http.fault = "hang";
  const stuck: RemoteServerConfig = { name: "stuck", transport: "http", url: http.url };
  await using rt = await Runtime.create({ servers: [stuck, everythingServer()], eager: true });
  const t0 = performance.now();
  const r = await rt.execute("export default 1 + 1");
  const ms = performance.now() - t0;
  assert.equal(r.result, 2);
  assert.ok(ms < 2_000, `took ${ms} ms`);
  // A program that imports a healthy server waits for that one only.
  const t1 = performance.now();
  const echo = await rt.execute(`
    import { echo } from "./servers/everything/index.ts";
    export default await echo({ message: "hi" });`);
  assert.equal(echo.ok, true, JSON.stringify(echo.error));
  assert.ok(performance.now() - t1 < 10_000);
  assert.deepEqual(
    rt.catalog.serversUsedBy(`import { x } from "./servers/stuck/index.ts";`),
    ["stuck"],
  );
  assert.equal(rt.catalog.serversUsedBy(`import * as all from "./servers/";`), undefined);
});

Deno.test("mcpx run answers at once when an unused upstream hangs, and exits without waiting for it", async () => {
  await using http = await startFaultyHttp();
  http.fault = "hang";
  await using dir = await tempDir();
  const config = await writeConfig(dir.path, [
    { name: "stuck", transport: "http", url: http.url },
  ]);
  const file = join(dir.path, "p.ts");
  await Deno.writeTextFile(file, "export default 1 + 1;\n");
  const t0 = performance.now();
  const r = await cli(["run", "-c", config, "--plugin-dir", join(dir.path, "plugins"), file]);
  const ms = performance.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "2");
  assert.ok(ms < 5_000, `took ${ms} ms`);
});

Deno.test("mcpx run pays the connect timeout of a server that never answers once, not twice", async () => {
  await using dir = await tempDir();
  // Starts, never answers initialize.
  const config = await writeConfig(dir.path, [
    {
      name: "mute",
      transport: "stdio",
      command: "node",
      args: ["-e", "setInterval(() => {}, 1000)"],
    },
  ]);
  const file = join(dir.path, "p.ts");
  await Deno.writeTextFile(
    file,
    `import { callTool } from "./runtime.ts";
let code;
try { await callTool("mute", "anything", {}); } catch (e) { code = e.code; }
export default code;
`,
  );
  const t0 = performance.now();
  const r = await cli([
    "run",
    "-c",
    config,
    "--plugin-dir",
    join(dir.path, "plugins"),
    "--connect-timeout",
    "4000",
    "--json",
    file,
  ]);
  const ms = performance.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).result, /^SERVER_(TIMEOUT|UNAVAILABLE)$/);
  // Paid twice is at least 8 s; the rest of the margin is the process's own start.
  assert.ok(ms < 7_900, `took ${ms} ms: the connect timeout was paid twice`);
});

Deno.test("mcpx run starts only the servers its program imports", async () => {
  await using dir = await tempDir();
  const marker = join(dir.path, "started");
  // A server that leaves a mark the moment it starts.
  const config = await writeConfig(dir.path, [
    {
      name: "marked",
      transport: "stdio",
      command: "node",
      args: [
        "-e",
        `require("fs").writeFileSync(${JSON.stringify(marker)}, "x"); setInterval(() => {}, 1000)`,
      ],
    },
    everythingServer(),
  ]);
  const plugins = join(dir.path, "plugins");
  const none = join(dir.path, "none.ts");
  await Deno.writeTextFile(none, "export default 1;\n");
  const r1 = await cli(["run", "-c", config, "--plugin-dir", plugins, "--no-check", none]);
  assert.equal(r1.code, 0, r1.stderr);
  const other = join(dir.path, "other.ts");
  await Deno.writeTextFile(
    other,
    `import { echo } from "./servers/everything/index.ts";
export default await echo({ message: "only me" });
`,
  );
  const r2 = await cli(["run", "-c", config, "--plugin-dir", plugins, "--no-check", other]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /only me/);
  // Give a process that was started in vain the time to leave its mark.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(
    await Deno.stat(marker).then(() => true, () => false),
    false,
    "the server the programs do not import was started",
  );
});
