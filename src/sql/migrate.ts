// The migration runner: brings a database to `SCHEMA_VERSION` by applying
// the versions it lacks, in order, inside the caller's transaction.

import type { SqlSession } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { checkExistingSchema } from "./existing_schema.ts";
import {
  createMigrationsTable,
  migrations,
  MIGRATIONS_TABLE,
  SCHEMA_VERSION,
} from "./schema.ts";

/** The newest schema version applied, or `null` when none is recorded. */
export async function appliedVersion(
  session: SqlSession,
  dialect: SqlDialect,
): Promise<number | null> {
  const [row] = await session.query(
    `SELECT MAX(version) AS version FROM ${dialect.table(MIGRATIONS_TABLE)}`,
  );
  return row?.version == null ? null : Number(row.version);
}

/**
 * Creates what is missing of the schema and records each version applied.
 * Refuses a database whose schema is newer than this code, or whose tables
 * another program made, before creating anything. Run it in one
 * transaction, so that a failed step leaves no half schema, and so that the
 * check and the steps see the same database.
 */
export async function migrate(
  tx: SqlSession,
  dialect: SqlDialect,
): Promise<void> {
  if (dialect.schemaLock) await tx.query(dialect.schemaLock);
  await checkExistingSchema(tx, dialect);
  for (const statement of dialect.preamble) await tx.query(statement);
  await tx.query(createMigrationsTable(dialect));
  const version = await appliedVersion(tx, dialect) ?? 0;
  // The position of a version's statements in the list is its number.
  const steps = migrations(dialect);
  for (let next = version + 1; next <= SCHEMA_VERSION; next++) {
    for (const statement of steps[next - 1]!) await tx.query(statement);
    await tx.query(
      `INSERT INTO ${dialect.table(MIGRATIONS_TABLE)} (version) VALUES (?)`,
      [next],
    );
  }
}
