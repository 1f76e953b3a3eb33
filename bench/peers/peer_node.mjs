// One contender of bench/peers.ts that runs in Node (a native addon or a
// Node-only package): UTCP code-mode (isolated-vm) or Vercel's
// @ai-sdk/code-mode (QuickJS in Node workers).
//
// Usage: node bench/peers/peer_node.mjs <utcp|aisdk> [--cold <kind>]
//
// Same protocol as bench/_peer_deno.ts (see _protocol.mjs). Both peers reach
// server-everything (path in MCPX_PEERS_EVERYTHING) over stdio with their own
// MCP client, as their documentation shows.

import process from "node:process";
import { PROGRAMS, serve } from "./_protocol.mjs";

// The peers log to stdout, which carries the protocol here.
console.log = console.info = console.debug = () => {};

const everything = process.env.MCPX_PEERS_EVERYTHING;

async function utcp() {
  const { CodeModeUtcpClient } = await import("@utcp/code-mode");
  await import("@utcp/mcp");
  if (!everything) throw new Error("MCPX_PEERS_EVERYTHING is not set");
  const client = await CodeModeUtcpClient.create(process.cwd(), {
    manual_call_templates: [{
      name: "ev",
      call_template_type: "mcp",
      config: {
        mcpServers: { everything: { transport: "stdio", command: "node", args: [everything] } },
      },
    }],
  });
  const tools = await client.getTools();
  if (!tools.some((t) => t.name === "ev.everything.echo")) {
    throw new Error(`UTCP did not register echo: ${tools.map((t) => t.name).join(", ")}`);
  }
  return {
    kinds: ["trivial", "one", "ten"],
    async run(kind) {
      const r = await client.callToolChain(PROGRAMS.utcp[kind]);
      if (r.error) throw new Error(String(r.error));
      return r.result;
    },
    close: () => client.close(),
  };
}

async function aisdk() {
  const { experimental_runCodeMode: runCodeMode } = await import("@ai-sdk/code-mode");
  const { createMCPClient } = await import("@ai-sdk/mcp");
  const { Experimental_StdioMCPTransport } = await import("@ai-sdk/mcp/mcp-stdio");
  if (!everything) throw new Error("MCPX_PEERS_EVERYTHING is not set");
  const client = await createMCPClient({
    transport: new Experimental_StdioMCPTransport({ command: "node", args: [everything] }),
  });
  const all = await client.tools();
  if (!all.echo) throw new Error(`@ai-sdk/mcp did not list echo: ${Object.keys(all).join(", ")}`);
  const tools = { echo: all.echo };
  return {
    kinds: ["trivial", "one", "ten"],
    async run(kind) {
      const r = await runCodeMode({ js: PROGRAMS.aisdk[kind], tools });
      return r;
    },
    close: () => client.close(),
  };
}

const factories = { utcp, aisdk };
const name = process.argv[2];
const factory = factories[name];
if (!factory) {
  process.stderr.write(`Unknown contender "${name}": known are utcp, aisdk\n`);
  process.exit(2);
}
process.stdin.setEncoding("utf8");
await serve(factory, process.argv.slice(3), {
  write: (line) =>
    new Promise((resolve, reject) =>
      process.stdout.write(line + "\n", (e) => (e ? reject(e) : resolve()))
    ),
  lines: process.stdin,
  rss: () => process.memoryUsage().rss,
  exit: (code) => process.exit(code),
  runtime: `node ${process.version}`,
});
