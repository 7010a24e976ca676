// The schema of both SQL dialects, from the one table definition, and the
// versions it has had. Statements use IF NOT EXISTS throughout, so applying
// them to a database the Python SDK created adds only what is missing.

import type { SqlDialect } from "./dialect.ts";
import { EVENTS, RUNS, type Table, USAGE } from "./tables.ts";

/** The table recording which schema versions have been applied. */
export const MIGRATIONS_TABLE = "curio_schema_migrations";

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = 1;

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
 * The statements of each schema version, in order. Version 1 is the
 * specification's schema, with the indexes keyset pagination needs beside
 * the specification's own.
 */
export function migrations(dialect: SqlDialect): string[][] {
  return [[
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
  ]];
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

/**
 * What upgrading to each version brings, by version (index 0 is version 1),
 * for a store that reports an older schema rather than migrating it.
 */
export const VERSION_BENEFITS: readonly string[] = [
  "the version table and the indexes that keep listings fast",
];
