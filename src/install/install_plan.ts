/**
 * Moving a client's MCP servers behind mcpx and back, as pure text edits:
 * the client's file keeps its comments, order and layout, the moved entries
 * are copied verbatim (so `${VAR}` references stay references), and
 * {@link planUninstall} puts them back.
 *
 * @module
 */
import {
  applyEdits,
  type FormattingOptions,
  modify,
  type ParseError,
  parseTree,
  printParseErrorCode,
} from "jsonc-parser";
import { getNodeValue, type Node } from "jsonc-parser";
import { McpxError, quoteList } from "../errors.ts";
import type { ClientInfo } from "./clients.ts";

/** How a client starts mcpx: the command and the arguments before `serve`. */
export interface Launcher {
  /** The program, such as `deno`. */
  command: string;
  /** Its arguments up to mcpx's own command, such as `["run", "-A", "jsr:@mcpx/cli"]`. */
  args: string[];
}

/** The default name of mcpx's entry in a client's config. */
export const DEFAULT_ENTRY_NAME = "mcpx";

/** Input of {@link planInstall}. */
export interface InstallInput {
  /** The client whose config is edited. */
  client: ClientInfo;
  /** The client config's path, for messages. */
  clientPath: string;
  /** Its text; `undefined` when the file does not exist. */
  clientText: string | undefined;
  /** Where the mcpx config is written (absolute). */
  mcpxPath: string;
  /** The mcpx config's current text, if the file exists. */
  mcpxText: string | undefined;
  /** How the client starts mcpx. */
  launcher: Launcher;
  /** Names of the servers to move; all but mcpx's own entry by default. */
  servers?: readonly string[];
  /** Name of mcpx's entry (default `"mcpx"`). */
  entryName?: string;
  /** How the entry names the mcpx config (default `mcpxPath`). */
  configArg?: string;
}

/** What {@link planInstall} would write. */
export interface InstallPlan {
  /** The client config's new text. */
  clientText: string;
  /** The mcpx config's new text. */
  mcpxText: string;
  /** Names of the servers moved, in the client's order. */
  moved: string[];
}

/**
 * Moves servers from a client's config into an mcpx config and puts one mcpx
 * entry, running `serve` with that config, in their place. Installing again
 * moves servers added since into the same mcpx config.
 *
 * @example
 * ```ts
 * import { clientInfo } from "./clients.ts";
 * import { planInstall } from "./install_plan.ts";
 * const plan = planInstall({
 *   client: clientInfo("claude-desktop"),
 *   clientPath: "claude_desktop_config.json",
 *   clientText: '{"mcpServers": {"fs": {"command": "npx", "args": ["server-fs"]}}}',
 *   mcpxPath: "/home/me/.config/mcpx/claude-desktop.json",
 *   mcpxText: undefined,
 *   launcher: { command: "deno", args: ["run", "-A", "jsr:@mcpx/cli"] },
 * });
 * plan.moved; // ["fs"]
 * ```
 * @throws {McpxError} `INSTALL` naming the file and the server when nothing
 * can be moved, a server is unknown or a name is taken.
 */
export function planInstall(input: InstallInput): InstallPlan {
  const { client, clientPath } = input;
  const entryName = input.entryName ?? DEFAULT_ENTRY_NAME;
  const clientText = input.clientText ?? "{}";
  const root = parseObject(clientText, clientPath);
  const serversNode = member(root, client.serversKey);
  if (serversNode !== undefined && serversNode.type !== "object") {
    throw installError(`"${clientPath}": "${client.serversKey}" is not an object`);
  }
  const entries = serversNode === undefined ? [] : objectEntries(serversNode);
  const names = entries.map(([name]) => name);

  const existing = entries.find(([name]) => name === entryName)?.[1];
  if (
    existing !== undefined &&
    !isMcpxEntry(getNodeValue(existing), input.configArg ?? input.mcpxPath)
  ) {
    throw installError(
      `"${clientPath}" already has a server named "${entryName}" that does not run this mcpx config: pass --name to choose another name`,
    );
  }
  const candidates = names.filter((n) => n !== entryName);
  let moving: string[];
  if (input.servers !== undefined && input.servers.length > 0) {
    for (const name of input.servers) {
      if (!candidates.includes(name)) {
        throw installError(
          `Unknown server "${name}" in "${clientPath}": ${
            candidates.length ? `known servers are ${quoteList(candidates)}` : "it has none to move"
          }`,
        );
      }
    }
    moving = candidates.filter((n) => input.servers!.includes(n));
  } else {
    moving = candidates;
  }
  if (moving.length === 0) {
    throw installError(
      existing !== undefined
        ? `Nothing to install: every server of "${clientPath}" already runs behind mcpx`
        : `Nothing to install: "${clientPath}" has no MCP servers under "${client.serversKey}"`,
    );
  }

  // The mcpx config: new, or the one an earlier install wrote.
  let mcpxText = input.mcpxText ?? '{\n  "mcpServers": {}\n}\n';
  const mcpxRoot = parseObject(mcpxText, input.mcpxPath);
  const mcpxKey =
    member(mcpxRoot, "mcpServers") !== undefined || member(mcpxRoot, "servers") === undefined
      ? "mcpServers"
      : "servers";
  const taken = new Set(objectEntries(member(mcpxRoot, mcpxKey)).map(([n]) => n));
  const mcpxFormat = formatOf(mcpxText);
  for (const [name, node] of entries) {
    if (!moving.includes(name)) continue;
    if (taken.has(name)) {
      throw installError(
        `Cannot move server "${name}": "${input.mcpxPath}" already has a server of that name`,
      );
    }
    mcpxText = edit(mcpxText, [mcpxKey, name], getNodeValue(node), mcpxFormat);
  }

  // The client config: the moved entries out, mcpx's entry in.
  const format = formatOf(clientText);
  let out = clientText;
  for (const name of moving) out = edit(out, [client.serversKey, name], undefined, format);
  const entry = {
    ...(client.typedEntries ? { type: "stdio" } : {}),
    command: input.launcher.command,
    args: [...input.launcher.args, "serve", "-c", input.configArg ?? input.mcpxPath],
  };
  out = edit(out, [client.serversKey, entryName], entry, format);
  return { clientText: out, mcpxText, moved: moving };
}

