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
  log                       Show the audit log of upstream calls
  generate [server…]        Generate typed modules (--out DIR) and/or a plugin (--save-plugin)
  plugin <sub>              list | info | load | remove | verify saved plugins
  run <file.ts | ->         Run TypeScript in the sandbox against the servers' modules
  build <file.ts> -o FILE   Compile a program to a portable WebAssembly module with Javy
  serve                     Serve search, file tree and code execution as one MCP server
  tokens                    Compare upstream tool-definition tokens with mcpx's own
  install --client CLIENT   Move a client's servers behind mcpx
  uninstall --client …     Put the servers back into the client
  add NAME -- <command>     Add a server to a config (or: add NAME --url URL)
  auth <sub> [server…]      login | logout | status of remote servers that use OAuth
  doctor                    Check Deno, the sandbox, each server, Javy and the plugins
  completions <shell>       Print a bash, zsh or fish completion script

Servers come from --config FILE (Claude Desktop, Claude Code .mcp.json or VS Code
mcp.json format), else from ./mcpx.json, ./.mcp.json or ./.vscode/mcp.json.

Options:
  -h, --help                Show help (also: mcpx <command> --help)
  -V, --version             Show the version
      --quiet               No progress and no notes on stderr, before or after the
                            command (errors and warnings still print)

While servers start or are introspected, a progress line shows on stderr when
it is a terminal (without a spinner when NO_COLOR is set).

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
      --save-plugin         Save each server as a checksummed plugin; a change of a
                            saved plugin's server command asks for confirmation
  -y, --yes                 Accept changed server commands without asking
      --plugin-dir DIR      Plugin directory (default $MCPX_PLUGIN_DIR or ./plugins)
      --templates DIR       Eta templates overriding the built-in ones
      --learn               Type results of tools without an output schema from real
                            responses (calls read-only tools that need no arguments)
      --timeout MS          Connect timeout (default 20000)
      --json                Print a JSON summary
  -h, --help                Show this help
`;

/** `mcpx plugin --help`. */
export const PLUGIN_HELP: string =
  `Usage: mcpx plugin <list | info NAME | load NAME | remove NAME | verify NAME | sign NAME | trust KEY | untrust KEY | keys> [options]

  list                      List saved plugins
  info NAME                 Show a plugin's manifest summary
  load NAME                 Verify and print a plugin (-o json | pretty | text)
  remove NAME               Delete a plugin (asks first; -y to skip)
  verify NAME               Check every BLAKE3 checksum and the manifest's signature; exit 1 if not
  sign NAME                 Show the plugin's server commands and sign it with your key (asks first)
  trust KEY                 Accept plugins signed by this Ed25519 public key (64 hex digits)
  untrust KEY               Stop accepting that key
  keys                      Your public key and the keys you trust

