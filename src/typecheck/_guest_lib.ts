// The globals the sandbox gives guest code besides ECMAScript 2023, as a
// declaration file for the checker: only `console`, with the levels the guest
// runner installs (see `src/sandbox/_guest_runner.ts`).

/** Path of the declaration file inside the checker's tree. */
export const GUEST_GLOBALS_PATH = "/__mcpx__/globals.d.ts";

/** The declaration file. */
export const GUEST_GLOBALS = `interface Console {
  log(...data: any[]): void;
  info(...data: any[]): void;
  warn(...data: any[]): void;
  error(...data: any[]): void;
  debug(...data: any[]): void;
}
declare var console: Console;
`;
