import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import postgres from "postgres";
import {
  createPersistence,
  InvalidInputError,
  InvalidUrlError,
  PersistenceError,
  PostgresPersistence,
  schemaSql,
} from "../mod.ts";
import { SCHEMA_VERSION } from "../src/sql/schema.ts";
import { conformance } from "./conformance/mod.ts";
import { postgresExec, postgresForeign } from "./_foreign.ts";
import { assertSpecIndexes } from "./_spec.ts";
import {
  openFreshPostgres,
  postgresUrl,
  postgresUrlWith,
  skipWithoutPostgres,
  uniqueSchema,
} from "./_postgres.ts";

if (postgresUrl) {
  conformance("postgres", openFreshPostgres, postgresForeign, postgresExec);
}
// Partitioned events and LLM-usage tables behave the same to every caller.
if (postgresUrl) {
  conformance(
    "postgres partitioned by day",
    (options = {}) =>
      createPersistence(
        postgresUrlWith({ schema: uniqueSchema("pd"), partition: "day" }),
        options,
      ),
    postgresForeign,
    postgresExec,
  );
}

describe("PostgreSQL", skipWithoutPostgres, () => {
  const admin = postgresUrl
    ? postgres(postgresUrl, { onnotice: () => {} })
    : undefined;
  after(() => admin?.end());

  async function tablesIn(schema: string): Promise<string[]> {
    const rows = await admin!`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = ${schema} ORDER BY table_name`;
    return rows.map((row) => row.table_name as string);
  }

  it("creates the specification's tables in a custom schema", async () => {
    const schema = uniqueSchema("custom");
    await using store = await createPersistence(postgresUrlWith({ schema }));
    assert.ok(store instanceof PostgresPersistence);
    assert.equal(store.schema, schema);
    assert.deepEqual(await tablesIn(schema), [
      "agent_llm_usage",
      "agent_run_events",
      "agent_runs",
      "curio_schema_migrations",
      "curio_usage_daily",
      "curio_usage_days",
    ]);
    const columns = await admin!`
      SELECT column_name, data_type, character_maximum_length
      FROM information_schema.columns
      WHERE table_schema = ${schema} AND table_name = 'agent_runs'
      ORDER BY ordinal_position`;
    assert.deepEqual(
      columns.map((
        c,
      ) => [c.column_name, c.data_type, c.character_maximum_length]),
      [
        ["id", "integer", null],
        ["agent_id", "character varying", 255],
        ["run_id", "character varying", 255],
        ["agent_name", "character varying", 255],
        ["objective", "text", null],
        ["additional_context", "text", null],
        ["started_at", "timestamp without time zone", null],
        ["finished_at", "timestamp without time zone", null],
        ["total_iterations", "integer", null],
        ["final_synthesis_output", "text", null],
        ["execution_history", "text", null],
        ["status", "character varying", 50],
        ["error_message", "text", null],
        ["metadata", "text", null],
        ["created_at", "timestamp without time zone", null],
        ["updated_at", "timestamp without time zone", null],
      ],
    );
    const indexes = await admin!`
      SELECT indexname FROM pg_indexes WHERE schemaname = ${schema}`;
    const names = indexes.map((i) => i.indexname);
    assertSpecIndexes(names);
    const [fk] = await admin!`
      SELECT ccu.table_name, ccu.column_name
      FROM information_schema.table_constraints tc
      JOIN information_schema.constraint_column_usage ccu
        ON tc.constraint_name = ccu.constraint_name AND tc.table_schema = ccu.table_schema
      WHERE tc.table_schema = ${schema} AND tc.table_name = 'agent_run_events'
        AND tc.constraint_type = 'FOREIGN KEY'`;
    assert.deepEqual({ ...fk }, {
      table_name: "agent_runs",
      column_name: "run_id",
    });
  });

  it("takes the schema from the options over the URL", async () => {
    const schema = uniqueSchema("option");
    await using store = await createPersistence(
      postgresUrlWith({ schema: "ignored_schema_name" }),
      { schema },
    );
    assert.equal((store as PostgresPersistence).schema, schema);
    assert.equal((await tablesIn("ignored_schema_name")).length, 0);
  });

  it("keeps stores in two schemas of one database apart", async () => {
    await using one = await openFreshPostgres();
    await using two = await openFreshPostgres();
    await one.createAgentRun({
      agentId: "a",
      runId: "shared-id",
      objective: "one",
    });
    await two.createAgentRun({
      agentId: "a",
      runId: "shared-id",
      objective: "two",
    });
    await one.logLlmUsage({ agentId: "a", inputTokens: 5 });
    assert.equal((await one.getAgentRun("shared-id"))?.objective, "one");
    assert.equal((await two.getAgentRun("shared-id"))?.objective, "two");
    assert.equal((await one.getAgentRunStats()).totalInputTokens, 5);
    assert.equal((await two.getAgentRunStats()).totalLlmCalls, 0);
  });

  it("refuses a schema name that is not a plain identifier, creating nothing", async () => {
    for (
      const schema of [
        'x"; DROP TABLE agent_runs; --',
        "has space",
        "1starts_with_digit",
        "a".repeat(64),
        "dash-ed",
      ]
    ) {
      await assert.rejects(
        createPersistence(postgresUrlWith({ schema })),
        (error: unknown) =>
          error instanceof InvalidUrlError &&
          error.message.includes("plain identifier"),
        `URL: ${schema}`,
      );
      await assert.rejects(
        createPersistence(postgresUrl!, { schema }),
        (error: unknown) =>
          error instanceof InvalidInputError && error.field === "schema",
        `option: ${schema}`,
      );
    }
    const [{ count }] = await admin!<[{ count: number }]>`
      SELECT count(*)::int AS count FROM pg_namespace
      WHERE nspname LIKE '%DROP%' OR nspname LIKE '%space%'`;
    assert.equal(count, 0);
  });

  it("keeps to the pool's maximum under 50 concurrent operations", async () => {
    const schema = uniqueSchema("pool");
    await using store = await createPersistence(
      postgresUrlWith({ schema, max: "5" }),
    );
    await store.createAgentRun({ agentId: "a", runId: "r" });
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [{ count }] = await admin!<[{ count: number }]>`
          SELECT count(*)::int AS count FROM pg_stat_activity
          WHERE application_name = ${`curio-persistence/${schema}`}`;
        peak = Math.max(peak, count);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        switch (i % 5) {
          case 0:
            return store.createAgentRun({ agentId: "a", runId: `r${i}` });
          case 1:
            return store.logAgentRunEvents([{
              agentId: "a",
              runId: "r",
              eventType: "custom",
            }]);
          case 2:
            return store.getAgentRunStats();
          case 3:
            return store.updateAgentRun("r", { totalIterations: i });
          default:
            return store.getAgentRuns({ limit: 50 });
        }
      }),
    );
    sampling = false;
    await sampler;
    console.log(
      `pool max=5: 50 operations completed, peak connections ${peak}`,
    );
    assert.equal(results.length, 50);
    assert.ok(peak >= 1 && peak <= 5, `peak ${peak}`);
    assert.equal((await store.getAgentRuns({ limit: 100 })).length, 11);
  });

  it("reads DB_ variables for postgres: with no host", async () => {
    const target = new URL(postgresUrl!);
    const schema = uniqueSchema("env");
    await using store = await createPersistence("postgres:", {
      env: {
        DB_HOST: target.hostname,
        DB_PORT: target.port || "5432",
        DB_NAME: target.pathname.slice(1) || "postgres",
        DB_USER: decodeURIComponent(target.username) || "postgres",
        DB_PASSWORD: decodeURIComponent(target.password) || undefined,
        DB_SCHEMA: schema,
      },
    });
    assert.equal((store as PostgresPersistence).schema, schema);
    assert.ok(await store.healthCheck());
  });

  it("runs the exported DDL by hand, then opens on it", async () => {
    const schema = uniqueSchema("manual");
    for (let pass = 0; pass < 2; pass++) { // a second run changes nothing
      for (const statement of schemaSql("postgres", { schema })) {
        await admin!.unsafe(statement);
      }
    }
    await using store = await createPersistence(postgresUrlWith({ schema }));
    await store.createAgentRun({ agentId: "a", runId: "r" });
    const [{ version }] = await admin!.unsafe<[{ version: number }]>(
      `SELECT max(version) AS version FROM "${schema}".curio_schema_migrations`,
    );
    assert.equal(version, SCHEMA_VERSION);
  });

  it("fails with a connection error, not a hang, when nothing listens", async () => {
    const started = Date.now();
    await assert.rejects(
      createPersistence("postgres://nobody:secret-pw@127.0.0.1:1/db"),
      (error: unknown) =>
        error instanceof PersistenceError &&
        error.name === "ConnectionError" &&
        !error.message.includes("secret-pw"),
    );
    assert.ok(Date.now() - started < 15_000);
  });

  it("counts other programs' costs beside NUL and lone surrogates in their JSON", async () => {
    const schema = uniqueSchema("costs");
    await using store = await createPersistence(postgresUrlWith({ schema }));
    // Rows as the Python SDK writes them: no cost source, the cost in
    // usage_metrics, JSON text that JSONB refuses.
    const metrics = [
      '{"note": "a\\u0000b", "cost_usd": 0.1}',
      '{"note": "\\ud800", "cost_usd": 0.2}',
      '{"cost_usd": 0.3, "note": "\\udc00 \\\\u0000"}',
      "not json {",
    ];
    for (const text of metrics) {
      await admin!.unsafe(
        `INSERT INTO "${schema}".agent_llm_usage
           (provider, model, prompt, prompt_length, input_tokens, usage_metrics)
         VALUES ('py', 'm', '', 0, 10, $1)`,
        [text],
      );
    }
    const stats = await store.getAgentRunStats();
    assert.equal(stats.totalCostUsd, 0.6);
    assert.equal(stats.unpricedLlmCalls, 1);
    const [row] = await store.getLlmUsageBreakdown();
    assert.equal(row?.costUsd, 0.6);
    assert.equal(row?.unpricedCalls, 1);
  });
});
