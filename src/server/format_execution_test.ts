import assert from "node:assert/strict";
import type { ExecutionResult } from "../sandbox/sandbox.ts";
import { cut, formatExecution } from "./format_execution.ts";

const stats = { durationMs: 3.4, toolCalls: 2, outputBytes: 10, truncated: false };

Deno.test("formatExecution: logs, result, figures", () => {
  const r: ExecutionResult = {
    ok: true,
    result: { n: 1 },
    resultJson: '{"n":1}',
    logs: [{ level: "log", message: "hi" }, { level: "warn", message: "careful" }],
    stats,
  };
  assert.deepEqual(formatExecution(r, 1000), {
    text: 'hi\nwarn: careful\n{"n":1}\n[ok · 3 ms · 2 tool calls]',
    isError: false,
  });
  const s = formatExecution({
    ok: true,
    result: "plain\ntext",
    resultJson: '"plain\\ntext"',
    logs: [],
    stats,
  }, 1000);
  assert.equal(s.text, "plain\ntext\n[ok · 3 ms · 2 tool calls]");
});

Deno.test("formatExecution: a failure shows the stack and the code", () => {
  const r = formatExecution({
    ok: false,
    logs: [],
    error: {
      code: "SANDBOX_RUNTIME",
      name: "TypeError",
      message: "bad",
      stack: "TypeError: bad\n    at f (/main.ts:2:3)",
    },
    stats: { ...stats, toolCalls: 1 },
  }, 1000);
  assert.equal(r.isError, true);
  assert.equal(
    r.text,
    "TypeError: bad\n    at f (/main.ts:2:3)\n[failed SANDBOX_RUNTIME · 3 ms · 1 tool call]",
  );
});

Deno.test("formatExecution cuts to the budget with a note", () => {
  const big = "x".repeat(50_000);
  const r = formatExecution({
    ok: true,
    result: big,
    resultJson: JSON.stringify(big),
    logs: [],
    stats,
  }, 2_000);
  assert.ok(r.text.length <= 2_000, String(r.text.length));
  assert.match(r.text, /…\[cut 4\d,\d{3} of 50,000 characters: return less/);
  assert.match(r.text, /\[ok · 3 ms · 2 tool calls\]$/);
  const kept = r.text.indexOf("\n…[cut");
  const cutCount = Number(/cut ([\d,]+) of/.exec(r.text)![1].replaceAll(",", ""));
  assert.equal(kept + cutCount, 50_000);
  assert.equal(cut("short", 10), "short");
});
