/**
 * The signed ledger of a dry run: the calls it recorded instead of making,
 * as tool names and argument digests, sealed with HMAC-SHA256 into an
 * approval token. A real run with the token may make exactly those calls,
 * in that order.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { McpxError } from "../errors.ts";

/**
 * One call of a ledger.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const entry: LedgerEntry = { server: "fs", tool: "write_file", digest: "abc" };
 * const ledger = new PlanLedger(new Uint8Array(32));
 * const token = ledger.sign([entry]);
 * assert.equal(typeof token, "string");
 * ```
 */
export interface LedgerEntry {
  /** Server name. */
  server: string;
  /** Tool name as the server spells it. */
  tool: string;
  /** {@link argDigest} of the arguments. */
  digest: string;
}

/** Default lifetime of an approval token: one hour. */
export const DEFAULT_TOKEN_TTL_MS: number = 60 * 60 * 1000;

const PREFIX = "mcpx1";
const encoder = new TextEncoder();

/**
 * Signs and opens approval tokens with one secret key.
 *
 * @example
 * ```ts
 * import { PlanLedger } from "./plan_ledger.ts";
 * const ledger = new PlanLedger(crypto.getRandomValues(new Uint8Array(32)));
 * const token = ledger.sign([{ server: "memory", tool: "delete_entities", digest: "ab" }]);
 * ledger.open(token).entries[0].tool; // "delete_entities"
 * ```
 */
export class PlanLedger {
  readonly #key: Uint8Array;
  readonly #ttlMs: number;

  /**
   * A ledger signing with `key`; tokens expire after `ttlMs`.
   *
   * @param key Secret of at least 16 bytes.
   * @throws {RangeError} for a shorter key.
   */
  constructor(key: Uint8Array, ttlMs: number = DEFAULT_TOKEN_TTL_MS) {
    if (key.length < 16) {
      throw new RangeError(`Ledger key is ${key.length} bytes: at least 16 needed`);
    }
    this.#key = key;
    this.#ttlMs = ttlMs;
  }

  /** An approval token for `entries`, valid for the ledger's lifetime setting. */
  sign(entries: readonly LedgerEntry[], now: number = Date.now()): string {
    const nonce = b64url(crypto.getRandomValues(new Uint8Array(9)));
    const payload = b64url(encoder.encode(JSON.stringify({
      c: entries.map((e) => [e.server, e.tool, e.digest]),
      e: now + this.#ttlMs,
      n: nonce,
    })));
    return `${PREFIX}.${payload}.${b64url(this.#mac(payload))}`;
  }

  /**
   * The entries of a token this ledger signed.
   *
   * @throws {McpxError} `APPROVAL_INVALID` for a token that is malformed, forged or expired.
   */
  open(
    token: string,
    now: number = Date.now(),
  ): { entries: LedgerEntry[]; nonce: string; expires: number } {
    const invalid = (why: string) =>
      new McpxError("APPROVAL_INVALID", `Invalid approval token: ${why}; make a new dry run`);
    if (typeof token !== "string") throw invalid("not a string");
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== PREFIX) throw invalid("not an mcpx approval token");
    const mac = this.#mac(parts[1]);
    const given = unb64url(parts[2]);
    if (given === undefined || given.length !== mac.length || !timingSafeEqual(mac, given)) {
      throw invalid("its signature does not match (it was changed, or signed by another mcpx)");
    }
    let body: { c: [string, string, string][]; e: number; n: string };
    try {
      body = JSON.parse(new TextDecoder().decode(unb64url(parts[1])));
    } catch {
      throw invalid("its contents are not readable");
    }
    if (now > body.e) throw invalid(`it expired at ${new Date(body.e).toISOString()}`);
    return {
      entries: body.c.map(([server, tool, digest]) => ({ server, tool, digest })),
      nonce: body.n,
      expires: body.e,
    };
  }

  #mac(payload: string): Uint8Array {
    return new Uint8Array(createHmac("sha256", this.#key).update(payload).digest());
  }
}

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text: string): Uint8Array | undefined {
  try {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
