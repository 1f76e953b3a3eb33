import { lineReader, type PromptIo } from "../policy/terminal_prompt.ts";

/**
 * Where the CLI writes and what it knows about its surroundings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * // Captures the CLI's output instead of writing to the terminal (see `main`).
 * let stdout = "";
 * const io: CliIo = {
 *   out: (text) => void (stdout += text),
 *   err: () => {},
 *   readStdin: () => Promise.resolve(""),
 *   isTty: false,
 *   env: {},
 *   confirm: () => false,
 * };
 * io.out("hello\n");
 * assert.equal(stdout, "hello\n");
 * ```
 */
export interface CliIo {
  /** Writes data (results) to standard output. */
  out(text: string): void;
  /** Writes diagnostics and progress to standard error. */
  err(text: string): void;
  /** Reads all of standard input. */
  readStdin(): Promise<string>;
  /** Whether standard output is a terminal. */
  isTty: boolean;
  /** Whether standard error is a terminal (progress is drawn only then). */
  stderrIsTty?: boolean;
  /** Width of the terminal in columns, when known. */
  columns?: () => number | undefined;
  /** `--quiet`: no progress and no notes on standard error (errors still print). */
  quiet?: boolean;
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** Asks a yes/no question on the terminal; `false` when there is none. */
  confirm(question: string): boolean;
  /** The terminal to ask approvals on; absent when standard input is not a terminal. */
  prompt?: PromptIo;
}

const encoder = new TextEncoder();

/** The real process's streams. */
export function denoIo(): CliIo {
  return {
    out: (t) => writeAll(Deno.stdout, t),
    err: (t) => writeAll(Deno.stderr, t),
    readStdin: () => new Response(Deno.stdin.readable).text(),
    isTty: Deno.stdout.isTerminal(),
    stderrIsTty: Deno.stderr.isTerminal(),
    columns: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return undefined;
      }
    },
    env: Deno.env.toObject(),
    confirm: (q) => Deno.stdin.isTerminal() && confirm(q),
    ...(Deno.stdin.isTerminal() ? { prompt: terminalPrompt() } : {}),
  };
}

function terminalPrompt(): PromptIo {
  let read: (() => Promise<string | null>) | undefined;
  return {
    write: (t) => writeAll(Deno.stderr, t),
    readLine: () => (read ??= lineReader(Deno.stdin.readable))(),
  };
}

function writeAll(w: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(w.writeSync(bytes));
}

/** The variables that locate the user's directories (see `src/config/user_dirs.ts`). */
const DIRECTORY_VARIABLES = [
  "HOME",
  "USERPROFILE",
  "APPDATA",
  "XDG_CONFIG_HOME",
  "MCPX_CONFIG_DIR",
];

/** The process's values of {@link DIRECTORY_VARIABLES} (none without the permission). */
function directoryEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of DIRECTORY_VARIABLES) {
    try {
      const value = Deno.env.get(name);
      if (value !== undefined) out[name] = value;
    } catch { /* no --allow-env */ }
  }
  return out;
}

/**
 * An in-memory `CliIo` for tests: captures output, takes stdin and answers as
 * given. Its environment is `env` over the process's directory variables
 * (`HOME` and the like), so that mcpx finds its config directory as the
 * process would, unless `env` names another.
 */
export function memoryIo(
  init: {
    stdin?: string;
    env?: Record<string, string>;
    confirm?: boolean;
    /** Lines typed at approval prompts; with it the io has a {@link CliIo.prompt}. */
    answers?: string[];
  } = {},
): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    readStdin: () => Promise.resolve(init.stdin ?? ""),
    isTty: false,
    env: { ...directoryEnv(), ...init.env },
    confirm: () => init.confirm ?? false,
    ...(init.answers
      ? {
        prompt: {
          write: (t: string) => void (io.stderr += t),
          readLine: () => Promise.resolve(init.answers!.shift() ?? null),
        },
      }
      : {}),
  };
  return io;
}
