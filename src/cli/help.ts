import { VERSION } from "../version.ts";

/** `mcpx --help`. */
export const MAIN_HELP: string =
  `mcpx ${VERSION}: code execution for MCP. Turn MCP servers into typed
TypeScript modules, run agent code against them in a WebAssembly sandbox, and
serve it all as one MCP server.

Usage: mcpx <command> [options]

Commands:
  demo                      Generate, save and run against a real MCP server from npm
  introspect <server>       Show a server's info, tools, resources and prompts
  generate [server…]        Generate typed modules (--out DIR) and/or a plugin (--save-plugin)
  plugin <sub>              list | info | load | remove | verify saved plugins
  run <file.ts | ->         Run TypeScript in the sandbox against the servers' modules
  serve                     Serve search, file tree and code execution as one MCP server
  tokens                    Compare upstream tool-definition tokens with mcpx's own

Servers come from --config FILE (Claude Desktop, Claude Code .mcp.json or VS Code
mcp.json format), else from ./mcpx.json, ./.mcp.json or ./.vscode/mcp.json.

Options:
  -h, --help                Show help (also: mcpx <command> --help)
  -V, --version             Show the version

Exit codes: 0 success, 1 failure, 2 usage error.
`;

/** `mcpx introspect --help`. */
export const INTROSPECT_HELP: string = `Usage: mcpx introspect <server> [options]
       mcpx introspect --name NAME -- <command> [args…]
       mcpx introspect --name NAME --url URL [--transport http|sse]

Connects to one MCP server and prints its info, capabilities, instructions,
tools, resources, resource templates and prompts.

Options:
  -c, --config FILE         Server configuration file
      --name NAME           Name of an inline server
      --url URL             Inline server over Streamable HTTP (or --transport sse)
      --transport KIND      http (default for --url) or sse
      --timeout MS          Connect timeout (default 20000)
      --json                Print the full snapshot as JSON
  -h, --help                Show this help
`;

/** `mcpx generate --help`. */
export const GENERATE_HELP: string = `Usage: mcpx generate [server…] [options]
       mcpx generate --name NAME [options] -- <command> [args…]

Introspects servers and generates one TypeScript module per tool:
  README.md, runtime.ts, servers/index.ts,
  servers/<server>/{index.ts, README.md, <tool>.ts}
With no server named, every server in the configuration is used.

Options:
  -c, --config FILE         Server configuration file
      --name NAME           Name of an inline server (with -- <command> or --url)
      --url URL             Inline server over Streamable HTTP (or --transport sse)
      --transport KIND      http (default for --url) or sse
  -o, --out DIR             Write the tree to DIR
      --save-plugin         Save each server as a checksummed plugin
      --plugin-dir DIR      Plugin directory (default $MCPX_PLUGIN_DIR or ./plugins)
      --templates DIR       Eta templates overriding the built-in ones
      --timeout MS          Connect timeout (default 20000)
      --json                Print a JSON summary
  -h, --help                Show this help
`;

/** `mcpx plugin --help`. */
export const PLUGIN_HELP: string =
  `Usage: mcpx plugin <list | info NAME | load NAME | remove NAME | verify NAME> [options]

  list                      List saved plugins
  info NAME                 Show a plugin's manifest summary
  load NAME                 Verify and print a plugin (-o json | pretty | text)
  remove NAME               Delete a plugin (asks first; -y to skip)
  verify NAME               Check every BLAKE3 checksum; exit 1 on tampering

Options:
      --plugin-dir DIR      Plugin directory (default $MCPX_PLUGIN_DIR or ./plugins)
  -o, --output FORMAT       For load: json, pretty (default) or text
  -y, --yes                 For remove: do not ask
      --json                Machine-readable output for list, info and verify
  -h, --help                Show this help
`;

/** `mcpx run --help`. */
export const RUN_HELP: string = `Usage: mcpx run <file.ts | -> [options]

Runs TypeScript in the QuickJS WebAssembly sandbox. The program imports tool
modules relative to the tree root (import { echo } from "./servers/everything/index.ts")
and its result is its awaited default export. Console output goes to stdout,
then the result as JSON.

Options:
  -c, --config FILE         Server configuration file
      --plugin-dir DIR      Also use servers from saved plugins in DIR
  -s, --server NAME         Use only this server (repeatable)
      --allow PATTERN       Only these tools may be called: "fs/read_*", "memory" (repeatable)
      --deny PATTERN        These tools may not be called (repeatable)
      --allow-resource P    Only these resources may be read: "fs/file:///docs/*" (repeatable)
      --deny-resource P     These resources may not be read (repeatable)
      --allow-prompt P      Only these prompts may be used: "everything/simple-*" (repeatable)
      --deny-prompt P       These prompts may not be used (repeatable)
      --timeout MS          Wall-clock limit (default 30000)
      --memory MB           Memory limit, 16 to 1024 (default 128)
      --max-tool-calls N    Tool calls allowed (default 1000)
      --max-output BYTES    Output cap before truncation (default 1048576)
      --json                Print {result, logs, error?, stats}
  -h, --help                Show this help

Exit code 1 when the program fails or breaks a limit.
`;

/** `mcpx serve --help`. */
export const SERVE_HELP: string = `Usage: mcpx serve [options]

Serves one MCP server with tools search_tools, list_files, read_file,
execute_code and save_skill over every configured server and saved plugin.
Speaks stdio by default; with --http, Streamable HTTP at /mcp (one session,
with its own workspace, per client) and GET /health. Upstream servers start
on first use. Diagnostics go to stderr.

Options:
  -c, --config FILE         Server configuration file
      --plugin-dir DIR      Saved plugins and skills (default $MCPX_PLUGIN_DIR or ./plugins)
      --allow PATTERN       Only these tools may be called: "fs/read_*", "memory" (repeatable)
      --deny PATTERN        These tools may not be called (repeatable)
      --allow-resource P    Only these resources may be read: "fs/file:///docs/*" (repeatable)
      --deny-resource P     These resources may not be read (repeatable)
      --allow-prompt P      Only these prompts may be used: "everything/simple-*" (repeatable)
      --deny-prompt P       These prompts may not be used (repeatable)
      --http PORT           Listen for Streamable HTTP on PORT
      --host HOST           Interface for --http (default 127.0.0.1)
      --allow-origin ORIGIN Browser origin allowed with --http besides loopback ones, or "*"
                            (repeatable)
      --timeout MS          Per-execution time limit (default 30000)
      --memory MB           Per-execution memory limit (default 128)
      --max-result-chars N  Cut execute_code replies to N characters (default 20000)
  -h, --help                Show this help
`;

/** `mcpx tokens --help`. */
export const TOKENS_HELP: string = `Usage: mcpx tokens [options]

Counts, with the o200k_base tokenizer, the tokens of every upstream tool
definition against the tokens of mcpx's own tool list.

Options:
  -c, --config FILE         Server configuration file
  -s, --server NAME         Count only this server (repeatable)
      --timeout MS          Connect timeout (default 20000)
      --json                Print the report as JSON
  -h, --help                Show this help
`;

/** `mcpx demo --help`. */
export const DEMO_HELP: string = `Usage: mcpx demo [options]

Runs the whole pipeline against @modelcontextprotocol/server-everything from
npm: introspect, generate, save and verify a plugin, show the tree, then run a
sandboxed program that chains two tools.

Options:
      --plugin-dir DIR      Where to save the plugin (default $MCPX_PLUGIN_DIR or ./plugins)
  -h, --help                Show this help
`;
