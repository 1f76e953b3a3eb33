import { parseArgs } from "node:util";
import { oauthStoreFor } from "../auth/oauth_provider.ts";
import { basename, resolve } from "node:path";
import { pathToFileURL as toFileUrl } from "node:url";
import { PluginStore } from "../plugin_store/plugin_store.ts";
import { Redactor } from "../redact.ts";
import { escapeControl } from "./_safe_text.ts";
import { SkillStore } from "../plugin_store/skill_store.ts";
import type { EngineLimits } from "../sandbox/engine.ts";
import { serveHttp } from "../server/http_server.ts";
import { validateOrigins } from "../server/http_guard.ts";
import { ServeHost } from "../server/serve_host.ts";
import { checkBind, resolveServeToken } from "../auth/bearer_token.ts";
import { resolveResourceServer } from "../auth/resource_server_setup.ts";
import { serveStdio } from "../server/stdio_server.ts";
import { SERVE_HELP } from "./help.ts";
import { DEFAULT_SHUTDOWN_GRACE_MS, SignalGuard } from "../lifecycle/shutdown.ts";
import type { CliIo } from "./io.ts";
import { UsageError } from "./usage_error.ts";
import { engineOptions } from "./_engine.ts";
import {
  intOption,
  loadPlugins,
  policyOptions,
  resolveSetup,
  RUNTIME_OPTIONS,
} from "./_servers.ts";
import { POLICY_OPTIONS, policySetup } from "./_policy_setup.ts";
import { startTracing } from "../policy/trace_exporter.ts";

