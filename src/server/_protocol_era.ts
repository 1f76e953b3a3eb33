/**
 * Which era of the MCP protocol a session negotiated.
 *
 * @module
 */

/** Whether a negotiated protocol version is of the 2026-07-28 era or later. */
export function isModern(version: string | undefined): boolean {
  return version !== undefined && version >= "2026-07-28";
}
