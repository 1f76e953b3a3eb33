/**
 * Plugins you can trust: each saved plugin's `manifest.json` (which holds the
 * BLAKE3 checksum of every file, `snapshot.json` and its server commands
 * included) is signed with the user's Ed25519 key. Checksums alone only show
 * that files match the manifest; anyone who can write the plugin directory
 * can recompute them. A signature can only be made with the private key, kept
 * in the user's config directory with mode 0600.
 *
 * Keys are trusted when they are the user's own or were added with
 * `mcpx plugin trust`.
 *
 * @module
 */
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { McpxError, PluginIntegrityError } from "../errors.ts";

/** The signature file beside `manifest.json`. */
export const SIGNATURE_FILE = "signature.json";

/** The contents of {@link SIGNATURE_FILE}. */
export interface PluginSignature {
  /** Always `"ed25519"`. */
  algorithm: "ed25519";
  /** The signer's public key, hex. */
  publicKey: string;
  /** The signature of the exact bytes of `manifest.json`, hex. */
  signature: string;
}

/**
 * A trusted key, as listed by {@link SigningKeys.trusted}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const key: TrustedKey = { publicKey: "ab".repeat(32), fingerprint: "abab", label: "ci" };
 * assert.equal(key.publicKey.length, 64);
 * ```
 */
export interface TrustedKey {
  /** Public key, hex. */
  publicKey: string;
  /** Short form shown to people: `ed25519:` and the first 16 hex digits. */
  fingerprint: string;
  /** A name the user gave it, or `"this machine"` for the own key. */
  label: string;
}

/** The short form of a public key shown in messages. */
export function fingerprint(publicKey: string): string {
  return `ed25519:${publicKey.slice(0, 16)}`;
}

/** Signs `manifest` (the exact bytes written as `manifest.json`). */
export function signManifest(manifest: Uint8Array, secretKey: Uint8Array): PluginSignature {
  return {
    algorithm: "ed25519",
    publicKey: bytesToHex(ed25519.getPublicKey(secretKey)),
    signature: bytesToHex(ed25519.sign(manifest, secretKey)),
  };
}

/**
 * Checks that `signatureText` (the text of `signature.json`, or `undefined`
 * when there is none) is a valid signature of `manifest` by a trusted key.
 *
 * @throws {PluginIntegrityError} naming the plugin and what is wrong: no
 * signature, a malformed or invalid one, or a signer that is not trusted
 * (with the command that trusts it).
 */
export function checkSignature(
  plugin: string,
  manifest: Uint8Array,
  signatureText: string | undefined,
  trusted: ReadonlySet<string>,
): PluginSignature {
  const fail = (why: string): never => {
    throw new PluginIntegrityError(plugin, `Plugin "${plugin}" failed verification: ${why}`, {
      file: SIGNATURE_FILE,
    });
  };
  if (signatureText === undefined) {
    return fail(
      `it is not signed (saved by an older mcpx or copied in by hand); re-save it with "mcpx generate --save-plugin", or check its server commands and run "mcpx plugin sign ${plugin}"`,
    );
  }
  let sig: PluginSignature;
  try {
    sig = JSON.parse(signatureText);
  } catch {
    return fail(`"${SIGNATURE_FILE}" is not valid JSON`);
  }
  if (
    sig?.algorithm !== "ed25519" || typeof sig.publicKey !== "string" ||
    typeof sig.signature !== "string" || !/^[0-9a-f]{64}$/.test(sig.publicKey) ||
    !/^[0-9a-f]{128}$/.test(sig.signature)
  ) {
    return fail(`"${SIGNATURE_FILE}" is malformed`);
  }
  let valid = false;
  try {
    valid = ed25519.verify(hexToBytes(sig.signature), manifest, hexToBytes(sig.publicKey));
  } catch {
    valid = false;
  }
  if (!valid) {
    return fail(`the signature does not match "manifest.json" (it was changed after signing)`);
  }
  if (!trusted.has(sig.publicKey)) {
    return fail(
      `it is signed by ${
        fingerprint(sig.publicKey)
      }, a key this machine does not trust; if you trust its author, run "mcpx plugin trust ${sig.publicKey}"`,
    );
  }
  return sig;
}

