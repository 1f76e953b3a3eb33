import { loadTranspiler, transpileModule } from "./src/sandbox/transpile.ts";
await loadTranspiler();
const src = "export default " + "(".repeat(800_000) + "1" + ")".repeat(800_000) + ";";
let t0 = performance.now();
try { transpileModule("/main.ts", src); } catch (e) { console.log("1st", (e as Error).constructor.name, String(e).slice(0, 200), performance.now() - t0); }
t0 = performance.now();
try { console.log(transpileModule("/b.ts", "const a: number = 1; export default a;").code); } catch (e) { console.log("2nd", String(e).slice(0, 200)); }
