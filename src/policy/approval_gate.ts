/**
 * The policy step of every upstream call: decides `allow`, `ask` or `deny`,
 * asks the execution's client when needed, remembers "approve all for this
 * session", and runs dry runs and approved plans.
 *
 * @module
 */
import type { Tool } from "../mcp_types.ts";
import { McpxError, type McpxErrorCode } from "../errors.ts";
import type { ExecutionContext } from "../routing/execution_context.ts";
import { approvalForm, readAnswer } from "./approval_form.ts";
import { argDigest } from "./arg_digest.ts";
import { type LedgerEntry, PlanLedger } from "./plan_ledger.ts";
import { placeholderResult } from "./placeholder.ts";
import { redact } from "./redact.ts";
import { type PolicyDecision, type PolicyRules, ToolPolicy } from "./tool_policy.ts";

/**
 * How a call was let through or stopped, as the audit log records it:
 * `allow` (policy), `approved` (once), `approved-session`, `approved-plan`
 * (approval token), `approved-yes` (`--yes`), `deny` (policy), `declined`,
 * `cancelled`, `required` (nobody to ask), `planned` (dry run, not made),
 * `strayed` (differs from the approved plan).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const decision: ApprovalDecision = "approved-session";
 * assert.ok(decision.startsWith("approved"));
 * ```
 */
export type ApprovalDecision =
  | "allow"
  | "approved"
  | "approved-session"
  | "approved-plan"
  | "approved-yes"
  | "deny"
  | "declined"
  | "cancelled"
  | "required"
  | "planned"
  | "strayed";

/**
 * Options of {@link ApprovalGate}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const opts: ApprovalOptions = { rules: { "memory/delete_*": "ask" }, tokenTtlMs: 10 * 60_000 };
 * const gate = new ApprovalGate(opts);
 * assert.equal(gate.policy.decide("memory", "delete_entities", undefined).decision, "ask");
 * ```
 */
export interface ApprovalOptions {
  /** Policy rules over the annotation defaults, such as `{ "memory": "allow" }`. */
  rules?: PolicyRules;
  /** Approve every `ask` call without asking (`--yes`). */
  yes?: boolean;
  /** Secret that signs approval tokens (default: random, valid for this process). */
  ledgerKey?: Uint8Array;
  /** Lifetime of approval tokens in milliseconds (default one hour). */
  tokenTtlMs?: number;
  /**
   * How the model or user can approve when nobody can be asked; appended to
   * `APPROVAL_REQUIRED` messages. Default: the `dryRun` / `approvalToken`
   * round trip of `execute_code`.
   */
  requiredHint?: (name: string) => string;
}

/**
 * One call a dry run recorded instead of making.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const call: PlannedCall = { server: "fs", tool: "move_file", args: {}, digest: "d", line: 4, decision: "deny" };
 * assert.equal(`${call.server}/${call.tool} (line ${call.line})`, "fs/move_file (line 4)");
 * ```
 */
export interface PlannedCall {
  /** Server name. */
  server: string;
  /** Tool name as the server spells it. */
  tool: string;
  /** The arguments, secrets redacted. */
  args: Record<string, unknown>;
  /** {@link argDigest} of the real arguments. */
  digest: string;
  /** Program line of the call. */
  line?: number;
  /** `ask`: the approval token lets it through; `deny`: it will be refused. */
  decision: "ask" | "deny";
}

/**
 * The plan a dry run produced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const plan: Plan = {
 *   calls: [{ server: "fs", tool: "write_file", args: { path: "a" }, digest: "d1", decision: "ask" }],
 *   token: "t",
 * };
 * assert.equal(plan.calls.filter((c) => c.decision === "ask").length, 1);
 * ```
 */
export interface Plan {
  /** The calls, in program order. */
  calls: PlannedCall[];
  /** Lets exactly the `ask` calls through in a real run; absent when there are none. */
  token?: string;
}