Plugins are signed with your Ed25519 key (kept in mcpx's config directory);
verify, run and serve refuse unsigned plugins and those signed by keys you do
not trust.

Options:
      --plugin-dir DIR      Plugin directory (default $MCPX_PLUGIN_DIR or ./plugins)
  -o, --output FORMAT       For load: json, pretty (default) or text
  -y, --yes                 For remove and sign: do not ask
      --label TEXT          For trust: a name for the key
      --json                Machine-readable output for list, info, verify and keys
  -h, --help                Show this help
`;

/** `mcpx run --help`. */
export const RUN_HELP: string = `Usage: mcpx run <file.ts | file.wasm | -> [options]

Runs TypeScript in the QuickJS WebAssembly sandbox. The program imports tool
modules relative to the tree root (import { echo } from "./servers/everything/index.ts")
and its result is its awaited default export. Console output goes to stdout,
then the result as JSON. The program is type-checked against the tree first:
one with a type error is refused before any tool is called. A .wasm file (from
"mcpx build") runs on the javy engine.

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
      --policy PATTERN=allow|ask|deny
                            Policy of matching tools, over the config and the
                            annotation defaults (repeatable; the last match wins)
  -y, --yes                 Approve every call the policy would ask about
      --dry-run             Make allowed calls only; print the plan of the others
                            and an approval token
      --approve TOKEN       Run with a dry run's token: exactly its calls are approved
      --timeout MS          Wall-clock limit (default 30000)
      --call-timeout MS     Deadline of each tool call (default 25000, below --timeout)
      --connect-timeout MS  Deadline for a server to start and initialize (default 20000)
      --memory MB           Memory limit, 16 to 1024 (default 128)
      --engine NAME         Sandbox engine: quickjs (default) or javy
      --javy-plugin FILE    Javy plugin to use (default: from "javy emit-plugin")
      --max-tool-calls N    Tool calls allowed (default 1000)
      --max-output BYTES    Output cap before truncation (default 1048576)
      --learn               Learn result types of tools without an output schema from
                            this program's calls, into their saved plugins
      --root DIR            Offer roots to servers: DIR (repeatable) and the working
                            directory
      --json                Print {result, logs, error?, stats}
      --no-check            Run without type-checking first
  -h, --help                Show this help

Calls the policy says "ask" about are asked on the terminal; without a
terminal they are refused (APPROVAL_REQUIRED) unless --yes or a policy allows
them. Every upstream call is recorded in the audit log (see "mcpx log").

Exit code 1 when the program fails, does not type-check or breaks a limit.
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
      --policy PATTERN=allow|ask|deny
                            Policy of matching tools (repeatable; the last match wins)
  -y, --yes                 Approve every call the policy would ask about
      --http PORT           Listen for Streamable HTTP on PORT
      --host HOST           Interface for --http (default 127.0.0.1)
      --allow-origin ORIGIN Browser origin allowed with --http besides loopback ones, or "*"
                            (repeatable)
      --timeout MS          Per-execution time limit (default 30000)
      --call-timeout MS     Deadline of each tool call (default 25000, below --timeout)
      --connect-timeout MS  Deadline for a server to start and initialize (default 20000)
      --memory MB           Per-execution memory limit (default 128)
      --engine NAME         Sandbox engine: quickjs (default) or javy
      --javy-plugin FILE    Javy plugin to use (default: from "javy emit-plugin")
      --max-result-chars N  Cut execute_code replies to N characters (default 20000)
      --root DIR            A root given to upstream servers that ask while no client
                            call is waiting (repeatable)
      --token TOKEN         With --http: clients must send "Authorization: Bearer TOKEN"
                            (also --token-file FILE, or $MCPX_TOKEN)
      --token-file FILE     With --http: read the token from FILE's first line
      --allow-unauthenticated  Listen beyond loopback (--host) without a token: anyone
                            who can reach it can run code with your tools
      --oauth-issuer URL    With --http: be an OAuth resource server; clients need an
                            access token from this issuer (instead of --token), checked
                            with its JWKS; serves /.well-known/oauth-protected-resource
      --oauth-resource URL  The resource identifier tokens must be issued for (their
                            audience; default: this server's /mcp URL, required with --host)
      --oauth-scopes "A B"  Scopes every token must carry (space- or comma-separated)
      --oauth-client-id ID  Introspect tokens at the issuer (RFC 7662) as this client, its
                            secret in $MCPX_OAUTH_CLIENT_SECRET
      --max-sessions N      With --http: most live sessions; initialize beyond it gets
                            503 (default 64)
      --session-idle-timeout MS
                            With --http: close a session and its workspace after MS
                            without a request (default 600000)
      --body-timeout MS     With --http: a request body must arrive within MS, else
                            408 (default 30000)
      --no-check            Run execute_code programs without type-checking first
      --shutdown-grace MS   On SIGINT/SIGTERM/end of stdin, let executions finish this
                            long, then cancel them (default 1000)
  -h, --help                Show this help
`;

/** `mcpx log --help`. */
export const LOG_HELP: string = `Usage: mcpx log [options]

Shows the audit log: one line per upstream call of every execution of
"mcpx run" and "mcpx serve", oldest first, with its time, server/tool,
outcome, approval decision, duration, program line and execution id. The log
is audit.jsonl in $MCPX_DATA_DIR, else $XDG_DATA_HOME/mcpx, else
~/.local/share/mcpx (or $MCPX_AUDIT_LOG, or "mcpx.audit.path" in the config).

Options:
      --since WHEN          Entries since a time ago (30s, 15m, 2h, 7d) or an ISO date
      --tool PATTERN        Only these tools: "memory/delete_*", "memory", "write_file"
      --execution ID        Only one execution
      --file PATH           Read this log file instead
      --json                Print the entries as JSON lines
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

/** `mcpx install --help`. */
export const INSTALL_HELP: string = `Usage: mcpx install --client CLIENT [server…] [options]

Moves the MCP servers of a client's config into an mcpx config and puts one
mcpx entry, running "mcpx serve" with that config, in their place. The client's
file keeps its comments and layout; entries move verbatim, so \${VAR}
references stay references. A timestamped backup is written beside the
client's config first, and both changes are shown as a diff.

Clients and where their config is read:
  claude-desktop    ~/Library/Application Support/Claude/claude_desktop_config.json (macOS),
                    %APPDATA%\\Claude\\claude_desktop_config.json (Windows),
                    ~/.config/Claude/claude_desktop_config.json (Linux)
  claude-code       ./.mcp.json
  vscode            ./.vscode/mcp.json
  cursor            ~/.cursor/mcp.json

Options:
      --client CLIENT       claude-desktop, claude-code, vscode or cursor (required)
  -s, --server NAME         Move only this server (repeatable; default: all)
      --config-path FILE    The client's config, when it is not in the standard place
      --mcpx-config FILE    Where to write the mcpx config (default: ./mcpx.json for
                            project clients, else <config dir>/mcpx/<client>.json)
      --name NAME           Name of mcpx's entry in the client (default mcpx)
      --deno PATH           The deno program the client runs (default: deno)
      --dry-run             Show the diff, write nothing
  -h, --help                Show this help
`;

/** `mcpx uninstall --help`. */
export const UNINSTALL_HELP: string = `Usage: mcpx uninstall --client CLIENT [options]

Puts the servers of the mcpx config that the client's mcpx entry runs back
into the client's config, and removes the mcpx entry. A backup is written
first; the mcpx config is left in place.

Options:
      --client CLIENT       claude-desktop, claude-code, vscode or cursor (required)
      --config-path FILE    The client's config, when it is not in the standard place
      --name NAME           Name of mcpx's entry in the client (default mcpx)
      --dry-run             Show the diff, write nothing
  -h, --help                Show this help
`;

/** `mcpx add --help`. */
export const ADD_HELP: string = `Usage: mcpx add NAME [options] -- <command> [args…]
       mcpx add NAME --url URL [--transport http|sse] [options]

Adds a server to a config file (--config FILE, else ./mcpx.json, ./.mcp.json or
./.vscode/mcp.json, else a new ./mcpx.json), keeping its comments and layout.

Options:
  -c, --config FILE         The config file to change
      --url URL             A remote server (Streamable HTTP, or --transport sse)
      --transport KIND      http (default) or sse
  -e, --env KEY=VALUE       Environment of a stdio server (repeatable; \${VAR} allowed)
  -H, --header "K: V"       Header of a remote server (repeatable; \${VAR} allowed)
  -f, --force               Replace a server of the same name
  -h, --help                Show this help
`;

/** `mcpx completions --help`. */
export const COMPLETIONS_HELP: string = `Usage: mcpx completions <bash | zsh | fish>

Prints a shell completion script for mcpx's commands and options.

  bash: mcpx completions bash > ~/.local/share/bash-completion/completions/mcpx
  zsh:  mcpx completions zsh > "\${fpath[1]}/_mcpx"
  fish: mcpx completions fish > ~/.config/fish/completions/mcpx.fish

Options:
  -h, --help                Show this help
`;

/** `mcpx doctor --help`. */
export const DOCTOR_HELP: string = `Usage: mcpx doctor [options]

Checks what mcpx needs, one line per check with a fix for each problem:
Deno's version, sandbox workers without permissions, the WebAssembly sandbox,
the config and each of its servers (starts, lists tools, credentials), Javy,
and the saved plugins. Exit code 1 when a check fails.

Options:
  -c, --config FILE         Server configuration file
      --plugin-dir DIR      Plugin directory (default $MCPX_PLUGIN_DIR or ./plugins)
      --timeout MS          Connect timeout per server (default 20000)
      --json                Print {ok, checks} as JSON
  -h, --help                Show this help
`;

/** `mcpx auth --help`. */
export const AUTH_HELP: string = `Usage: mcpx auth <login | logout | status> [server…] [options]

Logs in to remote MCP servers protected by OAuth (the MCP authorization spec):
discovery of the server's authorization server, client registration (dynamic,
or the "oauth" settings of the server's config entry), authorization code with
PKCE through a loopback redirect. Tokens are kept per server in mcpx's config
directory with mode 0600; serve and run refresh them silently. With no server
named, every remote server of the config is used.

  login                     Open the browser (or print the address) and log in
  logout                    Forget the server's tokens
  status                    Show each server's login state

Options:
  -c, --config FILE         Server configuration file
      --no-browser          Print the address only
      --timeout MS          How long login waits for the browser (default 300000)
      --json                For status: print JSON
  -h, --help                Show this help
`;

/** `mcpx build --help`. */
export const BUILD_HELP: string = `Usage: mcpx build <file.ts> -o <out.wasm> [options]

Compiles a program and the tool modules it imports to a WebAssembly module in
the shape "javy build -C dynamic" writes: the QuickJS bytecode in a passive data
segment, linked at run time against the Javy plugin's import namespace. Run it
with "mcpx run out.wasm" (same plugin), or with any host that provides the
plugin and the mcpx tool bridge. Needs javy on the PATH (or MCPX_JAVY), or
--javy-plugin FILE.

Options:
  -o, --out FILE            Where to write the module (required)
  -c, --config FILE         Server configuration file
      --plugin-dir DIR      Also use servers from saved plugins in DIR
      --javy-plugin FILE    Javy plugin to compile with (default: from "javy emit-plugin")
  -h, --help                Show this help
`;

/** The help text of every command, by name (also the source of the shell completions). */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  demo: DEMO_HELP,
  introspect: INTROSPECT_HELP,
  generate: GENERATE_HELP,
  plugin: PLUGIN_HELP,
  run: RUN_HELP,
  serve: SERVE_HELP,
  tokens: TOKENS_HELP,
  build: BUILD_HELP,
  log: LOG_HELP,
  install: INSTALL_HELP,
  uninstall: UNINSTALL_HELP,
  add: ADD_HELP,
  auth: AUTH_HELP,
  doctor: DOCTOR_HELP,
  completions: COMPLETIONS_HELP,
};
