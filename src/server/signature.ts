/**
 * The part of a generated tool module a model needs to call the tool: its
 * input and output types and its documented definition, without the imports.
 * A generated module is already that compact form plus one `import` line, so
 * `search_tools` with `detail: "full"` shows the module as the model would
 * read it.
 *
 * @module
 */

const BODY = /\)\s*:\s*(Promise<[^\n]*>)\s*\{\s*\n\s*return await callTool\b[^\n]*\n\}\s*$/;

/**
 * Cuts the declarations out of a generated module's `source`: leading `//`
 * comments and `import` lines are dropped. Modules of earlier mcpx versions,
 * whose last exported function had a body, get `;` in place of the body.
 *
 * @example
 * ```ts
 * import { toolSignature } from "./signature.ts";
 * const src = `import * as $ from "../../runtime.ts";\n\nexport interface EchoInput { message: string }\nexport type EchoOutput = $.ToolContent;\n\n/** Echoes. *\/\nexport const echo = $.tool<EchoInput, EchoOutput>("e", "echo");\n`;
 * toolSignature(src).startsWith("export interface EchoInput"); // true
 * ```
 */
export function toolSignature(source: string): string {
  const lines = source.split("\n");
  let i = 0;
  while (i < lines.length) {
    const l = lines[i].trim();
    if (l === "" || l.startsWith("//") || /^import\b/.test(l)) i++;
    else break;
  }
  let body = lines.slice(i).join("\n").trimEnd();
  body = body.replace(BODY, "): $1;");
  return body.replace(/\n{3,}/g, "\n\n");
}
