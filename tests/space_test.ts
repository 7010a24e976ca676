// Disk space: the space report and doctor on every backend; on SQLite, new
// files in incremental auto-vacuum mode, old files kept in theirs until
// `compact({ incremental: true })`, and prune and retention giving space
// back in bounded steps, never by a whole-file VACUUM unless asked.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import process from "node:process";
import {
  createPersistence,
  diagnoseStore,
  type Persistence,
  pruneStore,
  schemaSql,
  type SpaceReport,
} from "../mod.ts";
import { main } from "../src/cli/main.ts";
import { spaceWarnings } from "../src/maintenance/doctor.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { tempPath } from "./_temp.ts";
import { BACKENDS } from "./_backends.ts";

const DAY = 86_400_000;
const LONG_AGO = new Date("2020-01-01T00:00:00.000Z");
const BIG = "x".repeat(2000);

/** 14 runs of this week and 6 of long ago, each with 3 events and 2 calls. */
async function fillWeek(store: Persistence): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const recent = i < 14;
    const createdAt = recent
      ? new Date(Date.now() - (i % 6) * DAY - 60_000)
      : LONG_AGO;
    const runId = `run-${i}`;
    await store.createAgentRun({
      agentId: "a",
      runId,
      status: "completed",
      createdAt,
    });
    await store.logAgentRunEvents(
      Array.from({ length: 3 }, () => ({
        agentId: "a",
        runId,
        eventType: "step",
        data: { text: BIG },
        createdAt,
      })),
    );
    await store.logLlmUsages(
      Array.from({ length: 2 }, () => ({
        agentId: "a",
        runId,
        prompt: BIG,
        createdAt,
      })),
    );
  }
}

for (const [name, open] of BACKENDS) {
  describe(`space report: ${name}`, () => {
    it("gives size and growth per table over the last 7 days", async () => {
      await using store = await open();
      await fillWeek(store);
      const space = await store.getSpaceReport();
      const byName = new Map(space.tables.map((t) => [t.table, t]));
      assert.deepEqual([...byName.keys()], [
        "agent_runs",
        "agent_run_events",
        "agent_llm_usage",
      ]);
      const expected = { agent_runs: 20, agent_run_events: 60 };
      for (const [table, rows] of Object.entries(expected)) {
        const figures = byName.get(table)!;
        assert.equal(figures.rows, rows, table);
        assert.equal(figures.rowsPerDay, rows * 14 / 20 / 7, table);
      }
      const usage = byName.get("agent_llm_usage")!;
      assert.equal(usage.rows, 40);
      assert.equal(usage.rowsPerDay, 4);
      if (name === "memory") {
        assert.equal(space.sizeBytes, null);
        for (const table of space.tables) {
          assert.equal(table.sizeBytes, null);
          assert.equal(table.bytesPerDay, null);
        }
      } else {
        for (const table of space.tables) {
          assert.ok(table.sizeBytes! > 0, table.table);
          assert.equal(
            table.bytesPerDay,
            Math.round(table.rowsPerDay * table.sizeBytes! / table.rows),
          );
        }
        // 80 KiB of prompts at least: the table holding them is the largest.
        assert.ok(usage.sizeBytes! >= 40 * 2000, String(usage.sizeBytes));
        const total = space.tables.reduce((sum, t) => sum + t.sizeBytes!, 0);
        assert.ok(total <= space.sizeBytes!, `${total} ${space.sizeBytes}`);
      }
      if (name === "sqlite") {
        assert.equal(space.autoVacuum, "incremental");
        assert.equal(typeof space.walBytes, "number");
        assert.equal(space.reclaimableBytes, 0);
      } else {
        assert.equal(space.autoVacuum, null);
        assert.equal(space.walBytes, null, "PostgreSQL's WAL is the server's");
        assert.equal(space.reclaimableBytes, null);
      }
    });

    it("doctor includes the space report, without warnings on a new store", async () => {
      await using store = await open();
      await fillWeek(store);
      const diagnosis = await diagnoseStore(store);
      assert.deepEqual(diagnosis.problems, []);
      assert.deepEqual(diagnosis.warnings, []);
      assert.equal(diagnosis.space?.tables.length, 3);
      assert.equal(diagnosis.space?.tables[0]?.rows, 20);
    });

    it("reclaimSpace and compact({ incremental }) work on every backend", async () => {
      await using store = await open();
      await fillWeek(store);
      await store.compact({ incremental: true });
      const result = await store.reclaimSpace({ stepPages: 16 });
      assert.deepEqual(result, { steps: 0, bytes: 0 }, "nothing left to free");
      await assert.rejects(store.reclaimSpace({ stepPages: 0 }), /stepPages/);
    });
  });
}

