// Assets a single-file build carries inside itself: the QuickJS WebAssembly
// bytes and the sources of the sandbox worker and the type-stripping worker. Empty when running from source, where both
// are read next to the modules.

import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Assets set by the single-file entry point before anything else runs. */
export const embedded: {
  wasm?: Uint8Array<ArrayBuffer>;
  workerSource?: string;
  transpilerSource?: string;
  id?: string;
} = {};

const written = new Map<string, URL>();

/**
 * The URL to start a sandbox worker from. A single-file build writes its
 * embedded worker to the temporary directory once (named by its content id),
 * since bundled npm code needs a `file:` module URL.
 */
export function workerEntry(fallback: URL): URL {
  if (embedded.workerSource === undefined) return fallback;
  return writeOnce("worker", embedded.workerSource);
}

/** The URL to start the type-stripping worker from (see {@link workerEntry}). */
export function transpilerEntry(fallback: URL): URL {
  if (embedded.transpilerSource === undefined) return fallback;
  return writeOnce("transpiler", embedded.transpilerSource);
}

function writeOnce(kind: string, source: string): URL {
  const known = written.get(kind);
  if (known !== undefined) return known;
  const path = join(tmpdir(), `mcpx-${kind}-${embedded.id ?? source.length}.js`);
  let current = false;
  try {
    current = Deno.readTextFileSync(path) === source;
  } catch { /* not written yet */ }
  if (!current) {
    const tmp = `${path}.${crypto.randomUUID()}`;
    Deno.writeTextFileSync(tmp, source);
    Deno.renameSync(tmp, path);
  }
  const url = pathToFileURL(path);
  written.set(kind, url);
  return url;
}
