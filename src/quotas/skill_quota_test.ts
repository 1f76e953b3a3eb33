import assert from "node:assert/strict";
import { QuotaExceededError } from "../errors.ts";
import { SkillQuota } from "./skill_quota.ts";

const limits = { maxBytes: 100, maxSessionBytes: 250, maxTotalBytes: 400, maxCount: 5 };

function refused(f: () => unknown, limit: string, message: RegExp): void {
  assert.throws(f, (e) => {
    assert.ok(e instanceof QuotaExceededError);
    assert.equal(e.code, "QUOTA_EXCEEDED");
    assert.equal(e.limit, limit);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("SkillQuota refuses a skill over the size of one skill, naming both", () => {
  const q = new SkillQuota(limits);
  refused(
    () => q.reserve("big", 101, "s1"),
    "skills.maxBytes",
    /^Cannot save skill "big": it is 101 bytes; the limit is 100 bytes a skill \(skills\.maxBytes\)/,
  );
  q.reserve("ok", 100, "s1").commit();
  assert.deepEqual(q.usage(), { bytes: 100, count: 1 });
});

Deno.test("SkillQuota bounds what one session owns; replacing a skill frees its size", () => {
  const q = new SkillQuota(limits);
  q.reserve("a", 100, "s1").commit();
  q.reserve("b", 100, "s1").commit();
  refused(() => q.reserve("c", 51, "s1"), "skills.maxSessionBytes", /"c".*251 bytes.*250 bytes/);
  // Replacing "b" with a smaller one fits; another session is not held back.
  q.reserve("b", 10, "s1").commit();
  q.reserve("c", 100, "s1").commit();
  assert.deepEqual(q.usage("s1"), { bytes: 210, count: 3 });
  q.reserve("d", 100, "s2").commit();
  assert.deepEqual(q.usage("s2"), { bytes: 100, count: 1 });
});

Deno.test("SkillQuota bounds the total of every session, and the count", () => {
  const q = new SkillQuota({ ...limits, maxTotalBytes: 350 });
  q.adopt("old", 100); // found on disk: counts in the total, owned by no session
  q.reserve("a", 100, "s1").commit();
  q.reserve("b", 100, "s2").commit();
  refused(() => q.reserve("c", 60, "s3"), "skills.maxTotalBytes", /"c".*360 bytes.*350 bytes/);
  q.reserve("c", 10, "s3").commit();
  q.reserve("d", 10, "s4").commit();
  refused(() => q.reserve("e", 1, "s5"), "skills.maxCount", /already 5 saved skills.*limit is 5/);
  // A replacement adds no skill.
  q.reserve("d", 1, "s4").commit();
});

Deno.test("SkillQuota holds room at once, and gives it back on cancel", () => {
  const q = new SkillQuota(limits);
  const first = q.reserve("a", 100, "s1");
  const second = q.reserve("b", 100, "s1");
  refused(() => q.reserve("c", 100, "s1"), "skills.maxSessionBytes", /"c"/);
  second.cancel();
  first.commit();
  first.cancel(); // no effect once committed
  assert.deepEqual(q.usage("s1"), { bytes: 100, count: 1 });
  // A cancelled replacement restores the skill it would have replaced.
  q.reserve("a", 5, "s2").cancel();
  assert.deepEqual(q.usage("s1"), { bytes: 100, count: 1 });
  assert.throws(() => new SkillQuota({ maxBytes: 0 }), /Invalid skill limit maxBytes/);
});
