// Read-only mode: a store opened with `readOnly: true` or `?mode=ro` reads
// whatever schema it finds, refuses every write, and leaves the database as
// it was: the SQLite file's bytes, the PostgreSQL schema, a Python SDK
// database's missing version table. The inspecting CLI commands open their
// stores so.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import process from "node:process";
import { after, describe, it } from "node:test";
import postgres from "postgres";
import {
  ConnectionError,
  createPersistence,
  diagnoseStore,
  InvalidUrlError,
  parseConnectionUrl,
  type Persistence,
  PersistenceError,
} from "../mod.ts";
import { main } from "../src/cli/main.ts";
import { sessionSettings } from "../src/postgres/persistence.ts";
import { tableSource } from "../src/sql/readable_tables.ts";
import { SCHEMA_VERSION } from "../src/sql/schema.ts";
import { USAGE } from "../src/sql/tables.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";

/** The tables as the Python SDK creates them: no version table. */
function pythonSchema(prefix: string, id: string): string[] {
  const t = (name: string) => `${prefix}${name}`;
  return [
    `CREATE TABLE ${t("agent_runs")} (id ${id}, agent_id VARCHAR(255) NOT NULL,
      run_id VARCHAR(255) UNIQUE NOT NULL, agent_name VARCHAR(255), objective TEXT,
      additional_context TEXT, started_at TIMESTAMP, finished_at TIMESTAMP,
      total_iterations INTEGER DEFAULT 0, final_synthesis_output TEXT,
      execution_history TEXT, status VARCHAR(50) DEFAULT 'pending',
      error_message TEXT, metadata TEXT, created_at TIMESTAMP, updated_at TIMESTAMP)`,
    `CREATE TABLE ${
      t("agent_run_events")
    } (id ${id}, agent_id VARCHAR(255) NOT NULL,
      run_id VARCHAR(255) NOT NULL, agent_name VARCHAR(255), timestamp TIMESTAMP,
      event_type VARCHAR(100), data TEXT, created_at TIMESTAMP)`,
    `CREATE TABLE ${t("agent_llm_usage")} (id ${id}, agent_id VARCHAR(255),
      run_id VARCHAR(255), provider VARCHAR(100), model VARCHAR(255), prompt TEXT,
      prompt_length INTEGER, input_params TEXT, input_tokens INTEGER,
      output_tokens INTEGER, response_content TEXT, response_length INTEGER,
      usage_metrics TEXT, status VARCHAR(50), error_message TEXT,
      latency_ms INTEGER, created_at TIMESTAMP)`,
    `INSERT INTO ${t("agent_runs")} (agent_id, run_id, objective, status,
      total_iterations, created_at, updated_at)
      VALUES ('py', 'py-1', 'Find papers', 'completed', 3,
      '2024-01-15 10:30:00', '2024-01-15 10:31:00')`,
    `INSERT INTO ${t("agent_run_events")} (agent_id, run_id, timestamp,
      event_type, data, created_at) VALUES ('py', 'py-1',
      '2024-01-15T10:30:01', 'custom', '{"a": 1}', '2024-01-15T10:30:01'),
      ('py', 'py-1', '2024-01-15 10:30:02', 'action_execution_completed',
      '{"action": "search", "duration_ms": 12, "success": true}',
      '2024-01-15 10:30:02'),
      ('py', 'py-1', '2024-01-15 10:30:03', 'action_execution_failed',
      'not json {', '2024-01-15 10:30:03')`,
    `INSERT INTO ${t("agent_llm_usage")} (agent_id, run_id, provider, model,
      input_tokens, output_tokens, usage_metrics, status, created_at)
      VALUES ('py', 'py-1', 'openai', 'gpt-4', 10, 2,
      '{"cost_usd": 0.5}', 'success', '2024-01-15 10:30:05'),
      ('py', 'py-1', 'openai', 'gpt-4', 1, 1, 'garbage {', 'error',
      '2024-01-15 10:30:06')`,
  ];
}

/** A SQLite file made as the Python SDK makes it. */
async function pythonSqlite(): Promise<string> {
  const path = tempPath("python.db");
  const db = await openSqliteDatabase(path);
  for (const statement of pythonSchema("", "INTEGER PRIMARY KEY")) {
    db.exec(statement);
  }
  db.close();
  return path;
}

