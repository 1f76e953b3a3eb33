// Resolution of import specifiers inside the sandbox's virtual tree. Only
// files of the tree can be imported; every other specifier gets a message
// that says why.

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** The outcome of resolving one specifier. */
/** Read access to a tree of files: a `Map`, or layers of them. */
export interface FileLookup {
  get(path: string): string | undefined;
  has(path: string): boolean;
}

export type Resolution = { path: string } | { error: string };

/**
 * Resolves `specifier` imported from the module at `importer` against the
 * tree `files` (absolute, normalized paths).
 */
export function resolveSpecifier(
  importer: string,
  specifier: string,
  files: FileLookup,
): Resolution {
  if (SCHEME.test(specifier)) {
    const scheme = specifier.slice(0, specifier.indexOf(":")).toLowerCase();
    if (scheme === "http" || scheme === "https") {
      return {
        error: `Cannot import "${specifier}": remote imports are not allowed in the sandbox`,
      };
    }
    return {
      error:
        `Cannot import "${specifier}": "${scheme}:" imports are not allowed in the sandbox, only files of its tree`,
    };
  }
  let base: string[];
  if (specifier.startsWith("/")) {
    base = [];
  } else if (specifier.startsWith("./") || specifier.startsWith("../")) {
    base = importer.split("/").slice(1, -1);
  } else {
    return {
      error:
        `Cannot import "${specifier}" from "${importer}": bare specifiers are not supported in the sandbox, import a file of the tree such as "./servers/<server>/index.ts"`,
    };
  }
  for (const segment of specifier.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (base.length === 0) {
        return {
          error: `Cannot import "${specifier}" from "${importer}": outside the sandbox tree`,
        };
      }
      base.pop();
    } else {
      base.push(segment);
    }
  }
  const path = "/" + base.join("/");
  if (!files.has(path)) {
    return {
      error:
        `Cannot import "${specifier}" from "${importer}": no file "${path}" in the sandbox tree`,
    };
  }
  return { path };
}
