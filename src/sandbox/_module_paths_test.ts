import assert from "node:assert/strict";
import { resolveSpecifier } from "./_module_paths.ts";

const files = new Map([
  ["/main.ts", ""],
  ["/runtime.ts", ""],
  ["/servers/x/index.ts", ""],
  ["/servers/x/echo.ts", ""],
]);

Deno.test("resolveSpecifier resolves inside the tree", () => {
  assert.deepEqual(resolveSpecifier("/main.ts", "./servers/x/index.ts", files), {
    path: "/servers/x/index.ts",
  });
  assert.deepEqual(resolveSpecifier("/servers/x/index.ts", "./echo.ts", files), {
    path: "/servers/x/echo.ts",
  });
  assert.deepEqual(resolveSpecifier("/servers/x/echo.ts", "../../runtime.ts", files), {
    path: "/runtime.ts",
  });
  assert.deepEqual(resolveSpecifier("/servers/x/echo.ts", "/runtime.ts", files), {
    path: "/runtime.ts",
  });
  assert.deepEqual(resolveSpecifier("/main.ts", "./servers/./x/../x/echo.ts", files), {
    path: "/servers/x/echo.ts",
  });
});

Deno.test("resolveSpecifier refuses everything else with a reason", () => {
  const error = (importer: string, spec: string) => {
    const r = resolveSpecifier(importer, spec, files);
    assert.ok("error" in r, `${spec} resolved`);
    return r.error;
  };
  assert.equal(
    error("/main.ts", "https://x"),
    'Cannot import "https://x": remote imports are not allowed in the sandbox',
  );
  assert.match(error("/main.ts", "jsr:@std/fs"), /"jsr:" imports are not allowed/);
  assert.match(error("/main.ts", "node:fs"), /"node:" imports are not allowed/);
  assert.match(error("/main.ts", "file:///etc/passwd"), /"file:" imports are not allowed/);
  assert.match(error("/main.ts", "zod"), /bare specifiers are not supported/);
  assert.equal(
    error("/main.ts", "../../etc/passwd"),
    'Cannot import "../../etc/passwd" from "/main.ts": outside the sandbox tree',
  );
  assert.match(error("/servers/x/echo.ts", "../../../runtime.ts"), /outside the sandbox tree/);
  assert.match(error("/main.ts", "./nope.ts"), /no file "\/nope\.ts" in the sandbox tree/);
});
