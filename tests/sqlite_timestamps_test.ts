// SQLite keeps timestamps as text: rows the Python SDK writes (`T`, six
// digits, maybe an offset) must still sort, filter and prune as instants
// beside this module's rows, whether they were on disk before the store
// opened (the migration rewrites them) or are written while it is open (the
// triggers do), and the listings must still run on their indexes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Persistence, pruneStore, SqlitePersistence } from "../mod.ts";
import {
  canonicalTimestampSql,
  canonicalTimestampStatements,
  timestampTriggers,
} from "../src/sql/timestamps.ts";
import {
  openSqliteDatabase,
  type SqliteDatabase,
} from "../src/sqlite/runtime.ts";
import { tempPath } from "./_temp.ts";

/** The Python SDK's DDL, as `tests/python_compat_test.ts` runs it. */
const PYTHON_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS agent_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id VARCHAR(255) NOT NULL,
    run_id VARCHAR(255) UNIQUE NOT NULL, agent_name VARCHAR(255), objective TEXT,
    additional_context TEXT, started_at TIMESTAMP, finished_at TIMESTAMP,
    total_iterations INTEGER DEFAULT 0, final_synthesis_output TEXT,
    execution_history TEXT, status VARCHAR(50) DEFAULT 'pending',
    error_message TEXT, metadata TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS agent_run_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id VARCHAR(255) NOT NULL,
    run_id VARCHAR(255) NOT NULL, agent_name VARCHAR(255), timestamp TIMESTAMP,
    event_type VARCHAR(100), data TEXT,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (run_id) REFERENCES agent_runs(run_id))`,
  `CREATE TABLE IF NOT EXISTS agent_llm_usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT, agent_id VARCHAR(255),
    run_id VARCHAR(255), provider VARCHAR(100), model VARCHAR(255), prompt TEXT,
    prompt_length INTEGER, input_params TEXT, input_tokens INTEGER,
    output_tokens INTEGER, response_content TEXT, response_length INTEGER,
    usage_metrics TEXT, status VARCHAR(50) DEFAULT 'success',
    error_message TEXT, latency_ms INTEGER,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
];

/**
 * Runs as the Python SDK writes them, each with the instant it stands for.
 * Together with the module's own rows they interleave within one second,
 * where text order and instant order differ.
 */
const PYTHON_RUNS: [runId: string, written: string, instant: string][] = [
  ["py-t", "2025-01-02T10:00:00.500000", "2025-01-02T10:00:00.500Z"],
  ["py-offset", "2025-01-02T12:00:00.200000+02:00", "2025-01-02T10:00:00.200Z"],
  ["py-whole", "2025-01-02T09:59:59", "2025-01-02T09:59:59.000Z"],
  ["py-micro", "2025-01-02T10:00:00.400001", "2025-01-02T10:00:00.400Z"],
  ["py-space", "2025-01-02 10:00:00.3", "2025-01-02T10:00:00.300Z"],
];

/** Runs this module writes. */
const OWN_RUNS: [runId: string, instant: string][] = [
  ["own-early", "2025-01-02T10:00:00.100Z"],
  ["own-late", "2025-01-02T10:00:00.600Z"],
  ["own-mid", "2025-01-02T10:00:00.250Z"],
];

const NEWEST_FIRST = [
  ...PYTHON_RUNS.map(([runId, , instant]) => [runId, instant]),
  ...OWN_RUNS,
].sort((a, b) => b[1]!.localeCompare(a[1]!)).map(([runId]) => runId!);

function run(sql: string, db: SqliteDatabase, params: unknown[] = []) {
  return db.prepare(sql).all(...params);
}

