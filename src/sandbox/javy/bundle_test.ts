// The bundle and its prelude, run here by V8 against a stand-in for Javy's
// `Javy.IO` (synchronous reads and writes of file descriptors), so the
// guest side of the bridge protocol is checked without a javy binary.
import assert from "node:assert/strict";
import { McpxError } from "../../errors.ts";
import { BRIDGE_IN_FD, FRAME_PREFIX } from "./_execution.ts";
import { bundleProgram, mapStack, stopBundler } from "./bundle.ts";

const RUNTIME = await Deno.readTextFile(new URL("../../../templates/runtime.eta", import.meta.url));

interface Frame {
  t: string;
  [k: string]: unknown;
}

/**
 * Runs a bundle with a `Javy.IO` whose host answers tool calls in reverse
 * order of arrival (so replies come back out of order), or without `Javy`.
 */
async function runBundle(
  source: string,
  opts: { io?: boolean; answer?: (tool: string, args: unknown) => unknown } = {},
): Promise<{ frames: Frame[]; logs: string[]; calls: Frame[]; sync: number }> {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const frames: Frame[] = [];
  const calls: Frame[] = [];
  const logs: string[] = [];
  let written = "";
  const waiting: Frame[] = [];
  let inbox = new Uint8Array(0);
  const answer = opts.answer ?? ((tool, args) => ({ ok: true, value: { tool, args } }));
  const Javy = opts.io === false ? undefined : {
    IO: {
      writeSync(fd: number, data: Uint8Array) {
        assert.equal(fd, 1);
        written += dec.decode(data);
        let nl;
        while ((nl = written.indexOf("\n")) >= 0) {
          const line = written.slice(0, nl);
          assert.ok(line.startsWith(FRAME_PREFIX), `not a frame: ${line}`);
          const f = JSON.parse(line.slice(FRAME_PREFIX.length));
          written = written.slice(nl + 1);
          if (f.t === "call") {
            calls.push(f);
            waiting.push(f);
          } else frames.push(f);
        }
        return data.length;
      },
      readSync(fd: number, buf: Uint8Array) {
        assert.equal(fd, BRIDGE_IN_FD);
        if (inbox.length === 0) {
          const f = waiting.pop();
          if (f === undefined) return 0;
          inbox = enc.encode(
            JSON.stringify({ id: f.id, reply: answer(f.tool as string, f.args) }) + "\n",
          );
        }
        // Hand out a few bytes at a time, as a pipe may.
        const n = Math.min(buf.length, 7, inbox.length);
        buf.set(inbox.subarray(0, n));
        inbox = inbox.subarray(n);
        return n;
      },
    },
  };
  const console = {
    log: (...a: unknown[]) => {
      const line = a.join(" ");
      if (line.startsWith(FRAME_PREFIX)) frames.push(JSON.parse(line.slice(FRAME_PREFIX.length)));
      else logs.push(line);
    },
    error: (...a: unknown[]) => logs.push(`[error] ${a.join(" ")}`),
  };
  new Function("Javy", "globalThis", "console", source)(Javy, {}, console);
  const sync = frames.length;
  for (let i = 0; i < 100 && frames.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
  return { frames, logs, calls, sync };
}

const tree = (main: string) =>
  new Map([
    ["/runtime.ts", RUNTIME],
    [
      "/servers/s/index.ts",
      `import { callTool } from "../../runtime.ts";
export interface EchoInput { text: string }
export async function echo(args: EchoInput): Promise<unknown> {
  return await callTool("s", "echo", args);
}`,
    ],
    ["/main.ts", main],
  ]);

Deno.test("javy bundle: parallel tool calls through Javy.IO, replies out of order, default export reported", async () => {
  const source = await bundleProgram({
    entry: "/main.ts",
    loader: "ts",
    files: tree(`import { echo, EchoInput } from "./servers/s/index.ts";
const inputs: EchoInput[] = [{ text: "a" }, { text: "ü😀" }, { text: "c" }];
console.log("start");
const out = await Promise.all(inputs.map((i) => echo(i)));
export default out;`),
  });
  const { frames, logs, calls } = await runBundle(source);
  assert.deepEqual(logs, ["start"]);
  assert.equal(calls.length, 3);
  assert.deepEqual(calls.map((c) => c.args), [{ text: "a" }, { text: "ü😀" }, { text: "c" }]);
  assert.deepEqual(frames, [{
    t: "done",
    json: JSON.stringify([
      { tool: "echo", args: { text: "a" } },
      { tool: "echo", args: { text: "ü😀" } },
      { tool: "echo", args: { text: "c" } },
    ]),
  }]);
});

Deno.test("javy bundle: a tool error is a ToolError; an uncaught one is an error frame with its code", async () => {
  const answer = () => ({ ok: false, error: { code: "TOOL_DENIED", message: "not allowed" } });
  const caught = await bundleProgram({
    entry: "/main.ts",
    loader: "ts",
    files: tree(`import { echo } from "./servers/s/index.ts";
let code = "";
try { await echo({ text: "x" }); } catch (e) { code = (e as { code: string }).code + ":" + (e as Error).name; }
export default code;`),
  });
  assert.deepEqual((await runBundle(caught, { answer })).frames, [{
    t: "done",
    json: '"TOOL_DENIED:ToolError"',
  }]);
  const uncaught = await bundleProgram({
    entry: "/main.ts",
    loader: "ts",
    files: tree(`import { echo } from "./servers/s/index.ts";
export default await echo({ text: "x" });`),
  });
  const [f] = (await runBundle(uncaught, { answer })).frames;
  assert.equal(f.t, "error");
  assert.equal(f.name, "ToolError");
  assert.equal(f.message, "not allowed");
  assert.equal(f.code, "TOOL_DENIED");
});

Deno.test("javy bundle: without Javy.IO, console works and a tool call fails saying the plugin lacks stream I/O", async () => {
  const source = await bundleProgram({
    entry: "/main.ts",
    loader: "ts",
    files: tree(`import { echo } from "./servers/s/index.ts";
console.log("hello");
let message = "";
try { await echo({ text: "x" }); } catch (e) { message = (e as Error).message; }
export default message;`),
  });
  const { frames, logs } = await runBundle(source, { io: false });
  assert.deepEqual(logs, ["hello"]);
  assert.equal(frames[0].t, "done");
  assert.match(JSON.parse(frames[0].json as string), /lacks stream I\/O \(Javy\.IO\)/);
});

Deno.test("javy bundle: a default export that is not JSON is an error frame; no default export is undefined", async () => {
  const bad = await bundleProgram({ entry: "/main.ts", files: tree("export default 1n;") });
  const [f] = (await runBundle(bad)).frames;
  assert.equal(f.t, "error");
  assert.match(f.message as string, /not JSON-serializable/);
  const none = await bundleProgram({ entry: "/main.ts", files: tree("export const x = 1;") });
  assert.deepEqual((await runBundle(none)).frames, [{ t: "done" }]);
});

Deno.test("javy bundle: a program without await finishes with no pending job; one with await needs jobs", async () => {
  const sync = await bundleProgram({
    entry: "/main.ts",
    files: tree(`console.log("only console");\nexport default [1, 2];`),
  });
  const r = await runBundle(sync, { io: false });
  assert.equal(r.sync, 1, "the done frame is written before any job runs");
  assert.deepEqual(r.frames, [{ t: "done", json: "[1,2]" }]);
  const thrown = await runBundle(
    await bundleProgram({ entry: "/main.ts", files: tree(`throw new RangeError("r");`) }),
  );
  assert.equal(thrown.sync, 1);
  assert.equal(thrown.frames[0].name, "RangeError");
  const awaiting = await bundleProgram({
    entry: "/main.ts",
    files: tree(`export default await Promise.resolve(3);`),
  });
  const a = await runBundle(awaiting);
  assert.equal(a.sync, 0);
  assert.deepEqual(a.frames, [{ t: "done", json: "3" }]);
});

Deno.test("javy bundle: stack positions in the bundle map back to the program's files and lines", async () => {
  const source = await bundleProgram({
    entry: "/main.ts",
    loader: "ts",
    files: tree(`import { echo } from "./servers/s/index.ts";
const n: number = 1;

function fail(): never {
  throw new TypeError("bad " + n);
}
export default fail();`),
  });
  const lines = source.split("\n");
  const at = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
  const col = (text: string, part: string) => lines[at(text) - 1].indexOf(part) + 1;
  const stack = [
    "TypeError: bad 1",
    `    at fail (function.mjs:${at("throw new TypeError")}:${
      col("throw new TypeError", "throw")
    })`,
    `    at <anonymous> (function.mjs:${at("= fail()")}:1)`,
    `    at <anonymous> (function.mjs:${lines.length - 2}:1)`,
  ].join("\n");
  assert.equal(
    mapStack(source, stack),
    "TypeError: bad 1\n    at fail (/main.ts:5:3)\n    at <anonymous> (/main.ts:7:1)",
  );
});

Deno.test("javy bundle: imports outside the tree are compile errors naming the specifier", async () => {
  await assert.rejects(
    () => bundleProgram({ entry: "/main.ts", files: tree(`import "https://x.test/a.ts";`) }),
    (e: Error) =>
      e instanceof McpxError && e.code === "SANDBOX_COMPILE" &&
      /remote imports are not allowed/.test(e.message),
  );
  await stopBundler();
});
