/**
 * The part of a generated tool module a model needs to call the tool: its
 * input and output types and its documented function signature, without the
 * header comment, the imports and the function body.
 *
 * @module
 */

const BODY = /\)\s*:\s*(Promise<[^\n]*>)\s*\{\s*\n\s*return await callTool\b[^\n]*\n\}\s*$/;

/**
 * Cuts the declarations out of a generated module's `source`: leading `//`
 * comments and `import` lines are dropped, and the body of the last exported
 * function becomes `;`. Modules that do not follow the generated shape are
 * returned without their header and imports.
 *
 * @example
 * ```ts
 * import { toolSignature } from "./signature.ts";
 * const src = `// Generated\nimport { callTool } from "../../runtime.ts";\n\nexport interface EchoInput { message: string }\n\n/** Echoes. *\/\nexport async function echo(args: EchoInput): Promise<string> {\n  return await callTool<string>("e", "echo", args);\n}\n`;
 * toolSignature(src).endsWith("export async function echo(args: EchoInput): Promise<string>;"); // true
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