/** Writes the Python SDK's rows with its own statements. */
function writeLikePython(db: SqliteDatabase): void {
  for (const [runId, written] of PYTHON_RUNS) {
    run(
      `INSERT INTO agent_runs (agent_id, run_id, agent_name, objective,
        additional_context, started_at, status, metadata, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      db,
      [
        "agent",
        runId,
        "Py",
        "o",
        null,
        written,
        "running",
        null,
        written,
        written,
      ],
    );
    run(
      `INSERT INTO agent_run_events (agent_id, run_id, agent_name, timestamp,
        event_type, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      db,
      ["agent", "events", "Py", written, runId, null, written],
    );
    run(
      `INSERT INTO agent_llm_usage (agent_id, run_id, provider, model, prompt,
        prompt_length, status, created_at)
       VALUES (?, ?, 'openai', ?, 'hi', 2, 'success', ?)`,
      db,
      ["agent", "events", runId, written],
    );
  }
  // An update the way the Python SDK finishes a run: `T` form again.
  run(
    `UPDATE agent_runs SET status = ?, finished_at = ?, updated_at = ?
     WHERE run_id = ?`,
    db,
    [
      "completed",
      "2025-01-02T10:00:01.000002",
      "2025-01-02T10:00:01.000002",
      "py-t",
    ],
  );
}

async function writeOwn(store: Persistence): Promise<void> {
  for (const [runId, instant] of OWN_RUNS) {
    const date = new Date(instant);
    await store.createAgentRun({ agentId: "agent", runId, createdAt: date });
    await store.logAgentRunEvent({
      agentId: "agent",
      runId: "events",
      eventType: runId,
      timestamp: date,
    });
    await store.logLlmUsage({
      agentId: "agent",
      runId: "events",
      model: runId,
      createdAt: date,
    });
  }
}

async function checkOrder(store: Persistence, path: string): Promise<void> {
  const runs = await store.getAgentRuns({ agentId: "agent", limit: 100 });
  assert.deepEqual(
    runs.map((r) => r.runId).filter((id) => id !== "events"),
    NEWEST_FIRST,
  );
  // Keyset pages follow the same order.
  const paged: string[] = [];
  for await (
    const r of store.iterateAgentRuns({ agentId: "agent", pageSize: 2 })
  ) {
    if (r.runId !== "events") paged.push(r.runId);
  }
  assert.deepEqual(paged, NEWEST_FIRST);
  const cutoff = new Date("2025-01-02T10:00:00.300Z");
  assert.deepEqual(
    (await store.getAgentRuns({ createdBefore: cutoff, limit: 100 }))
      .map((r) => r.runId),
    ["own-mid", "py-offset", "own-early", "py-whole"],
  );
  assert.deepEqual(
    (await store.getAgentRunEvents("events")).map((e) => e.eventType),
    [...NEWEST_FIRST].reverse(),
  );
  assert.deepEqual(
    (await store.getLlmUsage({ runId: "events", limit: 100 })).map((u) =>
      u.model
    ),
    NEWEST_FIRST,
  );
  const py = await store.getAgentRun("py-offset");
  assert.deepEqual(py?.createdAt, new Date("2025-01-02T10:00:00.200Z"));
  assert.deepEqual(
    (await store.getAgentRun("py-t"))?.finishedAt,
    new Date("2025-01-02T10:00:01.000Z"),
  );

  // On disk: one form, microseconds kept, offsets moved to UTC.
  const db = await openSqliteDatabase(path);
  try {
    const stored = Object.fromEntries(
      run("SELECT run_id, created_at, finished_at FROM agent_runs", db).map(
        (row) => {
          const { run_id, created_at, finished_at } = row as Record<
            string,
            string
          >;
          return [run_id, [created_at, finished_at]];
        },
      ),
    );
    assert.deepEqual(stored["py-micro"], ["2025-01-02 10:00:00.400001", null]);
    assert.deepEqual(stored["py-offset"], ["2025-01-02 10:00:00.200", null]);
    assert.deepEqual(stored["py-whole"], ["2025-01-02 09:59:59.000", null]);
    assert.deepEqual(stored["py-t"], [
      "2025-01-02 10:00:00.500",
      "2025-01-02 10:00:01.000002",
    ]);
  } finally {
    db.close();
  }

  // Pruning cuts at the instant too.
  const result = await pruneStore(store, { olderThan: cutoff });
  assert.equal(result.deleted.runs, 4);
  const left = (await store.getAgentRuns({ agentId: "agent", limit: 100 }))
    .map((r) => r.runId);
  assert.deepEqual(
    left.filter((id) => id !== "events"),
    NEWEST_FIRST.filter((id) =>
      !["own-mid", "py-offset", "own-early", "py-whole"].includes(id)
    ),
  );
}

describe("SQLite timestamps from other writers", () => {
  it("already on disk sort as instants once the store opens", async () => {
    const path = tempPath("python-before.db");
    const db = await openSqliteDatabase(path);
    for (const statement of PYTHON_SCHEMA) db.exec(statement);
    run(
      "INSERT INTO agent_runs (agent_id, run_id, created_at) VALUES (?, ?, ?)",
      db,
      ["agent", "events", "2025-01-03 00:00:00"],
    );
    writeLikePython(db);
    db.close();
    await using store = await SqlitePersistence.open(path);
    await writeOwn(store);
    await checkOrder(store, path);
  });

  it("written while the store is open sort as instants", async () => {
    const path = tempPath("python-after.db");
    await using store = await SqlitePersistence.open(path);
    await store.createAgentRun({
      agentId: "agent",
      runId: "events",
      createdAt: new Date("2025-01-03T00:00:00Z"),
    });
    const db = await openSqliteDatabase(path);
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      writeLikePython(db);
    } finally {
      db.close();
    }
    await writeOwn(store);
    await checkOrder(store, path);
  });

  it("keeps the listings on their indexes, with no sort step", async () => {
    const path = tempPath("plans.db");
    await (await SqlitePersistence.open(path)).close();
    const db = await openSqliteDatabase(path);
    try {
      for (
        const sql of [
          "SELECT * FROM agent_runs ORDER BY created_at DESC, id DESC LIMIT 10",
          "SELECT * FROM agent_runs WHERE created_at < ? ORDER BY created_at DESC, id DESC LIMIT 10",
          "SELECT * FROM agent_runs WHERE agent_id = ? ORDER BY created_at DESC, id DESC LIMIT 10",
          "SELECT * FROM agent_runs WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT 10",
          "SELECT * FROM agent_run_events WHERE run_id = ? ORDER BY timestamp ASC, id ASC LIMIT 10",
          "SELECT * FROM agent_llm_usage ORDER BY created_at DESC, id DESC LIMIT 10",
        ]
      ) {
        const params = Array.from(sql.matchAll(/\?/g), () => "x");
        const plan = run(`EXPLAIN QUERY PLAN ${sql}`, db, params)
          .map((row) => String((row as { detail: unknown }).detail))
          .join("; ");
        assert.match(plan, /USING (COVERING )?INDEX/, `${sql}: ${plan}`);
        assert.doesNotMatch(plan, /TEMP B-TREE/, `${sql}: ${plan}`);
      }
    } finally {
      db.close();
    }
  });
});

