/**
 * OAuth state per remote server, kept in files under mcpx's config directory
 * (`<config dir>/oauth/<digest of the server URL>.json`, mode 0600 in a 0700
 * directory): the registered client, the tokens and the PKCE verifier of a
 * login in progress.
 *
 * Files rather than the system keychain: mcpx runs headless (in CI, over SSH,
 * in containers, started by MCP clients without a session bus), where
 * keychains are missing or locked, and the same layout works on every
 * platform. The files are readable by the user only, like `~/.ssh`.
 *
 * @module
 */
import { join } from "node:path";
import type { OAuthClientInformation, OAuthTokens } from "../mcp_types.ts";

/**
 * What is stored for one server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const record: OAuthRecord = {
 *   serverUrl: "https://example.com/mcp",
 *   tokens: { access_token: "t", token_type: "Bearer" },
 *   tokensSavedAt: Date.now(),
 * };
 * assert.equal(record.tokens?.token_type, "Bearer");
 * ```
 */
export interface OAuthRecord {
  /** The MCP server's URL (the key). */
  serverUrl: string;
  /** The config name the server had when it was last used. */
  serverName?: string;
  /** The client registered with the authorization server. */
  clientInformation?: OAuthClientInformation;
  /** The current tokens. */
  tokens?: OAuthTokens;
  /** When the tokens were saved (ms since the epoch), to tell their expiry. */
  tokensSavedAt?: number;
  /** PKCE verifier of a login in progress. */
  codeVerifier?: string;
  /** Scope a server asked for beyond the current tokens (`insufficient_scope`), for the next login. */
  scope?: string;
}

/**
 * The OAuth records of every server, one file each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const store = new OAuthStore(dir);
 * await store.update("https://example.com/mcp", { tokens: { access_token: "t", token_type: "Bearer" } });
 * assert.equal((await store.read("https://example.com/mcp"))?.tokens?.access_token, "t");
 * assert.ok(await store.remove("https://example.com/mcp"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class OAuthStore {
  /** The directory of the records. */
  readonly dir: string;

  /**
   * A token store under `configDir`.
   *
   * @param configDir mcpx's config directory (see `mcpxConfigDir`).
   */
  constructor(configDir: string) {
    this.dir = join(configDir, "oauth");
  }

  /** The record of `serverUrl`, if any. */
  async read(serverUrl: string): Promise<OAuthRecord | undefined> {
    try {
      const record = JSON.parse(await Deno.readTextFile(await this.#path(serverUrl)));
      return record?.serverUrl === serverUrl ? record : undefined;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof SyntaxError) return undefined;
      throw e;
    }
  }

  /** Whether a record of `serverUrl` exists (a login was made). */
  async has(serverUrl: string): Promise<boolean> {
    return (await this.read(serverUrl)) !== undefined;
  }

  /** Merges `patch` into the record of `serverUrl` (keys set to `undefined` are removed). */
  async update(serverUrl: string, patch: Partial<OAuthRecord>): Promise<OAuthRecord> {
    const record: OAuthRecord = { ...(await this.read(serverUrl)), ...patch, serverUrl };
    for (const key of Object.keys(record) as (keyof OAuthRecord)[]) {
      if (record[key] === undefined) delete record[key];
    }
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = await this.#path(serverUrl);
    const tmp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
    await Deno.rename(tmp, path);
    return record;
  }

  /** Deletes the record of `serverUrl`; returns whether there was one. */
  async remove(serverUrl: string): Promise<boolean> {
    try {
      await Deno.remove(await this.#path(serverUrl));
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  async #path(serverUrl: string): Promise<string> {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(serverUrl));
    const hex = [...new Uint8Array(digest)].slice(0, 16).map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    return join(this.dir, `${hex}.json`);
  }
}
