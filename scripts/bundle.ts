// Builds mcpx.js: one file that runs with `deno run -A mcpx.js`. The sandbox
// worker is bundled first and embedded as text, the QuickJS WebAssembly as
// bytes, so the single file needs nothing next to it.
//
//   deno run -A scripts/bundle.ts [output]   (default: mcpx.js)

import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const out = Deno.args[0] ?? "mcpx.js";
const work = await Deno.makeTempDir({ prefix: "mcpx-bundle-" });

async function deno(args: string[]): Promise<void> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (!r.success) throw new Error(`deno ${args.join(" ")} failed with code ${r.code}`);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].slice(0, 8).map((b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

try {
  const worker = `${work}/worker.js`;
  await deno(["bundle", "--quiet", "--platform", "deno", "-o", worker, "src/sandbox/worker.ts"]);
  const transpiler = `${work}/transpiler.js`;
  await deno([
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    "-o",
    transpiler,
    "src/sandbox/_transpile_worker.ts",
  ]);
  const entry = `${root}src/cli/_bundle_entry.ts`;
  await Deno.writeTextFile(
    entry,
    `// Written by scripts/bundle.ts; not part of the sources.
import wasm from "@jitl/quickjs-ng-wasmfile-release-sync/wasm" with { type: "bytes" };
import workerSource from ${JSON.stringify(worker)} with { type: "text" };
import transpilerSource from ${JSON.stringify(transpiler)} with { type: "text" };
import { embedded } from "../sandbox/_embedded.ts";
import { main } from "./main.ts";

embedded.wasm = wasm;
embedded.workerSource = workerSource;
embedded.transpilerSource = transpilerSource;
embedded.id = ${
      JSON.stringify(
        await sha256((await Deno.readTextFile(worker)) + (await Deno.readTextFile(transpiler))),
      )
    };

// Sandbox workers need Deno's worker options; a single file has no deno.json
// to enable them, so it re-runs itself with the flag when it was not given.
function workerOptionsEnabled(): boolean {
  if (Deno.env.get("MCPX_WORKER_OPTIONS") === "1") return true;
  try {
    const argv = Deno.readTextFileSync("/proc/self/cmdline").split("\0");
    return argv.includes("--unstable-worker-options") || argv.includes("--unstable");
  } catch {
    return false;
  }
}

if (workerOptionsEnabled()) {
  Deno.exit(await main(Deno.args));
} else {
  const self = new URL(import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-worker-options", self.protocol === "file:" ? self.pathname : self.href, ...Deno.args],
    env: { MCPX_WORKER_OPTIONS: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(sig, () => child.kill(sig));
  }
  Deno.exit((await child.status).code);
}
`,
  );
  try {
    await deno([
      "bundle",
      "--quiet",
      "--unstable-raw-imports",
      "--platform",
      "deno",
      "-o",
      out,
      entry,
    ]);
  } finally {
    await Deno.remove(entry);
  }
  const size = (await Deno.stat(`${root}${out}`).catch(() => Deno.stat(out))).size;
  console.error(`Wrote ${out} (${(size / 1048576).toFixed(1)} MiB)`);
} finally {
  await Deno.remove(work, { recursive: true });
}
