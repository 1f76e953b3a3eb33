// Assets a single-file build carries inside itself: the QuickJS WebAssembly
// bytes and the worker's source. Empty when running from source, where both
// are read next to the modules.

import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Assets set by the single-file entry point before anything else runs. */
export const embedded: { wasm?: Uint8Array<ArrayBuffer>; workerSource?: string; id?: string } = {};

let workerUrl: URL | undefined;

/**
 * The URL to start a sandbox worker from. A single-file build writes its
 * embedded worker to the temporary directory once (named by its content id),
 * since bundled npm code needs a `file:` module URL.
 */
export function workerEntry(fallback: URL): URL {
  if (embedded.workerSource === undefined) return fallback;
  if (workerUrl !== undefined) return workerUrl;
  const path = join(tmpdir(), `mcpx-worker-${embedded.id ?? embedded.workerSource.length}.js`);
  let current = false;
  try {
    current = Deno.readTextFileSync(path) === embedded.workerSource;
  } catch { /* not written yet */ }
  if (!current) {
    const tmp = `${path}.${crypto.randomUUID()}`;
    Deno.writeTextFileSync(tmp, embedded.workerSource);
    Deno.renameSync(tmp, path);
  }
  return workerUrl = pathToFileURL(path);
}
