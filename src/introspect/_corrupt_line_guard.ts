// Fast failure on a corrupt stdio stream. The SDK's stdio transport drops a
// line that is not JSON-RPC (stray bytes a server printed into its reply, for
// instance) and reports it only to `onerror`; the request that line answered
// then waits for its full timeout. This guard watches the lines: when one does
// not parse while requests are pending, the request it answered (its "id", if
// one can be read from the damaged line, else the only pending request) is
// failed at once with a JSON-RPC parse error (-32700). Lines that are not
// replies (a stray print) fail nothing, and the connection keeps working.

/** JSON-RPC code given to the request a corrupt line answered. */
export const CORRUPT_REPLY_CODE = -32700;

interface ReadBufferLike {
  _buffer?: Uint8Array & {
    indexOf(b: string): number;
    toString(e: string, s: number, n: number): string;
  };
  readMessage(): unknown;
  /** The next complete line, when the buffer can tell it (see `LineBuffer`). */
  peekLine?(): string | undefined;
}

/**
 * Installs the guard on an SDK stdio client transport (after `start()`).
 * Returns false when the transport's internals are not the expected ones.
 */
export function guardCorruptLines(transport: object): boolean {
  const t = transport as {
    _readBuffer?: ReadBufferLike;
    send(message: unknown): Promise<void>;
  };
  const rb = t._readBuffer;
  if (rb === undefined || typeof rb.readMessage !== "function") return false;
  const pending = new Set<string | number>();

  const send = t.send.bind(t);
  t.send = (message: unknown) => {
    const m = message as { id?: string | number; method?: string };
    if (m.method !== undefined && m.id !== undefined) pending.add(m.id);
    return send(message);
  };

  const read = rb.readMessage.bind(rb);
  rb.readMessage = () => {
    const line = peekLine(rb);
    let message: unknown;
    try {
      message = read();
    } catch (error) {
      const id = line === undefined ? undefined : answeredId(line, pending);
      if (id === undefined) throw error;
      pending.delete(id);
      return {
        jsonrpc: "2.0",
        id,
        error: {
          code: CORRUPT_REPLY_CODE,
          message: `the reply is not valid JSON-RPC (${
            (error as Error).message.split("\n")[0].slice(0, 120)
          }); it began ${JSON.stringify(line!.slice(0, 60))}`,
        },
      };
    }
    const m = message as { id?: string | number; method?: string } | null;
    if (m && m.method === undefined && m.id !== undefined) pending.delete(m.id);
    return message;
  };
  return true;
}

/** The next complete line, read before the buffer takes it. */
function peekLine(rb: ReadBufferLike): string | undefined {
  if (typeof rb.peekLine === "function") return rb.peekLine();
  const buf = rb._buffer;
  const end = buf?.indexOf("\n") ?? -1;
  return buf !== undefined && end >= 0 ? buf.toString("utf8", 0, end) : undefined;
}

function answeredId(line: string, pending: Set<string | number>): string | number | undefined {
  if (pending.size === 0) return undefined;
  for (const m of line.matchAll(/"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)/g)) {
    const raw = m[1];
    const id = raw.startsWith('"') ? JSON.parse(raw) as string : Number(raw);
    if (pending.has(id)) return id;
  }
  // A damaged line that names no pending request: it answered the only one.
  if (pending.size === 1 && /"(result|error)"/.test(line)) return [...pending][0];
  return undefined;
}