describe("the canonical timestamp SQL", () => {
  it("rewrites every ISO form to UTC text and leaves the rest", async () => {
    const db = await openSqliteDatabase(":memory:");
    try {
      const cases: [string | null, string | null][] = [
        ["2025-01-02 10:00:00.123", "2025-01-02 10:00:00.123"],
        ["2025-01-02T10:00:00.123456", "2025-01-02 10:00:00.123456"],
        ["2025-01-02T10:00:00.120000", "2025-01-02 10:00:00.120"],
        ["2025-01-02T10:00:00.000000", "2025-01-02 10:00:00.000"],
        ["2025-01-02T10:00:00", "2025-01-02 10:00:00.000"],
        ["2025-01-02 10:00:00", "2025-01-02 10:00:00.000"],
        ["2025-01-02T10:00:00.5", "2025-01-02 10:00:00.500"],
        ["2025-01-02T10:00:00.1234", "2025-01-02 10:00:00.123400"],
        ["2025-01-02T10:00:00.123456789", "2025-01-02 10:00:00.123456789"],
        ["2025-01-02T12:00:00.999999+02:00", "2025-01-02 10:00:00.999999"],
        ["2025-01-02T01:00:00-05:30", "2025-01-02 06:30:00.000"],
        ["2025-12-31T23:30:00-01:00", "2026-01-01 00:30:00.000"],
        ["2025-01-02T10:00:00Z", "2025-01-02 10:00:00.000"],
        ["2025-01-02T10:00:00.25z", "2025-01-02 10:00:00.250"],
        ["2025-01-02T10:00:00+0200", "2025-01-02 08:00:00.000"],
        ["2025-01-02T10:00:00+02", "2025-01-02 08:00:00.000"],
        ["2025-01-02 10:00:00.1 +01:00", "2025-01-02 09:00:00.100"],
        ["0001-01-01T00:00:00.000001", "0001-01-01 00:00:00.000001"],
        ["0099-06-15T12:00:00", "0099-06-15 12:00:00.000"],
        // Not readable as a timestamp: unchanged.
        ["garbage", "garbage"],
        ["2025-01-02", "2025-01-02"],
        ["2025-01-02T10:00:00.12a", "2025-01-02T10:00:00.12a"],
        ["2025-01-02T10:00:00+02:00:30", "2025-01-02T10:00:00+02:00:30"],
        ["", ""],
        [null, null],
      ];
      const statement = db.prepare(
        `SELECT ${canonicalTimestampSql("x")} AS c FROM (SELECT ? AS x)`,
      );
      for (const [given, expected] of cases) {
        const [row] = statement.all(given) as { c: unknown }[];
        assert.equal(row?.c, expected, String(given));
      }
    } finally {
      db.close();
    }
  });
});

