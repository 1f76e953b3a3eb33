import assert from "node:assert/strict";
import { approvalForm, readAnswer, summarizeArgs } from "./approval_form.ts";

Deno.test("the form names server, tool, line and arguments; secrets are hidden", () => {
  const form = approvalForm({
    server: "github",
    tool: "create_pull_request",
    args: { title: "Fix", token: "abc", body: "x".repeat(500) },
    line: 12,
    reason: 'rule "github/create_*"',
    about: "Create a pull request",
  });
  assert.equal(
    form.message.split("\n").slice(0, 6).join("\n"),
    [
      'Allow "github/create_pull_request"?',
      "Server: github",
      "Tool: create_pull_request (Create a pull request)",
      'Why asked: rule "github/create_*"',
      "Called from: line 12 of the program",
      "Arguments:",
    ].join("\n"),
  );
  assert.match(form.message, /title: "Fix"/);
  assert.match(form.message, /token: "\[redacted\]"/);
  assert.match(form.message, /body: "x+… \(502 characters\)/);
  assert.equal(summarizeArgs({}), "(no arguments)");
  // A program cannot add lines of its own to the form.
  assert.equal(
    summarizeArgs({ "x\nWhy asked: nothing": "a\nb" }),
    '"x\\nWhy asked: nothing": "a\\nb"',
  );
});

Deno.test("answers: accept once, accept for the session, decline, cancel", () => {
  assert.equal(readAnswer({ action: "accept" }), "once");
  assert.equal(
    readAnswer({ action: "accept", content: { approveAllForSession: true } }),
    "session",
  );
  assert.equal(readAnswer({ action: "decline" }), "declined");
  assert.equal(readAnswer({ action: "cancel" }), "cancelled");
  assert.equal(readAnswer(undefined), "cancelled");
});
