import assert from "node:assert/strict";
import { COMMAND_HELP, MAIN_HELP, RUN_HELP } from "./help.ts";
import { memoryIo } from "./io.ts";
import { main } from "./main.ts";
import { VERSION } from "../version.ts";

async function run(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

Deno.test("help texts: every command answers --help with its constant on stdout", async () => {
  const helps: [string[], string][] = [
    [["--help"], MAIN_HELP],
    [["-h"], MAIN_HELP],
    [["help"], MAIN_HELP],
    [["help", "run"], RUN_HELP],
    [["generate", "-h"], COMMAND_HELP.generate],
    ...Object.entries(COMMAND_HELP).map((
      [name, text],
    ): [string[], string] => [[name, "--help"], text]),
  ];
  for (const [args, text] of helps) {
    const r = await run(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.equal(r.stdout, text, args.join(" "));
    assert.equal(r.stderr, "");
  }
  // Every command the main help lists has a help of its own.
  for (const line of MAIN_HELP.split("\n")) {
    const m = /^ {2}([a-z]+) {2,}/.exec(line);
    if (m) assert.ok(helps.some(([a]) => a[0] === m[1]), `no --help test for "${m[1]}"`);
  }
});

Deno.test("no arguments is a usage error with help on stderr; --version prints the version", async () => {
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, "");
  assert.equal(none.stderr, MAIN_HELP);
  const v = await run(["--version"]);
  assert.equal(v.stdout, `mcpx ${VERSION}\n`);
});

Deno.test("unknown commands and options exit 2 naming the offender", async () => {
  const cmd = await run(["frobnicate"]);
  assert.equal(cmd.code, 2);
  assert.match(cmd.stderr, /Unknown command "frobnicate": known commands are "demo", /);
  const opt = await run(["plugin", "list", "--frob"]);
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /--frob/);
  assert.match(opt.stderr, /mcpx plugin --help/);
});

Deno.test("serve --allow-origin: needs --http and a valid origin", async () => {
  const alone = await run(["serve", "--allow-origin", "https://app.example.com"]);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--allow-origin needs --http PORT/);
  const bad = await run(["serve", "--http", "0", "--allow-origin", "app.example.com"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Invalid origin "app\.example\.com": expected "\*" or scheme:\/\/host/);
});
