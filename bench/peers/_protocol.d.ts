// Types of _protocol.mjs, for the Deno side.

/** A kind of run: a trivial program, one tool call, ten parallel tool calls. */
export type Kind = "trivial" | "one" | "ten";

/** A started contender. */
export interface Contender {
  kinds: Kind[];
  run(kind: Kind): Promise<unknown>;
  close(): Promise<void>;
}

/** The program of each contender for each kind of run. */
export declare const PROGRAMS: Record<
  "mcpx" | "quickjs" | "function" | "aisdk" | "utcp",
  Partial<Record<Kind, string>>
>;

/** Throws unless `result` is what a run of `kind` must give. */
export declare function verify(kind: Kind, result: unknown): void;

/** Serves one contender over JSON lines (see _protocol.mjs). */
export declare function serve(
  factory: () => Promise<Contender>,
  args: string[],
  io: {
    write(line: string): Promise<void>;
    lines: AsyncIterable<string>;
    rss(): number;
    exit(code: number): void;
    runtime: string;
  },
): Promise<void>;