/** A store with a run, events and LLM calls, written normally. */
async function fill(store: Persistence): Promise<void> {
  await store.createAgentRun({ agentId: "a", runId: "r1", objective: "o" });
  await store.logAgentRunEvents([
    { agentId: "a", runId: "r1", eventType: "run_started" },
    { agentId: "a", runId: "r1", eventType: "custom", data: { x: 1 } },
  ]);
  await store.logLlmUsage({
    agentId: "a",
    runId: "r1",
    provider: "openai",
    model: "gpt-4o",
    inputTokens: 5,
    usageMetrics: { cost_usd: 0.25 },
  });
}

const READ_ONLY = /read-only mode/;

/** Every write method, each rejecting with a PersistenceError. */
async function assertWritesRefused(store: Persistence): Promise<void> {
  const run = { agentId: "a", runId: "new" };
  const event = { agentId: "a", runId: "r1", eventType: "custom" };
  const writes: [string, () => Promise<unknown>][] = [
    ["createAgentRun", () => store.createAgentRun(run)],
    ["updateAgentRun", () => store.updateAgentRun("r1", { status: "error" })],
    ["deleteAgentRun", () => store.deleteAgentRun("r1")],
    ["logAgentRunEvent", () => store.logAgentRunEvent(event)],
    ["logAgentRunEvents", () => store.logAgentRunEvents([event])],
    ["logAgentRunEvents([])", () => store.logAgentRunEvents([])],
    ["logLlmUsage", () => store.logLlmUsage({ provider: "p" })],
    ["logLlmUsages", () => store.logLlmUsages([{ provider: "p" }])],
    ["logLlmUsages([])", () => store.logLlmUsages([])],
    ["deleteAgentRuns", () => store.deleteAgentRuns(["r1"])],
    ["deleteAgentRuns([])", () => store.deleteAgentRuns([])],
    ["compact", () => store.compact()],
    ["initializeSchema", () => store.initializeSchema()],
  ];
  for (const [name, write] of writes) {
    await assert.rejects(write, (error: Error) => {
      assert.ok(error instanceof PersistenceError, name);
      assert.match(error.message, READ_ONLY, name);
      return true;
    }, name);
  }
}

/** Every read method, run for what it returns. */
async function readEverything(store: Persistence) {
  const runs = await store.getAgentRuns();
  const iterated = [];
  for await (const run of store.iterateAgentRuns({ pageSize: 1 })) {
    iterated.push(run);
  }
  const events = await store.getAgentRunEvents(runs[0]?.runId ?? "none");
  for await (const _ of store.iterateAgentRunEvents("r1", { pageSize: 1 })) {
    // paging only
  }
  const usage = await store.getLlmUsage();
  for await (const _ of store.iterateLlmUsage({ pageSize: 1 })) {
    // paging only
  }
  const orphans = await store.getLlmUsage({ withoutRun: true });
  const stats = await store.getAgentRunStats();
  const breakdown = await store.getLlmUsageBreakdown();
  const summaries = (await store.getAgentRunSummaries()).items;
  const dryRun = await store.deleteAgentRuns(["r1", "py-1"], { dryRun: true });
  // The series, by arithmetic (hours) and by a list of boundaries (months).
  const since = new Date("2024-01-15T00:00:00Z");
  const until = new Date("2024-01-16T00:00:00Z");
  const hourly = await store.getLlmUsageSeries({
    bucket: "hour",
    since,
    until,
    groupBy: "model",
  });
  const monthly = await store.getLlmUsageSeries({
    bucket: "month",
    since,
    until,
  });
  const runSeries = await store.getAgentRunSeries({
    bucket: "day",
    since,
    until,
    groupBy: "status",
  });
  const tools = await store.getToolStats();
  const info = await store.getStoreInfo();
  const healthy = await store.healthCheck();
  assert.equal(iterated.length, runs.length);
  return {
    runs,
    summaries,
    events,
    usage,
    orphans,
    stats,
    breakdown,
    dryRun,
    info,
    healthy,
    hourly,
    monthly,
    runSeries,
    tools,
  };
}

/**
 * The series of the Python SDK's rows: its costs come from `usage_metrics`,
 * its garbage metrics leave a call unpriced, and tool events whose data is
 * not JSON count as calls of no tool.
 */
