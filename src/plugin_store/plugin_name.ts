import { McpxError } from "../errors.ts";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks that `name` is safe as a single directory name: letters, digits, `.`,
 * `_` and `-`, at most 64 characters, starting with a letter or digit (so no
 * `..`, no separators, no absolute paths, no hidden files).
 *
 * @throws {McpxError} with code `PLUGIN_INVALID_NAME` otherwise.
 */
export function validatePluginName(name: string, what = "plugin"): string {
  if (typeof name !== "string" || !NAME.test(name) || name.includes("..")) {
    throw new McpxError(
      "PLUGIN_INVALID_NAME",
      `Invalid ${what} name ${
        JSON.stringify(name)
      }: use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}
