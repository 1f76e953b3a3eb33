// Regenerates real_tools.json: the tools/list answers and instructions of the four
// reference MCP servers, for the search and token tests.
//
//   deno run -A src/server/testdata/_capture_real_tools.ts
import { Client, StdioClientTransport } from "../../_sdk.ts";
import type { StdioServerConfig } from "../../config/types.ts";
import {
  everythingServer,
  filesystemServer,
  memoryServer,
  thinkingServer,
} from "../../../tests/_servers.ts";

/** One captured server. */
export interface CapturedServer {
  server: string;
  serverInfo: { name: string; version: string };
  instructions?: string;
  tools: Record<string, unknown>[];
}

/** Starts `config`, lists its tools, and closes it. */
export async function capture(config: StdioServerConfig): Promise<CapturedServer> {
  const client = new Client({ name: "mcpx-capture", version: "0.0.0" });
  const transport = new StdioClientTransport({
    command: config.command,
    args: config.args,
    env: { ...Deno.env.toObject(), ...config.env },
    stderr: "ignore",
  });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const info = client.getServerVersion();
    return {
      server: config.name,
      serverInfo: { name: info?.name ?? config.name, version: info?.version ?? "" },
      instructions: client.getInstructions(),
      tools: tools as Record<string, unknown>[],
    };
  } finally {
    await client.close();
  }
}

/** Configs of the four reference servers, rooted in `dir`. */
export function referenceServers(dir: string): StdioServerConfig[] {
  return [
    everythingServer(),
    filesystemServer(dir),
    memoryServer(`${dir}/memory.jsonl`),
    thinkingServer("sequential-thinking"),
  ];
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir();
  try {
    const servers = await Promise.all(referenceServers(dir).map(capture));
    const out = new URL("./real_tools.json", import.meta.url);
    await Deno.writeTextFile(out, JSON.stringify(servers, null, 2) + "\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
