/**
 * Token accounting: how many model tokens the tool definitions of the upstream
 * servers cost, against the few tools `mcpx serve` exposes instead.
 *
 * Counts use the `o200k_base` encoding (GPT-4o and later) of `gpt-tokenizer`,
 * which ships its ranks in the package and needs no network. Other model
 * families tokenize differently, so read the figures as close estimates and the
 * percentage saved as the robust number.
 *
 * @module
 */

import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";
import type { Tool } from "../_sdk.ts";

/** Counts of one upstream server. */
export interface ServerTokens {
  /** Server name from the configuration. */
  server: string;
  /** Number of tools the server lists. */
  tools: number;
  /** {@link toolDefinitionTokens} of those tools. */
  tokens: number;
}

/** What {@link tokenReport} computes. */
export interface TokenReport {
  /** One row per upstream server, in the order given. */
  servers: ServerTokens[];
  /** Sums over all upstream servers. */
  upstream: { tools: number; tokens: number };
  /** The tools mcpx exposes instead. */
  mcpx: { tools: number; tokens: number };
  /** `upstream.tokens - mcpx.tokens`; negative when mcpx costs more. */
  saved: number;
  /** `saved` as a percentage of `upstream.tokens`, 0 when there is nothing upstream. */
  savedPercent: number;
}

/** Input of {@link tokenReport}. */
export interface TokenReportInput {
  /** The tools each upstream server lists. */
  upstream: { server: string; tools: Tool[] }[];
  /** The tools `mcpx serve` lists. */
  mcpx: Tool[];
}

/** Encoding used by {@link countTokens}. */
export const TOKEN_ENCODING: string = "o200k_base";

// Special-token text such as "<|endoftext|>" inside a description is ordinary
// text to a model's tool list, so it is counted as text rather than rejected.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Number of `o200k_base` tokens of `text`. Special-token markers in the text
 * are counted as plain text.
 *
 * @example
 * ```ts
 * import { countTokens } from "./tokens.ts";
 * countTokens("hello world"); // 2
 * ```
 */
export function countTokens(text: string): number {
  return countO200k(text, AS_TEXT);
}

/**
 * The part of a `tools/list` entry a client forwards to the model: `name`,
 * `title`, `description`, `inputSchema`, `outputSchema` and `annotations`, in
 * that order, each only when present. Protocol metadata (`_meta`, `icons`,
 * `execution`) is left out.
 */
export function modelFacingTool(tool: Tool): Record<string, unknown> {
  const out: Record<string, unknown> = { name: tool.name };
  if (tool.title !== undefined) out.title = tool.title;
  if (tool.description !== undefined) out.description = tool.description;
  out.inputSchema = tool.inputSchema;
  if (tool.outputSchema !== undefined) out.outputSchema = tool.outputSchema;
  if (tool.annotations !== undefined) out.annotations = tool.annotations;
  return out;
}

/**
 * Tokens the definitions of `tools` cost a model: for each tool, the tokens of
 * the compact `JSON.stringify` of its {@link modelFacingTool} form, summed.
 * Counting tool by tool keeps the figure additive, so per-server counts add up
 * to the total; the wrapping a particular client adds around the list (a
 * handful of tokens per tool) is not counted.
 *
 * @example
 * ```ts
 * import { toolDefinitionTokens } from "./tokens.ts";
 * toolDefinitionTokens([{ name: "echo", inputSchema: { type: "object" } }]) > 0; // true
 * ```
 */
export function toolDefinitionTokens(tools: Tool[]): number {
  let total = 0;
  for (const tool of tools) total += countTokens(JSON.stringify(modelFacingTool(tool)));
  return total;
}

/**
 * Compares the tool definitions of the upstream servers with those of mcpx.
 *
 * @example
 * ```ts
 * import { tokenReport } from "./tokens.ts";
 * const tool = { name: "echo", description: "Echoes back the input", inputSchema: { type: "object" as const } };
 * const report = tokenReport({ upstream: [{ server: "a", tools: [tool, tool] }], mcpx: [tool] });
 * report.savedPercent; // 50
 * ```
 */
export function tokenReport(input: TokenReportInput): TokenReport {
  const servers = input.upstream.map(({ server, tools }) => ({
    server,
    tools: tools.length,
    tokens: toolDefinitionTokens(tools),
  }));
  const upstream = servers.reduce(
    (acc, s) => ({ tools: acc.tools + s.tools, tokens: acc.tokens + s.tokens }),
    { tools: 0, tokens: 0 },
  );
  const mcpx = { tools: input.mcpx.length, tokens: toolDefinitionTokens(input.mcpx) };
  const saved = upstream.tokens - mcpx.tokens;
  const savedPercent = upstream.tokens === 0 ? 0 : (saved / upstream.tokens) * 100;
  return { servers, upstream, mcpx, saved, savedPercent };
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/**
 * A small aligned table of `report` for the terminal: one row per server, the
 * upstream total, mcpx, and the tokens saved with the percentage (one
 * decimal). Numbers use thousands separators; no trailing newline.
 *
 * @example
 * ```ts
 * import { formatTokenReport, tokenReport } from "./tokens.ts";
 * const tool = { name: "echo", inputSchema: { type: "object" as const } };
 * const table = formatTokenReport(tokenReport({ upstream: [{ server: "a", tools: [tool] }], mcpx: [] }));
 * table.split("\n")[0]; // "server          tools  tokens"
 * ```
 */
export function formatTokenReport(report: TokenReport): string {
  const rows: [string, string, string][] = [["server", "tools", "tokens"]];
  for (const s of report.servers) {
    rows.push([s.server, integer.format(s.tools), integer.format(s.tokens)]);
  }
  rows.push([
    "upstream total",
    integer.format(report.upstream.tools),
    integer.format(report.upstream.tokens),
  ]);
  rows.push(["mcpx", integer.format(report.mcpx.tools), integer.format(report.mcpx.tokens)]);
  const nameWidth = Math.max(...rows.map((r) => r[0].length), "saved".length);
  const toolsWidth = Math.max(...rows.map((r) => r[1].length));
  const tokensWidth = Math.max(
    ...rows.map((r) => r[2].length),
    integer.format(report.saved).length,
  );
  const lines = rows.map(([name, tools, tokens]) =>
    `${name.padEnd(nameWidth)}  ${tools.padStart(toolsWidth)}  ${tokens.padStart(tokensWidth)}`
  );
  lines.push(
    `${"saved".padEnd(nameWidth)}  ${"".padStart(toolsWidth)}  ${
      integer.format(report.saved).padStart(tokensWidth)
    } (${report.savedPercent.toFixed(1)}%)`,
  );
  return lines.join("\n");
}
