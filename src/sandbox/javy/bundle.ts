/**
 * Turns a program and its virtual tree into the one script Javy compiles:
 * the modules bundled by esbuild (imports resolved inside the tree only),
 * wrapped in an async function after a prelude that installs the mcpx host
 * hook over `Javy.IO` and reports the awaited `export default` (or the
 * uncaught error) as a bridge frame.
 *
 * @module
 */

import { McpxError } from "../../errors.ts";
import { type FileLookup, resolveSpecifier } from "../_module_paths.ts";
import { BRIDGE_IN_FD, FRAME_PREFIX } from "./_execution.ts";

/** Options of {@link bundleProgram}. */
export interface BundleOptions {
  /** Path of the entry module in `files`. */
  entry: string;
  /** The tree: absolute path → source. */
  files: FileLookup;
  /** How esbuild reads the files: `ts` for TypeScript sources, `js` (default) for transpiled ones. */
  loader?: "js" | "ts";
}

type Esbuild = typeof import("esbuild");
let esbuild: Promise<Esbuild> | undefined;

/**
 * The prelude of every bundle. It needs nothing from the plugin but
 * `console`; with `Javy.IO` it offers tool calls: a request is a line of
 * stdout behind {@link FRAME_PREFIX}, a reply a line of stdin. Several calls
 * can be in flight: each call writes its request at once and queues one job
 * that reads one reply (blocking, which suspends the WebAssembly stack) and
 * settles whichever call it answers.
 */
export const PRELUDE: string = `"use strict";
const __mcpx = (() => {
  const IO = typeof Javy === "object" && Javy !== null && Javy.IO ? Javy.IO : undefined;
  const IN = ${BRIDGE_IN_FD};
  const PREFIX = ${JSON.stringify(FRAME_PREFIX)};
  const utf8 = (s) => {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      }
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  };
  const text = (b) => {
    let s = "";
    for (let i = 0; i < b.length;) {
      const c = b[i++];
      let p;
      if (c < 0x80) p = c;
      else if (c < 0xe0) p = ((c & 31) << 6) | (b[i++] & 63);
      else if (c < 0xf0) p = ((c & 15) << 12) | ((b[i++] & 63) << 6) | (b[i++] & 63);
      else p = ((c & 7) << 18) | ((b[i++] & 63) << 12) | ((b[i++] & 63) << 6) | (b[i++] & 63);
      s += String.fromCodePoint(p);
    }
    return s;
  };
  const send = (line) => {
    if (IO) IO.writeSync(1, utf8(PREFIX + line + "\\n"));
    else console.log(PREFIX + line);
  };
  const pending = new Map();
  let next = 1;
  let inbox = [];
  const readLine = () => {
    for (;;) {
      const nl = inbox.indexOf(10);
      if (nl >= 0) {
        const line = text(inbox.slice(0, nl));
        inbox = inbox.slice(nl + 1);
        return line;
      }
      const chunk = new Uint8Array(65536);
      const n = IO.readSync(IN, chunk);
      if (n === 0) throw new Error("The mcpx tool bridge closed");
      for (let i = 0; i < n; i++) inbox.push(chunk[i]);
    }
  };
  const pump = () => {
    if (pending.size === 0) return;
    const m = JSON.parse(readLine());
    const settle = pending.get(m.id);
    pending.delete(m.id);
    if (settle) settle(m.reply);
  };
  const hook = {
    callTool(server, tool, args) {
      if (!IO) {
        // A refusal the generated runtime turns into a ToolError, as for any refused call.
        return Promise.resolve({ ok: false, error: { code: "TOOL_DENIED", message:
          'Cannot call "' + server + "/" + tool + '": this Javy plugin lacks stream I/O (Javy.IO), so programs can print but not call tools; use a plugin built with stream I/O',
        } });
      }
      const json = JSON.stringify(args === undefined ? {} : args);
      if (typeof json !== "string") {
        return Promise.reject(new TypeError('Arguments of "' + server + "/" + tool + '" must be JSON-serializable'));
      }
      const id = next++;
      send('{"t":"call","id":' + id + ',"server":' + JSON.stringify(server) + ',"tool":' + JSON.stringify(tool) + ',"args":' + json + "}");
      return new Promise((resolve) => {
        pending.set(id, resolve);
        Promise.resolve().then(pump);
      });
    },
  };
  Object.defineProperty(globalThis, Symbol.for("mcpx.host"), { value: hook });
  for (const level of ["info", "debug"]) if (typeof console[level] !== "function") console[level] = console.log;
  if (typeof console.warn !== "function") console.warn = console.error;
  return {
    done(value) {
      let json;
      try {
        json = JSON.stringify(value);
      } catch (e) {
        return this.fail(new TypeError("The default export is not JSON-serializable: " + (e && e.message)));
      }
      send(JSON.stringify({ t: "done", json }));
    },
    fail(e) {
      const o = e !== null && (typeof e === "object" || typeof e === "function") ? e : undefined;
      const str = (v) => (typeof v === "string" ? v : undefined);
      send(JSON.stringify({
        t: "error",
        name: o ? str(o.name) : "Error",
        message: o ? str(o.message) : "Uncaught " + String(e),
        stack: o ? str(o.stack) : undefined,
        code: o ? str(o.code) : undefined,
      }));
    },
  };
})();
`;

