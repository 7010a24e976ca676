// The daily roll-up's tables and the trigger that keeps it honest. The
// roll-up holds, per closed UTC day and (provider, model, agent), the
// counts and sums of a usage series' cell; beside each day, the
// fingerprint its rows had when it was built. Built off the write path
// (see `usage_rollup.ts`): no insert pays for it.

import type { SqlDialect } from "./dialect.ts";
import { USAGE } from "./tables.ts";

/** The roll-up's cells: one row per day, provider, model and agent. */
export const USAGE_DAILY_TABLE = "curio_usage_daily";

/**
 * Each built day's fingerprint: `calls` and `max_id` of its LLM calls when
 * it was built. Ids only grow (AUTOINCREMENT, a sequence), so any insert
 * into the day raises `max_id` and any delete lowers `calls`; updates,
 * which change neither, delete the day's row by trigger.
 */
export const USAGE_DAYS_TABLE = "curio_usage_days";

/** The roll-up's counts and sums: a usage series cell's, as columns. */
export const DAILY_SUMS: readonly string[] = [
  "calls",
  "failed_calls",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "nanos",
  "unpriced_calls",
];

/** The roll-up's columns, in the order its rows are inserted. */
export const DAILY_COLUMNS: readonly string[] = [
  "day",
  "provider",
  "model",
  "agent_id",
  ...DAILY_SUMS,
];

/**
 * The LLM calls' columns a usage series reads: an update of any of them
 * makes the roll-up of the row's day (before and after) stale. Content
 * columns (prompt, response), which retention clears, are not among them.
 */
const SERIES_COLUMNS = [
  "created_at",
  "provider",
  "model",
  "agent_id",
  "status",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "usage_metrics",
  "cost_source",
  "cost_usd",
].join(", ");

const TRIGGER = "curio_usage_daily_stale";

/**
 * The statements creating the roll-up: both tables, the day index of the
 * cells, and the trigger that deletes a day's fingerprint when a row of
 * that day is updated (by this module's recompute or by any program).
 * Rerunning them changes nothing. Only core SQLite functions: the Python
 * SDK's SQLite runs the trigger too.
 */
export function usageRollupStatements(dialect: SqlDialect): string[] {
  const daily = dialect.table(USAGE_DAILY_TABLE);
  const days = dialect.table(USAGE_DAYS_TABLE);
  const usage = dialect.table(USAGE.name);
  const sums = DAILY_SUMS.map((name) => `${name} BIGINT NOT NULL`);
  const tables = [
    `CREATE TABLE IF NOT EXISTS ${daily} (
  day TEXT NOT NULL,
  provider TEXT,
  model TEXT,
  agent_id TEXT,
  ${sums.join(",\n  ")}
)`,
    `CREATE INDEX IF NOT EXISTS idx_usage_daily_day ON ${daily} (day)`,
    `CREATE TABLE IF NOT EXISTS ${days} (
  day TEXT PRIMARY KEY,
  calls BIGINT NOT NULL,
  max_id BIGINT
)`,
  ];
  if (dialect.name === "sqlite") {
    return [
      ...tables,
      `CREATE TRIGGER IF NOT EXISTS ${TRIGGER} AFTER UPDATE OF ${SERIES_COLUMNS} ON ${usage} BEGIN DELETE FROM ${days} WHERE day IN (substr(OLD.created_at, 1, 10), substr(NEW.created_at, 1, 10)); END`,
    ];
  }
  // The function's schema is the tables' (a checked identifier).
  const stale = dialect.table("curio_usage_day_stale");
  return [
    ...tables,
    `CREATE OR REPLACE FUNCTION ${stale}() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ${days} WHERE day IN (
    to_char(OLD.created_at, 'YYYY-MM-DD'), to_char(NEW.created_at, 'YYYY-MM-DD')
  );
  RETURN NULL;
END
$$`,
    `DROP TRIGGER IF EXISTS ${TRIGGER} ON ${usage}`,
    `CREATE TRIGGER ${TRIGGER} AFTER UPDATE OF ${SERIES_COLUMNS} ON ${usage} FOR EACH ROW EXECUTE FUNCTION ${stale}()`,
  ];
}
