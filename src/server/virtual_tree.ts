/**
 * The file tree `mcpx serve` shows through `list_files` and `read_file`:
 * paths relative to the root (`README.md`, `servers/fs/readFile.ts`,
 * `skills/x.ts`, `workspace/notes.txt`), their listing and the nearest paths
 * to a wrong one.
 *
 * @module
 */

/**
 * Normalizes a path given by a client: `/a/b`, `./a/b/` and `a//b` all become
 * `a/b`; the root is `""`. Returns `undefined` for a path with `..`.
 *
 * @example
 * ```ts
 * import { normalizeTreePath } from "./virtual_tree.ts";
 * normalizeTreePath("./servers/fs/"); // "servers/fs"
 * ```
 */
export function normalizeTreePath(path: string | undefined): string | undefined {
  if (path === undefined) return "";
  const parts = path.trim().split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
  if (parts.includes("..")) return undefined;
  return parts.join("/");
}

/** One entry of a directory listing. */
export interface TreeEntry {
  /** Name inside the directory; directories end with `/`. */
  name: string;
  /** For a directory, the number of files below it. */
  files?: number;
}

/**
 * The entries of directory `dir` (normalized, `""` for the root) in a tree of
 * `paths`, directories first, each group sorted; `undefined` when `dir` holds
 * nothing.
 *
 * @example
 * ```ts
 * import { listDirectory } from "./virtual_tree.ts";
 * listDirectory(["README.md", "servers/a/x.ts", "servers/a/y.ts"], "");
 * // [{ name: "servers/", files: 2 }, { name: "README.md" }]
 * ```
 */
export function listDirectory(paths: Iterable<string>, dir: string): TreeEntry[] | undefined {
  const prefix = dir === "" ? "" : `${dir}/`;
  const dirs = new Map<string, number>();
  const files: string[] = [];
  let any = false;
  for (const p of paths) {
    if (!p.startsWith(prefix)) continue;
    any = true;
    const rest = p.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) files.push(rest);
    else {
      const name = rest.slice(0, slash + 1);
      dirs.set(name, (dirs.get(name) ?? 0) + 1);
    }
  }
  if (!any) return undefined;
  const sorted = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [
    ...[...dirs.keys()].sort(sorted).map((name) => ({ name, files: dirs.get(name)! })),
    ...files.sort(sorted).map((name) => ({ name })),
  ];
}

/** Edit distance of `a` and `b` (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * Up to `max` paths of the tree closest to `wanted`: same file name first, then
 * by case-insensitive edit distance of the whole path.
 *
 * @example
 * ```ts
 * import { closestPaths } from "./virtual_tree.ts";
 * closestPaths("servers/fs/readfile.ts", ["servers/fs/readFile.ts", "README.md"], 1);
 * // ["servers/fs/readFile.ts"]
 * ```
 */
export function closestPaths(wanted: string, paths: Iterable<string>, max = 3): string[] {
  const w = wanted.toLowerCase();
  const base = w.slice(w.lastIndexOf("/") + 1);
  const scored: { p: string; s: number }[] = [];
  for (const p of paths) {
    const lp = p.toLowerCase();
    const sameBase = base !== "" && lp.slice(lp.lastIndexOf("/") + 1) === base;
    scored.push({ p, s: (sameBase ? 0 : 1000) + editDistance(w, lp) });
  }
  scored.sort((a, b) => a.s - b.s || (a.p < b.p ? -1 : 1));
  return scored.slice(0, max).map((x) => x.p);
}