/**
 * Per-execution settings given to {@link ApprovalGate.begin}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dryRun: ExecutionApprovals = { dryRun: true };
 * const real: ExecutionApprovals = { approvalToken: "token-from-the-dry-run" };
 * assert.ok(dryRun.dryRun && real.approvalToken);
 * ```
 */
export interface ExecutionApprovals {
  /** Record `ask` and `deny` calls instead of making them. */
  dryRun?: boolean;
  /** A token from a dry run: its calls, in order, are approved. */
  approvalToken?: string;
}

/**
 * The state of one execution, from {@link ApprovalGate.begin}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const gate = new ApprovalGate({ rules: { "fs/write_*": "ask" } });
 * const scope: ExecutionScope = gate.begin({ executionId: "e1", sessionId: "s1" }, { dryRun: true });
 * assert.deepEqual(scope.plan().calls, []);
 * scope.end();
 * ```
 */
export interface ExecutionScope {
  /** The plan so far (dry runs); the token is signed when read. */
  plan(): Plan;
  /** Forgets the execution. */
  end(): void;
}

/**
 * One call to check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const call: GateCall = {
 *   server: "fs",
 *   tool: "read_file",
 *   args: { path: "a.txt" },
 *   def: { name: "read_file", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } },
 * };
 * assert.equal((await new ApprovalGate().check(call)).decision, "allow");
 * ```
 */
export interface GateCall {
  /** Server name. */
  server: string;
  /** Tool name as the server spells it. */
  tool: string;
  /** The arguments the call would send. */
  args: Record<string, unknown>;
  /** The tool's definition, for its annotations. */
  def: Tool;
  /** The execution the call belongs to, for asking its client. */
  context?: ExecutionContext;
  /** Program line of the call. */
  line?: number;
  /** Aborts a pending question. */
  signal?: AbortSignal;
  /** Stops the execution's time limit while a person is asked; call the result to restart it. */
  pauseClock?: () => () => void;
}

/**
 * The outcome of {@link ApprovalGate.check}: run the call, refuse it, or answer for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * function refused(result: GateResult): string | undefined {
 *   return result.refusal && `${result.refusal.code}: ${result.refusal.message}`;
 * }
 * assert.equal(refused({ decision: "allow" }), undefined);
 * ```
 */
export interface GateResult {
  /** The decision the rules gave. */
  decision: ApprovalDecision;
  /** The call must not be made: it fails with this error. */
  refusal?: { code: McpxErrorCode; message: string };
  /** A dry run: the call is not made and the program gets this stand-in result. */
  placeholder?: { value: unknown };
}

interface Scope {
  dryRun: boolean;
  planned: PlannedCall[];
  ledger?: LedgerEntry[];
  cursor: number;
  strayed: boolean;
}

const MAX_SESSIONS = 10_000;

/**
 * Decides and asks for every upstream call; one per bridge.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const gate = new ApprovalGate({ rules: { "memory/delete_*": "deny" } });
 * const result = await gate.check({
 *   server: "memory",
 *   tool: "delete_entities",
 *   args: { entityNames: ["a"] },
 *   def: { name: "delete_entities", inputSchema: { type: "object" } },
 * });
 * assert.equal(result.decision, "deny");
 * assert.equal(result.refusal?.code, "TOOL_DENIED");
 * ```
 */
export class ApprovalGate {
  /** The rules the gate decides with. */
  readonly policy: ToolPolicy;
  readonly #yes: boolean;
  readonly #ledger: PlanLedger;
  readonly #requiredHint: (name: string) => string;
  readonly #scopes = new Map<string, Scope>();
  readonly #sessions = new Map<string, Set<string>>();
  readonly #asking = new Map<string, Promise<unknown>>();
  /** Tokens already used, until they expire. */
  readonly #usedNonces = new Map<string, number>();

