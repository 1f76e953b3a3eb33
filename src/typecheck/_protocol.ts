// Messages between the host (TypeChecker) and the checker's process: one
// JSON document a line, on the process's standard input and output. Maps
// travel as arrays of [key, value] pairs.

import type { TypeCheckResult } from "./diagnostics.ts";

/** A {@link TreeCheckRequest} with its maps as entry arrays. */
export interface WireCheckRequest {
  treeId: number;
  tree?: [string, string][];
  extra?: [string, string][];
  entry?: string;
  code: string;
  max?: number;
}

/** Host → checker. */
export type ToChecker =
  /** The ECMAScript declaration files the checker asked for, by name. */
  | { t: "libs"; libs: [string, string][] }
  | { t: "check"; id: number; req: WireCheckRequest };

/** Checker → host. */
export type FromChecker =
  /** The compiler is loaded; it needs the declaration files of `dir` (it cannot read files). */
  | { t: "needLibs"; dir: string; version: string }
  /** Ready to check. */
  | { t: "ready" }
  | { t: "result"; id: number; result: TypeCheckResult }
  | { t: "failed"; id: number; message: string };