/**
 * Bundles `entry` and the modules it imports from `files` into one script:
 * {@link PRELUDE}, then the modules inside an async function whose result
 * is reported to the host.
 *
 * @throws {McpxError} `SANDBOX_COMPILE` when a module cannot be parsed or an import
 * cannot be resolved, with esbuild's message.
 */
export async function bundleProgram(opts: BundleOptions): Promise<string> {
  esbuild ??= import("esbuild");
  const { build } = await esbuild;
  const { entry, files } = opts;
  const loader = opts.loader ?? "js";
  let out: string;
  let map: string | undefined;
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      legalComments: "inline",
      sourcemap: "external",
      outfile: "bundle.js",
      charset: "utf8",
      logLevel: "silent",
      plugins: [{
        name: "mcpx-tree",
        setup(b) {
          b.onResolve({ filter: /.*/ }, (a) => {
            if (a.kind === "entry-point") return { path: entry, namespace: "mcpx" };
            const r = resolveSpecifier(a.importer, a.path, files);
            if ("error" in r) return { errors: [{ text: r.error }] };
            return { path: r.path, namespace: "mcpx" };
          });
          b.onLoad({ filter: /.*/, namespace: "mcpx" }, (a) => {
            const contents = files.get(a.path);
            if (contents === undefined) {
              return {
                errors: [{ text: `Cannot import "${a.path}": no such file in the sandbox tree` }],
              };
            }
            return { contents, loader };
          });
        },
      }],
    });
    out = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
    map = result.outputFiles.find((f) => f.path.endsWith(".map"))?.text;
  } catch (e) {
    const errors = (e as {
      errors?: {
        text: string;
        location?: { file: string; line: number; column: number } | null;
      }[];
    }).errors;
    const first = errors?.[0];
    if (first === undefined) throw e;
    const at = first.location
      ? ` at ${first.location.file.replace(/^mcpx:/, "")}:${first.location.line}:${
        first.location.column + 1
      }`
      : "";
    throw new McpxError("SANDBOX_COMPILE", `${first.text}${at}`, { cause: e });
  }
  const wrapped = wrap(out);
  const source = PRELUDE + wrapped.code;
  if (map !== undefined) {
    remember(source, lineMap(map, PRELUDE.split("\n").length - 1 + wrapped.headerLines));
  }
  return source;
}

/** Where each line of a bundle came from: generated line → [path, line, column] segments. */
type LineMap = Map<number, [genCol: number, path: string, line: number, col: number][]>;

