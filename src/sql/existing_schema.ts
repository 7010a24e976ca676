// What a database already holds, read before anything is written to it: a
// store must not switch the journal mode of, create tables beside, or record
// a version in a database it is going to refuse.

import { SchemaMismatchError, SchemaVersionError } from "../errors.ts";
import type { SqlSession } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { MIGRATIONS_TABLE, SCHEMA_VERSION } from "./schema.ts";
import {
  DAILY_COLUMNS,
  USAGE_DAILY_TABLE,
  USAGE_DAYS_TABLE,
} from "./usage_rollup_schema.ts";

/**
 * The columns a table of that name must have to be ours: the
 * specification's, which the Python SDK creates too. Columns that later
 * schema versions add are left out, since migrating adds them; so are
 * columns of another program, which are only ignored.
 */
export const REQUIRED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  agent_runs: [
    "id",
    "agent_id",
    "run_id",
    "agent_name",
    "objective",
    "additional_context",
    "started_at",
    "finished_at",
    "total_iterations",
    "final_synthesis_output",
    "execution_history",
    "status",
    "error_message",
    "metadata",
    "created_at",
    "updated_at",
  ],
  agent_run_events: [
    "id",
    "agent_id",
    "run_id",
    "agent_name",
    "timestamp",
    "event_type",
    "data",
    "created_at",
  ],
  agent_llm_usage: [
    "id",
    "agent_id",
    "run_id",
    "provider",
    "model",
    "prompt",
    "prompt_length",
    "input_params",
    "input_tokens",
    "output_tokens",
    "response_content",
    "response_length",
    "usage_metrics",
    "status",
    "error_message",
    "latency_ms",
    "created_at",
  ],
  [MIGRATIONS_TABLE]: ["version"],
  // This module's own: read only once a schema version created them.
  [USAGE_DAILY_TABLE]: [...DAILY_COLUMNS],
  [USAGE_DAYS_TABLE]: ["day", "calls", "max_id"],
};

/** What a database holds of the schema, as read before using it. */
export interface ExistingSchema {
  /**
   * The newest version recorded; `0` when tables exist but no version is
   * recorded (as the Python SDK leaves them); `null` when there is no table
   * of the schema at all.
   */
  version: number | null;
  /** The columns of each table of the schema that exists, by table name. */
  columns: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Refuses a database this code cannot use, by read-only queries alone:
 * {@linkcode SchemaVersionError} when its schema version is newer than
 * `SCHEMA_VERSION`, {@linkcode SchemaMismatchError} when a table of the
 * schema's name lacks a column the schema needs. Tables that do not exist
 * yet are fine: migrating creates them.
 *
 * @returns The version and the columns found, for a store that reads the
 * database as it is.
 */
export async function checkExistingSchema(
  session: SqlSession,
  dialect: SqlDialect,
): Promise<ExistingSchema> {
  const columns = new Map<string, Set<string>>();
  for (const table of Object.keys(REQUIRED_COLUMNS)) {
    const rows = await session.query(dialect.columnsQuery, [
      dialect.table(table),
    ]);
    columns.set(table, new Set(rows.map((row) => String(row.name))));
  }
  const exists = (table: string) => columns.get(table)!.size > 0;
  const mismatch = (table: string) =>
    exists(table)
      ? REQUIRED_COLUMNS[table]!.filter((c) => !columns.get(table)!.has(c))
      : [];
  const versionMissing = mismatch(MIGRATIONS_TABLE);
  if (versionMissing.length > 0) {
    throw new SchemaMismatchError(
      MIGRATIONS_TABLE,
      versionMissing,
      dialect.table(MIGRATIONS_TABLE),
    );
  }
  let version: number | null = null;
  if (exists(MIGRATIONS_TABLE)) {
    const [row] = await session.query(
      `SELECT MAX(version) AS version FROM ${dialect.table(MIGRATIONS_TABLE)}`,
    );
    version = row?.version == null ? 0 : Number(row.version);
    if (version > SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `The database has schema version ${version}, newer than ${SCHEMA_VERSION}, the newest this version of @curio/persistence knows; upgrade the module. Nothing was written to the database`,
      );
    }
  }
  for (const table of Object.keys(REQUIRED_COLUMNS)) {
    const missing = mismatch(table);
    if (missing.length > 0) {
      throw new SchemaMismatchError(table, missing, dialect.table(table));
    }
  }
  const found = new Map(
    [...columns].filter(([table]) => exists(table)),
  );
  return { version: version ?? (found.size > 0 ? 0 : null), columns: found };
}
