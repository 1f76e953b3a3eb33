import assert from "node:assert/strict";
import { executionContext } from "./execution_context.ts";
import { abilitiesOf, callFor, trackUpstreamCall } from "./upstream_router.ts";

Deno.test("a server request goes to the oldest call that has not asked yet", () => {
  const conn = {};
  const a = executionContext("a");
  const b = executionContext("b");
  const c = executionContext("c");
  assert.equal(callFor(conn), undefined);
  const doneA = trackUpstreamCall(conn, a);
  trackUpstreamCall(conn, b);
  trackUpstreamCall(conn, c);
  const first = callFor(conn)!;
  assert.equal(first.context, a);
  first.asked++;
  // A has asked (and been answered): the next request is B's, not A's again.
  assert.equal(callFor(conn)!.context, b);
  callFor(conn)!.asked++;
  assert.equal(callFor(conn)!.context, c);
  doneA();
  const last = callFor(conn)!;
  last.asked++;
  last.asking++;
  // Everyone asked; B is idle and older than the busy C.
  assert.equal(callFor(conn)!.context, b);
});

Deno.test("calls without a context are not tracked", () => {
  const conn = {};
  trackUpstreamCall(conn, undefined)();
  assert.equal(callFor(conn), undefined);
});

Deno.test("abilitiesOf reads declared client capabilities", () => {
  assert.deepEqual(abilitiesOf(undefined), {
    sampling: false,
    elicitationForm: false,
    elicitationUrl: false,
    roots: false,
  });
  // An empty elicitation capability means form mode.
  assert.deepEqual(abilitiesOf({ elicitation: {}, roots: {} }), {
    sampling: false,
    elicitationForm: true,
    elicitationUrl: false,
    roots: true,
  });
  assert.deepEqual(abilitiesOf({ elicitation: { url: {} }, sampling: {} }), {
    sampling: true,
    elicitationForm: false,
    elicitationUrl: true,
    roots: false,
  });
});
