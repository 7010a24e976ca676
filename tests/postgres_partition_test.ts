// PostgreSQL stores whose events and LLM-usage tables are partitioned by
// created_at: the layout made, where rows land, retention dropping whole
// partitions only when all their rows are due, and schemas that exist
// unpartitioned left as they are.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import postgres from "postgres";
import {
  copyStore,
  createPersistence,
  diagnoseStore,
  InvalidInputError,
  InvalidUrlError,
  parseConnectionUrl,
  type Persistence,
  PostgresPersistence,
  schemaSql,
} from "../mod.ts";
import { PostgresConnection } from "../src/postgres/connection.ts";
import { postgresDialect } from "../src/postgres/dialect.ts";
import { ensurePartitions } from "../src/postgres/partitions.ts";
import { assertSpecIndexes } from "./_spec.ts";
import {
  postgresUrl,
  postgresUrlWith,
  skipWithoutPostgres,
  uniqueSchema,
} from "./_postgres.ts";

const DAY = 86_400_000;

/** Midnight UTC of today and the next days, as partition suffixes. */
function daySuffix(offset: number): string {
  const day = new Date(Date.now() + offset * DAY);
  return day.toISOString().slice(0, 10).replaceAll("-", "");
}

function today(): Date {
  const now = new Date();
  return new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()),
  );
}

describe("the partition URL parameter", () => {
  it("reads day and month, and refuses anything else", () => {
    const target = parseConnectionUrl("postgres://h/db?partition=month");
    assert.equal(
      target.backend === "postgres" && target.config.partitionBy,
      "month",
    );
    assert.throws(
      () => parseConnectionUrl("postgres://h/db?partition=week"),
      InvalidUrlError,
    );
  });

  it("schemaSql emits partitioned tables with their DEFAULT partitions", () => {
    const ddl = schemaSql("postgres", { schema: "s", partitionBy: "day" });
    const text = ddl.join(";\n");
    assert.match(
      text,
      /agent_run_events \([^;]*PRIMARY KEY \(id, created_at\)\n\) PARTITION BY RANGE \(created_at\)/,
    );
    assert.match(
      text,
      /agent_llm_usage_default PARTITION OF "s"\.agent_llm_usage DEFAULT/,
    );
    assert.ok(ddl.some((s) => s.includes(`agent_run_events_${daySuffix(2)}`)));
    assert.ok(!schemaSql("postgres").join(";").includes("PARTITION"));
    assert.throws(
      () => schemaSql("postgres", { partitionBy: "year" as "day" }),
      InvalidInputError,
    );
  });
});

