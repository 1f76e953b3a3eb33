// The policy, approvals and audit log of `mcpx run` and `mcpx serve`, from the
// config's "mcpx" block, --policy/--yes flags and the environment.
import type { McpxSettings } from "../config/types.ts";
import type { ApprovalOptions } from "../policy/approval_gate.ts";
import { AuditLog, auditPath } from "../policy/audit_log.ts";
import { dataDir, ledgerKey } from "../policy/data_dir.ts";
import { parsePolicyFlag, type PolicyDecision } from "../policy/tool_policy.ts";
import { UsageError } from "./usage_error.ts";

/** Options of the commands that run code: `--policy`, `--yes`. */
export const POLICY_OPTIONS = {
  policy: { type: "string", multiple: true },
  yes: { type: "boolean", short: "y" },
} as const;

/** What a command passes to the runtime. */
export interface PolicySetup {
  approvals: ApprovalOptions;
  audit?: AuditLog;
}

/**
 * Rules from the config first, then `--policy` flags (later rules win), the
 * approval-token key and the audit log from the data directory.
 */
export async function policySetup(
  command: string,
  settings: McpxSettings | undefined,
  flags: { policy?: string[]; yes?: boolean },
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<PolicySetup> {
  const rules: Record<string, PolicyDecision> = { ...settings?.policy };
  for (const f of flags.policy ?? []) {
    try {
      const [pattern, decision] = parsePolicyFlag(f);
      delete rules[pattern];
      rules[pattern] = decision;
    } catch (e) {
      throw new UsageError(
        (e as Error).message.replace("Invalid policy", "Invalid --policy"),
        command,
      );
    }
  }
  const dir = dataDir(env);
  let key: Uint8Array | undefined;
  if (dir !== undefined) {
    try {
      key = await ledgerKey(dir);
    } catch (e) {
      log(`warning: cannot keep the approval-token key in "${dir}": ${(e as Error).message}`);
    }
  }
  const a = settings?.audit;
  const path = a?.path ?? env.MCPX_AUDIT_LOG ?? (dir === undefined ? undefined : auditPath(dir));
  const off = a?.enabled === false || env.MCPX_AUDIT === "0";
  // No home at all (a bare test environment): no log rather than one in the working directory.
  const audit = off || path === undefined ? undefined : new AuditLog({
    path,
    includeArgs: a?.args,
    maxBytes: a?.maxBytes,
    keep: a?.keep,
    onError: (e) => log(`warning: audit log: ${e.message}`),
  });
  return {
    approvals: { rules, yes: flags.yes === true, ...(key ? { ledgerKey: key } : {}) },
    ...(audit ? { audit } : {}),
  };
}