/** Line maps of recent bundles, by their text. */
const maps = new Map<string, LineMap>();

function remember(source: string, map: LineMap): void {
  maps.delete(source);
  maps.set(source, map);
  if (maps.size > 64) maps.delete(maps.keys().next().value!);
}

const VLQ = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes an esbuild source map into a {@link LineMap}, its lines shifted by `offset`. */
function lineMap(json: string, offset: number): LineMap {
  const { sources, mappings } = JSON.parse(json) as { sources: string[]; mappings: string };
  const out: LineMap = new Map();
  let src = 0;
  let line = 0;
  let col = 0;
  mappings.split(";").forEach((text, i) => {
    let genCol = 0;
    const segments: [number, string, number, number][] = [];
    for (const seg of text.split(",")) {
      if (seg === "") continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = VLQ.indexOf(ch);
        value += (digit & 31) << shift;
        if ((digit & 32) !== 0) {
          shift += 5;
          continue;
        }
        fields.push((value & 1) !== 0 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
      genCol += fields[0];
      if (fields.length < 4) continue;
      src += fields[1];
      line += fields[2];
      col += fields[3];
      segments.push([genCol, sources[src].replace(/^mcpx:/, ""), line + 1, col + 1]);
    }
    if (segments.length > 0) out.set(i + 1 + offset, segments);
  });
  return out;
}

/**
 * Rewrites the `function.mjs:LINE:COL` positions of a stack from a bundle
 * made by {@link bundleProgram} to the program's own files and lines, such
 * as `/main.ts:4:7`. Unknown bundles and positions are left as they are.
 */
export function mapStack(source: string, stack: string): string {
  const map = maps.get(source);
  if (map === undefined) return stack;
  const mapped = stack.replace(/\bfunction\.mjs:(\d+):(\d+)/g, (whole, l: string, c: string) => {
    const segments = map.get(Number(l));
    if (segments === undefined) return whole;
    const column = Number(c) - 1;
    let best = segments[0];
    for (const s of segments) if (s[0] <= column) best = s;
    return `${best[1]}:${best[2]}:${best[3]}`;
  });
  // Frames left in the bundle are mcpx's prelude and wrapper: not the program's.
  return mapped.split("\n").filter((l) => !/^\s+at .*\bfunction\.mjs:\d+/.test(l)).join("\n");
}

/**
 * Moves the bundle into a function that returns its `default` export: an
 * async one when the code awaits anything, else a plain one, so a program
 * without `await` finishes without a single pending job (Javy refuses
 * pending jobs when its event loop is off).
 */
function wrap(code: string): { code: string; headerLines: number } {
  const m = /\nexport\s*\{([^}]*)\};?\s*$/.exec(code);
  let body = code;
  let result = "undefined";
  if (m !== null) {
    body = code.slice(0, m.index);
    for (const part of m[1].split(",")) {
      const [local, exported] = part.trim().split(/\s+as\s+/);
      if (exported === "default") result = local;
    }
  }
  if (/\bawait\b/.test(body)) {
    return {
      code:
        `(async () => {\n${body}\nreturn ${result};\n})().then((v) => __mcpx.done(v), (e) => __mcpx.fail(e));\n`,
      headerLines: 1,
    };
  }
  return {
    headerLines: 2,
    code: `try {
  const __mcpxResult = (() => {\n${body}\nreturn ${result};\n})();
  if (__mcpxResult !== null && typeof __mcpxResult === "object" && typeof __mcpxResult.then === "function") {
    __mcpxResult.then((v) => __mcpx.done(v), (e) => __mcpx.fail(e));
  } else __mcpx.done(__mcpxResult);
} catch (e) {
  __mcpx.fail(e);
}
`,
  };
}

/** Stops esbuild's service, if it was started (for tests that check for leaks). */
export async function stopBundler(): Promise<void> {
  if (esbuild === undefined) return;
  const e = await esbuild;
  await e.stop();
}