function assertPythonSeries(read: Awaited<ReturnType<typeof readEverything>>) {
  const busy = read.hourly.filter((row) => row.calls > 0);
  assert.deepEqual(busy.map((row) => row.bucketStart.toISOString()), [
    "2024-01-15T10:00:00.000Z",
  ]);
  assert.equal(read.hourly.length, 24);
  assert.deepEqual(
    {
      provider: busy[0]!.provider,
      model: busy[0]!.model,
      calls: busy[0]!.calls,
      failedCalls: busy[0]!.failedCalls,
      inputTokens: busy[0]!.inputTokens,
      costUsd: busy[0]!.costUsd,
      unpricedCalls: busy[0]!.unpricedCalls,
    },
    {
      provider: "openai",
      model: "gpt-4",
      calls: 2,
      failedCalls: 1,
      inputTokens: 11,
      costUsd: 0.5,
      unpricedCalls: 1,
    },
  );
  assert.equal(read.monthly.length, 1);
  assert.equal(read.monthly[0]!.costUsd, 0.5);
  assert.equal(read.monthly[0]!.calls, 2);
  assert.deepEqual(
    read.runSeries.map((row) => [row.status, row.runs, row.avgIterations]),
    [["completed", 1, 3]],
  );
  assert.deepEqual(read.tools, [{
    action: "search",
    calls: 1,
    failures: 0,
    p50DurationMs: 12,
    p95DurationMs: 12,
  }]);
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Runs the CLI in this process, returning its exit code and output. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const write = process.stdout.write;
  const errWrite = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args, { env: {} });
    return { code, out };
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
}

/** The inspecting commands, each with its arguments. */
const READ_COMMANDS = [
  ["runs"],
  ["runs", "--json"],
  ["run", "py-1"],
  ["events", "py-1"],
  ["usage"],
  ["stats"],
  ["stats", "--json"],
  ["export"],
  ["doctor"],
  ["doctor", "--json"],
];

describe("read-only mode: URLs", () => {
  it("takes mode=ro|rw in sqlite: and PostgreSQL URLs, and nothing else in sqlite:", () => {
    assert.deepEqual(parseConnectionUrl("sqlite:./a.db?mode=ro"), {
      backend: "sqlite",
      path: "./a.db",
      readOnly: true,
    });
    assert.deepEqual(parseConnectionUrl("sqlite:///abs/a.db?mode=rw"), {
      backend: "sqlite",
      path: "/abs/a.db",
    });
    assert.deepEqual(parseConnectionUrl("sqlite::memory:?mode=ro"), {
      backend: "sqlite",
      path: ":memory:",
      readOnly: true,
    });
    for (
      const url of [
        "sqlite:./a.db?",
        "sqlite:./a.db?mode=",
        "sqlite:./a.db?mode=RO",
        "sqlite:./a.db?mode=ro&mode=ro",
        "sqlite:./a.db?mode=ro&cache=shared",
        "sqlite:./a.db?immutable=1",
        "sqlite:./a?b.db",
        "postgres://u@h/db?mode=readonly",
      ]
    ) {
      assert.throws(() => parseConnectionUrl(url), InvalidUrlError, url);
    }
    const target = parseConnectionUrl("postgres://u:pw@h/db?mode=ro&max=2");
    assert.equal(target.backend, "postgres");
    assert.equal((target as { readOnly?: boolean }).readOnly, true);
    assert.equal(
      "readOnly" in parseConnectionUrl("postgresql://u@h/db?mode=rw"),
      false,
    );
  });

  it("refuses a readOnly option that is not a boolean", async () => {
    await assert.rejects(
      createPersistence("memory:", { readOnly: "yes" as unknown as boolean }),
      PersistenceError,
    );
  });
});

describe("read-only mode: memory", () => {
  it("is an empty store that refuses every write", async () => {
    await using store = await createPersistence("memory:", { readOnly: true });
    await assertWritesRefused(store);
    const read = await readEverything(store);
    assert.deepEqual(read.runs, []);
    assert.equal(read.stats.totalRuns, 0);
    assert.ok(read.healthy);
  });
});

