/**
 * A lock file that names its owner: `{"pid":…,"start":…,"nonce":…}`.
 *
 * The file is created complete and at once (written under a unique name, then
 * hard-linked to the lock path, which fails if the lock exists), so a reader
 * never sees a half-written owner. A lock whose owner process is gone (killed,
 * crashed) is taken over at once, without waiting for an age-based expiry:
 * the owner's pid is checked for liveness, and on Linux its start time too,
 * so a reused pid is not mistaken for the owner.
 *
 * @module
 */
import process from "node:process";
import { McpxError } from "../errors.ts";

interface Owner {
  pid: number;
  /** Process start time (clock ticks since boot, from `/proc/<pid>/stat`), when known. */
  start?: number;
  nonce: string;
}

function startTimeOf(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may contain spaces) start at ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `owner` still runs. */
export function ownerAlive(owner: { pid: number; start?: number }): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as { code?: string }).code === "ESRCH") return false;
  }
  if (owner.start !== undefined) {
    const now = startTimeOf(owner.pid);
    if (now !== undefined && now !== owner.start) return false;
  }
  return true;
}

async function readOwner(path: string): Promise<Owner | undefined | null> {
  try {
    const o = JSON.parse(await Deno.readTextFile(path));
    return typeof o?.pid === "number" && typeof o?.nonce === "string" ? o : null;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    return null; // unreadable: written by something else
  }
}

/** A held lock; {@link PidLock.release} frees it. */
export interface HeldLock {
  release(): Promise<void>;
}

/** Options of {@link acquirePidLock}. */
export interface PidLockOptions {
  /** Give up after this long (ms). 0 tries once. Default 30 s. */
  waitMs?: number;
  /** What the lock guards, for the error message. */
  what?: string;
}

/**
 * Takes the lock at `path`, waiting while a live process holds it and taking
 * it over at once from a dead one.
 *
 * @returns the held lock, or `undefined` when `waitMs` is 0 and a live process holds it.
 * @throws {McpxError} `PLUGIN_INTEGRITY` naming the owner pid when the wait times out.
 */
export async function acquirePidLock(
  path: string,
  options: PidLockOptions = {},
): Promise<HeldLock | undefined> {
  const waitMs = options.waitMs ?? 30_000;
  const deadline = Date.now() + waitMs;
  const me: Owner = { pid: Deno.pid, start: startTimeOf(Deno.pid), nonce: crypto.randomUUID() };
  const staging = `${path}.${me.nonce}`;
  await Deno.writeTextFile(staging, JSON.stringify(me));
  try {
    for (let delay = 2;; delay = Math.min(delay * 2, 50)) {
      try {
        await Deno.link(staging, path);
        return { release: () => release(path, me.nonce) };
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) {
          // A sweep took the staged file for a dead process's leftover.
          await Deno.writeTextFile(staging, JSON.stringify(me));
          continue;
        }
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
      const owner = await readOwner(path);
      if (owner === undefined) continue; // released meanwhile
      if (owner === null || !ownerAlive(owner)) {
        await takeOver(path, owner);
        continue;
      }
      if (Date.now() >= deadline) {
        if (waitMs === 0) return undefined;
        throw new McpxError(
          "PLUGIN_INTEGRITY",
          `${
            options.what ?? "Lock"
          } is held by process ${owner.pid} ("${path}"); gave up after ${waitMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  } finally {
    await Deno.remove(staging).catch(() => {});
  }
}

/**
 * Removes a dead owner's lock. It is moved aside first and checked: if what
 * was moved is not the dead owner's (another process took the lock over
 * meanwhile), it is put back.
 */
async function takeOver(path: string, dead: Owner | null): Promise<void> {
  const aside = `${path}.stale-${crypto.randomUUID()}`;
  try {
    await Deno.rename(path, aside);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  const moved = await readOwner(aside);
  if (dead !== null && moved && moved.nonce !== dead.nonce && ownerAlive(moved)) {
    await Deno.link(aside, path).catch(() => {});
  }
  await Deno.remove(aside).catch(() => {});
}

async function release(path: string, nonce: string): Promise<void> {
  const owner = await readOwner(path);
  if (owner && owner.nonce === nonce) await Deno.remove(path).catch(() => {});
}

/** Removes a lock's staging or moved-aside file `path` unless a live process wrote it. */
export async function removeLeftover(path: string): Promise<void> {
  const owner = await readOwner(path);
  if (owner && ownerAlive(owner)) return;
  await Deno.remove(path).catch(() => {});
}
