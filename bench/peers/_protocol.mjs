// @ts-self-types="./_protocol.d.ts"
// The JSON-lines protocol between bench/peers.ts (the driver) and each
// contender's process, shared by the Deno peer (bench/_peer_deno.ts) and the
// Node peer (peer_node.mjs). Plain JavaScript so that Node 20 runs it as is.
//
// Requests, one JSON object a line on stdin, answered in order on stdout:
//   {"id":1,"op":"init"}                  → {"id":1,"ok":true,"kinds":[…],"startMs":…,"runtime":"…"}
//   {"id":2,"op":"run","kind":"one","n":20} → {"id":2,"ok":true,"ms":[…]}  (each run timed alone)
//   {"id":3,"op":"rss"}                   → {"id":3,"ok":true,"rss":123456}
//   {"id":4,"op":"close"}                 → {"id":4,"ok":true}, then the process exits
// A failure answers {"id":…,"ok":false,"error":"…"}.

/** The program of each contender for each kind of run. */
export const PROGRAMS = {
  mcpx: {
    trivial: "export default 1 + 1",
    one: 'import { echo } from "./servers/everything/index.ts";\n' +
      'export default await echo({ message: "hi" });',
    ten: 'import { echo } from "./servers/everything/index.ts";\n' +
      "export default await Promise.all(" +
      'Array.from({ length: 10 }, (_, i) => echo({ message: "hi" + i })));',
  },
  quickjs: { trivial: "export default 1 + 1" },
  function: {
    trivial: "return 1 + 1",
    one: 'return await tools.echo({ message: "hi" });',
    ten: "return await Promise.all(" +
      'Array.from({ length: 10 }, (_, i) => tools.echo({ message: "hi" + i })));',
  },
  aisdk: {
    trivial: "return 1 + 1",
    one: 'return await tools.echo({ message: "hi" });',
    ten: "return await Promise.all(" +
      'Array.from({ length: 10 }, (_, i) => tools.echo({ message: "hi" + i })));',
  },
  utcp: {
    trivial: "return 1 + 1",
    one: 'return await ev.everything_echo({ message: "hi" });',
    ten: "return await Promise.all(" +
      'Array.from({ length: 10 }, (_, i) => ev.everything_echo({ message: "hi" + i })));',
  },
};

/** Throws unless `result` is what a run of `kind` must give. */
export function verify(kind, result) {
  const text = JSON.stringify(result) ?? "undefined";
  const ok = kind === "trivial"
    ? result === 2
    : kind === "one"
    ? text.includes("Echo: hi")
    : text.includes("Echo: hi0") && text.includes("Echo: hi9");
  if (!ok) throw new Error(`Wrong result of a "${kind}" run: ${text.slice(0, 300)}`);
}

async function* splitLines(chunks) {
  let buffer = "";
  for await (const chunk of chunks) {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, at).trim();
      buffer = buffer.slice(at + 1);
      if (line) yield line;
    }
  }
}

function message(error) {
  return String(error && error.stack ? error.stack : error);
}

/**
 * Serves one contender: `factory()` starts it and gives
 * `{ kinds, run(kind) → Promise<result>, close() }`; `io` has `write(line)`,
 * `lines` (an async iterable of text chunks), `rss()`, `exit(code)` and
 * `runtime` (a label such as "node v20.20.2").
 */
export async function serve(factory, args, io) {
  const coldAt = args.indexOf("--cold");
  if (coldAt >= 0) {
    const kind = args[coldAt + 1];
    try {
      const contender = await factory();
      const result = await contender.run(kind);
      verify(kind, result);
      await io.write(JSON.stringify({ cold: true, ok: true }));
      await contender.close().catch(() => {});
      io.exit(0);
    } catch (error) {
      await io.write(JSON.stringify({ cold: true, ok: false, error: message(error) }));
      io.exit(1);
    }
    return;
  }
  let contender;
  for await (const line of splitLines(io.lines)) {
    const req = JSON.parse(line);
    let answer;
    try {
      if (req.op === "init") {
        const t0 = performance.now();
        contender = await factory();
        answer = { kinds: contender.kinds, startMs: performance.now() - t0, runtime: io.runtime };
      } else if (req.op === "run") {
        const ms = [];
        for (let i = 0; i < req.n; i++) {
          const t0 = performance.now();
          const result = await contender.run(req.kind);
          ms.push(performance.now() - t0);
          verify(req.kind, result);
        }
        answer = { ms };
      } else if (req.op === "rss") {
        answer = { rss: io.rss() };
      } else if (req.op === "close") {
        await contender?.close().catch(() => {});
        await io.write(JSON.stringify({ id: req.id, ok: true }));
        io.exit(0);
        return;
      } else {
        throw new Error(`Unknown op "${req.op}"`);
      }
      await io.write(JSON.stringify({ id: req.id, ok: true, ...answer }));
    } catch (error) {
      await io.write(JSON.stringify({ id: req.id, ok: false, error: message(error) }));
    }
  }
  await contender?.close().catch(() => {});
  io.exit(0);
}