/**
 * The user's signing key and the keys they trust, in mcpx's config directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const keys = new SigningKeys(dir);
 * const { publicKey } = await keys.own();
 * await keys.trust(publicKey, "me");
 * assert.ok((await keys.trustedSet()).has(publicKey));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SigningKeys {
  /** The directory holding `signing-key.json` and `trusted-keys.json`. */
  readonly dir: string;
  #own?: Promise<{ secretKey: Uint8Array; publicKey: string }>;

  /**
   * The keys in `dir`; nothing is read until they are used.
   *
   * @param dir mcpx's config directory (see `mcpxConfigDir`).
   */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** The user's key pair, created (mode 0600) on first use. */
  own(): Promise<{ secretKey: Uint8Array; publicKey: string }> {
    return this.#own ??= this.#loadOrCreate().catch((e) => {
      this.#own = undefined;
      throw e;
    });
  }

  /** The public keys whose signatures are accepted: the own key and the trusted ones. */
  async trustedSet(): Promise<Set<string>> {
    const keys = new Set((await this.#readTrusted()).map((k) => k.publicKey));
    keys.add((await this.own()).publicKey);
    return keys;
  }

  /** The trusted keys, the own key first. */
  async trusted(): Promise<TrustedKey[]> {
    const own = (await this.own()).publicKey;
    return [
      { publicKey: own, fingerprint: fingerprint(own), label: "this machine" },
      ...(await this.#readTrusted()).filter((k) => k.publicKey !== own),
    ];
  }

  /**
   * Trusts `publicKey` (64 hex digits).
   *
   * @throws {TypeError} naming the value when it is not a public key.
   */
  async trust(publicKey: string, label = ""): Promise<TrustedKey> {
    const key = publicKey.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(key)) {
      throw new TypeError(`Invalid public key "${publicKey}": expected 64 hex digits`);
    }
    const list = (await this.#readTrusted()).filter((k) => k.publicKey !== key);
    const entry = { publicKey: key, fingerprint: fingerprint(key), label };
    list.push(entry);
    await this.#writeTrusted(list);
    return entry;
  }

  /** Stops trusting `publicKey`; returns whether it was trusted. */
  async untrust(publicKey: string): Promise<boolean> {
    const list = await this.#readTrusted();
    const kept = list.filter((k) => k.publicKey !== publicKey.trim().toLowerCase());
    if (kept.length === list.length) return false;
    await this.#writeTrusted(kept);
    return true;
  }

  async #loadOrCreate(): Promise<{ secretKey: Uint8Array; publicKey: string }> {
    const path = join(this.dir, "signing-key.json");
    try {
      const { secretKey } = JSON.parse(await Deno.readTextFile(path));
      const bytes = hexToBytes(secretKey);
      return { secretKey: bytes, publicKey: bytesToHex(ed25519.getPublicKey(bytes)) };
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new McpxError(
          "CONFIG_INVALID",
          `Cannot read the signing key "${path}": ${(e as Error).message}`,
          { cause: e },
        );
      }
    }
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const secretKey = ed25519.utils.randomSecretKey();
    const text = JSON.stringify({ algorithm: "ed25519", secretKey: bytesToHex(secretKey) }) + "\n";
    try {
      await Deno.writeTextFile(path, text, { createNew: true, mode: 0o600 });
    } catch (e) {
      // Another process created it first: use theirs.
      if (e instanceof Deno.errors.AlreadyExists) return await this.#loadOrCreate();
      throw e;
    }
    return { secretKey, publicKey: bytesToHex(ed25519.getPublicKey(secretKey)) };
  }

  async #readTrusted(): Promise<TrustedKey[]> {
    try {
      const list = JSON.parse(await Deno.readTextFile(join(this.dir, "trusted-keys.json")));
      return Array.isArray(list)
        ? list.filter((k) => typeof k?.publicKey === "string" && /^[0-9a-f]{64}$/.test(k.publicKey))
          .map((k) => ({
            publicKey: k.publicKey,
            fingerprint: fingerprint(k.publicKey),
            label: String(k.label ?? ""),
          }))
        : [];
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
  }

  async #writeTrusted(list: TrustedKey[]): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, "trusted-keys.json");
    const tmp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(list, null, 2) + "\n", { mode: 0o600 });
    await Deno.rename(tmp, path);
  }
}
