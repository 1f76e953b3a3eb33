#!/usr/bin/env -S deno run -A
/**
 * The `mcpx` command line. Run `mcpx --help` for the commands.
 *
 * @module
 */
import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
