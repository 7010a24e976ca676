// A database written the way the Python SDK writes it — its DDL run by plain
// SQL, naive ISO timestamps in both of its forms, JSON columns holding text
// that is not JSON, NULL where this module never writes NULL — must open,
// read and accept writes through the module, on SQLite and on PostgreSQL.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import postgres from "postgres";
import { createPersistence, type Persistence } from "../mod.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";

/** Plain SQL with `?` placeholders, as the Python SDK would send it. */
interface RawDatabase {
  run(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

function pythonSchema(
  dialect: "sqlite" | "postgres",
  prefix: string,
): string[] {
  const id = dialect === "sqlite"
    ? "INTEGER PRIMARY KEY AUTOINCREMENT"
    : "SERIAL PRIMARY KEY";
  const t = (name: string) => `${prefix}${name}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${t("agent_runs")} (
      id ${id}, agent_id VARCHAR(255) NOT NULL, run_id VARCHAR(255) UNIQUE NOT NULL,
      agent_name VARCHAR(255), objective TEXT, additional_context TEXT,
      started_at TIMESTAMP, finished_at TIMESTAMP, total_iterations INTEGER DEFAULT 0,
      final_synthesis_output TEXT, execution_history TEXT,
      status VARCHAR(50) DEFAULT 'pending', error_message TEXT, metadata TEXT,
      created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
    `CREATE TABLE IF NOT EXISTS ${t("agent_run_events")} (
      id ${id}, agent_id VARCHAR(255) NOT NULL, run_id VARCHAR(255) NOT NULL,
      agent_name VARCHAR(255), timestamp TIMESTAMP, event_type VARCHAR(100), data TEXT,
      created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      FOREIGN KEY (run_id) REFERENCES ${t("agent_runs")}(run_id))`,
    `CREATE TABLE IF NOT EXISTS ${t("agent_llm_usage")} (
      id ${id}, agent_id VARCHAR(255), run_id VARCHAR(255), provider VARCHAR(100),
      model VARCHAR(255), prompt TEXT, prompt_length INTEGER, input_params TEXT,
      input_tokens INTEGER, output_tokens INTEGER, response_content TEXT,
      response_length INTEGER, usage_metrics TEXT, status VARCHAR(50) DEFAULT 'success',
      error_message TEXT, latency_ms INTEGER, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)`,
    `CREATE INDEX IF NOT EXISTS idx_runs_agent_id ON ${
      t("agent_runs")
    }(agent_id)`,
    `CREATE INDEX IF NOT EXISTS idx_events_run_id ON ${
      t("agent_run_events")
    }(run_id)`,
    `CREATE INDEX IF NOT EXISTS idx_usage_agent_id ON ${
      t("agent_llm_usage")
    }(agent_id)`,
    `CREATE INDEX IF NOT EXISTS idx_usage_run_id ON ${
      t("agent_llm_usage")
    }(run_id)`,
  ];
}

async function fillLikePython(db: RawDatabase, prefix: string): Promise<void> {
  const t = (name: string) => `${prefix}${name}`;
  await db.run(
    `INSERT INTO ${t("agent_runs")} (agent_id, run_id, agent_name, objective,
      additional_context, started_at, finished_at, total_iterations,
      execution_history, status, metadata, created_at, updated_at)
     VALUES (?, ?, NULL, ?, ?, ?, NULL, 3, ?, 'completed', NULL, ?, ?)`,
    [
      "py-agent",
      "py-1",
      "Find papers",
      '{"topic": "AI"}',
      "2024-01-15T10:30:00.123456",
      "not json at all",
      "2024-01-15 10:30:00",
      "2024-01-15 10:31:00",
    ],
  );
  await db.run(
    `INSERT INTO ${t("agent_runs")} (agent_id, run_id, agent_name, objective,
      status, error_message, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'error', ?, ?, ?)`,
    [
      "py-agent",
      "py-2",
      "Py",
      "Fail",
      "boom",
      "2024-01-16 09:00:00.5",
      "2024-01-16 09:00:01",
    ],
  );
  for (
    const [timestamp, data] of [
      ["2024-01-15T10:30:01", '{"action": "search"}'],
      ["2024-01-15 10:30:00.5", "plain text, not JSON"],
      ["2024-01-15T10:30:02.250000", null],
    ]
  ) {
    await db.run(
      `INSERT INTO ${t("agent_run_events")} (agent_id, run_id, agent_name,
        timestamp, event_type, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ["py-agent", "py-1", "Py", timestamp, "custom", data, timestamp],
    );
  }
  for (
    const [metrics, input, created] of [
      ['{"cost_usd": 0.5, "total_tokens": 12}', 10, "2024-01-15 10:30:05"],
      ["garbage {", null, "2024-01-15 10:30:06"],
      // Only a top-level, finite cost counts, on every backend.
      [
        '{"breakdown": {"cost_usd": 7}, "cost_usd": 0.25}',
        null,
        "2024-01-15 10:30:07",
      ],
      ['{"cost_usd": 1e400}', null, "2024-01-15 10:30:08"],
    ] as const
  ) {
    await db.run(
      `INSERT INTO ${t("agent_llm_usage")} (agent_id, run_id, provider, model,
        prompt, prompt_length, input_tokens, output_tokens, usage_metrics,
        status, latency_ms, created_at)
       VALUES (?, ?, 'openai', 'gpt-4', 'hi', 2, ?, 2, ?, 'success', 300, ?)`,
      ["py-agent", "py-1", input, metrics, created],
    );
  }
}

function utc(text: string): Date {
  return new Date(`${text}Z`);
}

async function checkReadsAndWrites(
  store: Persistence,
  db: RawDatabase,
  prefix: string,
) {
  const run = await store.getAgentRun("py-1");
  assert.equal(run?.agentName, "");
  assert.equal(run?.objective, "Find papers");
  assert.deepEqual(run?.additionalContext, { topic: "AI" });
  assert.equal(run?.executionHistory, "not json at all");
  assert.equal(run?.metadata, null);
  assert.deepEqual(run?.startedAt, utc("2024-01-15T10:30:00.123"));
  assert.equal(run?.finishedAt, null);
  assert.deepEqual(run?.createdAt, utc("2024-01-15T10:30:00"));
  assert.deepEqual(run?.updatedAt, utc("2024-01-15T10:31:00"));
  assert.equal(run?.status, "completed");
  assert.deepEqual(
    (await store.getAgentRuns({ agentId: "py-agent" })).map((r) => r.runId),
    ["py-2", "py-1"],
  );
  assert.deepEqual(
    (await store.getAgentRun("py-2"))?.createdAt,
    utc("2024-01-16T09:00:00.5"),
  );

  const events = await store.getAgentRunEvents("py-1");
  assert.deepEqual(events.map((e) => e.timestamp), [
    utc("2024-01-15T10:30:00.5"),
    utc("2024-01-15T10:30:01"),
    utc("2024-01-15T10:30:02.25"),
  ]);
  assert.deepEqual(events.map((e) => e.data), ["plain text, not JSON", {
    action: "search",
  }, null]);
  const paged = [];
  for await (
    const event of store.iterateAgentRunEvents("py-1", { pageSize: 1 })
  ) {
    paged.push(event);
  }
  assert.deepEqual(paged, events);

  const usage = await store.getLlmUsage({ runId: "py-1" });
  assert.deepEqual(usage.map((u) => u.usageMetrics), [
    { cost_usd: Infinity }, // JSON.parse reads 1e400 so
    { breakdown: { cost_usd: 7 }, cost_usd: 0.25 },
    "garbage {",
    { cost_usd: 0.5, total_tokens: 12 },
  ]);
  assert.deepEqual(usage.map((u) => u.inputTokens), [null, null, null, 10]);

  const stats = await store.getAgentRunStats({ agentId: "py-agent" });
  assert.equal(stats.totalRuns, 2);
  assert.equal(stats.completedRuns, 1);
  assert.equal(stats.errorRuns, 1);
  assert.equal(stats.avgIterations, 1.5);
  assert.equal(stats.totalLlmCalls, 4);
  assert.equal(stats.totalInputTokens, 10);
  assert.equal(stats.totalOutputTokens, 8);
  assert.equal(stats.totalCostUsd, 0.75);

  // Writes through the module land in the Python SDK's tables, readable by it.
  await store.logAgentRunEvent({
    agentId: "py-agent",
    runId: "py-1",
    eventType: "run_completed",
    timestamp: utc("2024-01-15T10:30:03"),
    data: { from: "typescript" },
  });
  await store.updateAgentRun("py-1", { metadata: { migrated: true } });
  await store.createAgentRun({
    agentId: "ts-agent",
    runId: "ts-1",
    createdAt: utc("2024-02-01T00:00:00.25"),
  });
  const [row] = await db.run(
    `SELECT metadata, CAST(created_at AS TEXT) AS created_at FROM ${prefix}agent_runs WHERE run_id = ?`,
    ["ts-1"],
  );
  assert.equal(row?.metadata, null);
  // Naive UTC text on both: SQLite stores it so, PostgreSQL prints it so.
  assert.match(String(row?.created_at), /^2024-02-01 00:00:00\.25/);
  const [event] = await db.run(
    `SELECT data FROM ${prefix}agent_run_events WHERE event_type = ?`,
    ["run_completed"],
  );
  assert.equal(event?.data, '{"from":"typescript"}');
  const [updated] = await db.run(
    `SELECT metadata FROM ${prefix}agent_runs WHERE run_id = ?`,
    ["py-1"],
  );
  assert.equal(updated?.metadata, '{"migrated":true}');
}

/**
 * Other programs may leave a sort key NULL (the Python model's event
 * timestamp is optional): paging must still return every row, in the order
 * one unpaged read gives.
 */
async function checkNullSortKeys(
  store: Persistence,
  db: RawDatabase,
  prefix: string,
) {
  for (
    const [i, timestamp] of [
      null,
      "2024-03-01 10:00:00",
      null,
      "2024-03-01 09:00:00",
      null,
    ].entries()
  ) {
    await db.run(
      `INSERT INTO ${prefix}agent_run_events (agent_id, run_id, timestamp, event_type, data) VALUES (?, ?, ?, ?, ?)`,
      ["py-agent", "py-2", timestamp, "custom", String(i)],
    );
  }
  for (const [i, created] of [null, "2024-03-02 00:00:00", null].entries()) {
    await db.run(
      `INSERT INTO ${prefix}agent_runs (agent_id, run_id, created_at, updated_at) VALUES (?, ?, ?, ?)`,
      ["null-agent", `null-${i}`, created, created],
    );
    await db.run(
      `INSERT INTO ${prefix}agent_llm_usage (agent_id, model, created_at) VALUES (?, ?, ?)`,
      ["null-agent", `m${i}`, created],
    );
  }
  const all = await store.getAgentRunEvents("py-2", {});
  assert.equal(all.length, 5);
  const runs = await store.getAgentRuns({ agentId: "null-agent", limit: 10 });
  assert.equal(runs.length, 3);
  const usage = await store.getLlmUsage({ agentId: "null-agent" });
  assert.equal(usage.length, 3);
  for (const pageSize of [1, 2]) {
    const events = [];
    for await (const e of store.iterateAgentRunEvents("py-2", { pageSize })) {
      events.push(e);
    }
    assert.deepEqual(events, all, `events, pageSize ${pageSize}`);
    const pagedRuns = [];
    for await (
      const r of store.iterateAgentRuns({ agentId: "null-agent", pageSize })
    ) pagedRuns.push(r);
    assert.deepEqual(pagedRuns, runs, `runs, pageSize ${pageSize}`);
    const pagedUsage = [];
    for await (
      const u of store.iterateLlmUsage({ agentId: "null-agent", pageSize })
    ) pagedUsage.push(u);
    assert.deepEqual(pagedUsage, usage, `usage, pageSize ${pageSize}`);
  }
}

describe("a database written by the Python SDK", () => {
  it("opens, reads and takes writes on SQLite", async () => {
    const path = tempPath("python.db");
    const sqlite = await openSqliteDatabase(path);
    const db: RawDatabase = {
      run: (sql, params = []) =>
        Promise.resolve(
          sqlite.prepare(sql).all(...params) as Record<string, unknown>[],
        ),
      close: () => Promise.resolve(sqlite.close()),
    };
    try {
      for (const statement of pythonSchema("sqlite", "")) {
        sqlite.exec(statement);
      }
      await fillLikePython(db, "");
      await using store = await createPersistence(`sqlite:${path}`);
      // The SDK runs its DDL at every start: on the upgraded database it
      // finds each index by name and leaves the wider one in place.
      for (const statement of pythonSchema("sqlite", "")) {
        sqlite.exec(statement);
      }
      const columns = await db.run(
        "SELECT name FROM pragma_index_info('idx_events_run_id') ORDER BY seqno",
      );
      assert.deepEqual(columns.map((c) => c.name), [
        "run_id",
        "timestamp",
        "id",
      ]);
      await checkReadsAndWrites(store, db, "");
      await checkNullSortKeys(store, db, "");
    } finally {
      await db.close();
    }
  });

  it("opens, reads and takes writes on PostgreSQL", {
    skip: postgresUrl ? false : "no PostgreSQL",
  }, async () => {
    const schema = uniqueSchema("python");
    const sql = postgres(postgresUrl!, { onnotice: () => {} });
    after(() => sql.end());
    const db: RawDatabase = {
      run: (text, params = []) => {
        let n = 0;
        return sql.unsafe(
          text.replace(/\?/g, () => `$${++n}`),
          params as never[],
        ) as Promise<
          Record<string, unknown>[]
        >;
      },
      close: () => Promise.resolve(),
    };
    await sql.unsafe(`CREATE SCHEMA "${schema}"`);
    for (const statement of pythonSchema("postgres", `"${schema}".`)) {
      await sql.unsafe(statement);
    }
    await fillLikePython(db, `"${schema}".`);
    await using store = await createPersistence(postgresUrlWith({ schema }));
    for (const statement of pythonSchema("postgres", `"${schema}".`)) {
      await sql.unsafe(statement);
    }
    const [index] = await sql.unsafe(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2`,
      [schema, "idx_usage_agent_id"],
    );
    assert.match(String(index?.indexdef), /\(agent_id, created_at, id\)$/);
    await checkReadsAndWrites(store, db, `"${schema}".`);
    await checkNullSortKeys(store, db, `"${schema}".`);
  });

  it("reads and writes a schema partitioned by created_at on PostgreSQL", {
    skip: postgresUrl ? false : "no PostgreSQL",
  }, async () => {
    const schema = uniqueSchema("python_part");
    const sql = postgres(postgresUrl!, {
      onnotice: () => {},
      connection: { TimeZone: "UTC" },
    });
    after(() => sql.end());
    const db: RawDatabase = {
      run: (text, params = []) => {
        let n = 0;
        return sql.unsafe(
          text.replace(/\?/g, () => `$${++n}`),
          params as never[],
        ) as Promise<Record<string, unknown>[]>;
      },
      close: () => Promise.resolve(),
    };
    const url = postgresUrlWith({ schema, partition: "day" });
    await (await createPersistence(url)).close();
    // The SDK's DDL at start finds every table and index by name.
    for (const statement of pythonSchema("postgres", `"${schema}".`)) {
      await sql.unsafe(statement);
    }
    await fillLikePython(db, `"${schema}".`);
    await using store = await createPersistence(url);
    await checkReadsAndWrites(store, db, `"${schema}".`);
    // Its rows from 2024 sit in the DEFAULT partition; one that leaves
    // created_at to the column's default lands in today's.
    await db.run(
      `INSERT INTO "${schema}".agent_llm_usage (agent_id, run_id, model) VALUES (?, ?, ?)`,
      ["py-agent", "py-1", "default-created"],
    );
    await db.run(
      `INSERT INTO "${schema}".agent_run_events (agent_id, run_id, event_type) VALUES (?, ?, ?)`,
      ["py-agent", "py-1", "default-created"],
    );
    const today = new Date().toISOString().slice(0, 10).replaceAll("-", "");
    for (const table of ["agent_llm_usage", "agent_run_events"]) {
      const [row] = await sql.unsafe(
        `SELECT tableoid::regclass::text AS part FROM "${schema}".${table}
         WHERE ${
          table === "agent_llm_usage" ? "model" : "event_type"
        } = 'default-created'`,
      );
      assert.equal(row?.part, `${schema}.${table}_${today}`);
      const [old] = await sql.unsafe(
        `SELECT COUNT(*)::int AS n FROM "${schema}".${table}_default`,
      );
      assert.ok(Number(old?.n) > 0);
    }
    assert.equal((await store.getLlmUsage({ runId: "py-1" })).length, 5);
    assert.equal((await store.getAgentRunEvents("py-1")).length, 5);
  });
});
