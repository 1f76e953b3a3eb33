/**
 * Loading MCP server configurations: Claude Desktop / Claude Code `.mcp.json`
 * (`{"mcpServers": {...}}`) and VS Code `mcp.json` (`{"servers": {...}}`), with
 * `${VAR}` expansion from the environment.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError, quoteList } from "../errors.ts";
import { expandEnv, ExpandError } from "./_expand_env.ts";
import { JsoncSyntaxError, parseJsonc } from "./_jsonc.ts";
import { parseMcpxSettings } from "./mcpx_settings.ts";
import type { McpxConfig, ServerConfig, ServerTimeouts } from "./types.ts";

/**
 * Options of {@link loadConfig} and {@link parseConfig}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ParseConfigOptions = { env: { TOKEN: "secret" } };
 * const config = parseConfig(
 *   '{ "mcpServers": { "api": { "url": "https://example.com/mcp", "headers": { "Authorization": "Bearer ${TOKEN}" } } } }',
 *   "mcp.json",
 *   opts,
 * );
 * const api = config.servers[0];
 * assert.equal(api.transport === "stdio" ? undefined : api.headers?.Authorization, "Bearer secret");
 * ```
 */
export interface ParseConfigOptions {
  /** Variables for `${VAR}` expansion; defaults to the process environment. */
  env?: Record<string, string>;
}

/** File names {@link findDefaultConfig} looks for, in order. */
export const DEFAULT_CONFIG_FILES: readonly string[] = [
  "mcpx.json",
  ".mcp.json",
  join(".vscode", "mcp.json"),
];

const TRANSPORTS = ["stdio", "http", "sse", "streamable-http"] as const;

const str = () => z.string({ error: "expected a string" });
const ms = () =>
  z.number({ error: "expected a number of milliseconds" }).int({
    error: "expected a whole number of milliseconds",
  }).min(1, { error: "expected at least 1 ms" }).max(86_400_000, {
    error: "expected at most 86400000 ms (a day)",
  });
const strMap = () =>
  z.record(z.string(), str(), { error: "expected an object whose values are strings" });

const EntrySchema = z.object({
  type: z.enum(TRANSPORTS, { error: `expected one of ${quoteList(TRANSPORTS)}` }).optional(),
  command: str().min(1, { error: "expected a non-empty string" }).optional(),
  args: z.array(str(), { error: "expected an array of strings" }).optional(),
  env: strMap().optional(),
  cwd: str().optional(),
  url: str().optional(),
  headers: strMap().optional(),
  oauth: z.object({
    clientId: str().optional(),
    clientSecret: str().optional(),
    clientMetadataUrl: str().optional(),
    scope: str().optional(),
  }, { error: "expected an object" }).strict().optional(),
  timeouts: z.object({
    connect: ms().optional(),
    call: ms().optional(),
    tools: z.record(z.string(), ms(), { error: "expected an object of tool names to ms" })
      .optional(),
  }, { error: "expected an object" }).strict().optional(),
}).loose();

type Entry = z.infer<typeof EntrySchema>;

/**
 * Reads and parses a configuration file.
 *
 * @example Load the project's configuration
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/.mcp.json`,
 *   `{ "mcpServers": { "fs": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."] } } }`,
 * );
 * const config = await loadConfig(`${dir}/.mcp.json`);
 * assert.deepEqual(config.servers.map((s) => s.name), ["fs"]);
 * await assert.rejects(() => loadConfig(`${dir}/missing.json`), /CONFIG_NOT_FOUND|not found/i);
 * await Deno.remove(dir, { recursive: true });
 * ```
 * @param path File to read, absolute or relative to the working directory.
 * @throws {ConfigError} `CONFIG_NOT_FOUND` when the file does not exist,
 * `CONFIG_INVALID` when it cannot be parsed or validated.
 */