describe("the timestamp triggers", () => {
  it("of version 6 store what version 4's stored, for any text", async () => {
    // Version 6's WHEN lets more text pass: what it lets pass must be what
    // version 4's triggers would have left unchanged, on insert and update.
    const texts: (string | number | null)[] = [
      "2025-01-02 10:00:00.123",
      "2025-01-02T10:00:00.123",
      "2025-01-02 10:00:00.12Z",
      "2025-01-02 10:00:00.1 Z",
      "2025-01-02 10:00:00,123",
      "2025-01-02 10:00:00.1234",
      "2025-01-02 10:00:00.12a",
      "2025-02-30 10:00:00.123",
      "2025-13-45 99:99:99.123",
      "abcd-ef-gh ij:kl:mn.123",
      "2025-01-02 10:00:0x.123",
      "2025-01-02 10:00:00.1+1",
      "2025-01-02 10:00:00+02:00",
      "２025-01-02 10:00:00.123",
      "",
      "garbage",
      1735812000,
      null,
    ];
    const stored = async (statements: string[]) => {
      const db = await openSqliteDatabase(":memory:");
      try {
        db.exec(
          "CREATE TABLE t (id INTEGER PRIMARY KEY, a TIMESTAMP, b TIMESTAMP)",
        );
        for (const statement of statements) db.exec(statement);
        const insert = db.prepare("INSERT INTO t (a, b) VALUES (?, ?)");
        for (const text of texts) insert.run(text, "2025-01-02 10:00:00.123");
        for (const text of texts) insert.run("2025-01-02 10:00:00.123", text);
        const update = db.prepare("UPDATE t SET b = ? WHERE id = ?");
        texts.forEach((text, i) => update.run(text, i + 1));
        return db.prepare("SELECT id, a, b FROM t ORDER BY id").all();
      } finally {
        db.close();
      }
    };
    const version4 = await stored(
      canonicalTimestampStatements("t", ["a", "b"]).slice(1),
    );
    const version6 = await stored(timestampTriggers("t", ["a", "b"]));
    assert.deepEqual(version6, version4);
    // And the triggers did rewrite some: the comparison is not vacuous.
    assert.ok(
      version4.some((row) =>
        (row as { a: unknown }).a === "2025-01-02 10:00:00.120"
      ),
    );
  });
});