describe("read-only mode: SQLite", () => {
  it("reads what a read-write store wrote, refuses every write, and leaves the file's bytes as they were", async () => {
    const path = tempPath("ro.db");
    {
      await using writer = await createPersistence(`sqlite:${path}`);
      await fill(writer);
    }
    const before = sha256(path);
    for (const url of [`sqlite:${path}?mode=ro`, `sqlite:${path}`]) {
      await using store = await createPersistence(url, {
        ...(url.endsWith("ro") ? {} : { readOnly: true }),
      });
      await assertWritesRefused(store);
      const read = await readEverything(store);
      assert.equal(read.runs.length, 1);
      assert.equal(read.events.length, 2);
      assert.equal(read.usage.length, 1);
      assert.equal(read.stats.totalCostUsd, 0.25);
      assert.deepEqual(read.dryRun, { runs: 1, events: 2, llmUsage: 0 });
      assert.equal(read.info.schemaVersion, SCHEMA_VERSION);
    }
    assert.equal(sha256(path), before);
    for (const suffix of ["-wal", "-shm"]) {
      if (existsSync(path + suffix)) {
        assert.equal(statSync(path + suffix).mode & 0o777, 0o600, suffix);
      }
    }
  });

  it("refuses a missing file with ConnectionError, creating none", async () => {
    const path = tempPath("missing.db");
    await assert.rejects(
      createPersistence(`sqlite:${path}?mode=ro`),
      ConnectionError,
    );
    assert.equal(existsSync(path), false);
  });

  it("reads a database without the tables as empty; doctor says no schema", async () => {
    const path = tempPath("empty.db");
    writeFileSync(path, "", { mode: 0o600 });
    const before = sha256(path);
    await using store = await createPersistence(`sqlite:${path}?mode=ro`);
    const read = await readEverything(store);
    assert.deepEqual(read.runs, []);
    assert.deepEqual(read.events, []);
    assert.deepEqual(read.usage, []);
    assert.equal(read.stats.totalRuns, 0);
    assert.equal(read.stats.totalCostUsd, 0);
    assert.deepEqual(read.breakdown, []);
    assert.equal(read.hourly.length, 0, "no calls, no groups");
    assert.deepEqual(read.monthly.map((row) => row.calls), [0]);
    assert.deepEqual(read.tools, []);
    assert.equal(read.info.schemaVersion, null);
    assert.equal(read.info.runs, 0);
    const diagnosis = await diagnoseStore(store);
    assert.deepEqual(diagnosis.problems, [
      "no schema; run migrate to create it",
    ]);
    await assertWritesRefused(store);
    assert.equal(sha256(path), before);
  });

  it("reads a Python SDK database as it is; the CLI's inspecting commands leave it without a version table", async () => {
    const path = await pythonSqlite();
    const before = sha256(path);
    {
      await using store = await createPersistence(`sqlite:${path}`, {
        readOnly: true,
      });
      const read = await readEverything(store);
      assert.equal(read.runs[0]?.runId, "py-1");
      assert.equal(read.events.length, 3);
      assert.equal(read.usage.length, 2);
      assert.equal(read.stats.totalCostUsd, 0.5);
      assertPythonSeries(read);
      assert.equal(read.summaries[0]?.costUsd, 0.5);
      assert.equal(read.stats.failedLlmCalls, 1);
      assert.equal(read.info.schemaVersion, 0);
      const diagnosis = await diagnoseStore(store);
      assert.equal(diagnosis.problems.length, 1);
      assert.match(diagnosis.problems[0]!, /^schema 0; run migrate for /);
    }
    for (const args of READ_COMMANDS) {
      const { code, out } = await cli([...args, "--db", `sqlite:${path}`]);
      assert.equal(code, args[0] === "doctor" ? 1 : 0, `${args}: ${out}`);
      if (args[0] === "doctor" && !args.includes("--json")) {
        assert.match(out, /^Problem: schema 0; run migrate for /m);
        assert.doesNotMatch(out, /No problems found/);
      }
    }
    assert.equal(sha256(path), before, "the file's bytes are unchanged");
    const db = await openSqliteDatabase(path, undefined, { readOnly: true });
    const tables = db.prepare(
      "SELECT name FROM sqlite_master WHERE name = 'curio_schema_migrations'",
    ).all();
    const [mode] = db.prepare("PRAGMA journal_mode").all() as {
      journal_mode: string;
    }[];
    db.close();
    assert.deepEqual(tables, []);
    assert.equal(mode?.journal_mode, "delete", "the journal mode stays");
  });

  it("reads a column a later schema version adds as NULL", async () => {
    const db = await openSqliteDatabase(":memory:");
    db.exec(
      "CREATE TABLE agent_llm_usage (id INTEGER PRIMARY KEY, provider TEXT)",
    );
    db.exec("INSERT INTO agent_llm_usage (provider) VALUES ('openai')");
    const source = tableSource(sqliteDialect, USAGE, {
      version: 1,
      columns: new Map([["agent_llm_usage", new Set(["id", "provider"])]]),
    });
    const rows = db.prepare(`SELECT * FROM ${source.from}`).all() as Record<
      string,
      unknown
    >[];
    db.close();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.provider, "openai");
    for (const column of USAGE.columns) {
      if (column.name !== "provider") assert.equal(rows[0]![column.name], null);
    }
  });
});

