// PostgreSQL tables partitioned by `created_at`: the periods, the partitions'
// names and the DDL. Only the events and LLM-usage tables grow with use;
// runs stay one table, so events' foreign key to `agent_runs(run_id)` holds.

import type { SqlDialect } from "./dialect.ts";
import { EVENTS, type Table, USAGE } from "./tables.ts";

/** How partitioned tables are cut: one partition per UTC day or month. */
export type PartitionBy = "day" | "month";

/** The tables partitioned, when a store is. */
export const PARTITIONED_TABLES: readonly Table<unknown>[] = [EVENTS, USAGE];

/** How many periods after the current one have a partition ready. */
export const PERIODS_AHEAD = 2;

/**
 * The comment a partitioned table carries, naming its period, so that a
 * store opened without `partitionBy` still keeps its partitions up.
 */
export function partitionComment(by: PartitionBy): string {
  return `@curio/persistence partition=${by}`;
}

/** The period named in a table's comment, if any. */
export function commentPartitionBy(
  comment: string | null | undefined,
): PartitionBy | undefined {
  const match = /@curio\/persistence partition=(day|month)/.exec(
    comment ?? "",
  );
  return match ? match[1] as PartitionBy : undefined;
}

/** The start (UTC) of the period holding `instant`. */
export function periodStart(instant: Date, by: PartitionBy): Date {
  return by === "day"
    ? new Date(Date.UTC(
      instant.getUTCFullYear(),
      instant.getUTCMonth(),
      instant.getUTCDate(),
    ))
    : new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), 1));
}

/** The start of the period after the one starting at `start`. */
export function nextPeriod(start: Date, by: PartitionBy): Date {
  return by === "day"
    ? new Date(start.getTime() + 86_400_000)
    : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
}

/** The current period's start and the next `PERIODS_AHEAD`'. */
export function upcomingPeriods(now: Date, by: PartitionBy): Date[] {
  const starts = [periodStart(now, by)];
  for (let i = 0; i < PERIODS_AHEAD; i++) {
    starts.push(nextPeriod(starts[starts.length - 1]!, by));
  }
  return starts;
}

/** `agent_llm_usage_20250114` (day) or `agent_llm_usage_202501` (month). */
export function partitionName(
  table: string,
  start: Date,
  by: PartitionBy,
): string {
  const iso = start.toISOString();
  const digits = iso.slice(0, 4) + iso.slice(5, 7) +
    (by === "day" ? iso.slice(8, 10) : "");
  return `${table}_${digits}`;
}

/** The partition taking every row no period partition takes. */
export function defaultPartitionName(table: string): string {
  return `${table}_default`;
}

/** A bound as PostgreSQL's TIMESTAMP literal. */
export function boundLiteral(instant: Date): string {
  return `'${instant.toISOString().slice(0, 19).replace("T", " ")}'`;
}

/** The `FOR VALUES` clause of the period starting at `start`. */
export function periodBounds(start: Date, by: PartitionBy): string {
  return `FOR VALUES FROM (${boundLiteral(start)}) TO (${
    boundLiteral(nextPeriod(start, by))
  })`;
}

/** Creates the partition of `table` for the period starting at `start`. */
export function createPeriodPartition(
  dialect: SqlDialect,
  table: string,
  start: Date,
  by: PartitionBy,
): string {
  return `CREATE TABLE IF NOT EXISTS ${
    dialect.table(partitionName(table, start, by))
  } PARTITION OF ${dialect.table(table)} ${periodBounds(start, by)}`;
}

/**
 * The statements creating `table` partitioned by range of `created_at`,
 * with `columns` as the plain table has them. The primary key must hold the
 * partition key, so it is `(id, created_at)`; `id` stays the sequence the
 * plain table has, and `created_at` (NOT NULL by the key) keeps its
 * default, so a writer that leaves it out still lands in a partition.
 */
export function partitionedTableStatements(
  dialect: SqlDialect,
  table: string,
  columns: readonly string[],
  by: PartitionBy,
): string[] {
  const lines = [
    "id SERIAL",
    ...columns,
    "PRIMARY KEY (id, created_at)",
  ];
  return [
    `CREATE TABLE IF NOT EXISTS ${dialect.table(table)} (\n  ${
      lines.join(",\n  ")
    }\n) PARTITION BY RANGE (created_at)`,
    `COMMENT ON TABLE ${dialect.table(table)} IS '${partitionComment(by)}'`,
    `CREATE TABLE IF NOT EXISTS ${
      dialect.table(defaultPartitionName(table))
    } PARTITION OF ${dialect.table(table)} DEFAULT`,
  ];
}
