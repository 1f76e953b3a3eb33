import assert from "node:assert/strict";
import { McpxError } from "../errors.ts";
import { Workspace } from "./workspace.ts";

Deno.test("Workspace reads, writes, lists and removes files", () => {
  const ws = new Workspace();
  ws.write("a/b.txt", "hé");
  ws.write("/workspace/c.ts", "export const c = 1;");
  assert.equal(ws.read("./a/b.txt"), "hé");
  assert.deepEqual(ws.list(), [{ path: "a/b.txt", bytes: 3 }, { path: "c.ts", bytes: 19 }]);
  assert.equal(ws.bytes, 22);
  assert.deepEqual(ws.importable(), [["/workspace/c.ts", "export const c = 1;"]]);
  ws.write("a/b.txt", "x");
  assert.equal(ws.bytes, 20);
  assert.equal(ws.remove("a/b.txt"), true);
  assert.equal(ws.remove("a/b.txt"), false);
  assert.throws(() => ws.read("a/b.txt"), /No workspace file "a\/b.txt": files are "c.ts"/);
});

Deno.test("Workspace refuses writes over its caps and leaves files as they were", () => {
  const ws = new Workspace({ maxBytes: 10, maxFiles: 2 });
  ws.write("a", "12345");
  assert.throws(() => ws.write("b", "123456"), (e) => {
    assert.ok(e instanceof McpxError);
    assert.equal(e.code, "WORKSPACE_LIMIT");
    assert.match(e.message, /would hold 11 bytes, over its limit of 10/);
    return true;
  });
  ws.write("b", "12345");
  assert.throws(() => ws.write("c", ""), /already holds 2 files/);
  ws.write("a", "1"); // replacing is not a new file
  assert.equal(ws.size, 2);
  assert.equal(ws.bytes, 6);
});

Deno.test("Workspace refuses escaping paths and non-string text", () => {
  const ws = new Workspace();
  for (const bad of ["", "..", "a/../../b", "/", "a\\b", 42]) {
    assert.throws(() => ws.write(bad as string, "x"), /Invalid workspace path/);
  }
  assert.throws(() => ws.write("a", { x: 1 } as never), /text must be a string/);
  assert.throws(() => ws.handle("chmod", {}), /Unknown workspace operation "chmod"/);
});
