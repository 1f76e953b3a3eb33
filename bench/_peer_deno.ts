// One contender of `bench/peers.ts` that runs in Deno: mcpx (the `Runtime`
// of mod.ts), bare QuickJS, `new Function`, or a direct SDK `callTool`.
//
// Usage: deno run -A bench/_peer_deno.ts <contender> [--cold <kind>]
//
// It speaks the JSON-lines protocol of bench/peers/_protocol.mjs on stdin and
// stdout. With `--cold`, it starts, runs one program of that kind, prints
// `{"cold":true,"result":…}` and exits: the driver times the whole process.
// The server's path comes from the `MCPX_PEERS_EVERYTHING` variable.

import { type Contender, type Kind, PROGRAMS, serve } from "./peers/_protocol.mjs";

/** The program of `contender` for `kind`; a contender is asked only for its own kinds. */
function program(contender: keyof typeof PROGRAMS, kind: Kind): string {
  const code = PROGRAMS[contender][kind];
  if (code === undefined) throw new Error(`The ${contender} contender has no "${kind}" program`);
  return code;
}

const everything = Deno.env.get("MCPX_PEERS_EVERYTHING");

/** Starts a direct SDK client on server-everything (the floor for tool calls). */
async function sdkClient() {
  // @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client"
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  // @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
  const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
  if (!everything) throw new Error("MCPX_PEERS_EVERYTHING is not set");
  const client = new Client({ name: "peers-bench", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({ command: "node", args: [everything], stderr: "ignore" }),
  );
  return client;
}

async function mcpx(): Promise<Contender> {
  const { Runtime } = await import("../mod.ts");
  if (!everything) throw new Error("MCPX_PEERS_EVERYTHING is not set");
  const runtime = await Runtime.create({
    servers: [{ name: "everything", transport: "stdio", command: "node", args: [everything] }],
    typeCheck: false,
  });
  return {
    kinds: ["trivial", "one", "ten"],
    async run(kind) {
      const r = await runtime.execute(program("mcpx", kind), { check: false });
      if (r.error) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.result;
    },
    close: () => runtime.close(),
  };
}

async function quickjs(): Promise<Contender> {
  const { newQuickJSWASMModuleFromVariant } = await import("quickjs-emscripten-core");
  const { default: variant } = await import("@jitl/quickjs-ng-wasmfile-release-sync");
  const qjs = await newQuickJSWASMModuleFromVariant(
    variant as unknown as Parameters<typeof newQuickJSWASMModuleFromVariant>[0],
  );
  return {
    kinds: ["trivial"],
    run(kind) {
      // A fresh runtime and context per run, evaluating the same ES module
      // mcpx evaluates, reading its default export as JSON, then disposed.
      const rt = qjs.newRuntime();
      const ctx = rt.newContext();
      try {
        const ns = ctx.unwrapResult(
          ctx.evalCode(program("quickjs", kind), "/main.js", { type: "module" }),
        );
        const value = ctx.getProp(ns, "default");
        const result = ctx.dump(value);
        value.dispose();
        ns.dispose();
        return Promise.resolve(result);
      } finally {
        ctx.dispose();
        rt.dispose();
      }
    },
    close: () => Promise.resolve(),
  };
}

type AsyncFn = (tools: Record<string, (args: unknown) => Promise<unknown>>) => Promise<unknown>;

async function newFunction(): Promise<Contender> {
  const client = await sdkClient();
  const tools = {
    echo: (args: unknown) =>
      client.callTool({ name: "echo", arguments: args as Record<string, unknown> }),
  };
  const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => AsyncFn;
  return {
    kinds: ["trivial", "one", "ten"],
    run(kind) {
      return new AsyncFunction("tools", program("function", kind))(tools);
    },
    close: () => client.close(),
  };
}

async function sdk(): Promise<Contender> {
  const client = await sdkClient();
  const echo = (message: string) => client.callTool({ name: "echo", arguments: { message } });
  return {
    kinds: ["one", "ten"],
    run(kind) {
      if (kind === "one") return echo("hi");
      return Promise.all(Array.from({ length: 10 }, (_, i) => echo(`hi${i}`)));
    },
    close: () => client.close(),
  };
}

const factories: Record<string, () => Promise<Contender>> = {
  mcpx,
  quickjs,
  function: newFunction,
  sdk,
};

const name = Deno.args[0];
const factory = factories[name];
if (!factory) {
  console.error(`Unknown contender "${name}": known are ${Object.keys(factories).join(", ")}`);
  Deno.exit(2);
}
await serve(factory, Deno.args.slice(1), {
  write: (line: string) => Deno.stdout.write(new TextEncoder().encode(line + "\n")).then(() => {}),
  lines: Deno.stdin.readable.pipeThrough(new TextDecoderStream()),
  rss: () => Deno.memoryUsage().rss,
  exit: (code: number) => Deno.exit(code),
  runtime: `deno ${Deno.version.deno}`,
});