/** `mcpx serve`. */
export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...RUNTIME_OPTIONS,
      ...POLICY_OPTIONS,
      http: { type: "string" },
      host: { type: "string" },
      "max-result-chars": { type: "string" },
      "shutdown-grace": { type: "string" },
      "no-check": { type: "boolean" },
      root: { type: "string", multiple: true },
      "allow-origin": { type: "string", multiple: true },
      token: { type: "string" },
      "token-file": { type: "string" },
      "allow-unauthenticated": { type: "boolean" },
      "oauth-issuer": { type: "string" },
      "oauth-resource": { type: "string" },
      "oauth-scopes": { type: "string" },
      "oauth-client-id": { type: "string" },
      "max-sessions": { type: "string" },
      "session-idle-timeout": { type: "string" },
      "body-timeout": { type: "string" },
    },
  });
  if (v.help) {
    io.out(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}"`, "serve");
  }
  if (v.host !== undefined && v.http === undefined) {
    throw new UsageError("--host needs --http PORT", "serve");
  }
  if (v["allow-origin"] !== undefined && v.http === undefined) {
    throw new UsageError("--allow-origin needs --http PORT", "serve");
  }
  let allowOrigins: string[] | undefined;
  try {
    allowOrigins = v["allow-origin"] ? validateOrigins(v["allow-origin"]) : undefined;
  } catch (e) {
    throw new UsageError(`Invalid --allow-origin: ${(e as Error).message}`, "serve");
  }
  const port = intOption("serve", "http", v.http, [0, 65_535]);
  const oauthFlags = ["oauth-issuer", "oauth-resource", "oauth-scopes", "oauth-client-id"] as const;
  for (const flag of ["max-sessions", "session-idle-timeout", "body-timeout"] as const) {
    if (v[flag] !== undefined && port === undefined) {
      throw new UsageError(`--${flag} needs --http PORT`, "serve");
    }
  }
  const maxSessions = intOption("serve", "max-sessions", v["max-sessions"], [1, 100_000]);
  const sessionIdleMs = intOption("serve", "session-idle-timeout", v["session-idle-timeout"], [
    100,
    86_400_000,
  ]);
  const bodyTimeoutMs = intOption("serve", "body-timeout", v["body-timeout"], [100, 3_600_000]);
  if (
    port === undefined &&
    (v.token !== undefined || v["token-file"] !== undefined || v["allow-unauthenticated"] ||
      oauthFlags.some((f) => v[f] !== undefined))
  ) {
    throw new UsageError(
      "--token, --token-file, --oauth-* and --allow-unauthenticated need --http PORT",
      "serve",
    );
  }
  // Bearer authentication.
  const token = port === undefined
    ? undefined
    : resolveServeToken({ token: v.token, tokenFile: v["token-file"], env: io.env });
  const limits: Partial<EngineLimits> = {};
  const timeout = intOption("serve", "timeout", v.timeout, [10, 3_600_000]);
  if (timeout) limits.timeoutMs = timeout;
  const callTimeout = intOption("serve", "call-timeout", v["call-timeout"], [1, 86_400_000]);
  const connectTimeout = intOption("serve", "connect-timeout", v["connect-timeout"], [
    1,
    86_400_000,
  ]);
  const grace = intOption("serve", "shutdown-grace", v["shutdown-grace"], [0, 3_600_000]) ??
    DEFAULT_SHUTDOWN_GRACE_MS;
  const memory = intOption("serve", "memory", v.memory, [16, 1024]);
  if (memory) limits.memoryBytes = memory * 1024 * 1024;
  const maxResultChars = intOption("serve", "max-result-chars", v["max-result-chars"], [
    500,
    10_000_000,
  ]);

  // Secrets of the config are known once it is read; until then, their shapes.
  let redactor = new Redactor();
  const log = (line: string) => io.err(`${escapeControl(redactor.redact(line))}\n`);
  /** Status lines, which --quiet silences (warnings and errors go through `log`). */
  const status = (line: string) => io.quiet === true || log(line);
  const pluginDir = v["plugin-dir"] ?? PluginStore.defaultDir(io.env);
  const [{ servers, mcpx }, plugins] = await Promise.all([
    resolveSetup("serve", {
      config: v.config,
      inline: [],
      names: [],
      env: io.env,
      optional: true,
    }),
    loadPlugins(new PluginStore(pluginDir, { env: io.env }), log),
  ]);
  redactor = Redactor.forServers([
    ...servers,
    ...plugins.flatMap((p) => p.snapshot.configs),
  ]);
  // No unauthenticated listening beyond loopback; an OAuth issuer counts.
  const exposure = port === undefined ? undefined : checkBind(
    v.host ?? "127.0.0.1",
    token !== undefined || v["oauth-issuer"] !== undefined || mcpx?.resourceServer !== undefined,
    v["allow-unauthenticated"] ?? false,
  );
  // OAuth resource server: flags over the config's "mcpx.resourceServer".
  const oauth = port === undefined ? undefined : await resolveResourceServer({
    issuer: v["oauth-issuer"],
    resource: v["oauth-resource"],
    scopes: v["oauth-scopes"],
    clientId: v["oauth-client-id"],
    settings: mcpx?.resourceServer,
    env: io.env,
    hostname: v.host ?? "127.0.0.1",
    tokenGiven: token !== undefined,
  });
  const engine = await engineOptions(
    "serve",
    v.engine,
    v["javy-plugin"],
    v["plugin-dir"],
    io.env,
  );
  const setup = await policySetup("serve", mcpx, v, io.env, log);
  // Flags over the config's "mcpx.serve" block over the defaults (src/quotas/serve_limits.ts).
  const bounds = mcpx?.serve ?? {};
  const idleMs = sessionIdleMs ?? bounds.sessionIdleTimeoutMs;
  const tracing = await startTracing(io.env);
  await using _flush = { [Symbol.asyncDispose]: async () => await tracing?.shutdown() };
  await using audit = setup.audit;
  const host = await ServeHost.create({
    runtime: {
      ...engine,
      servers,
      plugins,
      oauthStore: oauthStoreFor(io.env),
      policy: {
        ...policyOptions(v.allow, v.deny, v),
        ...(callTimeout ? { callTimeoutMs: callTimeout } : {}),
      },
      ...(connectTimeout ? { connectTimeoutMs: connectTimeout } : {}),
      approvals: setup.approvals,
      ...(audit ? { audit } : {}),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
      ...(v["no-check"] ? { typeCheck: false } : {}),
      onWarning: (w) => log(`warning: ${w}`),
    },
    skills: new SkillStore(pluginDir),
    ...(bounds.skills ? { skillLimits: bounds.skills } : {}),
    ...(idleMs !== undefined ? { workspaceIdleMs: idleMs } : {}),
    ...(maxResultChars ? { maxResultChars } : {}),
    roots: (v.root ?? []).map((dir) => {
      const path = resolve(dir);
      return { uri: toFileUrl(path).href, name: basename(path) };
    }),
    log,
  });
  host.warm();
  const names = [
    ...new Set([
      ...servers.map((s) => s.name),
      ...plugins.flatMap((p) => p.snapshot.servers.map((s) => s.name)),
    ]),
  ];
  if (names.length === 0) log("warning: no servers configured: pass --config FILE or save plugins");
  const summary = `${names.length} server${names.length === 1 ? "" : "s"}${
    names.length ? ` (${names.join(", ")})` : ""
  }, ${host.skills.length} skill${host.skills.length === 1 ? "" : "s"}`;

  // Shutdown: the first SIGINT/SIGTERM (or the end of stdin) drains the
  // executions in flight, then everything closes; later signals are ignored
  // until the upstream servers have exited (see src/lifecycle/shutdown.ts).
  const stop = new AbortController();
  let draining: Promise<void> | undefined;
  const drain = () =>
    draining ??= (async () => {
      const rt = await host.runtime().catch(() => undefined);
      if (rt === undefined) return;
      const r = await rt.drain(grace);
      if (r.finished + r.cancelled > 0) {
        status(
          `mcpx serve: shutting down: ${r.finished} execution(s) finished, ${r.cancelled} cancelled`,
        );
        // Let the cancelled executions' answers reach the transport.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
  using _signals = new SignalGuard(() => {
    drain().finally(() => stop.abort());
  }, log);
  try {
    if (port === undefined) {
      status(`mcpx serve: ${summary}; speaking MCP on stdio`);
      await Promise.race([
        serveStdio(host, { beforeClose: drain }),
        new Promise((r) => stop.signal.addEventListener("abort", r, { once: true })),
      ]);
    } else {
      const server = serveHttp(host, {
        port,
        hostname: v.host ?? "127.0.0.1",
        signal: stop.signal,
        onListen: () => {},
        ...(allowOrigins ? { allowOrigins } : {}),
        ...(token !== undefined ? { token } : {}),
        ...(oauth !== undefined ? { oauth } : {}),
        ...(idleMs !== undefined ? { sessionIdleMs: idleMs } : {}),
        ...((maxSessions ?? bounds.maxSessions) !== undefined
          ? { maxSessions: maxSessions ?? bounds.maxSessions }
          : {}),
        ...((bodyTimeoutMs ?? bounds.bodyTimeoutMs) !== undefined
          ? { bodyTimeoutMs: bodyTimeoutMs ?? bounds.bodyTimeoutMs }
          : {}),
      });
      if (exposure !== undefined) log(exposure);
      status(
        `mcpx serve: ${summary}; listening on ${server.url}${
          token !== undefined ? " (bearer token required)" : ""
        }${
          server.resourceServer
            ? ` (OAuth access tokens from ${
              server.resourceServer.metadata.authorization_servers?.[0]
            } for ${server.resourceServer.metadata.resource}, checked by ${
              server.resourceServer.mode === "jwt" ? "JWT signature" : "introspection"
            })`
            : ""
        }`,
      );
      await server.finished;
    }
  } finally {
    await drain().catch(() => {});
    await host.close();
    status("mcpx serve: stopped");
  }
  return 0;
}
