import assert from "node:assert/strict";
import { dropTypeImports, type ModuleExports, typeExports, valueExports } from "./_type_imports.ts";

Deno.test("valueExports finds value exports and gives up on export *", () => {
  const js = `export async function getSum(args) {}
export const x = 1, y = 2;
export class K {}
export { a, b as c } from "./a.ts";
export {          } from "./types.ts";
export * as ns from "./ns.ts";
export default 5;`;
  assert.deepEqual([...valueExports(js)!].sort(), ["K", "a", "c", "default", "getSum", "ns", "x"]);
  assert.equal(valueExports(`export * from "./x.ts";`), undefined);
});

Deno.test("typeExports finds interfaces, aliases and type-only re-exports", () => {
  const ts = `export interface A { a: number }
export type B = string;
export declare type C = 1;
export type { D, E as F } from "./d.ts";
export { g, type H } from "./g.ts";`;
  assert.deepEqual([...typeExports(ts)].sort(), ["A", "B", "C", "D", "F", "H"]);
});

Deno.test("dropTypeImports blanks type-only names, keeps unknown ones and every position", () => {
  const ts =
    `export { getSum } from "./getSum.ts";\nexport type { GetSumInput, GetSumOutput } from "./getSum.ts";`;
  const js = `export { getSum } from "./getSum.ts";\n${" ".repeat(61)}`;
  const files = new Map([["/servers/s/index.ts", js], ["/main.ts", ""]]);
  const exportsOf = (p: string): ModuleExports | undefined =>
    p === "/servers/s/index.ts" ? { values: valueExports(js), types: typeExports(ts) } : undefined;
  const cases: [string, string][] = [
    [
      `import { getSum, GetSumInput } from "./servers/s/index.ts";`,
      `import { getSum              } from "./servers/s/index.ts";`,
    ],
    [
      `import { GetSumInput, getSum } from "./servers/s/index.ts";`,
      `import {              getSum } from "./servers/s/index.ts";`,
    ],
    [
      `import { GetSumInput as I, GetSumOutput } from "./servers/s/index.ts";`,
      `import {${
        " ".repeat(" GetSumInput as I, GetSumOutput ".length)
      }} from "./servers/s/index.ts";`,
    ],
    [
      `import {\n  getSum,\n  GetSumInput,\n} from "./servers/s/index.ts";`,
      `import {\n  getSum \n${" ".repeat(14)}\n} from "./servers/s/index.ts";`,
    ],
    // A name the module does not export at all stays, so linking names it.
    [
      `import { getSum, Nope } from "./servers/s/index.ts";`,
      `import { getSum, Nope } from "./servers/s/index.ts";`,
    ],
    // Unknown targets are left alone.
    [`import { nothing } from "./elsewhere.ts";`, `import { nothing } from "./elsewhere.ts";`],
  ];
  for (const [input, expected] of cases) {
    const out = dropTypeImports("/main.ts", input, files, exportsOf);
    assert.equal(out, expected);
    assert.equal(out.length, input.length);
  }
});

Deno.test("scanning exports and imports takes linear time on hostile input", () => {
  // A 1 MB comment of unclosed lists: with `[^}]*` every "import{" scanned to the end
  // of the text, which took minutes on the host's main thread.
  const hostile = `// ${"import{export{".repeat(75_000)}\nexport const a = 1;\n`;
  const t0 = performance.now();
  assert.deepEqual([...valueExports(hostile)!], ["a"]);
  typeExports(hostile);
  const files = { get: () => undefined, has: () => false };
  assert.equal(dropTypeImports("/main.ts", hostile, files, () => undefined), hostile);
  const ms = performance.now() - t0;
  assert.ok(ms < 1_000, `took ${ms.toFixed(0)} ms`);
});
