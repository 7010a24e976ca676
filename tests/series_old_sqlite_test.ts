// SQLite builds before 3.44 (macOS's own, which Bun loads there) refuse
// ORDER BY inside an aggregate, and before 3.45 binary JSON: the series
// sort their percentiles' values outside SQL, so such a build answers
// them with the same statements; the tool statistics of an older schema
// parse JSON as text once refused binary JSON. Played here by a driver
// that refuses such statements as an old build does.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { Persistence } from "../src/persistence.ts";
import { Store } from "../src/core/store.ts";
import { sortToolStats, ToolTally } from "../src/core/series.ts";
import { SqlBackend } from "../src/sql/backend.ts";
import { checkExistingSchema } from "../src/sql/existing_schema.ts";
import { coveringToolsIndexVersion } from "../src/sql/schema.ts";
import { SqliteConnection } from "../src/sqlite/connection.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import {
  openSqliteDatabase,
  type SqliteDatabase,
} from "../src/sqlite/runtime.ts";
import type { AgentRunStatus, LlmUsageInput } from "../mod.ts";

/** An aggregate's argument followed by ORDER BY, which old builds refuse. */
const ORDERED_AGGREGATE = /\w+\(\w+ ORDER BY/;
/** Binary JSON, which builds before 3.45 lack. */
const JSONB = /\bjsonb\(/;

async function open(
  old: boolean,
): Promise<
  {
    store: Store;
    refused: string[];
    db: SqliteDatabase;
    driver: SqliteDatabase;
  }
> {
  const db = await openSqliteDatabase(":memory:");
  const refused: string[] = [];
  const driver: SqliteDatabase = !old ? db : {
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    prepare(sql) {
      if (ORDERED_AGGREGATE.test(sql)) {
        refused.push(sql);
        throw new Error('near "ORDER": syntax error');
      }
      if (JSONB.test(sql)) {
        refused.push(sql);
        throw new Error("no such function: jsonb");
      }
      return db.prepare(sql);
    },
  };
  const store = new Store(
    new SqlBackend(sqliteDialect, new SqliteConnection(driver)),
  );
  await store.initializeSchema();
  return { store, refused, db, driver };
}

/** The same seeded records in each store. */
async function fill(stores: Persistence[]): Promise<void> {
  let state = 42;
  const next = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const start = Date.UTC(2025, 2, 28);
  const statuses: AgentRunStatus[] = ["completed", "error", "running"];
  const runs = Array.from({ length: 60 }, (_, i) => {
    const created = start + Math.floor(next() * 4 * 86_400_000);
    const started = created + Math.floor(next() * 1000);
    return {
      agentId: `a${i % 3}`,
      runId: `r${i}`,
      status: statuses[i % 3]!,
      totalIterations: i % 5,
      createdAt: new Date(created),
      startedAt: new Date(started),
      finishedAt: i % 4 === 0 ? null : new Date(started + i * 997),
    };
  });
  const calls: LlmUsageInput[] = Array.from({ length: 300 }, (_, i) => ({
    agentId: `a${i % 3}`,
    provider: i % 2 ? "acme-ai" : "zeta-ai",
    model: i % 3 ? "large" : "small",
    inputTokens: Math.floor(next() * 1000),
    outputTokens: 10,
    latencyMs: i % 7 === 0 ? null : Math.floor(next() * 3000),
    costUsd: i % 5 === 0 ? null : Math.floor(next() * 1e6) / 1e9,
    costSource: i % 5 === 0 ? null : "provided",
    status: i % 9 === 0 ? "error" : "success",
    createdAt: new Date(start + Math.floor(next() * 4 * 86_400_000)),
  }));
  for (const store of stores) {
    for (const run of runs) await store.createAgentRun(run);
    await store.logLlmUsages(calls);
  }
}

test("series on a SQLite build without ordered aggregates equal those with them, refusing nothing", async () => {
  const current = await open(false);
  const old = await open(true);
  try {
    await fill([current.store, old.store]);
    const since = new Date(Date.UTC(2025, 2, 28, 5));
    const until = new Date(Date.UTC(2025, 3, 1, 5));
    const queries = [
      // Hours in UTC by arithmetic; days across Paris's spring change by
      // a list of boundaries.
      { bucket: "hour" as const, since, until, groupBy: "model" as const },
      {
        bucket: "day" as const,
        since,
        until,
        groupBy: "agentId" as const,
        timeZone: "Europe/Paris",
      },
    ];
    for (const query of queries) {
      const expected = await current.store.getLlmUsageSeries(query);
      assert.ok(expected.some((row) => row.p95Ms !== null));
      assert.deepEqual(await old.store.getLlmUsageSeries(query), expected);
    }
    for (const groupBy of ["status", "agentId"] as const) {
      const query = { bucket: "day" as const, since, until, groupBy };
      const expected = await current.store.getAgentRunSeries(query);
      assert.ok(expected.some((row) => row.p50DurationMs !== null));
      assert.deepEqual(await old.store.getAgentRunSeries(query), expected);
    }
    // No statement needs what old builds lack.
    assert.equal(old.refused.length, 0);
    assert.equal(current.refused.length, 0);
  } finally {
    await current.store.close();
    await old.store.close();
  }
});

test("tool statistics on a SQLite build without ordered aggregates or binary JSON equal those with them", async () => {
  const current = await open(false);
  const old = await open(true);
  try {
    // Raw text no store writes: invalid JSON, escaped keys, duplicate keys,
    // the least 64-bit integer (whose abs() overflows), a number too large
    // for a double.
    const data = [
      '{"action":"search","duration_ms":5}',
      '{"\\u0061ction":"search","duration_ms":7,"error":"x"}',
      '{"action":"search","dur\\u0061tion_ms":9}',
      '{"action":"search","duration_ms":1.25e2,"success":false}',
      '{"action":"search","duration_ms":"1e3"}',
      '{"action":"search","duration_ms":-9223372036854775808}',
      '{"action":"search","duration_ms":1e999}',
      '{"action":"fetch","duration_ms":3,"result":{"st\\u0061tus":"error"}}',
      // A double that 15 digits do not give back (SQLite's JSON writes 15).
      '{"action":"fetch","duration_ms":0.30000000000000004}',
      '{"action":"fetch","error":null}',
      '{"action":"fetch"',
      "{action:'fetch'}",
      '{"action":7}',
      "not json",
      "",
    ];
    for (const { store, db } of [current, old]) {
      await store.createAgentRun({ agentId: "a1", runId: "r1" });
      // Half updated over a stored event, half inserted as they are: the
      // tool events' index computes its expressions on both writes.
      const updated = data.slice(0, data.length / 2);
      for (const _ of updated) {
        await store.logAgentRunEvent({
          agentId: "a1",
          runId: "r1",
          eventType: "action_execution_completed",
          data: {},
        });
      }
      const ids = db.prepare(
        "SELECT id FROM agent_run_events ORDER BY id",
      ).all().map((row) => (row as { id: number }).id);
      const update = db.prepare(
        "UPDATE agent_run_events SET data = ? WHERE id = ?",
      );
      updated.forEach((text, i) => update.run(text, ids[i]!));
      const insert = db.prepare(
        `INSERT INTO agent_run_events (run_id, agent_id, event_type, data,
          timestamp, created_at) VALUES ('r1', 'a1',
          'action_execution_completed', ?, '2026-01-01 00:00:00.000',
          '2026-01-01 00:00:00.000')`,
      );
      for (const text of data.slice(updated.length)) insert.run(text);
    }
    const expected = await current.store.getToolStats();
    // As counted one by one outside SQL, but for the durations a double
    // cannot hold (the least 64-bit integer rounds to -2^63; 1e999 is
    // Infinity to JSON.parse, not a finite number to SQL).
    const tally = new ToolTally();
    for (const text of data) {
      if (!/e999/.test(text)) tally.add("action_execution_completed", text);
      else {tally.add(
          "action_execution_completed",
          text.replace(/,[^,]*e999/, ""),
        );}
    }
    assert.deepEqual(expected, sortToolStats(tally.stats()));
    assert.deepEqual(expected, [
      {
        action: "search",
        calls: 7,
        failures: 2,
        p50DurationMs: 7,
        p95DurationMs: 125,
      },
      {
        action: "fetch",
        calls: 3,
        failures: 1,
        p50DurationMs: 0.30000000000000004,
        p95DurationMs: 3,
      },
    ]);
    assert.deepEqual(await old.store.getToolStats(), expected);
    assert.deepEqual(await old.store.getToolStats(), expected);
    // Read from the covering index: no JSON is parsed, and nothing is
    // refused.
    assert.equal(old.refused.length, 0);
    // The same schema read as version 8 has (read-only, not migrated),
    // whose index lacks the expressions: each event's JSON is parsed, as
    // binary JSON where the build has it.
    const existing = await checkExistingSchema(
      new SqliteConnection(old.db),
      sqliteDialect,
    );
    const version8 = new Store(
      new SqlBackend(sqliteDialect, new SqliteConnection(old.driver), {
        ...existing,
        version: coveringToolsIndexVersion(sqliteDialect)! - 1,
      }),
    );
    assert.deepEqual(await version8.getToolStats(), expected);
    assert.deepEqual(await version8.getToolStats(), expected);
    // Binary JSON refused once, then remembered.
    assert.equal(old.refused.length, 1);
    assert.ok(old.refused.some((sql) => JSONB.test(sql)));
    assert.equal(current.refused.length, 0);
  } finally {
    await current.store.close();
    await old.store.close();
  }
});
