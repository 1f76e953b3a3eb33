// The type-stripping worker: amaro (swc in WebAssembly) on a thread of its own,
// so that a program that crashes or stalls swc (800,000 nested parentheses end
// in "memory access out of bounds", after which the WebAssembly instance is
// unusable) costs the host nothing but this worker, which is then replaced.
// One request at a time: { id, path, source } in, one reply out.

import { parentPort } from "node:worker_threads";
import { transformSync } from "amaro";
import type { TranspileReply, TranspileRequest } from "./_transpile_protocol.ts";

interface SwcError {
  code: string;
  message: string;
  startLine?: number;
  startColumn?: number;
  snippet?: string;
}

function isSwcError(e: unknown): e is SwcError {
  return typeof e === "object" && e !== null && typeof (e as SwcError).code === "string" &&
    typeof (e as SwcError).message === "string";
}

function compile({ id, path, source }: TranspileRequest): TranspileReply {
  try {
    const { code } = transformSync(source, { mode: "strip-only", filename: path });
    return { id, code, positionsPreserved: true };
  } catch (e) {
    if (!isSwcError(e)) return crashed(id, e);
    if (e.code !== "UnsupportedSyntax") return failed(id, e);
  }
  try {
    const { code } = transformSync(source, { mode: "transform", filename: path });
    return { id, code, positionsPreserved: false };
  } catch (e) {
    return isSwcError(e) ? failed(id, e) : crashed(id, e);
  }
}

function failed(id: number, e: SwcError): TranspileReply {
  return {
    id,
    error: {
      code: e.code,
      message: e.message,
      line: e.startLine,
      column: e.startColumn,
      snippet: e.snippet,
    },
  };
}

function crashed(id: number, e: unknown): TranspileReply {
  return { id, crashed: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

parentPort!.on("message", (m: TranspileRequest) => parentPort!.postMessage(compile(m)));
parentPort!.postMessage({ id: 0, ready: true } satisfies TranspileReply);
