// Synthetic but realistic MCP tool lists for benchmarks: objects with 3–8
// properties, enums, nested arrays and objects, defaults, some $defs.
import type { Tool } from "../src/_sdk.ts";
import type { ServerSnapshot } from "../src/introspect/types.ts";

const VERBS = [
  "get",
  "list",
  "create",
  "update",
  "delete",
  "search",
  "read",
  "write",
  "move",
  "sync",
];
const NOUNS = [
  "file",
  "issue",
  "user",
  "repo",
  "page",
  "entity",
  "message",
  "event",
  "record",
  "branch",
];

function property(i: number, depth: number): Record<string, unknown> {
  switch (i % 7) {
    case 0:
      return { type: "string", description: `The identifier of item ${i}`, minLength: 1 };
    case 1:
      return {
        type: "integer",
        description: "Maximum number of results",
        default: 50,
        minimum: 1,
        maximum: 500,
      };
    case 2:
      return { type: "string", enum: ["asc", "desc"], description: "Sort order", default: "asc" };
    case 3:
      return { type: "array", items: { type: "string" }, description: "Labels to apply" };
    case 4:
      return { type: "boolean", description: "Whether to include archived items", default: false };
    case 5:
      return depth > 0
        ? {
          type: "object",
          description: "Filter options",
          properties: {
            field: { type: "string" },
            op: { enum: ["eq", "ne", "gt", "lt"] },
            value: property(i + 1, depth - 1),
          },
          required: ["field", "op"],
        }
        : { type: "string", format: "date-time", description: "Timestamp" };
    default:
      return { anyOf: [{ type: "string" }, { type: "null" }], description: "Optional cursor" };
  }
}

/** `count` tools named like real APIs with schemas of realistic size. */
export function syntheticTools(count: number): Tool[] {
  const tools: Tool[] = [];
  for (let i = 0; i < count; i++) {
    const n = 3 + (i % 6);
    const properties: Record<string, object> = {};
    for (let p = 0; p < n; p++) {
      properties[`param_${p}_${NOUNS[p % NOUNS.length]}`] = property(i + p, 2);
    }
    const withDefs = i % 5 === 0;
    tools.push({
      name: `${VERBS[i % VERBS.length]}_${NOUNS[Math.floor(i / VERBS.length) % NOUNS.length]}_${i}`,
      title: `Tool ${i}`,
      description: `Performs operation ${i} on the ${
        NOUNS[i % NOUNS.length]
      } collection. Returns the affected items and a cursor for pagination.`,
      inputSchema: {
        type: "object",
        properties: withDefs ? { ...properties, node: { $ref: "#/$defs/node" } } : properties,
        required: Object.keys(properties).slice(0, 2),
        ...(withDefs
          ? {
            $defs: {
              node: {
                type: "object",
                properties: {
                  name: { type: "string" },
                  children: { type: "array", items: { $ref: "#/$defs/node" } },
                },
              },
            },
          }
          : {}),
      },
      ...(i % 3 === 0
        ? {
          outputSchema: {
            type: "object",
            properties: {
              items: {
                type: "array",
                items: { type: "object", properties: { id: { type: "string" } } },
              },
              next: { type: "string" },
            },
          },
        }
        : {}),
      annotations: { readOnlyHint: i % 2 === 0 },
    });
  }
  return tools;
}

/** A snapshot of one server with `count` synthetic tools. */
export function syntheticSnapshot(count: number, name = "synthetic"): ServerSnapshot {
  return {
    name,
    serverInfo: { name: `${name}-server`, version: "1.0.0" },
    capabilities: { tools: {} },
    tools: syntheticTools(count),
    resources: [],
    resourceTemplates: [],
    prompts: [],
  };
}
