/**
 * Shell completions for bash, zsh and fish, derived from the commands' own
 * help texts so they never drift from the options the commands accept.
 *
 * @module
 */

/** One option of a command, as its help lists it. */
export interface OptionSpec {
  /** `--config`. */
  long: string;
  /** `-c`, when there is a short form. */
  short?: string;
  /** Whether it takes a value (`FILE`, `DIR`, `MS`, …). */
  value?: string;
  /** The help's description. */
  description: string;
}

/** One command: its summary, options and sub-commands. */
export interface CommandSpec {
  name: string;
  summary: string;
  options: OptionSpec[];
  /** Sub-commands (`plugin list`, `plugin verify`, …). */
  subcommands: string[];
}

/** The shells {@link completionScript} writes for. */
export const SHELLS: readonly string[] = ["bash", "zsh", "fish"];

const OPTION_LINE =
  /^\s+(?:(-[A-Za-z]), )?(--[a-z][a-z0-9-]*)(?: ([A-Z][A-Z_.…|]*|"[^"]+"|[A-Z]+=[A-Z]+))?\s{2,}(.*)$/;

/**
 * The options a help text lists (lines like `  -c, --config FILE   Server configuration file`).
 *
 * @example
 * ```ts
 * import { parseHelp } from "./completions.ts";
 * parseHelp("run", "Run it", "Options:\n  -c, --config FILE         Config\n").options[0].long; // "--config"
 * ```
 */
export function parseHelp(name: string, summary: string, help: string): CommandSpec {
  const options: OptionSpec[] = [];
  for (const line of help.split("\n")) {
    const m = OPTION_LINE.exec(line);
    if (m === null) continue;
    options.push({
      long: m[2],
      ...(m[1] ? { short: m[1] } : {}),
      ...(m[3] ? { value: m[3] } : {}),
      description: m[4].trim(),
    });
  }
  const usage = /^Usage: mcpx \S+ <([^>]+)>/m.exec(help)?.[1];
  const subcommands = usage !== undefined && usage.includes("|")
    ? usage.split("|").map((s) => s.trim().split(/\s+/)[0]).filter((s) => /^[a-z][a-z-]*$/.test(s))
    : [];
  return { name, summary, options, subcommands };
}

/** The commands and summaries of the main help's "Commands:" section. */
export function parseCommandList(mainHelp: string): { name: string; summary: string }[] {
  const section = mainHelp.split(/^Commands:\n/m)[1]?.split(/\n\n/)[0] ?? "";
  const out: { name: string; summary: string }[] = [];
  for (const line of section.split("\n")) {
    const m = /^\s+([a-z][a-z-]*)\b.*?\s{2,}(\S.*)$/.exec(line);
    if (m !== null && !out.some((c) => c.name === m[1])) out.push({ name: m[1], summary: m[2] });
  }
  return out;
}

/**
 * The completion script for `shell`.
 *
 * @throws {TypeError} naming the shell when it is not bash, zsh or fish.
 */
export function completionScript(shell: string, commands: readonly CommandSpec[]): string {
  switch (shell) {
    case "bash":
      return bash(commands);
    case "zsh":
      return zsh(commands);
    case "fish":
      return fish(commands);
    default:
      throw new TypeError(`Unknown shell "${shell}": use "bash", "zsh" or "fish"`);
  }
}

const takesPath = (o: OptionSpec) => o.value !== undefined && /FILE|DIR|PATH/.test(o.value);

function bash(commands: readonly CommandSpec[]): string {
  const cases = commands.map((c) => {
    const opts = c.options.flatMap((o) => o.short ? [o.long, o.short] : [o.long]).join(" ");
    const valued = c.options.filter((o) => o.value).flatMap((o) =>
      o.short ? [o.long, o.short] : [o.long]
    ).join(" ");
    const paths = c.options.filter(takesPath).flatMap((o) => o.short ? [o.long, o.short] : [o.long])
      .join(" ");
    return `    ${c.name}) opts="${opts}"; valued="${valued}"; paths="${paths}"; subs="${
      c.subcommands.join(" ")
    }" ;;`;
  }).join("\n");
  return `# bash completion for mcpx (mcpx completions bash)
_mcpx() {
  local cur prev cmd opts="" valued="" paths="" subs=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ \${COMP_CWORD} -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${
    commands.map((c) => c.name).join(" ")
  } --help --version --quiet" -- "$cur") )
    return
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$cmd" in
${cases}
  esac
  if [[ " $paths " == *" $prev "* ]]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
    return
  fi
  if [[ " $valued " == *" $prev "* ]]; then
    COMPREPLY=()
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [[ -n "$subs" && \${COMP_CWORD} -eq 2 ]]; then
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _mcpx mcpx
`;
}

function zshQuote(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/'/g, "'\\''").replace(/\[/g, "\\[").replace(
    /\]/g,
    "\\]",
  ).replace(/:/g, "\\:");
}

function zsh(commands: readonly CommandSpec[]): string {
  const list = commands.map((c) => `    '${c.name}:${zshQuote(c.summary)}'`).join("\n");
  const cases = commands.map((c) => {
    const specs = c.options.map((o) => {
      const names = o.short ? `'(${o.short} ${o.long})'{${o.short},${o.long}}` : `'${o.long}`;
      const head = o.short ? `'` : "";
      const action = o.value === undefined
        ? ""
        : takesPath(o)
        ? `:${o.value}:_files`
        : `:${o.value}: `;
      return `${names}${head}[${zshQuote(o.description)}]${action}'`;
    });
    if (c.subcommands.length) specs.push(`'1:sub-command:(${c.subcommands.join(" ")})'`);
    specs.push(`'*:file:_files'`);
    return `    ${c.name})\n      _arguments -s \\\n        ${
      specs.join(" \\\n        ")
    }\n      ;;`;
  }).join("\n");
  return `#compdef mcpx
# zsh completion for mcpx (mcpx completions zsh > "\${fpath[1]}/_mcpx")
_mcpx() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases}
  esac
}
_mcpx "$@"
`;
}

function fish(commands: readonly CommandSpec[]): string {
  const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const lines = [
    "# fish completion for mcpx (mcpx completions fish > ~/.config/fish/completions/mcpx.fish)",
    "complete -c mcpx -f",
  ];
  for (const c of commands) {
    lines.push(`complete -c mcpx -n __fish_use_subcommand -a ${c.name} -d ${q(c.summary)}`);
    const when = `"__fish_seen_subcommand_from ${c.name}"`;
    for (const s of c.subcommands) lines.push(`complete -c mcpx -n ${when} -a ${s}`);
    for (const o of c.options) {
      const parts = [`complete -c mcpx -n ${when} -l ${o.long.slice(2)}`];
      if (o.short) parts.push(`-s ${o.short.slice(1)}`);
      if (o.value !== undefined) parts.push(takesPath(o) ? "-r -F" : "-r");
      parts.push(`-d ${q(o.description)}`);
      lines.push(parts.join(" "));
    }
  }
  return lines.join("\n") + "\n";
}
