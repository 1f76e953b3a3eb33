import type { RuntimeOptions } from "../runtime/runtime.ts";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { UsageError } from "./usage_error.ts";

/**
 * The runtime options of `--engine` and `--javy-plugin`. With `javy`, the
 * plugin is resolved at once, so a missing javy is reported before anything
 * starts.
 */
export async function engineOptions(
  command: string,
  engine: string | undefined,
  javyPlugin: string | undefined,
  pluginDir: string | undefined,
  env: Record<string, string | undefined>,
): Promise<Pick<RuntimeOptions, "engine" | "javy">> {
  if (engine !== undefined && engine !== "quickjs" && engine !== "javy") {
    throw new UsageError(`Invalid --engine "${engine}": use "quickjs" or "javy"`, command);
  }
  if (javyPlugin !== undefined && engine !== "javy") {
    throw new UsageError("--javy-plugin needs --engine javy", command);
  }
  if (engine !== "javy") return {};
  const { resolveJavyPlugin } = await import("../sandbox/javy/plugin.ts");
  const plugin = await resolveJavyPlugin({
    file: javyPlugin,
    pluginDir: pluginDir ?? PluginStore.defaultDir(env),
    env,
  });
  return { engine: "javy", javy: { plugin } };
}
