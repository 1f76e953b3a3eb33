// The checker's process: loads the TypeScript compiler, asks the host for the
// declaration files (it may not read files), then checks programs one at a
// time with a warm language service. It speaks JSON lines on stdin/stdout.
import ts from "typescript";
import type { FromChecker, ToChecker } from "./_protocol.ts";
import { TreeChecker } from "./tree_checker.ts";

const encoder = new TextEncoder();
// writeSync may write only part of a large line: write until all of it is out.
function write(m: FromChecker): void {
  const bytes = encoder.encode(JSON.stringify(m) + "\n");
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

let checker: TreeChecker | undefined;

function handle(m: ToChecker): void {
  if (m.t === "libs") {
    checker = new TreeChecker(ts, new Map(m.libs));
    // Parse and bind the declaration files now, not on the first real check.
    checker.check({ treeId: 0, code: "export {};\n" });
    write({ t: "ready" });
  } else if (m.t === "check") {
    try {
      if (checker === undefined) throw new Error("The checker is not initialized");
      const { tree, extra, ...rest } = m.req;
      const result = checker.check({
        ...rest,
        ...(tree ? { tree: new Map(tree) } : {}),
        ...(extra ? { extra: new Map(extra) } : {}),
      });
      write({ t: "result", id: m.id, result });
    } catch (err) {
      write({ t: "failed", id: m.id, message: (err as Error)?.message ?? String(err) });
      // The compiler threw midway: its state is not to be trusted.
      Deno.exit(70);
    }
  }
}

const libPath = ts.getDefaultLibFilePath({});
write({ t: "needLibs", dir: libPath.slice(0, libPath.lastIndexOf("/") + 1), version: ts.version });

let buffered = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffered += chunk;
  let nl: number;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (line.trim() !== "") handle(JSON.parse(line) as ToChecker);
  }
}
