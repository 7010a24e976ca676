/**
 * How long the schema upgrade from version 1 takes per million rows, on a
 * SQLite file and on PostgreSQL. Builds a version-1 database (the
 * specification's tables and version 1's indexes, rows written in bulk), then
 * times opening it with the store, which applies the versions it lacks.
 *
 * ```sh
 * npx -y deno@2 run -A bench/migration.ts                 # 1M events and calls
 * npx -y deno@2 run -A bench/migration.ts --rows=200000
 * ```
 *
 * PostgreSQL is `TEST_POSTGRES_URL` when set, else a throwaway server of its
 * own. Rebuilding an index blocks writers to its table meanwhile: PostgreSQL
 * cannot build it concurrently inside the migration's transaction.
 *
 * @module
 */

import process from "node:process";
import postgres from "postgres";
import { createPersistence } from "../mod.ts";
import type { SqlDialect } from "../src/sql/dialect.ts";
import {
  createMigrationsTable,
  migrations,
  MIGRATIONS_TABLE,
} from "../src/sql/schema.ts";
import { postgresDialect } from "../src/postgres/dialect.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { startPostgres } from "../tools/postgres_server.ts";

const flag = process.argv.find((a) => a.startsWith("--rows="));
/** Events and LLM calls each; runs are a tenth of it. */
const ROWS = Number(flag?.slice("--rows=".length) ?? 1_000_000);
const RUNS = Math.max(1, Math.floor(ROWS / 10));

/** The statements that bring an empty database to version 1. */
function version1(dialect: SqlDialect): string[] {
  return [
    ...dialect.preamble,
    ...migrations(dialect)[0]!,
    createMigrationsTable(dialect),
    `INSERT INTO ${dialect.table(MIGRATIONS_TABLE)} (version) VALUES (1)`,
  ];
}

/** Rows as the store writes them, in bulk; `numbers(n)` yields `i` from 1 to n. */
function fill(
  dialect: SqlDialect,
  numbers: (count: number) => { prefix: string; from: string },
  at: string,
): string[] {
  const t = dialect.table;
  const runs = numbers(RUNS);
  const rows = numbers(ROWS);
  const run = `'run-' || (1 + (i - 1) / ${Math.ceil(ROWS / RUNS)})`;
  return [
    `${runs.prefix} INSERT INTO ${t("agent_runs")} (agent_id, run_id, status,
      created_at, updated_at) SELECT 'agent-' || (i % 1000), 'run-' || i,
      'completed', ${at}, ${at} ${runs.from}`,
    `${rows.prefix} INSERT INTO ${t("agent_run_events")} (agent_id, run_id,
      timestamp, event_type, data, created_at) SELECT 'agent-' || (i % 1000),
      ${run}, ${at}, 'custom', '{"step": 1}', ${at} ${rows.from}`,
    `${rows.prefix} INSERT INTO ${t("agent_llm_usage")} (agent_id, run_id,
      provider, model, prompt, input_tokens, output_tokens, created_at)
      SELECT 'agent-' || (i % 1000), ${run}, 'openai', 'gpt-4o', 'hello', 10,
      20, ${at} ${rows.from}`,
  ];
}

async function timeOpen(url: string): Promise<number> {
  const started = performance.now();
  const store = await createPersistence(url);
  const elapsed = performance.now() - started;
  await store.close();
  return elapsed;
}

function report(backend: string, ms: number): void {
  const total = RUNS + 2 * ROWS;
  console.log(
    `${backend}: upgrade of ${RUNS} runs, ${ROWS} events, ${ROWS} LLM calls ` +
      `took ${ms.toFixed(0)} ms: ${
        (ms / (total / 1e6)).toFixed(0)
      } ms per million rows`,
  );
}

async function sqlite(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "curio-migration-" });
  const path = `${dir}/v1.db`;
  try {
    const db = await openSqliteDatabase(path);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    for (const statement of version1(sqliteDialect)) db.exec(statement);
    db.exec("BEGIN");
    for (
      const statement of fill(sqliteDialect, (n) => ({
        prefix:
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})`,
        from: "FROM n",
      }), "strftime('%Y-%m-%d %H:%M:%f', '2024-01-01', '+' || i || ' seconds')")
    ) db.exec(statement);
    db.exec("COMMIT");
    db.close();
    report("sqlite", await timeOpen(`sqlite:${path}`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function postgresql(): Promise<void> {
  let server: { stop(): Promise<void> } | undefined;
  let url = process.env.TEST_POSTGRES_URL;
  if (!url) {
    const started = await startPostgres();
    server = started;
    url = started.url;
  }
  const schema = `migration_${Date.now().toString(36)}`;
  const sql = postgres(url, { onnotice: () => {} });
  try {
    const dialect = postgresDialect(schema);
    for (const statement of version1(dialect)) await sql.unsafe(statement);
    for (
      const statement of fill(dialect, (n) => ({
        prefix: "",
        from: `FROM generate_series(1, ${n}) AS i`,
      }), "TIMESTAMP '2024-01-01' + i * INTERVAL '1 second'")
    ) await sql.unsafe(statement);
    await sql.unsafe(`VACUUM ANALYZE "${schema}".agent_llm_usage`);
    const target = new URL(url);
    target.searchParams.set("schema", schema);
    report("postgres", await timeOpen(target.toString()));
    await sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
  } finally {
    await sql.end();
    await server?.stop();
  }
}

await sqlite();
await postgresql();
