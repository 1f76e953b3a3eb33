/** Renders `/`-separated paths as an indented tree, directories first. */
export function formatTree(paths: readonly string[], rootLabel = "."): string {
  interface Node {
    dirs: Map<string, Node>;
    files: string[];
  }
  const root: Node = { dirs: new Map(), files: [] };
  for (const p of paths) {
    const parts = p.split("/");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let next = node.dirs.get(part);
      if (!next) node.dirs.set(part, next = { dirs: new Map(), files: [] });
      node = next;
    }
    node.files.push(parts[parts.length - 1]);
  }
  const lines = [rootLabel];
  const visit = (node: Node, prefix: string) => {
    const entries: [string, Node | undefined][] = [
      ...[...node.dirs.keys()].sort().map((d) => [d + "/", node.dirs.get(d)] as [string, Node]),
      ...node.files.sort().map((f) => [f, undefined] as [string, undefined]),
    ];
    entries.forEach(([name, child], i) => {
      const last = i === entries.length - 1;
      lines.push(`${prefix}${last ? "└── " : "├── "}${name}`);
      if (child) visit(child, prefix + (last ? "    " : "│   "));
    });
  };
  visit(root, "");
  return lines.join("\n") + "\n";
}