describe("read-only mode: PostgreSQL", {
  skip: postgresUrl ? false : "no PostgreSQL",
}, () => {
  const sql = postgresUrl
    ? postgres(postgresUrl, { onnotice: () => {} })
    : undefined;
  after(() => sql?.end());

  const schemaExists = async (schema: string) =>
    (await sql!`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`)
      .length > 0;

  it("reads what a read-write store wrote and refuses every write", async () => {
    const schema = uniqueSchema("ro");
    {
      await using writer = await createPersistence(postgresUrlWith({ schema }));
      await fill(writer);
    }
    await using store = await createPersistence(
      postgresUrlWith({ schema, mode: "ro" }),
    );
    await assertWritesRefused(store);
    const read = await readEverything(store);
    assert.equal(read.runs.length, 1);
    assert.equal(read.events.length, 2);
    assert.equal(read.stats.totalCostUsd, 0.25);
    assert.equal(read.info.schemaVersion, SCHEMA_VERSION);
  });

  it("creates no schema: a missing one reads as empty, and doctor says no schema", async () => {
    const schema = uniqueSchema("ro_none");
    await using store = await createPersistence(postgresUrlWith({ schema }), {
      readOnly: true,
    });
    const read = await readEverything(store);
    assert.deepEqual(read.runs, []);
    assert.equal(read.stats.totalRuns, 0);
    assert.equal(read.info.schemaVersion, null);
    assert.deepEqual((await diagnoseStore(store)).problems, [
      "no schema; run migrate to create it",
    ]);
    await assertWritesRefused(store);
    assert.equal(await schemaExists(schema), false);
  });

  it("reads a Python SDK schema as it is, costs included, and adds nothing to it", async () => {
    const schema = uniqueSchema("ro_py");
    await sql!.unsafe(`CREATE SCHEMA "${schema}"`);
    for (
      const statement of pythonSchema(`"${schema}".`, "SERIAL PRIMARY KEY")
    ) {
      await sql!.unsafe(statement);
    }
    const objects = () =>
      sql!`SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n
        ON n.oid = c.relnamespace WHERE n.nspname = ${schema} ORDER BY 1`;
    const functions = () =>
      sql!`SELECT p.proname FROM pg_proc p JOIN pg_namespace n
        ON n.oid = p.pronamespace WHERE n.nspname = ${schema}`;
    const before = await objects();
    await using store = await createPersistence(
      postgresUrlWith({ schema, mode: "ro" }),
    );
    const read = await readEverything(store);
    assert.equal(read.runs[0]?.runId, "py-1");
    assert.equal(read.usage.length, 2);
    assert.equal(read.stats.totalCostUsd, 0.5);
    assert.equal(read.breakdown[0]?.costUsd, 0.5);
    assertPythonSeries(read);
    // The runs list sums the same costs, read from usage_metrics too.
    assert.deepEqual(
      read.summaries.map((r) => [r.runId, r.llmCalls, r.costUsd]),
      [["py-1", 2, 0.5]],
    );
    assert.equal(read.info.schemaVersion, 0);
    assert.match(
      (await diagnoseStore(store)).problems[0] ?? "",
      /^schema 0; run migrate for /,
    );
    const url = postgresUrlWith({ schema });
    for (const args of READ_COMMANDS) {
      if (args[0] === "run" || args[0] === "events") continue;
      const { code, out } = await cli([...args, "--db", url]);
      assert.equal(code, args[0] === "doctor" ? 1 : 0, `${args}: ${out}`);
    }
    assert.deepEqual(await objects(), before);
    assert.deepEqual([...await functions()], []);
  });

  it("runs its sessions with default_transaction_read_only=on: the server refuses a write", async () => {
    const schema = uniqueSchema("ro_server");
    const raw = postgres(postgresUrl!, {
      onnotice: () => {},
      max: 1,
      connection: sessionSettings(schema, { readOnly: true }),
    });
    try {
      const [setting] = await raw`SHOW default_transaction_read_only`;
      assert.equal(setting?.default_transaction_read_only, "on");
      await assert.rejects(
        raw.unsafe(`CREATE SCHEMA "${schema}"`),
        (error: { code?: string }) => error.code === "25006",
      );
    } finally {
      await raw.end();
    }
    assert.equal(await schemaExists(schema), false);
    assert.deepEqual(
      sessionSettings(schema, { readOnly: false })
        .default_transaction_read_only,
      undefined,
    );
  });
});
