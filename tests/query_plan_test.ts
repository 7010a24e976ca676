// Every list form users rely on reads its rows from an index in the order it
// returns them: no sort step, no table scan. Checked on 100k rows per table
// after ANALYZE, on the SQLite build of whichever runtime runs the suite and
// on PostgreSQL, by recording the statements the store sends and explaining
// each with its own parameters.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import postgres from "postgres";
import { Store } from "../src/core/store.ts";
import type {
  ErrorKind,
  SqlConnection,
  SqlRow,
  SqlSession,
  SqlValue,
} from "../src/sql/connection.ts";
import type { SqlDialect } from "../src/sql/dialect.ts";
import { SqlBackend } from "../src/sql/backend.ts";
import {
  PostgresConnection,
  TIMESTAMPS_AS_TEXT,
} from "../src/postgres/connection.ts";
import { postgresDialect } from "../src/postgres/dialect.ts";
import { SqliteConnection } from "../src/sqlite/connection.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import type { Persistence } from "../src/persistence.ts";
import type {
  AgentRunSummaryPage,
  AgentRunSummaryQuery,
} from "../src/types.ts";
import { postgresUrl, skipWithoutPostgres, uniqueSchema } from "./_postgres.ts";

const ROWS = 100_000;
const AGENTS = 100;
// A run's events and calls are written together, so they lie together.
const RUNS_WITH_EVENTS = 1000;

interface Statement {
  sql: string;
  params: readonly SqlValue[];
}

/** A connection that remembers every SELECT it is asked to run. */
class Recorder implements SqlConnection {
  readonly selects: Statement[] = [];
  readonly #inner: SqlConnection;

  constructor(inner: SqlConnection) {
    this.#inner = inner;
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    if (/^\s*(SELECT|WITH)/i.test(sql)) this.selects.push({ sql, params });
    return this.#inner.query(sql, params);
  }

  insert(
    sql: string,
    params: readonly SqlValue[],
    rows: number,
  ): Promise<number[]> {
    return this.#inner.insert(sql, params, rows);
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.#inner.transaction(fn);
  }

