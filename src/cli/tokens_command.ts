import { parseArgs } from "node:util";
import { Client, InMemoryTransport, type Tool } from "../_sdk.ts";
import { introspectAll } from "../introspect/introspect.ts";
import { ServeHost } from "../server/serve_host.ts";
import { formatTokenReport, TOKEN_ENCODING, tokenReport } from "../server/tokens.ts";
import { VERSION } from "../version.ts";
import { TOKENS_HELP } from "./help.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";
import { intOption, resolveServers } from "./_servers.ts";

/** `mcpx tokens`. */
export async function tokensCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: "string", short: "c" },
      server: { type: "string", short: "s", multiple: true },
      timeout: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) {
    io.out(TOKENS_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}"`, "tokens");
  }
  const timeoutMs = intOption("tokens", "timeout", v.timeout) ?? 20_000;
  const servers = await resolveServers("tokens", {
    config: v.config,
    inline: [],
    names: v.server ?? [],
    env: io.env,
  });
  const [{ snapshots, failures }, mcpx] = await Promise.all([
    introspectAll(servers, { connect: { timeoutMs } }),
    mcpxToolList(),
  ]);
  for (const f of failures) io.err(`error: ${f.error.message}\n`);
  if (snapshots.length === 0) return 1;
  const report = tokenReport({
    upstream: snapshots.map((s) => ({ server: s.name, tools: s.tools })),
    mcpx,
  });
  if (v.json) {
    io.out(JSON.stringify({ encoding: TOKEN_ENCODING, ...report }, null, 2) + "\n");
  } else {
    io.out(formatTokenReport(report) + "\n");
  }
  return failures.length > 0 ? 1 : 0;
}

/**
 * The tool list of `mcpx serve` exactly as a client receives it: listed by an
 * SDK client from an in-process mcpx server over an in-memory transport.
 */
export async function mcpxToolList(): Promise<Tool[]> {
  await using host = await ServeHost.create();
  const session = host.createSession();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await session.server.connect(serverSide);
  const client = new Client({ name: "mcpx-tokens", version: VERSION });
  await client.connect(clientSide);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
}