/** Input of {@link planUninstall}. */
export interface UninstallInput {
  /** The client whose config is edited. */
  client: ClientInfo;
  /** The client config's path, for messages. */
  clientPath: string;
  /** Its text. */
  clientText: string;
  /** Name of mcpx's entry (default `"mcpx"`). */
  entryName?: string;
  /** Reads the mcpx config the entry names (as written in the entry). */
  readMcpxConfig: (configArg: string) => { path: string; text: string };
}

/** What {@link planUninstall} would write. */
export interface UninstallPlan {
  /** The client config's new text. */
  clientText: string;
  /** Names of the servers put back. */
  restored: string[];
  /** The mcpx config they came from. */
  mcpxPath: string;
}

/**
 * Puts the servers of the mcpx config that a client's mcpx entry runs back
 * into the client's config, as they were, and removes the mcpx entry.
 *
 * @throws {McpxError} `INSTALL` when there is no mcpx entry, it names no
 * config, or a server name is taken in the client's config meanwhile.
 */
export function planUninstall(input: UninstallInput): UninstallPlan {
  const { client, clientPath } = input;
  const entryName = input.entryName ?? DEFAULT_ENTRY_NAME;
  const root = parseObject(input.clientText, clientPath);
  const entries = objectEntries(member(root, client.serversKey));
  const entryNode = entries.find(([n]) => n === entryName)?.[1];
  if (entryNode === undefined) {
    throw installError(`mcpx is not installed in "${clientPath}": it has no "${entryName}" server`);
  }
  const configArg = configArgOf(getNodeValue(entryNode));
  if (configArg === undefined) {
    throw installError(
      `The "${entryName}" server in "${clientPath}" does not run "mcpx serve -c FILE": restore it by hand or from a backup`,
    );
  }
  const { path: mcpxPath, text: mcpxText } = input.readMcpxConfig(configArg);
  const mcpxRoot = parseObject(mcpxText, mcpxPath);
  const source = member(mcpxRoot, "mcpServers") ?? member(mcpxRoot, "servers");
  const restoring = objectEntries(source);
  const present = new Set(entries.map(([n]) => n));
  const format = formatOf(input.clientText);
  let out = edit(input.clientText, [client.serversKey, entryName], undefined, format);
  for (const [name, node] of restoring) {
    if (present.has(name) && name !== entryName) {
      throw installError(
        `Cannot restore server "${name}": "${clientPath}" already has a server of that name`,
      );
    }
    out = edit(out, [client.serversKey, name], getNodeValue(node), format);
  }
  return { clientText: out, restored: restoring.map(([n]) => n), mcpxPath };
}

/** The `-c FILE` of an entry that runs `mcpx serve`, if it is one. */
export function configArgOf(entry: unknown): string | undefined {
  const args = (entry as { args?: unknown })?.args;
  if (!Array.isArray(args)) return undefined;
  const serve = args.indexOf("serve");
  if (serve < 0) return undefined;
  for (let i = serve + 1; i < args.length - 1; i++) {
    if (args[i] === "-c" || args[i] === "--config") {
      return typeof args[i + 1] === "string" ? args[i + 1] : undefined;
    }
  }
  return undefined;
}

function isMcpxEntry(entry: unknown, configArg: string): boolean {
  return configArgOf(entry) === configArg;
}

function parseObject(text: string, path: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const e = errors[0];
    const { line, column } = position(text, e.offset);
    throw installError(
      `Cannot parse "${path}": ${printParseErrorCode(e.error)} at line ${line}, column ${column}`,
    );
  }
  if (root === undefined || root.type !== "object") {
    throw installError(`Cannot parse "${path}": expected a JSON object at the top level`);
  }
  return root;
}

function member(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== "object") return undefined;
  for (const prop of node.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (k?.value === key) return v;
  }
  return undefined;
}

function objectEntries(node: Node | undefined): [string, Node][] {
  if (node?.type !== "object") return [];
  const out: [string, Node][] = [];
  for (const prop of node.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (k !== undefined && v !== undefined) out.push([String(k.value), v]);
  }
  return out;
}

function edit(
  text: string,
  path: (string | number)[],
  value: unknown,
  formattingOptions: FormattingOptions,
): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions }));
}

/** Keeps the file's own indentation and line ends. */
function formatOf(text: string): FormattingOptions {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? "  ";
  return indent.startsWith("\t")
    ? { insertSpaces: false, tabSize: 1, eol }
    : { insertSpaces: true, tabSize: indent.length, eol };
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function installError(message: string): McpxError {
  return new McpxError("INSTALL", message);
}
