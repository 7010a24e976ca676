// Group commit merges the writes that arrive while another commits. A record
// naming an unknown run fails the whole transaction it shares, so the batch
// is then re-run record by record, and only that record fails; any other
// error would fail each record again, so it fails them all at once.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GroupCommit } from "../../src/core/group_commit.ts";
import { RunNotFoundError } from "../../src/errors.ts";

interface Event {
  runId: string;
  n: number;
}

/**
 * A fake transactional insert: all records or none, ids counted up, and a
 * RunNotFoundError for a record of a run not in `runs`.
 */
function fakeDatabase(runs: string[]) {
  const calls: number[][] = [];
  const stored: number[] = [];
  let nextId = 1;
  let failure: Error | undefined;
  const insert = async (records: readonly Event[]): Promise<number[]> => {
    calls.push(records.map((r) => r.n));
    // A real commit takes a while: writes issued meanwhile queue up.
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (failure) throw failure;
    const unknown = records.find((r) => !runs.includes(r.runId));
    if (unknown) throw new RunNotFoundError(unknown.runId);
    stored.push(...records.map((r) => r.n));
    return records.map(() => nextId++);
  };
  return {
    insert,
    calls,
    stored,
    failWith(error: Error | undefined) {
      failure = error;
    },
  };
}

const settle = (promises: Promise<number>[]) => Promise.allSettled(promises);

describe("GroupCommit", () => {
  it("merges writes of the same turn into one transaction", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert);
    const ids = await Promise.all(
      [1, 2, 3].map((n) => group.write({ runId: "r", n })),
    );
    assert.deepEqual(ids, [1, 2, 3]);
    assert.deepEqual(db.calls, [[1, 2, 3]]);
  });

  it("queues writes made during a commit for the next one", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert);
    const first = group.write({ runId: "r", n: 1 });
    while (db.calls.length === 0) await Promise.resolve();
    const later = [2, 3].map((n) => group.write({ runId: "r", n }));
    assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3]);
    assert.deepEqual(db.calls, [[1], [2, 3]]);
  });

  it("splits at maxBatch", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert, 2);
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) => group.write({ runId: "r", n })),
    );
    assert.deepEqual(db.calls, [[1, 2], [3, 4], [5]]);
  });

  it("re-runs a batch record by record after an unknown run", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert);
    const results = await settle([
      group.write({ runId: "r", n: 1 }),
      group.write({ runId: "missing", n: 2 }),
      group.write({ runId: "r", n: 3 }),
    ]);
    assert.deepEqual(db.calls, [[1, 2, 3], [1], [2], [3]]);
    assert.deepEqual(db.stored, [1, 3]);
    assert.deepEqual(results[0], { status: "fulfilled", value: 1 });
    assert.equal(results[1]!.status, "rejected");
    const error = (results[1] as PromiseRejectedResult).reason;
    assert.ok(error instanceof RunNotFoundError);
    assert.equal(error.runId, "missing");
    assert.deepEqual(results[2], { status: "fulfilled", value: 2 });
  });

  it("fails every record of the batch at once on any other error", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert);
    const outage = new Error("connection refused");
    db.failWith(outage);
    const results = await settle(
      [1, 2, 3].map((n) => group.write({ runId: "r", n })),
    );
    assert.deepEqual(db.calls, [[1, 2, 3]]);
    for (const result of results) {
      assert.deepEqual(result, { status: "rejected", reason: outage });
    }
  });

  it("keeps a lone record's failure to itself and carries on", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert);
    await assert.rejects(
      group.write({ runId: "missing", n: 1 }),
      RunNotFoundError,
    );
    assert.deepEqual(db.calls, [[1]]);
    assert.equal(await group.write({ runId: "r", n: 2 }), 1);
    assert.deepEqual(db.calls, [[1], [2]]);
  });

  it("abandon() fails the queued writes and lets the running batch finish", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert, 1);
    const writes = [1, 2, 3].map((n) => group.write({ runId: "r", n }));
    // Let the first batch start, then give up on the rest.
    await Promise.resolve();
    await Promise.resolve();
    const closed = new Error("closed");
    group.abandon(closed);
    const results = await Promise.allSettled(writes);
    assert.deepEqual(results, [
      { status: "fulfilled", value: 1 },
      { status: "rejected", reason: closed },
      { status: "rejected", reason: closed },
    ]);
    assert.deepEqual(db.stored, [1]);
  });

  it("abandon() with committing fails the running batch's callers too", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert, 1);
    const writes = [1, 2].map((n) => group.write({ runId: "r", n }));
    while (db.calls.length === 0) await Promise.resolve();
    const closed = new Error("closed");
    group.abandon(closed, { committing: true });
    const results = await Promise.allSettled(writes);
    assert.deepEqual(results, [
      { status: "rejected", reason: closed },
      { status: "rejected", reason: closed },
    ]);
    // The running batch was not stopped, only no longer waited for.
    await group.idle();
    assert.deepEqual(db.stored, [1]);
  });

  it("idle() waits for every queued write, and those queued meanwhile", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert, 1);
    let idle = false;
    await group.idle();
    const writes = [1, 2].map((n) => group.write({ runId: "r", n }));
    const waited = group.idle().then(() => idle = true);
    while (db.calls.length === 0) await Promise.resolve();
    writes.push(group.write({ runId: "r", n: 3 }));
    await waited;
    assert.ok(idle);
    assert.deepEqual(db.stored, [1, 2, 3]);
    assert.deepEqual(await Promise.all(writes), [1, 2, 3]);
    // Idle again at once, and a new write starts a new drain.
    await group.idle();
    assert.equal(await group.write({ runId: "r", n: 4 }), 4);
  });

  it("fails an abandoned lone write with the error, not with a later id", async () => {
    const db = fakeDatabase(["r"]);
    const group = new GroupCommit(db.insert);
    const write = group.write({ runId: "r", n: 1 });
    const closed = new Error("closed");
    group.abandon(closed, { committing: true });
    await assert.rejects(write, closed);
    await group.idle();
    assert.deepEqual(db.calls, []);
  });
});
