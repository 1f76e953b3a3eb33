// The baseline of the cold-run bench: a minimal MCP SDK client script that
// starts server-everything, makes one tool call, prints the result and exits.
import { Client, StdioClientTransport } from "../src/_sdk.ts";

const [command, ...args] = Deno.args;
const client = new Client({ name: "baseline", version: "1.0.0" });
await client.connect(new StdioClientTransport({ command, args, stderr: "ignore" }));
const result = await client.callTool({ name: "get-sum", arguments: { a: 1, b: 2 } });
console.log(JSON.stringify(result.content));
await client.close();
