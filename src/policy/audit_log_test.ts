import assert from "node:assert/strict";
import { join } from "node:path";
import { type AuditEntry, AuditLog, readAudit } from "./audit_log.ts";

function entry(i: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    session: "s",
    execution: `e${i % 3}`,
    server: i % 2 ? "memory" : "fs",
    tool: i % 2 ? "delete_entities" : "write_file",
    digest: "0".repeat(64),
    ms: 1,
    outcome: "ok",
    approval: "allow",
    ...over,
  };
}

Deno.test("entries are appended in order, filtered on read, secrets redacted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "sub", "audit.jsonl");
    const log = new AuditLog({ path, includeArgs: true });
    for (let i = 0; i < 10; i++) log.append(entry(i));
    log.append(entry(10, { args: { user: "a", password: "p" }, error: "Bearer abcdefghijklmnop" }));
    await log.close();
    const all = await readAudit(path);
    assert.deepEqual(all.map((e) => e.time), Array.from({ length: 11 }, (_, i) => entry(i).time));
    assert.deepEqual(all[10].args, { user: "a", password: "[redacted]" });
    assert.equal(all[10].error, "Bearer [redacted]");
    assert.equal((await readAudit(path, { tool: "memory/delete_*" })).length, 5);
    assert.equal((await readAudit(path, { tool: "write_file" })).length, 6);
    assert.equal((await readAudit(path, { tool: "fs" })).length, 6);
    assert.equal((await readAudit(path, { execution: "e1" })).length, 4);
    assert.equal(
      (await readAudit(path, { since: new Date(Date.UTC(2026, 0, 1, 0, 0, 8)) })).length,
      3,
    );
    // Without includeArgs the arguments are never written.
    const p2 = join(dir, "b.jsonl");
    const plain = new AuditLog({ path: p2 });
    plain.append(entry(0, { args: { a: 1 } }));
    await plain.close();
    assert.equal((await readAudit(p2))[0].args, undefined);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the log rotates at its size cap and keeps a bounded number of files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "audit.jsonl");
    const maxBytes = 4096;
    const log = new AuditLog({ path, maxBytes, keep: 2 });
    const n = 200; // about 250 bytes each: some 12 files' worth
    for (let i = 0; i < n; i++) {
      log.append(entry(i));
      if (i % 17 === 0) await log.flush();
    }
    await log.close();
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(files, ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]);
    let total = 0;
    for (const f of files) {
      const size = (await Deno.stat(join(dir, f))).size;
      assert.ok(size <= maxBytes, `${f} is ${size} bytes`);
      total += size;
    }
    assert.ok(total <= 3 * maxBytes);
    // The newest entries survive, in order, with no gap.
    const kept = await readAudit(path);
    const last = kept.map((e) => e.time);
    assert.equal(last.at(-1), entry(n - 1).time);
    const first = Date.parse(last[0]);
    assert.deepEqual(last, kept.map((_, i) => new Date(first + i * 1000).toISOString()));
    // A reopened log continues the current file.
    const again = new AuditLog({ path, maxBytes, keep: 2 });
    again.append(entry(n));
    await again.close();
    assert.equal((await readAudit(path)).at(-1)!.time, entry(n).time);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a too small size cap is refused", () => {
  assert.throws(() => new AuditLog({ path: "x", maxBytes: 10 }), /Invalid audit log size cap 10/);
});
