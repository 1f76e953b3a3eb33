/**
 * The validator the MCP client checks a tool's `structuredContent` against its
 * `outputSchema` with: the SDK's own (Ajv with its formats, configured as the
 * SDK configures it), except that `pattern`s match in linear time
 * ({@link compilePattern}), so that a server cannot stall the host with a
 * pattern such as `^(a+)+$` and a result built to defeat it. A pattern with
 * no linear-time equivalent is not enforced, with one warning.
 *
 * @module
 */

import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { compilePattern } from "./linear_pattern.ts";

type RegExpEngine = ((pattern: string, u: string) => { test: (s: string) => boolean }) & {
  code: string;
};

/** Options of {@link outputSchemaValidator}. */
export interface OutputSchemaValidatorOptions {
  /** Told once per pattern that cannot be enforced (default `console.warn`). */
  onWarning?: (message: string) => void;
  /** How to name the server in warnings. */
  server?: string;
}

/**
 * A `jsonSchemaValidator` for the SDK client's `jsonSchemaValidator` option.
 *
 * @example
 * ```ts ignore
 * const client = new Client(info, { jsonSchemaValidator: outputSchemaValidator() });
 * ```
 */
export function outputSchemaValidator(
  opts: OutputSchemaValidatorOptions = {},
): AjvJsonSchemaValidator {
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const warned = new Set<string>();
  const regExp: RegExpEngine = Object.assign((pattern: string) => {
    // Ajv keys compiled patterns by their string form.
    const key = () => `linear:${pattern}`;
    const compiled = compilePattern(pattern);
    if (compiled !== undefined) return { test: compiled.test, toString: key };
    if (!warned.has(pattern)) {
      warned.add(pattern);
      const who = opts.server === undefined ? "A server" : `Server "${opts.server}"`;
      try {
        warn(
          `${who}: output schema pattern ${
            JSON.stringify(pattern)
          } has no linear-time equivalent (lookaround or back-reference): it is not enforced`,
        );
      } catch { /* a listener's failure is its own */ }
    }
    return { test: () => true, toString: key };
  }, { code: "linearPattern" });
  const ajv = new Ajv({
    strict: false,
    validateFormats: true,
    validateSchema: false,
    allErrors: true,
    code: { regExp },
  });
  (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
  return new AjvJsonSchemaValidator(
    ajv as unknown as ConstructorParameters<typeof AjvJsonSchemaValidator>[0],
  );
}
