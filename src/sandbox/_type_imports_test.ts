import assert from "node:assert/strict";
import { dropTypeImports, valueExports } from "./_type_imports.ts";

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

Deno.test("dropTypeImports blanks type-only names and keeps every position", () => {
  const files = new Map([
    [
      "/servers/s/index.ts",
      `export { getSum } from "./getSum.ts";\nexport {                          } from "./getSum.ts";`,
    ],
    ["/main.ts", ""],
  ]);
  const exportsOf = (p: string) => valueExports(files.get(p) ?? "");
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
    // Unknown targets are left alone; the link error then names the problem.
    [`import { nothing } from "./elsewhere.ts";`, `import { nothing } from "./elsewhere.ts";`],
  ];
  for (const [input, expected] of cases) {
    const out = dropTypeImports("/main.ts", input, files, exportsOf);
    assert.equal(out, expected);
    assert.equal(out.length, input.length);
  }
});
