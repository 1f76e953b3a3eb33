import { parseArgs } from "node:util";
import { dirname, resolve } from "node:path";
import { applyEdits, modify, parse, type ParseError, printParseErrorCode } from "jsonc-parser";
import { findDefaultConfig } from "../config/load_config.ts";
import { McpxError } from "../errors.ts";
import { ADD_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

/** `mcpx add NAME -- command args…` and `mcpx add NAME --url URL`. */
export async function addCommand(args: string[], io: CliIo): Promise<number> {
  const dash = args.indexOf("--");
  const own = dash >= 0 ? args.slice(0, dash) : args;
  const inline = dash >= 0 ? args.slice(dash + 1) : [];
  const { values: v, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      config: { type: "string", short: "c" },
      url: { type: "string" },
      transport: { type: "string" },
      env: { type: "string", short: "e", multiple: true },
      header: { type: "string", short: "H", multiple: true },
      force: { type: "boolean", short: "f" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(ADD_HELP);
    return 0;
  }
  const [name, extra] = positionals;
  if (name === undefined) throw new UsageError("Missing the server's NAME", "add");
  if (extra !== undefined) {
    throw new UsageError(`Unexpected argument "${extra}": put the command after --`, "add");
  }
  if (name === "" || name.includes("/") || name === "." || name === ".." || /\p{Cc}/u.test(name)) {
    throw new UsageError(`Invalid server name "${name}": it must be non-empty without "/"`, "add");
  }
  if ((inline.length > 0) === (v.url !== undefined)) {
    throw new UsageError("Give either -- <command> [args…] or --url URL", "add");
  }
  if (v.transport !== undefined && v.transport !== "http" && v.transport !== "sse") {
    throw new UsageError(`Invalid --transport "${v.transport}": use "http" or "sse"`, "add");
  }
  if (v.url !== undefined && !/^https?:\/\/./i.test(v.url) && !v.url.startsWith("${")) {
    throw new UsageError(`Invalid --url "${v.url}": expected an http(s) URL`, "add");
  }
  if (inline.length === 0 && v.env?.length) {
    throw new UsageError("--env is for stdio servers (-- <command>)", "add");
  }
  if (inline.length > 0 && v.header?.length) {
    throw new UsageError("--header is for remote servers (--url)", "add");
  }
  const entry: Record<string, unknown> = inline.length > 0
    ? {
      command: inline[0],
      ...(inline.length > 1 ? { args: inline.slice(1) } : {}),
      ...(v.env?.length ? { env: pairs(v.env, "--env", "=") } : {}),
    }
    : {
      type: v.transport ?? "http",
      url: v.url,
      ...(v.header?.length ? { headers: pairs(v.header, "--header", ":") } : {}),
    };

  const path = resolve(v.config ?? findDefaultConfig(Deno.cwd()) ?? "mcpx.json");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    text = '{\n  "mcpServers": {}\n}\n';
  }
  const errors: ParseError[] = [];
  const root = parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    throw new McpxError(
      "CONFIG_INVALID",
      `Invalid config "${path}": ${printParseErrorCode(errors[0].error)} at offset ${
        errors[0].offset
      }`,
    );
  }
  if (root === null || typeof root !== "object" || Array.isArray(root)) {
    throw new McpxError("CONFIG_INVALID", `Invalid config "${path}": expected a JSON object`);
  }
  const key = "servers" in root && !("mcpServers" in root) ? "servers" : "mcpServers";
  const exists = (root as Record<string, Record<string, unknown> | undefined>)[key]?.[name];
  if (exists !== undefined && !v.force) {
    throw new McpxError(
      "CONFIG_INVALID",
      `Server "${name}" already exists in "${path}": pass --force to replace it`,
    );
  }
  const out = applyEdits(
    text,
    modify(text, [key, name], entry, {
      formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" },
    }),
  );
  Deno.mkdirSync(dirname(path), { recursive: true });
  Deno.writeTextFileSync(path, out.endsWith("\n") ? out : out + "\n");
  io.err(`${exists !== undefined ? "Replaced" : "Added"} server "${name}" in "${path}"\n`);
  return 0;
}

function pairs(items: string[], flag: string, sep: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf(sep);
    if (at <= 0) {
      throw new UsageError(`Invalid ${flag} "${item}": expected KEY${sep}VALUE`, "add");
    }
    out[item.slice(0, at).trim()] = item.slice(at + 1).trim();
  }
  return out;
}
