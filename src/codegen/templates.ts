import { Eta } from "eta";
import { join } from "node:path";
import { McpxError } from "../errors.ts";
import toolTemplate from "../../templates/tool.eta" with { type: "text" };
import serverIndexTemplate from "../../templates/server_index.eta" with { type: "text" };
import serverReadmeTemplate from "../../templates/server_readme.eta" with { type: "text" };
import serversIndexTemplate from "../../templates/servers_index.eta" with { type: "text" };
import readmeTemplate from "../../templates/readme.eta" with { type: "text" };
import runtimeTemplate from "../../templates/runtime.eta" with { type: "text" };

/**
 * The names of the templates a template directory may override.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * assert.ok(TEMPLATE_NAMES.includes("tool"));
 * assert.ok(TEMPLATE_NAMES.includes("runtime"));
 * ```
 */
export const TEMPLATE_NAMES = [
  "tool",
  "server_index",
  "server_readme",
  "servers_index",
  "readme",
  "runtime",
] as const;

/**
 * One of {@link TEMPLATE_NAMES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const name: TemplateName = "tool";
 * assert.ok(TEMPLATE_NAMES.includes(name));
 * ```
 */
export type TemplateName = typeof TEMPLATE_NAMES[number];

/**
 * Template sources by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function override(base: TemplateSources, readme: string): TemplateSources {
 *   return { ...base, readme };
 * }
 * assert.equal(typeof override, "function"); // e.g. override(DEFAULT_TEMPLATES, "# My tree\n")
 * ```
 */
export type TemplateSources = Record<TemplateName, string>;

/**
 * The templates shipped with mcpx.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * for (const name of TEMPLATE_NAMES) assert.equal(typeof DEFAULT_TEMPLATES[name], "string");
 * ```
 */
export const DEFAULT_TEMPLATES: Readonly<TemplateSources> = Object.freeze({
  tool: toolTemplate,
  server_index: serverIndexTemplate,
  server_readme: serverReadmeTemplate,
  servers_index: serversIndexTemplate,
  readme: readmeTemplate,
  runtime: runtimeTemplate,
});

/**
 * Compiled templates, ready to render.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const templates: CompiledTemplates = { render: (name, data) => `${name}: ${JSON.stringify(data)}` };
 * assert.equal(templates.render("readme", {}), "readme: {}");
 * ```
 */
export interface CompiledTemplates {
  /** Renders template `name` with `data`. */
  render(name: TemplateName, data: object): string;
}

const eta = new Eta({ autoEscape: false, autoTrim: false, useWith: false, cache: false });

function compileAll(sources: TemplateSources, origin: string): CompiledTemplates {
  const fns = new Map<TemplateName, ReturnType<Eta["compile"]>>();
  for (const name of TEMPLATE_NAMES) {
    try {
      fns.set(name, eta.compile(sources[name]));
    } catch (cause) {
      throw new McpxError(
        "TEMPLATE_ERROR",
        `Cannot compile template "${name}.eta" from ${origin}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  return {
    render(name, data) {
      try {
        return eta.render(fns.get(name)!, data);
      } catch (cause) {
        throw new McpxError(
          "TEMPLATE_ERROR",
          `Cannot render template "${name}.eta" from ${origin}: ${(cause as Error).message}`,
          { cause },
        );
      }
    },
  };
}

let defaults: CompiledTemplates | undefined;

/** The shipped templates, compiled once per process. */
export function defaultTemplates(): CompiledTemplates {
  return defaults ??= compileAll(DEFAULT_TEMPLATES, "the built-in templates");
}

/**
 * Loads templates from `dir`: every `<name>.eta` there overrides the built-in
 * template of that name; the others keep their defaults.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/readme.eta`, "# <%= it.servers.length %> servers\n");
 * const templates = await loadTemplates(dir);
 * assert.equal(typeof templates.render, "function");
 * await assert.rejects(() => loadTemplates(`${dir}/missing`), /Cannot use templates directory/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadTemplates(dir: string): Promise<CompiledTemplates> {
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) throw new Error("not a directory");
  } catch (cause) {
    throw new McpxError(
      "TEMPLATE_ERROR",
      `Cannot use templates directory "${dir}": ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const sources: TemplateSources = { ...DEFAULT_TEMPLATES };
  for (const name of TEMPLATE_NAMES) {
    try {
      sources[name] = await Deno.readTextFile(join(dir, `${name}.eta`));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return compileAll(sources, `"${dir}"`);
}
