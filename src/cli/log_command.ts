import { parseArgs } from "node:util";
import { auditPath, readAudit } from "../policy/audit_log.ts";
import { dataDir } from "../policy/data_dir.ts";
import { LOG_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";

/** `mcpx log`. */
export async function logCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      since: { type: "string" },
      tool: { type: "string" },
      execution: { type: "string" },
      file: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(LOG_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}"`, "log");
  }
  const since = v.since === undefined ? undefined : parseSince(v.since, Date.now());
  const dir = dataDir(io.env);
  const path = v.file ?? io.env.MCPX_AUDIT_LOG ?? (dir === undefined ? undefined : auditPath(dir));
  if (path === undefined) {
    throw new UsageError(
      "No audit log: set HOME, XDG_DATA_HOME or MCPX_DATA_DIR, or give --file",
      "log",
    );
  }
  const entries = await readAudit(path, {
    ...(since ? { since } : {}),
    ...(v.tool ? { tool: v.tool } : {}),
    ...(v.execution ? { execution: v.execution } : {}),
  });
  if (v.json) {
    io.out(entries.map((e) => JSON.stringify(e) + "\n").join(""));
    return 0;
  }
  if (entries.length === 0) {
    io.err(`No entries in "${path}"${v.since || v.tool || v.execution ? " match" : ""}\n`);
    return 0;
  }
  for (const e of entries) {
    const parts = [
      e.time,
      `${e.server}/${e.tool}`,
      e.outcome,
      e.approval ?? "-",
      `${Math.round(e.ms)}ms`,
      e.line === undefined ? "" : `line ${e.line}`,
      `exec ${e.execution || "-"}`,
    ];
    io.out(parts.filter((p) => p !== "").join("  ") + "\n");
  }
  return 0;
}

/**
 * `30s`, `15m`, `2h`, `7d` ago, or an ISO date.
 *
 * @throws {UsageError} naming the value.
 */
export function parseSince(text: string, now: number): Date {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (m) {
    const unit =
      { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
    return new Date(now - Number(m[1]) * unit);
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) {
    throw new UsageError(
      `Invalid --since "${text}": expected a duration such as 30m, 2h or 7d, or an ISO date`,
      "log",
    );
  }
  return new Date(t);
}
