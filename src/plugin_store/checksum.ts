import { blake3 } from "@noble/hashes/blake3.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { timingSafeEqual } from "node:crypto";

const encoder = new TextEncoder();

/** BLAKE3 (256-bit) of `data`, as lowercase hex. Strings are hashed as UTF-8. */
export function blake3Hex(data: string | Uint8Array): string {
  return bytesToHex(blake3(typeof data === "string" ? encoder.encode(data) : data));
}

/**
 * The root checksum of a set of files: BLAKE3 over the sorted lines
 * `"<path>\0<file checksum>\n"`, so any renamed, added, removed or changed
 * file changes it.
 */
export function rootChecksum(files: Readonly<Record<string, string>>): string {
  const paths = Object.keys(files).sort();
  return blake3Hex(paths.map((p) => `${p}\0${files[p]}\n`).join(""));
}

/** Compares two hex checksums in constant time (for equal lengths). */
export function checksumsEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}