describe("PostgreSQL partitioned by created_at", skipWithoutPostgres, () => {
  const admin = postgresUrl
    ? postgres(postgresUrl, { onnotice: () => {} })
    : undefined;
  after(() => admin?.end());

  function open(
    schema: string,
    partition?: "day" | "month",
  ): Promise<Persistence> {
    return createPersistence(
      postgresUrlWith({ schema, ...partition ? { partition } : {} }),
    );
  }

  async function partitions(schema: string, table: string) {
    const rows = await admin!`
      SELECT c.relname AS name FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass(${`"${schema}".${table}`})
      ORDER BY c.relname`;
    return rows.map((row) => row.name as string);
  }

  async function countIn(schema: string, partition: string) {
    const [row] = await admin!.unsafe(
      `SELECT COUNT(*)::int AS n FROM "${schema}".${partition}`,
    );
    return row!.n as number;
  }

  it("creates a DEFAULT partition and the current and next two periods", async () => {
    const schema = uniqueSchema("part");
    await using _store = await open(schema, "day");
    for (const table of ["agent_run_events", "agent_llm_usage"]) {
      assert.deepEqual(await partitions(schema, table), [
        `${table}_${daySuffix(0)}`,
        `${table}_${daySuffix(1)}`,
        `${table}_${daySuffix(2)}`,
        `${table}_default`,
      ]);
      const [key] = await admin!`
        SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = to_regclass(${`"${schema}".${table}`})
          AND contype = 'p'`;
      assert.equal(key?.def, "PRIMARY KEY (id, created_at)");
    }
    const indexes = await admin!`
      SELECT indexname FROM pg_indexes WHERE schemaname = ${schema}`;
    assertSpecIndexes(indexes.map((i) => i.indexname as string));
    const [fk] = await admin!`
      SELECT confrelid::regclass::text AS target FROM pg_constraint
      WHERE conrelid = to_regclass(${`"${schema}".agent_run_events`})
        AND contype = 'f'`;
    assert.equal(fk?.target, `${schema}.agent_runs`);

    const monthly = uniqueSchema("part");
    await using _other = await open(monthly, "month");
    const month = (offset: number) => {
      const now = new Date();
      const start = new Date(
        Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1),
      );
      return start.toISOString().slice(0, 7).replace("-", "");
    };
    assert.deepEqual(await partitions(monthly, "agent_llm_usage"), [
      `agent_llm_usage_${month(0)}`,
      `agent_llm_usage_${month(1)}`,
      `agent_llm_usage_${month(2)}`,
      "agent_llm_usage_default",
    ]);
  });

  it("puts records in the partition of their created_at", async () => {
    const schema = uniqueSchema("part");
    await using store = await open(schema, "day");
    const tomorrow = new Date(today().getTime() + DAY + 5_000);
    await store.createAgentRun({ agentId: "a", runId: "r" });
    await store.logAgentRunEvent({
      agentId: "a",
      runId: "r",
      eventType: "now",
    });
    await store.logAgentRunEvent({
      agentId: "a",
      runId: "r",
      eventType: "tomorrow",
      createdAt: tomorrow,
    });
    await store.logAgentRunEvent({
      agentId: "a",
      runId: "r",
      eventType: "old",
      createdAt: new Date("2020-01-01T00:00:00Z"),
    });
    await store.logLlmUsage({ agentId: "a", createdAt: tomorrow });
    assert.equal(await countIn(schema, `agent_run_events_${daySuffix(0)}`), 1);
    assert.equal(await countIn(schema, `agent_run_events_${daySuffix(1)}`), 1);
    assert.equal(await countIn(schema, "agent_run_events_default"), 1);
    assert.equal(await countIn(schema, `agent_llm_usage_${daySuffix(1)}`), 1);
    const events = await store.getAgentRunEvents("r");
    assert.deepEqual(events.map((e) => e.eventType).sort(), [
      "now",
      "old",
      "tomorrow",
    ]);
    // Deleting a run reaches its events in every partition.
    assert.equal(await store.deleteAgentRun("r"), true);
    assert.equal((await store.getStoreInfo()).events, 0);
  });

  it("drops a partition whose every row is due, and recreates current ones", async () => {
    const schema = uniqueSchema("part");
    await using store = await open(schema, "day");
    const at = (ms: number) => new Date(today().getTime() + ms);
    await store.createAgentRun({
      agentId: "a",
      runId: "old",
      status: "completed",
      createdAt: at(1_000),
    });
    for (let i = 0; i < 5; i++) {
      await store.logAgentRunEvent({
        agentId: "a",
        runId: "old",
        eventType: "step",
        createdAt: at(2_000 + i),
      });
    }
    await store.logLlmUsage({
      agentId: "a",
      runId: "old",
      createdAt: at(3_000),
    });
    await store.logLlmUsage({ agentId: "a", createdAt: at(4_000) }); // orphan
    const [before] = await admin!`
      SELECT to_regclass(${`"${schema}".agent_run_events_${
      daySuffix(0)
    }`})::oid AS oid`;

    const result = await store.applyRetention(
      { runs: "1d", orphanLlmCalls: "1d" },
      { now: at(10 * DAY) },
    );
    assert.deepEqual(result.removed, { runs: 1, events: 5, llmUsage: 2 });
    const partitionRule = result.rules.find((r) => r.rule === "partitions");
    assert.deepEqual(partitionRule?.removed, {
      runs: 0,
      events: 5,
      llmUsage: 2,
    });
    const [afterwards] = await admin!`
      SELECT to_regclass(${`"${schema}".agent_run_events_${
      daySuffix(0)
    }`})::oid AS oid`;
    // Dropped, then made again empty: the current period always has one.
    assert.notEqual(afterwards?.oid, before?.oid);
    assert.equal(await countIn(schema, `agent_run_events_${daySuffix(0)}`), 0);
    const info = await store.getStoreInfo();
    assert.deepEqual([info.runs, info.events, info.llmUsage], [0, 0, 0]);
  });

  it("deletes rows when a partition holds any row not due", async () => {
    const schema = uniqueSchema("part");
    await using store = await open(schema, "day");
    const at = (ms: number) => new Date(today().getTime() + ms);
    for (
      const [runId, status] of [["old", "completed"], [
        "live",
        "running",
      ]] as const
    ) {
      await store.createAgentRun({
        agentId: "a",
        runId,
        status: status as "completed",
        createdAt: at(1_000),
      });
      await store.logAgentRunEvent({
        agentId: "a",
        runId,
        eventType: "step",
        createdAt: at(2_000),
      });
      await store.logLlmUsage({ agentId: "a", runId, createdAt: at(3_000) });
    }
    // An orphan too recent for its rule keeps the usage partition too.
    await store.logLlmUsage({ agentId: "a", createdAt: at(4_000) });
    const result = await store.applyRetention(
      { runs: "1d", orphanLlmCalls: "30d" },
      { now: at(10 * DAY) },
    );
    assert.deepEqual(result.removed, { runs: 1, events: 1, llmUsage: 1 });
    assert.equal(result.rules.some((r) => r.rule === "partitions"), false);
    assert.equal(await countIn(schema, `agent_run_events_${daySuffix(0)}`), 1);
    assert.equal(await countIn(schema, `agent_llm_usage_${daySuffix(0)}`), 2);
    assert.deepEqual(
      (await store.getAgentRuns()).map((r) => r.runId),
      ["live"],
    );
  });

  it("never drops a partition when an archive is asked for", async () => {
    const schema = uniqueSchema("part");
    await using store = await open(schema, "day");
    const at = (ms: number) => new Date(today().getTime() + ms);
    await store.logLlmUsage({ agentId: "a", createdAt: at(1_000) });
    const archived: unknown[] = [];
    const result = await store.applyRetention({
      orphanLlmCalls: "1d",
      archive: { write: (records) => void archived.push(...records.llmUsage) },
    }, { now: at(10 * DAY) });
    assert.equal(result.removed.llmUsage, 1);
    assert.equal(archived.length, 1);
    assert.equal(result.rules.some((r) => r.rule === "partitions"), false);
  });

  it("deletes a row another tool stored with microseconds", async () => {
    // Deletes are bounded by the batch's createdAt span, read back to the
    // millisecond: a row at 5.000999 s reads as 5.000 s, and must still be
    // inside the span.
    const schema = uniqueSchema("part");
    await using store = await open(schema, "day");
    const day = today().toISOString().slice(0, 10);
    // A literal: a bound parameter goes through a Date, losing the micros.
    for (const created of ["00:00:05.000999", "23:00:05"]) {
      await admin!.unsafe(
        `INSERT INTO "${schema}".agent_llm_usage (agent_id, provider, model,
           prompt, prompt_length, input_tokens, output_tokens,
           response_length, status, latency_ms, created_at)
         VALUES ('a', 'openai', 'gpt-4o', '', 0, 1, 1, 0, 'success', 1,
           '${day} ${created}')`,
      );
    }
    // The later call is not due: the partition stays, the row is deleted.
    const result = await store.applyRetention({ orphanLlmCalls: "1h" }, {
      now: new Date(`${day}T12:00:00Z`),
    });
    assert.equal(result.removed.llmUsage, 1);
    assert.equal(result.rules.some((r) => r.rule === "partitions"), false);
    assert.equal(await countIn(schema, `agent_llm_usage_${daySuffix(0)}`), 1);
  });

  it("moves rows the DEFAULT partition took into a period's new partition", async () => {
    const schema = uniqueSchema("part");
    await using store = await open(schema, "day");
    const later = new Date(today().getTime() + 5 * DAY + 1_000);
    await store.logLlmUsage({ agentId: "a", model: "m", createdAt: later });
    assert.equal(await countIn(schema, "agent_llm_usage_default"), 1);
    const connection = new PostgresConnection(
      () => postgres(postgresUrl!, { onnotice: () => {} }),
      10_000,
    );
    try {
      await ensurePartitions(
        connection,
        postgresDialect(schema),
        "day",
        new Date(later.getTime() - DAY),
      );
    } finally {
      await connection.close();
    }
    assert.equal(await countIn(schema, "agent_llm_usage_default"), 0);
    assert.equal(await countIn(schema, `agent_llm_usage_${daySuffix(5)}`), 1);
    const [usage] = await store.getLlmUsage({ agentId: "a" });
    assert.equal(usage?.model, "m");
  });

  it("refuses to partition a schema whose tables exist unpartitioned", async () => {
    const schema = uniqueSchema("part");
    await (await open(schema)).close();
    const error = await open(schema, "day").then(
      (store) => store.close().then(() => undefined),
      (error: unknown) => error,
    );
    assert.ok(error instanceof InvalidInputError, String(error));
    assert.match(error.message, /unpartitioned/);
    assert.match(error.message, /copy/);
    assert.deepEqual(await partitions(schema, "agent_run_events"), []);
  });

  it("doctor explains the copy that a plain store takes to be partitioned", async () => {
    const plainSchema = uniqueSchema("part");
    await using plain = await open(plainSchema);
    await plain.createAgentRun({ agentId: "a", runId: "r" });
    await plain.logAgentRunEvent({ agentId: "a", runId: "r", eventType: "e" });
    await plain.logLlmUsage({ agentId: "a", runId: "r" });
    const advice = (await diagnoseStore(plain)).notes ?? [];
    assert.equal(advice.length, 1);
    assert.match(advice[0]!, /copy --from .* --to .*partition=day/);

    const target = uniqueSchema("part");
    await using partitioned = await open(target, "day");
    assert.ok(partitioned instanceof PostgresPersistence);
    assert.equal(partitioned.partitionBy, "day");
    assert.equal((await diagnoseStore(partitioned)).notes, undefined);
    await copyStore(plain, partitioned);
    const info = await partitioned.getStoreInfo();
    assert.deepEqual([info.runs, info.events, info.llmUsage], [1, 1, 1]);
    assert.equal(await countIn(target, `agent_run_events_${daySuffix(0)}`), 1);
  });

  it("keeps a partitioned schema's period, with or without the option", async () => {
    const schema = uniqueSchema("part");
    await (await open(schema, "month")).close();
    await assert.rejects(open(schema, "day"), InvalidInputError);
    await using store = await open(schema);
    await store.logLlmUsage({ agentId: "a" });
    assert.equal((await store.getStoreInfo()).llmUsage, 1);
    assert.equal(await countIn(schema, "agent_llm_usage_default"), 0);
  });
});
