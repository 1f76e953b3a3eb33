/**
 * The virtual module guest code imports as `./client.ts` under `mcpx serve`:
 * it reports the program's own progress to the client and asks the client's
 * user through a form. It calls the pseudo-server {@link CLIENT_SERVER};
 * {@link handleClientCall} answers those calls for the execution's
 * {@link ExecutionContext}.
 *
 * @module
 */
import { McpxError } from "../errors.ts";
import type { ExecutionContext } from "./execution_context.ts";

/** The pseudo-server name `/client.ts` calls. */
export const CLIENT_SERVER = "@client";

/** The virtual module guest code imports as `./client.ts`. */
export const CLIENT_MODULE: string =
  `// The MCP client this program runs for: progress and questions to its user.
import { callTool } from "./runtime.ts";

/** Reports progress on this execution (shown by clients that asked for progress). */
export async function reportProgress(progress: number, total?: number, message?: string): Promise<void> {
  await callTool<null>("${CLIENT_SERVER}", "progress", { progress, total, message });
}

/** What the user answered to {@link elicit}. */
export interface ElicitAnswer {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown>;
}

/**
 * Asks the client's user to fill a form: \`requestedSchema\` is a flat JSON
 * Schema object. Throws when the client cannot show forms.
 */
export async function elicit(
  message: string,
  requestedSchema: { type: "object"; properties: Record<string, unknown>; required?: string[] },
): Promise<ElicitAnswer> {
  return await callTool<ElicitAnswer>("${CLIENT_SERVER}", "elicit", { message, requestedSchema });
}
`;

/** Answers one call of `/client.ts` for `context`. */
export async function handleClientCall(
  context: ExecutionContext,
  tool: string,
  args: unknown,
): Promise<unknown> {
  const a = (args ?? {}) as Record<string, unknown>;
  switch (tool) {
    case "progress": {
      if (typeof a.progress !== "number" || !Number.isFinite(a.progress)) {
        throw new McpxError(
          "TOOL_INVALID_ARGS",
          `Invalid progress ${JSON.stringify(a.progress)}: expected a finite number`,
        );
      }
      context.client?.progress({
        progress: a.progress,
        ...(typeof a.total === "number" ? { total: a.total } : {}),
        ...(typeof a.message === "string" ? { message: a.message.slice(0, 1_000) } : {}),
      });
      return null;
    }
    case "elicit": {
      if (context.elicit === undefined) {
        throw new McpxError(
          "CLIENT_UNSUPPORTED",
          "The client of this execution cannot show forms (no elicitation capability)",
        );
      }
      if (
        typeof a.message !== "string" || a.requestedSchema === null ||
        typeof a.requestedSchema !== "object"
      ) {
        throw new McpxError(
          "TOOL_INVALID_ARGS",
          "Invalid elicit arguments: expected a message string and a requestedSchema object",
        );
      }
      return await context.elicit({
        message: a.message,
        requestedSchema: a.requestedSchema as Record<string, unknown>,
      });
    }
    default:
      throw new McpxError(
        "UNKNOWN_TOOL",
        `Unknown client function "${tool}": use reportProgress or elicit from "./client.ts"`,
      );
  }
}
