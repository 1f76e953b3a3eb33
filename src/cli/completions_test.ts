import assert from "node:assert/strict";
import { join } from "node:path";
import { commandSpecs } from "./completions_command.ts";
import { completionScript, parseCommandList } from "./completions.ts";
import { COMMAND_HELP, MAIN_HELP } from "./help.ts";

Deno.test("every command of the main help has its help text for completions", () => {
  const names = parseCommandList(MAIN_HELP).map((c) => c.name);
  assert.ok(names.includes("run") && names.includes("uninstall"), String(names));
  for (const name of names) assert.ok(COMMAND_HELP[name], `no help text for "${name}"`);
  const run = commandSpecs().find((c) => c.name === "run")!;
  const config = run.options.find((o) => o.long === "--config")!;
  assert.deepEqual(config, {
    long: "--config",
    short: "-c",
    value: "FILE",
    description: "Server configuration file",
  });
  assert.deepEqual(commandSpecs().find((c) => c.name === "plugin")!.subcommands, [
    "list",
    "info",
    "load",
    "remove",
    "verify",
    "sign",
    "trust",
    "untrust",
    "keys",
  ]);
});

/** Asks real bash for the completions of `line` (words split on spaces; the last may be empty). */
async function complete(script: string, line: string): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "config.json"), "{}");
    const words = line.split(" ");
    const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})
COMP_CWORD=${words.length - 1}
_mcpx
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = await new Deno.Command("bash", { args: ["-c", program], cwd: dir }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).sort();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("bash completes commands, options, sub-commands and file values", async () => {
  const script = completionScript("bash", commandSpecs());
  assert.deepEqual(await complete(script, "mcpx ser"), ["serve"]);
  assert.deepEqual(await complete(script, "mcpx run --max"), ["--max-output", "--max-tool-calls"]);
  assert.deepEqual(await complete(script, "mcpx plugin v"), ["verify"]);
  assert.deepEqual(await complete(script, "mcpx run --config con"), ["config.json"]);
  assert.deepEqual(await complete(script, "mcpx run --timeout "), []);
});

Deno.test("zsh and fish scripts name every command; an unknown shell is refused", () => {
  const specs = commandSpecs();
  const zsh = completionScript("zsh", specs);
  const fish = completionScript("fish", specs);
  assert.match(zsh, /^#compdef mcpx/);
  for (const c of specs) {
    assert.match(zsh, new RegExp(`'${c.name}:`));
    assert.match(fish, new RegExp(`-a ${c.name} -d`));
  }
  assert.match(
    fish,
    /__fish_seen_subcommand_from run" -l config -s c -r -F -d 'Server configuration file'/,
  );
  assert.throws(
    () => completionScript("tcsh", specs),
    /Unknown shell "tcsh": use "bash", "zsh" or "fish"/,
  );
});