  classify(error: unknown): ErrorKind | undefined {
    return this.#inner.classify(error);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** The SELECTs `work` sends. */
  async during(work: () => Promise<unknown>): Promise<Statement[]> {
    this.selects.length = 0;
    await work();
    return this.selects.splice(0);
  }
}

/** The first `count` records of an iterator: with a page size below it, two pages. */
async function take<T>(
  iterator: AsyncIterableIterator<T>,
  count: number,
): Promise<void> {
  let seen = 0;
  for await (const _ of iterator) if (++seen === count) break;
  assert.equal(seen, count, "the listing has rows beyond its first page");
}

const BEFORE = new Date("2024-01-01T12:00:00Z");
const SINCE = new Date("2024-01-01T06:00:00Z");

/** Each form: a name, and the store calls whose SELECTs must use an index. */
const FORMS: [string, (store: Persistence) => Promise<unknown>][] = [];
function form(name: string, first: (s: Persistence) => Promise<unknown>) {
  FORMS.push([name, first]);
}
const RUN_FILTERS = {
  "all runs": {},
  "runs of one agent": { agentId: "agent-7" },
  "runs of one status": { status: "completed" as const },
  "runs before a date": { createdBefore: BEFORE },
  "runs of one agent before a date": {
    agentId: "agent-7",
    createdBefore: BEFORE,
  },
  "runs of one status before a date": {
    status: "completed" as const,
    createdBefore: BEFORE,
  },
  "runs in a date range": { since: SINCE, until: BEFORE },
  "runs of one agent in a date range": {
    agentId: "agent-7",
    since: SINCE,
    until: BEFORE,
  },
};
for (const [name, filter] of Object.entries(RUN_FILTERS)) {
  form(`${name}: first page`, (s) => s.getAgentRuns({ ...filter, limit: 50 }));
  form(
    `${name}: a page by offset`,
    (s) => s.getAgentRuns({ ...filter, limit: 50, offset: 50 }),
  );
  form(
    `${name}: keyset next page`,
    (s) => take(s.iterateAgentRuns({ ...filter, pageSize: 10 }), 11),
  );
}
const EVENT_FILTERS = {
  "events of one run": {},
  "events of one run and type": { eventType: "tool_call" as const },
  // run-7's rows lie from 00:10:01 to 00:11:40.
  "events of one run in a date range": {
    since: new Date("2024-01-01T00:10:30Z"),
    until: new Date("2024-01-01T00:11:30Z"),
  },
};
for (const [name, filter] of Object.entries(EVENT_FILTERS)) {
  form(`${name}: all`, (s) => s.getAgentRunEvents("run-7", filter));
  form(
    `${name}: keyset next page`,
    (s) =>
      take(s.iterateAgentRunEvents("run-7", { ...filter, pageSize: 5 }), 6),
  );
}
const USAGE_FILTERS = {
  "all LLM calls": {},
  "LLM calls of one agent": { agentId: "agent-7" },
  "LLM calls of one run": { runId: "run-7" },
  "LLM calls in a date range": { since: SINCE, until: BEFORE },
  "LLM calls of one agent in a date range": {
    agentId: "agent-7",
    since: SINCE,
    until: BEFORE,
  },
  "LLM calls of one run in a date range": {
    runId: "run-7",
    since: new Date("2024-01-01T00:10:30Z"),
    until: new Date("2024-01-01T00:11:30Z"),
  },
};
for (const [name, filter] of Object.entries(USAGE_FILTERS)) {
  form(`${name}: latest 50`, (s) => s.getLlmUsage({ ...filter, limit: 50 }));
  form(
    `${name}: keyset next page`,
    (s) => take(s.iterateLlmUsage({ ...filter, pageSize: 10 }), 11),
  );
}

/**
 * Series and statistics over a date range: one statement, which may sort
 * (for its groups and percentiles) but reads only the range from an index,
 * whether buckets of one length are computed from the timestamp or the rows
 * join the list of boundaries.
 */
const SERIES_FORMS: [string, (store: Persistence) => Promise<unknown>][] = [
  [
    "hourly series of LLM calls by model",
    (s) =>
      s.getLlmUsageSeries({
        bucket: "hour",
        since: SINCE,
        until: BEFORE,
        groupBy: "model",
      }),
  ],
  [
    "hourly series of one agent's LLM calls",
    (s) =>
      s.getLlmUsageSeries({
        bucket: "hour",
        since: SINCE,
        until: BEFORE,
        agentId: "agent-7",
      }),
  ],
  [
    // Months differ in length: the rows join the list of boundaries.
    "monthly series of one agent's LLM calls",
    (s) =>
      s.getLlmUsageSeries({
        bucket: "month",
        since: SINCE,
        until: new Date("2024-02-15T00:00:00Z"),
        agentId: "agent-7",
      }),
  ],
  [
    "hourly series of runs by status",
    (s) =>
      s.getAgentRunSeries({
        bucket: "hour",
        since: SINCE,
        until: BEFORE,
        groupBy: "status",
      }),
  ],
];

/**
 * The daily series by model and the usage by model over a date range read
 * the range from the date index alone on SQLite: the index carries every
 * column they read, so the calls' records (prompts and responses) stay
 * unread. Costs other programs wrote in `usage_metrics` are looked up by
 * rowid, for those rows only.
 */
const COVERED_FORMS: [string, (store: Persistence) => Promise<unknown>][] = [
  [
    "daily series of LLM calls by model",
    (s) =>
      s.getLlmUsageSeries({
        bucket: "day",
        since: SINCE,
        until: new Date("2024-01-03T00:00:00Z"),
        groupBy: "model",
      }),
  ],
  [
    "LLM usage by model in a date range",
    (s) => s.getLlmUsageBreakdown({ since: SINCE, until: BEFORE }),
  ],
];

/**
 * The tool statistics over a date range read the tool events' partial index
 * (`idx_events_tools`), not every event: the usage page asks for them.
 */
const TOOL_FORMS: [string, (store: Persistence) => Promise<unknown>][] = [
  [
    "tool statistics in a date range",
    (s) => s.getToolStats({ since: SINCE, until: BEFORE }),
  ],
  [
    "tool statistics of one agent in a date range",
    (s) => s.getToolStats({ agentId: "agent-7", since: SINCE, until: BEFORE }),
  ],
];

/**
 * The runs list with each run's figures (the web view's): one statement
 * per page, whatever the filter, with a keyset cursor (no OFFSET) and no
 * table read whole. Each form gives the query, asking the store first for
 * the cursor of its first page where the form is a later page.
 */
const SUMMARY_FORMS: [
  string,
  (store: Persistence) => Promise<AgentRunSummaryQuery>,
][] = [];
const SUMMARY_FILTERS: Record<string, AgentRunSummaryQuery> = {
  "runs with their figures": {},
  "runs with their figures, searched": { search: "RUN-7" },
  "runs of one agent with their figures": { agentId: "agent-7" },
  "runs of one status with their figures": { status: "completed" },
  "runs in a date range with their figures": { since: SINCE, until: BEFORE },
};
for (const [name, filter] of Object.entries(SUMMARY_FILTERS)) {
  SUMMARY_FORMS.push([
    `${name}: first page`,
    () => Promise.resolve({ ...filter, limit: 50 }),
  ]);
  SUMMARY_FORMS.push([`${name}: after a cursor`, async (s) => {
    const { next } = await s.getAgentRunSummaries({ ...filter, limit: 50 });
    assert.ok(next, "the listing has a second page");
    return { ...filter, limit: 50, after: next };
  }]);
}

interface Database {
  dialect: SqlDialect;
  connection: SqlConnection;
  /** Fills the three tables with `ROWS` rows each and analyses them. */
  fill(): Promise<void>;
  /** The plan's problems: sort steps and scans without an index. */
  problems(statement: Statement): Promise<string[]>;
  /** The tables the plan reads whole. */
  tableScans(statement: Statement): Promise<string[]>;
  /** The indexes the plan reads, by name. */
  indexes(statement: Statement): Promise<string[]>;
  /** Removes what `fill` wrote; closing the store closes the connection. */
  drop(): Promise<void>;
}

/** Events' types: a third `tool_call`, some tool events, the rest custom. */
const EVENT_TYPE = `CASE WHEN i % 3 = 0 THEN 'tool_call'
  WHEN i % 5 = 0 THEN 'action_execution_completed'
  WHEN i % 7 = 0 THEN 'action_execution_started' ELSE 'custom' END`;

/** One row per number from 1 to ROWS: a recursive CTE on SQLite. */
const SQLITE_NUMBERS =
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})`;
const sqliteAt = (seconds: string) =>
  `strftime('%Y-%m-%d %H:%M:%f', '2024-01-01', '+' || ${seconds} || ' seconds')`;

async function sqliteDatabase(): Promise<Database> {
  const db = await openSqliteDatabase(":memory:");
  db.exec("PRAGMA foreign_keys = ON");
  const connection = new SqliteConnection(db);
  return {
    dialect: sqliteDialect,
    connection,
    fill: () =>
      connection.transaction(async (tx) => {
        await tx.query(
          `${SQLITE_NUMBERS} INSERT INTO agent_runs (agent_id, run_id, status,
            created_at, updated_at) SELECT 'agent-' || (i % ${AGENTS}),
            'run-' || i, CASE i % 4 WHEN 0 THEN 'completed' WHEN 1 THEN 'running'
            WHEN 2 THEN 'error' ELSE 'pending' END, ${sqliteAt("i")},
            ${sqliteAt("i")} FROM n`,
        );
        await tx.query(
          `${SQLITE_NUMBERS} INSERT INTO agent_run_events (agent_id, run_id,
            timestamp, event_type, data, created_at) SELECT 'agent-' || (i % ${AGENTS}),
            'run-' || (1 + (i - 1) / ${ROWS / RUNS_WITH_EVENTS}), ${
            sqliteAt("i")
          },
            ${EVENT_TYPE}, '{}',
            ${sqliteAt("i")} FROM n`,
        );
        await tx.query(
          `${SQLITE_NUMBERS} INSERT INTO agent_llm_usage (agent_id, run_id,
            provider, model, created_at) SELECT 'agent-' || (i % ${AGENTS}),
            'run-' || (1 + (i - 1) / ${
            ROWS / RUNS_WITH_EVENTS
          }), 'openai', 'gpt-4o',
            ${sqliteAt("i")} FROM n`,
        );
        await tx.query("ANALYZE");
      }),
    problems: async ({ sql, params }) => {
      const plan = await connection.query(`EXPLAIN QUERY PLAN ${sql}`, params);
      return plan.map((row) => String(row.detail)).filter((detail) =>
        /TEMP B-TREE/.test(detail) || /^SCAN \w+$/.test(detail)
      );
    },
    tableScans: async ({ sql, params }) => {
      const plan = await connection.query(`EXPLAIN QUERY PLAN ${sql}`, params);
      return plan.map((row) => String(row.detail)).filter((detail) =>
        /^SCAN agent_/.test(detail) && !/USING/.test(detail)
      );
    },
    indexes: async ({ sql, params }) => {
      const plan = await connection.query(`EXPLAIN QUERY PLAN ${sql}`, params);
      return plan.flatMap((row) => {
        const match = /USING (?:COVERING )?INDEX (\w+)/.exec(
          String(row.detail),
        );
        return match ? [match[1]!] : [];
      });
    },
    drop: () => Promise.resolve(),
  };
}

function postgresDatabase(): Promise<Database> {
  const schema = uniqueSchema("plans");
  const sql = postgres(postgresUrl!, {
    onnotice: () => {},
    types: TIMESTAMPS_AS_TEXT,
    connection: { TimeZone: "UTC" },
  });
  const connection = new PostgresConnection(() => sql, 10_000);
  const dialect = postgresDialect(schema);
  const t = dialect.table;
  const at = "TIMESTAMP '2024-01-01' + i * INTERVAL '1 second'";
  const numbers = `FROM generate_series(1, ${ROWS}) AS i`;
  /** Every node of the statement's plan, the root first. */
  const planNodes = async ({ sql: text, params }: Statement) => {
    const [row] = await connection.query(
      `EXPLAIN (FORMAT JSON) ${text}`,
      params,
    );
    const plan = row!["QUERY PLAN"];
    const parsed = typeof plan === "string" ? JSON.parse(plan) : plan;
    const nodes: Record<string, unknown>[] = [];
    const visit = (node: Record<string, unknown>) => {
      nodes.push(node);
      for (const child of (node.Plans ?? []) as Record<string, unknown>[]) {
        visit(child);
      }
    };
    visit((parsed as { Plan: Record<string, unknown> }[])[0]!.Plan);
    return nodes;
  };
  return Promise.resolve({
    dialect,
    connection,
    fill: async () => {
      await connection.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO ${t("agent_runs")} (agent_id, run_id, status,
            created_at, updated_at) SELECT 'agent-' || (i % ${AGENTS}),
            'run-' || i, CASE i % 4 WHEN 0 THEN 'completed' WHEN 1 THEN 'running'
            WHEN 2 THEN 'error' ELSE 'pending' END, ${at}, ${at} ${numbers}`,
        );
        await tx.query(
          `INSERT INTO ${t("agent_run_events")} (agent_id, run_id, timestamp,
            event_type, data, created_at) SELECT 'agent-' || (i % ${AGENTS}),
            'run-' || (1 + (i - 1) / ${ROWS / RUNS_WITH_EVENTS}), ${at},
            ${EVENT_TYPE}, '{}', ${at}
            ${numbers}`,
        );
        await tx.query(
          `INSERT INTO ${t("agent_llm_usage")} (agent_id, run_id, provider,
            model, created_at) SELECT 'agent-' || (i % ${AGENTS}),
            'run-' || (1 + (i - 1) / ${
            ROWS / RUNS_WITH_EVENTS
          }), 'openai', 'gpt-4o', ${at}
            ${numbers}`,
        );
      });
      for (
        const table of ["agent_runs", "agent_run_events", "agent_llm_usage"]
      ) {
        await connection.query(`ANALYZE ${t(table)}`);
      }
    },
    problems: async (statement) =>
      (await planNodes(statement))
        .filter((node) => /Sort|Seq Scan/.test(String(node["Node Type"])))
        .map((node) =>
          `${node["Node Type"]}${
            node["Relation Name"] ? ` on ${node["Relation Name"]}` : ""
          }`
        ),
    tableScans: async (statement) =>
      (await planNodes(statement))
        .filter((node) => node["Node Type"] === "Seq Scan")
        .map((node) => `Seq Scan on ${node["Relation Name"]}`),
    indexes: async (statement) =>
      (await planNodes(statement))
        .map((node) => node["Index Name"])
        .filter((name): name is string => typeof name === "string"),
    drop: async () => {
      await sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
    },
  });
}