export async function loadConfig(path: string, opts?: ParseConfigOptions): Promise<McpxConfig> {
  const abs = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(abs);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ConfigError(`Config file "${abs}" not found`, {
        code: "CONFIG_NOT_FOUND",
        cause: error,
      });
    }
    throw new ConfigError(`Cannot read config "${abs}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfig(decodeUtf8(bytes, abs), abs, opts);
}

/**
 * Decodes a configuration file as strict UTF-8.
 *
 * @throws {ConfigError} naming the byte offset of the first invalid sequence,
 * rather than letting U+FFFD slip into server names and commands.
 */
export function decodeUtf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (cause) {
    const offset = firstInvalidUtf8(bytes);
    throw new ConfigError(
      `Invalid config "${source}": not valid UTF-8 at byte offset ${offset} (byte 0x${
        (bytes[offset] ?? 0).toString(16).padStart(2, "0")
      })`,
      { cause },
    );
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n: number, min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}

/**
 * Parses configuration text. Entries with `"disabled": true` are skipped;
 * keys mcpx does not know are ignored.
 *
 * @example
 * ```ts
 * const config = parseConfig(
 *   '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "server-fs", "${HOME}"]}}}',
 *   "/etc/mcp.json",
 *   { env: { HOME: "/home/me" } },
 * );
 * // config.servers[0].args → ["-y", "server-fs", "/home/me"]
 * ```
 * @param text File contents (JSON; comments and trailing commas are accepted).
 * @param source The file's path, used in messages and to resolve a relative `cwd`.
 * @throws {ConfigError} naming `source` and the offending key.
 */
export function parseConfig(text: string, source: string, opts?: ParseConfigOptions): McpxConfig {
  const env = opts?.env ?? Deno.env.toObject();
  const fail = (message: string, cause?: unknown): never => {
    throw new ConfigError(`Invalid config "${source}": ${message}`, { cause });
  };

  let raw: unknown;
  try {
    raw = parseJsonc(text);
  } catch (error) {
    if (error instanceof JsoncSyntaxError) fail(`invalid JSON: ${error.message}`, error);
    throw error;
  }
  if (!isPlainObject(raw)) return fail(`expected a JSON object at the top level`);
  const rootKey = isPlainObject(raw.mcpServers)
    ? "mcpServers"
    : isPlainObject(raw.servers)
    ? "servers"
    : undefined;
  if (rootKey === undefined) return fail(`no "mcpServers" or "servers" object`);
  const entries = raw[rootKey] as Record<string, unknown>;

  const dir = isAbsolute(source) ? dirname(source) : Deno.cwd();
  const builtins = {
    workspaceFolder: basename(dir) === ".vscode" ? dirname(dir) : dir,
  };

  const servers: ServerConfig[] = [];
  for (const [name, value] of Object.entries(entries)) {
    const at = (...keys: (string | number)[]) => keyPath([rootKey, name, ...keys]);
    if (
      name === "" || name.includes("/") || name === "." || name === ".." || /\p{Cc}/u.test(name)
    ) {
      fail(`${at()}: a server name must be non-empty and must not contain "/"`);
    }
    if (!isPlainObject(value)) return fail(`${at()}: expected an object`);
    if (value.disabled === true) continue;
    const parsed = EntrySchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(`${at(...(issue.path as (string | number)[]))}: ${issue.message}`, parsed.error);
    }
    const entry: Entry = parsed.data!;
    const expand = (v: string, ...keys: (string | number)[]): string => {
      try {
        return expandEnv(v, env, builtins);
      } catch (error) {
        if (error instanceof ExpandError) return fail(`${at(...keys)}: ${error.message}`, error);
        throw error;
      }
    };
    const expandMap = (m: Record<string, string> | undefined, key: string) =>
      m === undefined
        ? undefined
        : Object.fromEntries(Object.entries(m).map(([k, v]) => [k, expand(v, key, k)]));

    const t = entry.timeouts;
    const timeouts: ServerTimeouts | undefined = t === undefined ? undefined : {
      ...(t.connect !== undefined ? { connectMs: t.connect } : {}),
      ...(t.call !== undefined ? { callMs: t.call } : {}),
      ...(t.tools !== undefined ? { toolsMs: t.tools } : {}),
    };
    const type = entry.type ??
      (entry.command !== undefined ? "stdio" : entry.url !== undefined ? "http" : undefined);
    if (type === undefined) {
      fail(`${at()}: needs "command" (a stdio server) or "url" (an http or sse server)`);
    }
    if (type === "stdio") {
      if (entry.command === undefined) fail(`${at("command")}: required for a stdio server`);
      const cwd = entry.cwd === undefined ? undefined : expand(entry.cwd, "cwd");
      servers.push({
        name,
        transport: "stdio",
        command: expand(entry.command!, "command"),
        args: (entry.args ?? []).map((a, i) => expand(a, "args", i)),
        ...(entry.env !== undefined ? { env: expandMap(entry.env, "env") } : {}),
        ...(cwd !== undefined ? { cwd: resolve(dir, cwd) } : {}),
        ...(timeouts ? { timeouts } : {}),
      });
    } else {
      if (entry.url === undefined) fail(`${at("url")}: required for an "${type}" server`);
      const url = expand(entry.url!, "url");
      if (!isHttpUrl(url)) fail(`${at("url")}: expected an http(s) URL, got "${url}"`);
      servers.push({
        name,
        transport: type === "sse" ? "sse" : "http",
        url,
        ...(entry.headers !== undefined ? { headers: expandMap(entry.headers, "headers") } : {}),
        ...(entry.oauth !== undefined
          ? {
            oauth: Object.fromEntries(
              Object.entries(entry.oauth).map(([k, v]) => [k, expand(v as string, "oauth", k)]),
            ),
          }
          : {}),
        ...(timeouts ? { timeouts } : {}),
      });
    }
  }
  if (raw.mcpx !== undefined) {
    const mcpx = parseMcpxSettings(raw.mcpx);
    if (typeof mcpx === "string") fail(mcpx);
    return { source, servers, mcpx: mcpx as Exclude<typeof mcpx, string> };
  }
  return { source, servers };
}

/**
 * Options of {@link inlineServer}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: InlineServerOptions = { name: "fs", command: "npx", args: ["-y", "server"] };
 * assert.equal(inlineServer(opts).transport, "stdio");
 * ```
 */
export interface InlineServerOptions {
  /** Server name. */
  name: string;
  /**
   * Command of a stdio server. Without `args`, it is split into words like a
   * shell would (double and single quotes group words).
   */
  command?: string;
  /** Arguments of a stdio server. */
  args?: string[];
  /** URL of a remote server. */
  url?: string;
  /** Remote transport; defaults to `"http"` (Streamable HTTP, falling back to SSE). */
  transport?: "http" | "sse";
}

/**
 * Builds a server definition from command-line options.
 *
 * @example
 * ```ts
 * const server = inlineServer({ name: "fs", command: "npx -y @modelcontextprotocol/server-filesystem /tmp" });
 * // { name: "fs", transport: "stdio", command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"] }
 * ```
 * @throws {ConfigError} when neither or both of `command` and `url` are given.
 */
export function inlineServer(opts: InlineServerOptions): ServerConfig {
  const { name, command, url } = opts;
  if (name === "" || name.includes("/")) {
    throw new ConfigError(`Invalid server name "${name}": must be non-empty without "/"`);
  }
  if ((command === undefined) === (url === undefined)) {
    throw new ConfigError(`Server "${name}" needs exactly one of a command or a URL`);
  }
  if (command !== undefined) {
    if (opts.transport !== undefined) {
      throw new ConfigError(
        `Server "${name}": transport "${opts.transport}" applies to a URL, not a command`,
      );
    }
    const words = opts.args === undefined ? splitWords(command) : [command, ...opts.args];
    if (words.length === 0 || words[0] === "") {
      throw new ConfigError(`Server "${name}": the command is empty`);
    }
    return { name, transport: "stdio", command: words[0], args: words.slice(1) };
  }
  if (!isHttpUrl(url!)) {
    throw new ConfigError(`Server "${name}": expected an http(s) URL, got "${url}"`);
  }
  return { name, transport: opts.transport ?? "http", url: url! };
}

/**
 * Picks servers by name, in the order given; no names means all servers.
 *
 * @throws {ConfigError} `UNKNOWN_SERVER`, listing the known servers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const config = parseConfig(
 *   '{ "mcpServers": { "a": { "command": "x" }, "b": { "url": "https://example.com/mcp" } } }',
 *   "mcp.json",
 * );
 * assert.deepEqual(selectServers(config, ["b"]).map((s) => s.name), ["b"]);
 * assert.equal(selectServers(config, []).length, 2);
 * assert.throws(() => selectServers(config, ["c"]), /Unknown server "c"/);
 * ```
 */
export function selectServers(config: McpxConfig, names: readonly string[]): ServerConfig[] {
  if (names.length === 0) return [...config.servers];
  const byName = new Map(config.servers.map((s) => [s.name, s]));
  const picked: ServerConfig[] = [];
  for (const name of new Set(names)) {
    const server = byName.get(name);
    if (server === undefined) {
      throw new ConfigError(
        `Unknown server "${name}": known servers are ${quoteList([...byName.keys()])}`,
        { code: "UNKNOWN_SERVER" },
      );
    }
    picked.push(server);
  }
  return picked;
}

/**
 * Finds the configuration file to use when none is given: `./mcpx.json`,
 * `./.mcp.json`, then `./.vscode/mcp.json`.
 *
 * @returns The absolute path of the first that exists, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * assert.equal(findDefaultConfig(dir), undefined);
 * await Deno.writeTextFile(`${dir}/.mcp.json`, '{ "mcpServers": {} }');
 * assert.equal(findDefaultConfig(dir), `${dir}/.mcp.json`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function findDefaultConfig(cwd: string): string | undefined {
  for (const file of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, file);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

function keyPath(keys: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const k of keys) {
    if (typeof k === "number") out += `[${k}]`;
    else if (typeof k === "string" && /^[A-Za-z_$][\w$-]*$/.test(k)) out += out ? `.${k}` : k;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}

/** Splits a command line into words, honouring single and double quotes and backslashes. */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) {
    throw new ConfigError(`Unterminated ${quote} quote in command "${line}"`);
  }
  if (inWord) words.push(word);
  return words;
}
