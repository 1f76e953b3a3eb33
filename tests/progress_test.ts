// End to end: progress on standard error only on a terminal, and --quiet.
// The CLI runs as a real process (stderr piped, so not a terminal), in
// process with a terminal-like stderr, and under a pseudo-terminal (`script`).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.ts";
import { memoryIo } from "../src/cli/io.ts";
import type { ServerConfig } from "../src/config/types.ts";
import { tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
// deno-lint-ignore no-control-regex
const CONTROL = /[\r\x1b]|[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

/** server-everything, started only after `seconds`. */
function slowServer(name: string, seconds: number): ServerConfig {
  const e = everythingServer(name);
  if (e.transport !== "stdio") throw new Error("unreachable");
  return {
    ...e,
    command: "sh",
    args: ["-c", `sleep ${seconds}; exec ${e.command} ${e.args!.join(" ")}`],
  };
}

function brokenServer(name: string): ServerConfig {
  return { name, transport: "stdio", command: "/nonexistent/mcpx-no-such-server", args: [] };
}

async function configWith(dir: string, servers: ServerConfig[]): Promise<string> {
  return await writeConfig(dir, servers);
}

async function runCli(args: string[], cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("generate: no progress when stderr is not a terminal; --quiet drops notes, not errors", async () => {
  await using dir = await tempDir();
  const config = await configWith(dir.path, [
    everythingServer("everything"),
    slowServer("slow", 1),
    brokenServer("broken"),
  ]);
  const plain = await runCli(["generate", "-c", config], dir.path);
  assert.equal(plain.code, 1, plain.stderr);
  assert.match(plain.stderr, /^error: .*broken/m);
  assert.match(plain.stderr, /^note: neither --out nor --save-plugin given/m);
  assert.doesNotMatch(plain.stderr, CONTROL);
  assert.doesNotMatch(plain.stderr, /introspecting servers/);
  assert.match(plain.stdout, /Generated 26 tool modules from 2 servers/);

  for (
    const args of [["--quiet", "generate", "-c", config], ["generate", "-c", config, "--quiet"]]
  ) {
    const quiet = await runCli(args, dir.path);
    assert.equal(quiet.code, 1, quiet.stderr);
    assert.match(quiet.stderr, /^error: .*broken/m);
    assert.doesNotMatch(quiet.stderr, /note:/);
    assert.doesNotMatch(quiet.stderr, CONTROL);
    assert.match(quiet.stdout, /Generated 26 tool modules from 2 servers/);
  }
});

Deno.test("generate with a terminal-like stderr: a progress line that names the slow server", async () => {
  await using dir = await tempDir();
  const config = await configWith(dir.path, [
    everythingServer("everything"),
    slowServer("slow", 1.5),
  ]);
  const io = Object.assign(memoryIo(), { stderrIsTty: true, columns: () => 100 });
  const code = await main(["generate", "-c", config, "--json", "--timeout", "60000"], io);
  assert.equal(code, 0, io.stderr);
  const draws = io.stderr.split("\r\x1b[2K").filter(Boolean);
  assert.ok(draws.length >= 2, JSON.stringify(io.stderr));
  assert.ok(
    draws.some((d) =>
      /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] introspecting servers [01]\/2 · \d+\.\d s · waiting for (everything, )?slow$/
        .test(d)
    ),
    JSON.stringify(draws),
  );
  assert.ok(io.stderr.endsWith("\r\x1b[2K"), "the line is cleared before the command ends");
  assert.equal(JSON.parse(io.stdout).servers.length, 2, "stdout carries only the data");

  const quietIo = Object.assign(memoryIo(), { stderrIsTty: true });
  assert.equal(
    await main(["--quiet", "generate", "-c", config, "--json", "--timeout", "60000"], quietIo),
    0,
  );
  assert.equal(quietIo.stderr, "");
});

Deno.test({
  name: "run under a pseudo-terminal shows the servers starting; --quiet shows nothing",
  ignore: !Deno.statSync("/usr/bin/script").isFile,
  fn: async () => {
    await using dir = await tempDir();
    const config = await configWith(dir.path, [slowServer("slow", 1.5)]);
    const program = `${dir.path}/p.ts`;
    await Deno.writeTextFile(
      program,
      'import { getSum } from "./servers/slow/index.ts";\nexport default await getSum({ a: 1, b: 2 });\n',
    );
    const underTty = async (extra: string[]) => {
      const cmd = [
        Deno.execPath(),
        "run",
        "-A",
        CLI,
        ...extra,
        "run",
        "-c",
        config,
        program,
        "--no-check",
      ]
        .map((a) => `'${a}'`).join(" ");
      const out = await new Deno.Command("script", {
        args: ["-qec", cmd, "/dev/null"],
        cwd: dir.path,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { TERM: "xterm", COLUMNS: "120" },
      }).output();
      return { code: out.code, text: new TextDecoder().decode(out.stdout) };
    };
    const tty = await underTty([]);
    assert.equal(tty.code, 0, tty.text);
    assert.match(tty.text, /starting servers 0\/1 · \d\.\d s · waiting for slow/);
    assert.ok(tty.text.includes("\r\x1b[2K"), "the line is drawn in place");
    assert.match(tty.text, /The sum of 1 and 2 is 3/);
    const quiet = await underTty(["--quiet"]);
    assert.equal(quiet.code, 0, quiet.text);
    assert.doesNotMatch(quiet.text, /starting servers/);
    assert.ok(!quiet.text.includes("\x1b"), "no escape sequences");
    assert.match(quiet.text, /The sum of 1 and 2 is 3/);
  },
});
