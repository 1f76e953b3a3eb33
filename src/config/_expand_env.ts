// `${VAR}` / `${VAR:-default}` / `${env:VAR}` expansion for configuration values.

/** Raised by {@link expandEnv}; the caller adds the file and key to the message. */
export class ExpandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpandError";
  }
}

const PATTERN = /\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces every `${NAME}`, `${NAME:-default}` and `${env:NAME}` in `value`
 * with the variable from `env` (or `builtins` when `env` lacks it). An unset
 * variable without a default throws {@link ExpandError}; an empty one takes its
 * default, as in a POSIX shell.
 */
export function expandEnv(
  value: string,
  env: Readonly<Record<string, string>>,
  builtins: Readonly<Record<string, string>> = {},
): string {
  if (!value.includes("${")) return value;
  return value.replace(PATTERN, (whole, body: string) => {
    if (body.startsWith("input:")) {
      throw new ExpandError(
        `"${whole}" asks for an interactive input, which mcpx does not support: write the value or use \${VAR}`,
      );
    }
    const sep = body.indexOf(":-");
    let name = sep === -1 ? body : body.slice(0, sep);
    const fallback = sep === -1 ? undefined : body.slice(sep + 2);
    if (name.startsWith("env:")) name = name.slice(4);
    if (!NAME.test(name)) {
      throw new ExpandError(`"${whole}" is not a valid variable reference`);
    }
    const found = env[name] ?? builtins[name];
    if (found !== undefined && found !== "") return found;
    if (fallback !== undefined) return fallback;
    if (found !== undefined) return found;
    throw new ExpandError(`environment variable "${name}" is not set`);
  });
}
