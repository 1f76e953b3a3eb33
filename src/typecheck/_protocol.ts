// Messages between the host (TypeChecker) and the checker's worker.

import type { TypeCheckResult } from "./diagnostics.ts";
import type { TreeCheckRequest } from "./tree_checker.ts";

/** Host → worker. */
export type ToChecker =
  /** The ECMAScript declaration files the worker asked for, by name. */
  | { t: "libs"; libs: ReadonlyMap<string, string> }
  | { t: "check"; id: number; req: TreeCheckRequest };

/** Worker → host. */
export type FromChecker =
  /** The compiler is loaded; it needs the declaration files of `dir` (it cannot read files). */
  | { t: "needLibs"; dir: string; version: string }
  /** Ready to check. */
  | { t: "ready" }
  | { t: "result"; id: number; result: TypeCheckResult }
  | { t: "failed"; id: number; message: string };
