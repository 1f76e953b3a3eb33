// `deno task conformance`: the official MCP conformance suite
// (`@modelcontextprotocol/conformance`, server mode) against `mcpx serve --http`
// with server-everything behind it, in a pinned stable release and the pinned
// 2026-07-28 prerelease. Not part of `deno task test`.
//
//   deno task conformance              both releases
//   deno task conformance stable       only the stable one
//   deno task conformance next         only the prerelease
//
//   deno task conformance next server-stateless   one scenario of one release
//
// Each scenario is classed: "protocol" ones test mcpx itself and must pass;
// "fixture" ones call tools, resources or prompts that only the suite's
// reference server has (test_simple_text, test://static-text, …), so they
// cannot pass through a gateway that exposes its own five tools and
// namespaces upstream resources and prompts; "extension" ones test optional
// extensions mcpx does not offer. A few checks of protocol scenarios call a
// diagnostic tool of the reference server too; the suite reports them as
// failures marked "untestable". Those listed in FIXTURE_CHECKS are counted
// apart (mcpx's own tests cover what they check); any other failure, marked
// or not, fails the scenario. Results land in .out/conformance/<version>/.
// Exit code 1 when a protocol scenario fails.
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** Pinned releases of the suite. */
const RELEASES: Record<string, string> = {
  stable: "0.1.16",
  next: "0.2.0-alpha.12",
};

type Kind = "protocol" | "fixture" | "extension";

/** Why a scenario is not a protocol scenario of mcpx. */
const FIXTURE = "needs the reference server's own tools, resources or prompts";

/**
 * Checks of protocol scenarios that need a diagnostic tool of the suite's
 * reference server, by scenario and check id, with the tool they call. They
 * count only when the suite marks them untestable (the tool is not listed).
 */
const FIXTURE_CHECKS: Record<string, Record<string, string>> = {
  "server-stateless": {
    "sep-2575-server-rejects-undeclared-capability": "test_missing_capability",
    "sep-2575-missing-capability-http-400": "test_missing_capability",
    "sep-2575-http-server-no-independent-requests-on-stream": "test_streaming_elicitation",
    "sep-2575-server-no-log-without-loglevel": "test_logging_tool",
  },
};

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
  details?: { untestable?: boolean };
}

/** True when `check` failed only because it needs a listed reference-server tool. */
function isFixtureCheck(scenario: string, check: Check): boolean {
  return check.status === "FAILURE" && check.details?.untestable === true &&
    FIXTURE_CHECKS[scenario]?.[check.id] !== undefined;
}

function kindOf(scenario: string): { kind: Kind; why?: string } {
  if (/^(sep-2640-skills|tasks-)/.test(scenario)) {
    return { kind: "extension", why: "optional extension mcpx does not offer" };
  }
  if (
    /^(tools-call-|resources-read-|resources-templates-read|resources-(un)?subscribe|prompts-get-|completion-complete|json-schema-2020-12|elicitation-sep)/
      .test(scenario) ||
    (/^input-required-result-/.test(scenario) &&
      !/unsupported-methods|validate-input|ignore-extra-params|missing-input-response/.test(
        scenario,
      ))
  ) {
    return { kind: "fixture", why: FIXTURE };
  }
  return { kind: "protocol" };
}

const root = fileURLToPath(new URL("..", import.meta.url));
const which = Deno.args[0];
const only = Deno.args[1];
if (which !== undefined && !(which in RELEASES)) {
  console.error(`Unknown release "${which}": use ${Object.keys(RELEASES).join(" or ")}`);
  Deno.exit(2);
}
const releases = which ? [which] : Object.keys(RELEASES);

const tmp = await Deno.makeTempDir({ prefix: "mcpx-conformance-" });
const everything = join(root, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
const config = join(tmp, "mcp.json");
await Deno.writeTextFile(
  config,
  JSON.stringify({ mcpServers: { everything: { command: "node", args: [everything, "stdio"] } } }),
);
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const port = (listener.addr as Deno.NetAddr).port;
listener.close();
const serve = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    join(root, "cli.ts"),
    "serve",
    "--http",
    String(port),
    "--config",
    config,
    "--plugin-dir",
    join(tmp, "plugins"),
  ],
  stdout: "null",
  stderr: "piped",
}).spawn();
const reader = serve.stderr.pipeThrough(new TextDecoderStream()).getReader();
let seen = "";
while (!seen.includes("listening on")) {
  const { value, done } = await reader.read();
  if (done) throw new Error(`mcpx serve exited: ${seen}`);
  seen += value;
}
(async () => {
  while (!(await reader.read()).done) { /* drain */ }
})().catch(() => {});
const url = `http://127.0.0.1:${port}/mcp`;

let protocolFailures = 0;
try {
  for (const release of releases) {
    const version = RELEASES[release];
    const out = join(root, ".out/conformance", version);
    await Deno.remove(out, { recursive: true }).catch(() => {});
    console.log(`\n## @modelcontextprotocol/conformance@${version} (${release}) against ${url}\n`);
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `npm:@modelcontextprotocol/conformance@${version}`,
        "server",
        "--url",
        url,
        "--suite",
        "all",
        ...(only ? ["--scenario", only] : []),
        "-o",
        out,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    if (run.code !== 0 && run.code !== 1) {
      console.error(new TextDecoder().decode(run.stderr));
      throw new Error(`The suite exited with code ${run.code}`);
    }
    const rows: {
      scenario: string;
      kind: Kind;
      passed: number;
      failed: number;
      fixture: Check[];
      why?: string;
    }[] = [];
    for await (const e of Deno.readDir(out)) {
      if (!e.isDirectory) continue;
      const scenario = e.name.replace(/^server-/, "").replace(/-\d{4}-\d{2}-\d{2}T.*$/, "");
      let checks: Check[] = [];
      try {
        checks = JSON.parse(await Deno.readTextFile(join(out, e.name, "checks.json")));
      } catch { /* no checks written */ }
      const { kind, why } = kindOf(scenario);
      rows.push({
        scenario,
        kind,
        why,
        passed: checks.filter((c) => c.status === "SUCCESS").length,
        failed: checks.filter((c) => c.status === "FAILURE" && !isFixtureCheck(scenario, c)).length,
        fixture: checks.filter((c) => isFixtureCheck(scenario, c)),
      });
    }
    rows.sort((a, b) => a.kind.localeCompare(b.kind) || a.scenario.localeCompare(b.scenario));
    console.log("| scenario | class | passed | failed | needs a reference-server tool |");
    console.log("| --- | --- | --- | --- | --- |");
    for (const r of rows) {
      console.log(
        `| ${r.scenario} | ${r.kind} | ${r.passed} | ${r.failed} | ${r.fixture.length || ""} |`,
      );
    }
    for (const r of rows) {
      for (const c of r.fixture) {
        console.log(`  ${r.scenario}: ${c.id} calls ${FIXTURE_CHECKS[r.scenario][c.id]}`);
      }
    }
    const protocol = rows.filter((r) => r.kind === "protocol");
    const bad = protocol.filter((r) => r.failed > 0);
    protocolFailures += bad.length;
    console.log(
      `\nprotocol scenarios: ${protocol.length - bad.length} of ${protocol.length} pass` +
        (bad.length ? `; failing: ${bad.map((r) => r.scenario).join(", ")}` : ""),
    );
  }
} finally {
  serve.kill("SIGTERM");
  await serve.status;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}
Deno.exit(protocolFailures > 0 ? 1 : 0);
