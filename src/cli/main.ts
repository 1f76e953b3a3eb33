/**
 * The CLI as a function: `main(args, io)` returns an exit code and never exits
 * the process itself. 0 success, 1 failure, 2 usage error.
 *
 * @module
 */
import { McpxError } from "../errors.ts";
import { redactPatterns } from "../redact.ts";
import { VERSION } from "../version.ts";
import { MAIN_HELP } from "./help.ts";
import { type CliIo, denoIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

type Command = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import("./demo_command.ts")).demoCommand,
  introspect: async () => (await import("./introspect_command.ts")).introspectCommand,
  log: async () => (await import("./log_command.ts")).logCommand,
  generate: async () => (await import("./generate_command.ts")).generateCommand,
  plugin: async () => (await import("./plugin_command.ts")).pluginCommand,
  run: async () => (await import("./run_command.ts")).runCommand,
  build: async () => (await import("./build_command.ts")).buildCommand,
  serve: async () => (await import("./serve_command.ts")).serveCommand,
  tokens: async () => (await import("./tokens_command.ts")).tokensCommand,
  install: async () => (await import("./install_command.ts")).installCommand,
  uninstall: async () => (await import("./install_command.ts")).uninstallCommand,
  add: async () => (await import("./add_command.ts")).addCommand,
  auth: async () => (await import("./auth_command.ts")).authCommand,
  doctor: async () => (await import("./doctor_command.ts")).doctorCommand,
  completions: async () => (await import("./completions_command.ts")).completionsCommand,
};

/**
 * Runs the mcpx command line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CliIo, main, VERSION } from "@mcpx/cli";
 *
 * let stdout = "";
 * const io: CliIo = {
 *   out: (text) => void (stdout += text),
 *   err: () => {},
 *   readStdin: () => Promise.resolve(""),
 *   isTty: false,
 *   env: {},
 *   confirm: () => false,
 * };
 * assert.equal(await main(["--version"], io), 0);
 * assert.match(stdout, new RegExp(VERSION));
 * assert.equal(await main(["no-such-command"], io), 2);
 * ```
 */
export async function main(args: readonly string[], io: CliIo = denoIo()): Promise<number> {
  // --quiet is global: accepted before or after the command, up to a "--".
  const end = args.indexOf("--") < 0 ? args.length : args.indexOf("--");
  if (args.slice(0, end).includes("--quiet")) {
    io = { ...io, quiet: true };
    args = [...args.slice(0, end).filter((a) => a !== "--quiet"), ...args.slice(end)];
  }
  const [command, ...rest] = args;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    if (command === "help" && rest[0] && rest[0] in COMMANDS) {
      return main([rest[0], "--help"], io);
    }
    if (command === undefined) {
      io.err(MAIN_HELP);
      return 2;
    }
    io.out(MAIN_HELP);
    return 0;
  }
  if (command === "-V" || command === "--version") {
    io.out(`mcpx ${VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[command];
  if (!load) {
    io.err(
      `error: Unknown command "${command}": known commands are ${
        Object.keys(COMMANDS).map((c) => `"${c}"`).join(", ")
      }\n`,
    );
    io.err(`Run "mcpx --help" for usage.\n`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    return reportError(e, io, command);
  }
}

/** Prints an error the way every command does and returns its exit code. */
export function reportError(e: unknown, io: CliIo, command?: string): number {
  if (
    e instanceof UsageError || (e instanceof TypeError && e.message.startsWith("Unknown option"))
  ) {
    io.err(
      `error: ${e.message}\nRun "mcpx ${
        e instanceof UsageError && e.command ? e.command : command ?? ""
      } --help" for usage.\n`.replace("mcpx  --help", "mcpx --help"),
    );
    return 2;
  }
  if (e instanceof McpxError) {
    io.err(`error: ${redactPatterns(e.message)}\n`);
    return e.code === "USAGE" ? 2 : 1;
  }
  const err = e as Error;
  // parseArgs reports bad options as TypeError with ERR_PARSE_ARGS_* codes.
  if ((err as { code?: string })?.code?.startsWith?.("ERR_PARSE_ARGS")) {
    io.err(`error: ${err.message}\nRun "mcpx ${command ?? ""} --help" for usage.\n`);
    return 2;
  }
  io.err(`error: ${redactPatterns(err?.stack ?? String(e))}\n`);
  return 1;
}
