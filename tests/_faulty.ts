// Configurations of the fault-injection fixtures in tests/fixtures/.
import { fileURLToPath } from "node:url";
import type { StdioServerConfig } from "../src/config/types.ts";

const FAULTY = fileURLToPath(new URL("./fixtures/faulty_server.ts", import.meta.url));

/** The faulty stdio server (see tests/fixtures/faulty_server.ts) with start-up faults. */
export function faultyServer(
  opts: { name?: string; faults?: string[]; startDelayMs?: number } = {},
): StdioServerConfig {
  const args = ["run", "-A", "--quiet", FAULTY];
  for (const f of opts.faults ?? []) args.push("--fault", f);
  if (opts.startDelayMs) args.push("--start-delay", String(opts.startDelayMs));
  return { name: opts.name ?? "faulty", transport: "stdio", command: Deno.execPath(), args };
}
