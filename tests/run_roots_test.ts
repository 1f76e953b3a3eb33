// End-to-end: `mcpx run` gives upstream servers that ask for roots the working
// directory and each --root, and declares nothing else (no client to ask).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { tempDir, writeConfig } from "./_helpers.ts";
import { everythingServer, filesystemServer } from "./_servers.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

async function runIn(cwd: string, args: string[], code: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "run", ...args, "-"],
    cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(code));
  await w.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("mcpx run: roots are the working directory and --root; nothing else is offered", async () => {
  await using dir = await tempDir();
  const work = await Deno.realPath(dir.path);
  const extra = `${work}/extra`;
  await Deno.mkdir(extra);
  await Deno.writeTextFile(`${extra}/note.txt`, "in a root");
  const fs = filesystemServer(work);
  // server-filesystem with no folder argument: its folders come from roots.
  const cfg = await writeConfig(work, [everythingServer(), { ...fs, args: fs.args.slice(0, 1) }]);
  const r = await runIn(
    work,
    ["-c", cfg, "--root", "extra"],
    `import { getRootsList } from "./servers/everything/index.ts";
import { readTextFile } from "./servers/filesystem/index.ts";
import * as everything from "./servers/everything/index.ts";
import { text } from "./runtime.ts";
console.log(text(await getRootsList({})));
console.log("elicitation offered:", "triggerElicitationRequest" in everything);
export default await readTextFile({ path: ${JSON.stringify(`${extra}/note.txt`)} });`,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`URI: file://${work}\\n`));
  assert.match(r.stdout, new RegExp(`URI: file://${extra}`));
  assert.match(r.stdout, /elicitation offered: false/);
  assert.match(r.stdout, /in a root/);
});
