import { parseArgs } from "node:util";
import { introspect } from "../introspect/introspect.ts";
import type { ServerSnapshot } from "../introspect/types.ts";
import { INTROSPECT_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { progressOf } from "./progress.ts";
import { UsageError } from "./usage_error.ts";
import { intOption, resolveServers, SERVER_OPTIONS, splitInline } from "./_servers.ts";

/** `mcpx introspect`. */
export async function introspectCommand(args: string[], io: CliIo): Promise<number> {
  const [opts, inline] = splitInline(args);
  const { values: v, positionals } = parseArgs({
    args: opts,
    allowPositionals: true,
    options: SERVER_OPTIONS,
  });
  if (v.help) {
    io.out(INTROSPECT_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError("Name one server at a time", "introspect");
  const isInline = inline.length > 0 || v.url !== undefined;
  if (!isInline && positionals.length === 0) {
    throw new UsageError("Name a server to introspect (or give an inline one)", "introspect");
  }
  const [server] = await resolveServers("introspect", {
    config: v.config,
    name: v.name,
    url: v.url,
    transport: v.transport,
    inline,
    names: positionals,
    env: io.env,
  });
  const timeoutMs = intOption("introspect", "timeout", v.timeout) ?? 20_000;
  let snapshot: ServerSnapshot;
  {
    using _line = progressOf(io).start(
      "introspecting",
      () => ({ done: 0, total: 1, pending: [server.name] }),
    );
    snapshot = await introspect(server, { connect: { timeoutMs } });
  }
  io.out(v.json ? JSON.stringify(snapshot, null, 2) + "\n" : formatSnapshot(snapshot));
  return 0;
}

function oneLine(s: string | undefined, max = 100): string {
  if (!s) return "";
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
}

/** A human-readable summary of a snapshot. */
export function formatSnapshot(s: ServerSnapshot): string {
  const lines: string[] = [];
  lines.push(
    `${s.name}: ${s.serverInfo.name} ${s.serverInfo.version}${
      s.protocolVersion ? ` (protocol ${s.protocolVersion})` : ""
    }`,
  );
  lines.push(`capabilities: ${Object.keys(s.capabilities).sort().join(", ") || "none"}`);
  if (s.instructions) lines.push(`instructions: ${oneLine(s.instructions, 200)}`);
  lines.push("", `tools (${s.tools.length}):`);
  for (const t of s.tools) {
    const args = Object.keys((t.inputSchema?.properties ?? {}) as Record<string, unknown>);
    lines.push(
      `  ${t.name}(${args.join(", ")})${t.outputSchema ? " → structured" : ""}  ${
        oneLine(t.description, 80)
      }`,
    );
  }
  if (s.resources.length > 0) {
    lines.push("", `resources (${s.resources.length}):`);
    for (const r of s.resources.slice(0, 20)) lines.push(`  ${r.uri}  ${oneLine(r.name, 60)}`);
    if (s.resources.length > 20) lines.push(`  … ${s.resources.length - 20} more (use --json)`);
  }
  if (s.resourceTemplates.length > 0) {
    lines.push("", `resource templates (${s.resourceTemplates.length}):`);
    for (const r of s.resourceTemplates) lines.push(`  ${r.uriTemplate}  ${oneLine(r.name, 60)}`);
  }
  if (s.prompts.length > 0) {
    lines.push("", `prompts (${s.prompts.length}):`);
    for (const p of s.prompts) {
      lines.push(
        `  ${p.name}(${
          (p.arguments ?? []).map((a) => a.name + (a.required ? "" : "?")).join(", ")
        })  ${oneLine(p.description, 80)}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
