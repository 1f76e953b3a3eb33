import { parseArgs } from "node:util";
import { COMMAND_HELP, COMPLETIONS_HELP, MAIN_HELP } from "./help.ts";
import { type CommandSpec, completionScript, parseCommandList, parseHelp } from "./completions.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

/** Every command of the main help with its options. */
export function commandSpecs(): CommandSpec[] {
  return parseCommandList(MAIN_HELP).map(({ name, summary }) =>
    parseHelp(name, summary, COMMAND_HELP[name] ?? "")
  );
}

/** `mcpx completions bash|zsh|fish`. */
export function completionsCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h" } },
  });
  if (v.help) {
    io.out(COMPLETIONS_HELP);
    return Promise.resolve(0);
  }
  if (positionals.length !== 1) {
    throw new UsageError("Name one shell: bash, zsh or fish", "completions");
  }
  let script: string;
  try {
    script = completionScript(positionals[0], commandSpecs());
  } catch (e) {
    throw new UsageError((e as Error).message, "completions");
  }
  io.out(script);
  return Promise.resolve(0);
}
