/**
 * The optional top-level `"mcpx"` block of a configuration file: tool policy,
 * audit-log settings and the bounds of `mcpx serve`. Other clients ignore the key, so the same file
 * still works with them.
 *
 * ```json
 * {
 *   "mcpServers": { "memory": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"] } },
 *   "mcpx": {
 *     "policy": { "memory/delete_*": "ask", "github": "allow" },
 *     "audit": { "args": true, "maxBytes": 10485760 },
 *     "serve": { "maxSessions": 16, "skills": { "maxBytes": 65536 } }
 *   }
 * }
 * ```
 *
 * @module
 */
import { z } from "zod";
import type { McpxSettings } from "./types.ts";

const Settings = z.strictObject({
  policy: z.record(z.string().min(1), z.enum(["allow", "ask", "deny"])).optional(),
  audit: z.strictObject({
    enabled: z.boolean().optional(),
    path: z.string().min(1).optional(),
    args: z.boolean().optional(),
    maxBytes: z.number().int().min(1024).optional(),
    keep: z.number().int().min(1).max(20).optional(),
  }).optional(),
  resourceServer: z.strictObject({
    issuer: z.url(),
    resource: z.url().optional(),
    scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, "not an OAuth scope"))
      .optional(),
    introspectionClientId: z.string().min(1).optional(),
  }).optional(),
  serve: z.strictObject({
    maxSessions: z.number().int().min(1).max(100_000).optional(),
    sessionIdleTimeoutMs: z.number().int().min(100).max(86_400_000).optional(),
    bodyTimeoutMs: z.number().int().min(100).max(3_600_000).optional(),
    skills: z.strictObject({
      maxBytes: z.number().int().min(1).optional(),
      maxSessionBytes: z.number().int().min(1).optional(),
      maxTotalBytes: z.number().int().min(1).optional(),
      maxCount: z.number().int().min(1).optional(),
    }).optional(),
  }).optional(),
});

/**
 * Validates the `"mcpx"` block.
 *
 * @returns the settings, or a message naming the offending key.
 */
export function parseMcpxSettings(raw: unknown): McpxSettings | string {
  const parsed = Settings.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = ["mcpx", ...issue.path.map(String)].map((k, i) =>
    i === 0 ? k : /^[A-Za-z_]\w*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`
  ).join("");
  const message = issue.code === "invalid_value"
    ? 'expected "allow", "ask" or "deny"'
    : issue.message;
  return `${path}: ${message}`;
}
