import { parseArgs } from "node:util";
import {
  ADD_HELP,
  COMPLETIONS_HELP,
  DEMO_HELP,
  DOCTOR_HELP,
  GENERATE_HELP,
  INSTALL_HELP,
  INTROSPECT_HELP,
  MAIN_HELP,
  PLUGIN_HELP,
  RUN_HELP,
  SERVE_HELP,
  TOKENS_HELP,
  UNINSTALL_HELP,
} from "./help.ts";
import { type CommandSpec, completionScript, parseCommandList, parseHelp } from "./completions.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

/** The help text of every command, the source of the completions. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  demo: DEMO_HELP,
  introspect: INTROSPECT_HELP,
  generate: GENERATE_HELP,
  plugin: PLUGIN_HELP,
  run: RUN_HELP,
  serve: SERVE_HELP,
  tokens: TOKENS_HELP,
  install: INSTALL_HELP,
  uninstall: UNINSTALL_HELP,
  add: ADD_HELP,
  doctor: DOCTOR_HELP,
  completions: COMPLETIONS_HELP,
};

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
