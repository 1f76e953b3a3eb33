// The baseline of the cold-run bench: a minimal MCP SDK client script that
// starts server-everything, makes one tool call, prints the result and exits.
// It imports only the SDK modules it needs.
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [command, ...args] = Deno.args;
const client = new Client({ name: "baseline", version: "1.0.0" });
await client.connect(new StdioClientTransport({ command, args, stderr: "ignore" }));
const result = await client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } });
console.log(JSON.stringify(result.content));
await client.close();