  /**
   * A gate over `opts.rules`.
   *
   * @throws {TypeError} for an invalid rule.
   */
  constructor(opts: ApprovalOptions = {}) {
    this.policy = new ToolPolicy(opts.rules);
    this.#yes = opts.yes === true;
    this.#ledger = new PlanLedger(
      opts.ledgerKey ?? crypto.getRandomValues(new Uint8Array(32)),
      opts.tokenTtlMs,
    );
    this.#requiredHint = opts.requiredHint ?? defaultHint;
  }

  /**
   * Starts an execution's scope (dry run or approved plan).
   *
   * @throws {McpxError} `APPROVAL_INVALID` for a bad, expired or used token.
   */
  begin(context: ExecutionContext, opts: ExecutionApprovals = {}): ExecutionScope {
    const scope: Scope = { dryRun: opts.dryRun === true, planned: [], cursor: 0, strayed: false };
    if (opts.approvalToken !== undefined && !scope.dryRun) {
      const { entries, nonce, expires } = this.#ledger.open(opts.approvalToken);
      if (this.#usedNonces.has(nonce)) {
        throw new McpxError(
          "APPROVAL_INVALID",
          "Invalid approval token: it was already used; make a new dry run",
        );
      }
      if (this.#usedNonces.size >= 1_000) {
        const now = Date.now();
        for (const [n, e] of this.#usedNonces) if (e < now) this.#usedNonces.delete(n);
      }
      this.#usedNonces.set(nonce, expires);
      scope.ledger = entries;
    }
    const id = context.executionId;
    this.#scopes.set(id, scope);
    return {
      plan: () => {
        const asks = scope.planned.filter((c) => c.decision === "ask");
        return {
          calls: [...scope.planned],
          ...(asks.length > 0 ? { token: this.#ledger.sign(asks) } : {}),
        };
      },
      end: () => {
        if (this.#scopes.get(id) === scope) this.#scopes.delete(id);
      },
    };
  }

  /** Forgets a session's "approve all" answers. */
  forgetSession(sessionId: string): void {
    this.#sessions.delete(sessionId);
  }

  /** Decides one call; asks the execution's client when the policy says `ask`. */
  async check(call: GateCall): Promise<GateResult> {
    const { server, tool, context } = call;
    const verdict = this.policy.decide(server, tool, call.def.annotations);
    const scope = context === undefined ? undefined : this.#scopes.get(context.executionId);
    const name = `${server}/${tool}`;
    if (scope?.strayed) {
      // A program that left its approved plan is stopped: nothing more goes upstream.
      return refuse(
        "strayed",
        "PLAN_MISMATCH",
        `Call to "${name}"${
          call.line === undefined ? "" : ` (line ${call.line})`
        } refused: the program already left its approved plan`,
      );
    }
    if (verdict.decision === "allow") return { decision: "allow" };
    if (scope?.dryRun) return this.#plan(scope, call, verdict.decision);
    if (verdict.decision === "deny") {
      return refuse(
        "deny",
        "TOOL_DENIED",
        `Tool "${name}" is denied by the policy (${verdict.reason})`,
      );
    }
    if (scope?.ledger !== undefined) return this.#follow(scope, call);
    if (this.#yes) return { decision: "approved-yes" };
    const session = context?.sessionId;
    if (session !== undefined && this.#sessions.get(session)?.has(name)) {
      return { decision: "approved-session" };
    }
    const elicit = context?.elicit;
    if (elicit === undefined) {
      return refuse(
        "required",
        "APPROVAL_REQUIRED",
        `Tool "${name}" needs the user's approval (${verdict.reason}) and nobody can be asked here: it was not called. ${
          this.#requiredHint(name)
        }`,
      );
    }
    // One question at a time per session, so that "approve all" answers the next one.
    const key = session ?? context!.executionId;
    const before = this.#asking.get(key) ?? Promise.resolve();
    const turn = before.then(async (): Promise<GateResult> => {
      if (session !== undefined && this.#sessions.get(session)?.has(name)) {
        return { decision: "approved-session" };
      }
      const form = approvalForm({
        server,
        tool,
        args: call.args,
        line: call.line,
        reason: verdict.reason,
        about: call.def.title ?? call.def.annotations?.title ?? firstLine(call.def.description),
      });
      let answer;
      const resume = call.pauseClock?.();
      try {
        answer = readAnswer(await elicit(form, call.signal));
      } catch (e) {
        if (call.signal?.aborted) {
          return refuse("cancelled", "TOOL_CANCELLED", `Call to "${name}" was cancelled`);
        }
        return refuse(
          "cancelled",
          "APPROVAL_DENIED",
          `Approval of "${name}" could not be asked: ${(e as Error).message}; it was not called`,
        );
      } finally {
        resume?.();
      }
      if (answer === "session" && session !== undefined) this.#remember(session, name);
      if (answer === "once" || answer === "session") {
        return { decision: answer === "once" ? "approved" : "approved-session" };
      }
      return refuse(
        answer,
        "APPROVAL_DENIED",
        `The user ${answer} the call to "${name}"${
          call.line === undefined ? "" : ` (line ${call.line})`
        }: it was not made`,
      );
    });
    const settled = turn.catch(() => {});
    this.#asking.set(key, settled);
    settled.then(() => {
      if (this.#asking.get(key) === settled) this.#asking.delete(key);
    });
    return await turn;
  }

  #plan(scope: Scope, call: GateCall, decision: PolicyDecision): GateResult {
    scope.planned.push({
      server: call.server,
      tool: call.tool,
      args: redact(call.args) as Record<string, unknown>,
      digest: argDigest(call.args),
      ...(call.line === undefined ? {} : { line: call.line }),
      decision: decision === "deny" ? "deny" : "ask",
    });
    return {
      decision: "planned",
      placeholder: {
        value: placeholderResult(
          call.server,
          call.tool,
          call.def.outputSchema as Record<string, unknown> | undefined,
        ),
      },
    };
  }

  #follow(scope: Scope, call: GateCall): GateResult {
    const name = `${call.server}/${call.tool}`;
    const at = call.line === undefined ? "" : ` (line ${call.line})`;
    const expected = scope.ledger![scope.cursor];
    const digest = argDigest(call.args);
    if (
      expected !== undefined && expected.server === call.server && expected.tool === call.tool &&
      expected.digest === digest
    ) {
      scope.cursor++;
      return { decision: "approved-plan" };
    }
    scope.strayed = true;
    const n = scope.cursor + 1;
    const why = expected === undefined
      ? `the plan has only ${scope.ledger!.length} approved call${
        scope.ledger!.length === 1 ? "" : "s"
      }`
      : expected.server === call.server && expected.tool === call.tool
      ? `call ${n} of the plan is "${expected.server}/${expected.tool}" with other arguments`
      : `call ${n} of the plan is "${expected.server}/${expected.tool}"`;
    return refuse(
      "strayed",
      "PLAN_MISMATCH",
      `Call to "${name}"${at} differs from the approved plan: ${why}. It was not made, and no further call of this program will run; make a new dry run`,
    );
  }

  #remember(session: string, name: string): void {
    let set = this.#sessions.get(session);
    if (set === undefined) {
      if (this.#sessions.size >= MAX_SESSIONS) {
        this.#sessions.delete(this.#sessions.keys().next().value!);
      }
      set = new Set();
      this.#sessions.set(session, set);
    }
    set.add(name);
  }
}

function refuse(decision: ApprovalDecision, code: McpxErrorCode, message: string): GateResult {
  return { decision, refusal: { code, message } };
}

function defaultHint(name: string): string {
  return `Ask the user whether to allow it. If they agree, run the same code with execute_code and dryRun: true, show them the plan it returns, and run it again with approvalToken set to the plan's token; or they can allow the tool in the mcpx config ("mcpx": { "policy": { "${name}": "allow" } })`;
}

function firstLine(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const line = text.trim().split("\n")[0];
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