/** A SQLite file whose tables were created by other means: auto_vacuum=NONE. */
async function olderFile(): Promise<string> {
  const path = tempPath();
  const db = await openSqliteDatabase(path);
  db.exec("PRAGMA journal_mode = WAL");
  for (const statement of schemaSql("sqlite")) db.exec(statement);
  db.close();
  return path;
}

async function autoVacuum(path: string): Promise<number> {
  const db = await openSqliteDatabase(path);
  try {
    const [row] = db.prepare("PRAGMA auto_vacuum").all() as {
      auto_vacuum: number;
    }[];
    return Number(row?.auto_vacuum);
  } finally {
    db.close();
  }
}

describe("giving disk back on SQLite", () => {
  it("creates new files in incremental mode, keeps an existing file's mode", async () => {
    const fresh = tempPath();
    await (await createPersistence(`sqlite:${fresh}`)).close();
    assert.equal(await autoVacuum(fresh), 2);
    const older = await olderFile();
    await (await createPersistence(`sqlite:${older}`)).close();
    assert.equal(await autoVacuum(older), 0, "opening switches nothing");
  });

  it("an older file: prune leaves the pages in it, --vacuum gives them back", async () => {
    const path = await olderFile();
    await using store = await createPersistence(`sqlite:${path}`);
    const warnings = (await diagnoseStore(store)).warnings;
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /compact --incremental/);
    await fillWeek(store);
    const cutoff = new Date("2021-01-01");
    const kept = await pruneStore(store, { olderThan: cutoff });
    assert.equal(kept.deleted.runs, 6);
    assert.equal(kept.sizeAfter, kept.sizeBefore, "no whole-file VACUUM");
    assert.ok((await store.getSpaceReport()).reclaimableBytes! > 0);
    const vacuumed = await pruneStore(store, {
      olderThan: cutoff,
      vacuum: true,
    });
    assert.ok(vacuumed.sizeAfter! < vacuumed.sizeBefore!);
    assert.equal((await store.getSpaceReport()).reclaimableBytes, 0);
  });

  it("compact({ incremental }) switches an older file once, then steps", async () => {
    const path = await olderFile();
    {
      await using store = await createPersistence(`sqlite:${path}`);
      await fillWeek(store);
      await store.deleteAgentRuns(
        Array.from({ length: 20 }, (_, i) => `run-${i}`),
        { withLlmUsage: true },
      );
      const before = await store.getSpaceReport();
      assert.equal(before.autoVacuum, "none");
      assert.ok(before.reclaimableBytes! > 0);
      await store.compact({ incremental: true });
      const after = await store.getSpaceReport();
      assert.equal(after.autoVacuum, "incremental");
      assert.equal(after.reclaimableBytes, 0);
      assert.ok(after.sizeBytes! < before.sizeBytes!);
      assert.deepEqual((await diagnoseStore(store)).warnings, []);
    }
    assert.equal(await autoVacuum(path), 2, "the mode is in the file");
  });

  it("retention gives the space back in bounded steps, as it goes", async () => {
    await using store = await createPersistence(`sqlite:${tempPath()}`);
    await fillWeek(store);
    const before = await store.getSpaceReport();
    const result = await store.applyRetention({ runs: "30d", batchSize: 2 });
    assert.equal(result.removed.runs, 6);
    // At most 2 runs a batch; fewer when a batch of 2 holds the lock long.
    assert.ok(result.batches >= 3 && result.batches <= 6, `${result.batches}`);
    const after = await store.getSpaceReport();
    assert.equal(after.reclaimableBytes, 0);
    assert.ok(
      after.sizeBytes! < before.sizeBytes!,
      `${before.sizeBytes} -> ${after.sizeBytes}`,
    );
  });

  it("reclaimSpace stops after maxSteps of stepPages each", async () => {
    await using store = await createPersistence(`sqlite:${tempPath()}`);
    await fillWeek(store);
    await pruneStore(store, { olderThan: new Date(), compact: false });
    const free = (await store.getSpaceReport()).reclaimableBytes!;
    assert.ok(free > 4 * 4096, String(free));
    const step = await store.reclaimSpace({ stepPages: 2, maxSteps: 2 });
    assert.deepEqual(step, { steps: 2, bytes: 4 * 4096 });
    const rest = await store.reclaimSpace();
    assert.equal(rest.bytes, free - 4 * 4096);
    assert.equal((await store.getSpaceReport()).reclaimableBytes, 0);
  });
});

