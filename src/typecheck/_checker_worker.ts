// The checker's worker: loads the TypeScript compiler, asks the host for the
// declaration files (it has no file access), then checks programs one at a
// time with a warm language service.
import ts from "typescript";
import type { FromChecker, ToChecker } from "./_protocol.ts";
import { TreeChecker } from "./tree_checker.ts";

const scope = self as unknown as {
  postMessage(m: FromChecker): void;
  onmessage: ((e: MessageEvent<ToChecker>) => void) | null;
};
let checker: TreeChecker | undefined;
const post = (m: FromChecker) => scope.postMessage(m);

scope.onmessage = (e: MessageEvent<ToChecker>) => {
  const m = e.data;
  if (m.t === "libs") {
    checker = new TreeChecker(ts, m.libs);
    // Parse and bind the declaration files now, not on the first real check.
    checker.check({ treeId: 0, code: "export {};\n" });
    post({ t: "ready" });
  } else if (m.t === "check") {
    try {
      if (checker === undefined) throw new Error("The checker is not initialized");
      post({ t: "result", id: m.id, result: checker.check(m.req) });
    } catch (err) {
      post({ t: "failed", id: m.id, message: (err as Error)?.message ?? String(err) });
    }
  }
};

const libPath = ts.getDefaultLibFilePath({});
post({ t: "needLibs", dir: libPath.slice(0, libPath.lastIndexOf("/") + 1), version: ts.version });
