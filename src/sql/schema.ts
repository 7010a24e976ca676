// The schema of both SQL dialects, from the one table definition, and the
// versions it has had. Statements use IF NOT EXISTS throughout, so applying
// them to a database the Python SDK created adds only what is missing.

import type { SqlDialect } from "./dialect.ts";
import { EVENTS, RUNS, type Table, USAGE } from "./tables.ts";

/** The table recording which schema versions have been applied. */
export const MIGRATIONS_TABLE = "curio_schema_migrations";

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = 2;

function createTable(
  dialect: SqlDialect,
  table: Table<unknown>,
  extra: string[] = [],
): string {
  const lines = [
    `id ${dialect.primaryKey}`,
    ...table.columns.map((c) => `${c.name} ${c.type} ${c.constraint}`.trim()),
    ...extra,
  ];
  return `CREATE TABLE IF NOT EXISTS ${dialect.table(table.name)} (\n  ${
    lines.join(",\n  ")
  }\n)`;
}

function createIndex(
  dialect: SqlDialect,
  name: string,
  table: Table<unknown>,
  columns: string,
): string {
  return `CREATE INDEX IF NOT EXISTS ${name} ON ${
    dialect.table(table.name)
  } (${columns})`;
}

/**
 * Gives the specification's index `name` the columns the listings need, in
 * place: the Python SDK creates it by name with IF NOT EXISTS, so the name
 * must stay while its columns change.
 */
function rebuildIndex(
  dialect: SqlDialect,
  name: string,
  table: Table<unknown>,
  columns: string,
): string[] {
  return [
    `DROP INDEX IF EXISTS ${dialect.table(name)}`,
    createIndex(dialect, name, table, columns),
  ];
}

/**
 * The statements of each schema version, in order. Version 1 is the
 * specification's schema, with the indexes keyset pagination needs beside
 * the specification's own. Version 2 lets every listing read its rows from
 * one index in the order it returns them: the specification's indexes carry
 * the sort key, which makes two of version 1's redundant, and runs gain one
 * for the status filter.
 */
export function migrations(dialect: SqlDialect): string[][] {
  return [version1(dialect), version2(dialect)];
}

function version2(dialect: SqlDialect): string[] {
  return [
    `DROP INDEX IF EXISTS ${dialect.table("idx_runs_agent_created_at")}`,
    `DROP INDEX IF EXISTS ${dialect.table("idx_events_run_timestamp")}`,
    ...rebuildIndex(
      dialect,
      "idx_runs_agent_id",
      RUNS,
      "agent_id, created_at, id",
    ),
    ...rebuildIndex(
      dialect,
      "idx_events_run_id",
      EVENTS,
      "run_id, timestamp, id",
    ),
    ...rebuildIndex(
      dialect,
      "idx_usage_agent_id",
      USAGE,
      "agent_id, created_at, id",
    ),
    ...rebuildIndex(
      dialect,
      "idx_usage_run_id",
      USAGE,
      "run_id, created_at, id",
    ),
    createIndex(dialect, "idx_runs_status", RUNS, "status, created_at, id"),
  ];
}

function version1(dialect: SqlDialect): string[] {
  return [
    ...dialect.functions,
    createTable(dialect, RUNS),
    createTable(dialect, EVENTS, [
      `FOREIGN KEY (run_id) REFERENCES ${dialect.table(RUNS.name)}(run_id)`,
    ]),
    createTable(dialect, USAGE),
    createIndex(dialect, "idx_runs_agent_id", RUNS, "agent_id"),
    createIndex(dialect, "idx_events_run_id", EVENTS, "run_id"),
    createIndex(dialect, "idx_usage_agent_id", USAGE, "agent_id"),
    createIndex(dialect, "idx_usage_run_id", USAGE, "run_id"),
    createIndex(dialect, "idx_runs_created_at", RUNS, "created_at, id"),
    createIndex(
      dialect,
      "idx_runs_agent_created_at",
      RUNS,
      "agent_id, created_at, id",
    ),
    createIndex(
      dialect,
      "idx_events_run_timestamp",
      EVENTS,
      "run_id, timestamp, id",
    ),
    createIndex(dialect, "idx_usage_created_at", USAGE, "created_at, id"),
  ];
}

/** Creates the table that records applied versions. */
export function createMigrationsTable(dialect: SqlDialect): string {
  return `CREATE TABLE IF NOT EXISTS ${dialect.table(MIGRATIONS_TABLE)} (
  version INTEGER PRIMARY KEY,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;
}

/**
 * Every statement that creates the current schema from nothing. Running them
 * again changes nothing, so an operator may rerun a script of them.
 */
export function schemaStatements(dialect: SqlDialect): string[] {
  return [
    ...dialect.preamble,
    ...migrations(dialect).flat(),
    createMigrationsTable(dialect),
    `INSERT INTO ${
      dialect.table(MIGRATIONS_TABLE)
    } (version) VALUES (${SCHEMA_VERSION}) ON CONFLICT (version) DO NOTHING`,
  ];
}