describe("doctor's warnings", () => {
  const space = (fields: Partial<SpaceReport>): SpaceReport => ({
    sizeBytes: 1 << 30,
    tables: [],
    walBytes: 0,
    reclaimableBytes: 0,
    autoVacuum: "incremental",
    ...fields,
  });
  const MIB = 1024 * 1024;

  it("warns when the WAL is above max(64 MiB, 10% of the database)", () => {
    assert.deepEqual(spaceWarnings(space({ walBytes: 100 * MIB })), []);
    const [warning] = spaceWarnings(space({ walBytes: 110 * MIB }));
    assert.match(warning!, /110\.0 MiB, above 102\.4 MiB/);
    assert.match(warning!, /read transaction/);
    const small = { sizeBytes: 10 * MIB };
    assert.deepEqual(
      spaceWarnings(space({ ...small, walBytes: 64 * MIB })),
      [],
    );
    assert.equal(
      spaceWarnings(space({ ...small, walBytes: 65 * MIB })).length,
      1,
    );
    assert.deepEqual(
      spaceWarnings(space({ walBytes: null, autoVacuum: null })),
      [],
      "PostgreSQL",
    );
  });
});

/** Runs the command-line tool in this process; its output and exit code. */
async function cliRun(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const write = (stream: "stdout" | "stderr") => (chunk: unknown) => {
    out[stream] += String(chunk);
    return true;
  };
  const saved = [process.stdout.write, process.stderr.write] as const;
  process.stdout.write = write("stdout") as typeof process.stdout.write;
  process.stderr.write = write("stderr") as typeof process.stderr.write;
  try {
    const code = await main(args, { env: {} });
    return { code, ...out };
  } finally {
    [process.stdout.write, process.stderr.write] = saved;
  }
}

describe("cli: compact --incremental, prune --vacuum, doctor's space", () => {
  it("switches an older file once, saying so first; doctor shows the space", async () => {
    const path = await olderFile();
    const db = `sqlite:${path}`;
    {
      await using store = await createPersistence(db);
      await fillWeek(store);
    }
    const before = await cliRun(["doctor", "--db", db]);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /^auto_vacuum:\s+none$/m);
    assert.match(before.stdout, /^Warning: .*compact --incremental/m);
    assert.match(before.stdout, /^agent_llm_usage\s+40\s+[\d.]+ KiB\s+4\s+/m);
    const pruned = await cliRun([
      "prune",
      "--db",
      db,
      "--older-than",
      "2021-01-01",
      "--vacuum",
      "--json",
    ]);
    assert.equal(pruned.code, 0, pruned.stderr);
    const result = JSON.parse(pruned.stdout);
    assert.equal(result.deleted.runs, 6);
    assert.ok(result.sizeAfter < result.sizeBefore);
    const switched = await cliRun(["compact", "--incremental", "--db", db]);
    assert.equal(switched.code, 0, switched.stderr);
    assert.match(switched.stderr, /one-time VACUUM .* writers .* wait/);
    assert.match(switched.stdout, /^Switched to auto_vacuum=INCREMENTAL$/m);
    const again = await cliRun(["compact", "--incremental", "--db", db]);
    assert.equal(again.stderr, "", "nothing to switch, nothing blocking");
    const json = await cliRun(["doctor", "--db", db, "--json"]);
    const diagnosis = JSON.parse(json.stdout);
    assert.equal(diagnosis.space.autoVacuum, "incremental");
    assert.deepEqual(diagnosis.warnings, []);
    assert.equal(diagnosis.space.tables[2].rows, 28);
    assert.equal(typeof diagnosis.space.walBytes, "number");
  });
});
