/**
 * Approval on a terminal (`mcpx run`): shows the approval form and reads
 * `y` (once), `a` (all calls to this tool in this run) or `n`.
 *
 * @module
 */
import type { ElicitAnswer, ElicitForm } from "../routing/execution_context.ts";
import { APPROVE_ALL_FIELD } from "./approval_form.ts";

/**
 * Where the prompt writes and reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 *
 * const answers = ["y"];
 * let written = "";
 * const prompt: PromptIo = {
 *   write: (text) => void (written += text),
 *   readLine: () => Promise.resolve(answers.shift() ?? null),
 * };
 * prompt.write("Allow? [y/N] ");
 * assert.equal(await prompt.readLine(), "y");
 * assert.equal(written, "Allow? [y/N] ");
 * ```
 */
export interface PromptIo {
  /** Writes to the terminal (standard error, so results on stdout stay clean). */
  write(text: string): void;
  /** The next line typed, without its newline; `null` at end of input. */
  readLine(): Promise<string | null>;
}

/** The question line after the form. */
export const PROMPT_QUESTION =
  "Allow? [y] yes, once  [a] all calls to this tool in this run  [n] no (default): ";

/**
 * Asks once (again on an unknown answer, up to three times).
 *
 * @example
 * ```ts
 * import { askOnTerminal } from "./terminal_prompt.ts";
 * const answers = ["a"];
 * const answer = await askOnTerminal(
 *   { message: 'Allow "memory/delete_entities"?', requestedSchema: {} },
 *   { write: () => {}, readLine: () => Promise.resolve(answers.shift() ?? null) },
 * );
 * answer; // { action: "accept", content: { approveAllForSession: true } }
 * ```
 */
export async function askOnTerminal(form: ElicitForm, io: PromptIo): Promise<ElicitAnswer> {
  io.write(`\n${form.message}\n`);
  for (let tries = 0; tries < 3; tries++) {
    io.write(PROMPT_QUESTION);
    const line = await io.readLine();
    if (line === null) {
      io.write("\n");
      return { action: "cancel" };
    }
    const a = line.trim().toLowerCase();
    if (a === "y" || a === "yes") {
      return { action: "accept", content: { [APPROVE_ALL_FIELD]: false } };
    }
    if (a === "a" || a === "all") {
      return { action: "accept", content: { [APPROVE_ALL_FIELD]: true } };
    }
    if (a === "" || a === "n" || a === "no") return { action: "decline" };
    io.write(`Unknown answer "${line.trim()}": type y, a or n\n`);
  }
  return { action: "decline" };
}

/** Lines of a byte stream, one at a time (for {@link PromptIo.readLine}). */
export function lineReader(stream: ReadableStream<Uint8Array>): () => Promise<string | null> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let done = false;
  return async () => {
    for (;;) {
      const nl = buffer.indexOf("\n");
      if (nl >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        buffer = buffer.slice(nl + 1);
        return line;
      }
      if (done) {
        if (buffer === "") return null;
        const rest = buffer;
        buffer = "";
        return rest;
      }
      const r = await reader.read();
      if (r.done) done = true;
      else buffer += r.value;
    }
  };
}