const DATABASES: [
  string,
  () => Promise<Database>,
  { skip: string | boolean },
][] = [
  ["sqlite", sqliteDatabase, { skip: false }],
  ["postgres", postgresDatabase, skipWithoutPostgres],
];

/** The lines of SQLite's plan of `statement` that `reads` matches. */
async function planReads(
  database: Database,
  statement: { sql: string; params: readonly SqlValue[] },
  reads: RegExp,
): Promise<string[]> {
  const plan = await database.connection.query(
    `EXPLAIN QUERY PLAN ${statement.sql}`,
    statement.params,
  );
  return plan.map((row) => String(row.detail)).filter((detail) =>
    reads.test(detail)
  );
}

/**
 * A series' statements that read the rows, and apart the daily roll-up's
 * look-up of the days it holds, which every usage series of whole UTC
 * days makes first (`usage_rollup.ts`); unbuilt, the roll-up serves no day.
 */
function ofRows<T extends { sql: string }>(statements: T[]): [T[], T[]] {
  const lookup = (statement: T) => /\bcurio_usage_days\b/.test(statement.sql);
  return [
    statements.filter((statement) => !lookup(statement)),
    statements.filter(lookup),
  ];
}

for (const [name, open, skip] of DATABASES) {
  describe(`list queries on ${name} read an index in order`, skip, () => {
    let database: Database;
    let recorder: Recorder;
    let store: Store;
    before(async () => {
      database = await open();
      recorder = new Recorder(database.connection);
      // No background build of the roll-up: its SELECTs would be recorded.
      store = new Store(new SqlBackend(database.dialect, recorder), {
        usageRollup: false,
      });
      await store.initializeSchema();
      await database.fill();
    });
    after(async () => {
      await database?.drop();
      await store?.close();
    });

    for (const [form, work] of SERIES_FORMS) {
      it(form, async () => {
        const [statements, lookups] = ofRows(
          await recorder.during(() => work(store)),
        );
        assert.equal(statements.length, 1, "one statement");
        for (const statement of [...statements, ...lookups]) {
          const scans = await database.tableScans(statement);
          assert.deepEqual(scans, [], statement.sql);
        }
      });
    }

    for (const [form, work] of TOOL_FORMS) {
      it(`${form} reads the tool events' index`, async () => {
        const statements = await recorder.during(() => work(store));
        assert.equal(statements.length, 1, "one statement");
        const scans = await database.tableScans(statements[0]!);
        assert.deepEqual(scans, [], statements[0]!.sql);
        const indexes = await database.indexes(statements[0]!);
        assert.ok(
          indexes.includes("idx_events_tools"),
          `${indexes.join(", ")}\n${statements[0]!.sql}`,
        );
      });
    }

    // SQLite only: since schema version 9 its tool events' index holds what
    // the statistics read of each event's JSON, so no event row is read.
    const coveredToolForms = name === "sqlite" ? TOOL_FORMS : [];
    for (const [form, work] of coveredToolForms) {
      it(`${form} reads the tool events' index alone`, async () => {
        const [statement, ...more] = await recorder.during(() => work(store));
        assert.equal(more.length, 0, "one statement");
        const reads = await planReads(
          database,
          statement!,
          /^(SEARCH|SCAN) agent_run_events\b/,
        );
        assert.deepEqual(reads, [
          "SEARCH agent_run_events USING COVERING INDEX idx_events_tools (timestamp>? AND timestamp<?)",
        ], statement!.sql);
      });
    }

    // SQLite only: PostgreSQL reads an index alone only for pages its
    // visibility map (kept by autovacuum) marks all-visible, so its plan for
    // fresh rows is an index scan, which the series forms above check.
    const coveredForms = name === "sqlite" ? COVERED_FORMS : [];
    for (const [form, work] of coveredForms) {
      it(`${form} reads a covering index`, async () => {
        const [[statement, ...more]] = ofRows(
          await recorder.during(() => work(store)),
        );
        assert.equal(more.length, 0, "one statement");
        const reads = await planReads(
          database,
          statement!,
          /^(SEARCH|SCAN) (agent_llm_usage|cost_row)\b/,
        );
        for (const read of reads) {
          assert.match(
            read,
            /^SEARCH agent_llm_usage USING COVERING INDEX idx_usage_created_at \(created_at>\? AND created_at<\?\)$|^SEARCH cost_row USING INTEGER PRIMARY KEY \(rowid=\?\)$/,
            statement!.sql,
          );
        }
        assert.ok(
          reads.some((read) =>
            /COVERING INDEX idx_usage_created_at/.test(read)
          ),
          statement!.sql,
        );
      });
    }

    for (const [form, prepare] of SUMMARY_FORMS) {
      it(`${form}: one statement, no OFFSET, no table scan`, async () => {
        const query = await prepare(store);
        let page: AgentRunSummaryPage | undefined;
        const statements = await recorder.during(async () =>
          page = await store.getAgentRunSummaries(query)
        );
        assert.ok((page?.items.length ?? 0) > 0, "the page lists runs");
        assert.equal(statements.length, 1, "one statement");
        const [statement] = statements;
        // No paging by OFFSET; PostgreSQL's `OFFSET 0` is a fence that keeps
        // the calls' subquery from being folded into the join, not a skip.
        assert.doesNotMatch(statement!.sql, /\bOFFSET\s+(?!0\b)\S/i);
        assert.deepEqual(
          await database.tableScans(statement!),
          [],
          statement!.sql,
        );
      });
    }

    for (const [form, work] of FORMS) {
      it(form, async () => {
        const statements = await recorder.during(() => work(store));
        assert.ok(statements.length > 0, "the store sent a SELECT");
        for (const statement of statements) {
          const problems = await database.problems(statement);
          assert.deepEqual(problems, [], statement.sql);
        }
      });
    }
  });
}
