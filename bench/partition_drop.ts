/**
 * Retention on PostgreSQL, by partition drop versus by DELETE: 90 days of
 * LLM calls without prompt text (3M by default), of which a policy removes
 * the oldest 30 (`orphanLlmCalls: "60d"`). Times `applyRetention` on a
 * plain schema (rows deleted in batches) and on one partitioned by day (a
 * store that has run for 90 days has a partition per day), and reports the
 * table's size after each, and after a plain VACUUM; and how long it took
 * until the first batch of the rule had ended (partitions are dropped before).
 *
 * ```sh
 * npx -y deno@2 run -A bench/partition_drop.ts                 # 3M calls
 * npx -y deno@2 run -A bench/partition_drop.ts --calls=300000
 * ```
 *
 * PostgreSQL is `TEST_POSTGRES_URL` when set, else a throwaway server of its
 * own.
 *
 * @module
 */

import process from "node:process";
import postgres from "postgres";
import { createPersistence } from "../mod.ts";
import { postgresDialect } from "../src/postgres/dialect.ts";
import { createPeriodPartition, nextPeriod } from "../src/sql/partitions.ts";
import { startPostgres } from "../tools/postgres_server.ts";

const flag = process.argv.find((a) => a.startsWith("--calls="));
const CALLS = Number(flag?.slice("--calls=".length) ?? 3_000_000);
const DAYS = 90;
const DAY = 86_400_000;

let server: { stop(): Promise<void> } | undefined;
let url = process.env.TEST_POSTGRES_URL;
if (!url) {
  const started = await startPostgres();
  server = started;
  url = started.url;
}
const sql = postgres(url, {
  onnotice: () => {},
  connection: { TimeZone: "UTC" },
});

function urlFor(schema: string, partition?: string): string {
  const target = new URL(url!);
  target.searchParams.set("schema", schema);
  if (partition) target.searchParams.set("partition", partition);
  return target.toString();
}

/** Bytes of the table with its partitions, indexes and TOAST. */
async function tableSize(schema: string): Promise<number> {
  const [row] = await sql.unsafe(
    `SELECT (pg_total_relation_size($1::regclass) + COALESCE((
       SELECT SUM(pg_total_relation_size(relid)) FROM pg_partition_tree($1::regclass)
       WHERE relid <> $1::regclass), 0))::bigint AS size`,
    [`"${schema}".agent_llm_usage`],
  );
  return Number(row!.size);
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function measure(partition: "day" | undefined): Promise<void> {
  const schema = `retention_${partition ?? "plain"}_${Date.now().toString(36)}`;
  const now = new Date();
  const first = new Date(now.getTime() - DAYS * DAY);
  await (await createPersistence(urlFor(schema, partition))).close();
  if (partition) {
    // The partitions a store opened or pruned daily for 90 days has made.
    const dialect = postgresDialect(schema);
    let start = new Date(
      Date.UTC(
        first.getUTCFullYear(),
        first.getUTCMonth(),
        first.getUTCDate(),
      ),
    );
    while (start.getTime() < now.getTime()) {
      await sql.unsafe(
        createPeriodPartition(dialect, "agent_llm_usage", start, "day"),
      );
      start = nextPeriod(start, "day");
    }
  }
  const filled = performance.now();
  await sql.unsafe(
    `INSERT INTO "${schema}".agent_llm_usage (agent_id, provider, model,
       prompt, prompt_length, input_tokens, output_tokens, response_length,
       status, latency_ms, created_at)
     SELECT 'agent-' || (i % 100), 'openai', 'gpt-4o', '', 1200, 400, 150,
       600, 'success', 800,
       $1::timestamp + (i * ($2::double precision / $3)) * INTERVAL '1 millisecond'
     FROM generate_series(0, $3 - 1) AS i`,
    [first.toISOString().slice(0, 23), DAYS * DAY, CALLS],
  );
  await sql.unsafe(`VACUUM ANALYZE "${schema}".agent_llm_usage`);
  const before = await tableSize(schema);
  console.error(
    `${partition ?? "plain"}: ${CALLS} calls written in ${
      ((performance.now() - filled) / 1000).toFixed(1)
    } s`,
  );
  const store = await createPersistence(urlFor(schema));
  const started = performance.now();
  // Partitions are checked and dropped before the rules' first batch, so
  // the time until it ends splits the run in two.
  let firstBatch: number | undefined;
  const result = await store.applyRetention({ orphanLlmCalls: "60d" }, {
    now,
    onProgress: () => void (firstBatch ??= performance.now()),
  });
  const elapsed = performance.now() - started;
  const untilFirst = (firstBatch ?? performance.now()) - started;
  await store.close();
  const after = await tableSize(schema);
  await sql.unsafe(`VACUUM "${schema}".agent_llm_usage`);
  const vacuumed = await tableSize(schema);
  const dropped =
    result.rules.find((r) => r.rule === "partitions")?.removed.llmUsage ?? 0;
  console.log(
    `| ${partition ? "partition drop (by day)" : "DELETE (plain table)"} | ${
      result.removed.llmUsage.toLocaleString("en")
    } (${dropped.toLocaleString("en")} by drop) | ${
      (elapsed / 1000).toFixed(1)
    } s | ${(untilFirst / 1000).toFixed(2)} s | ${
      result.batches.toLocaleString("en")
    } | ${mib(before)} | ${mib(after)} | ${mib(vacuumed)} |`,
  );
  await sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
}

try {
  console.log(
    `${CALLS.toLocaleString("en")} LLM calls over ${DAYS} days; ` +
      `policy orphanLlmCalls: "60d" removes the oldest 30 days\n`,
  );
  console.log(
    "| Method | Calls removed | Time | until the first batch ended (partitions dropped) | batches | Size before | Size after | After VACUUM |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  await measure("day");
  await measure(undefined);
} finally {
  await sql.end();
  await server?.stop();
}
