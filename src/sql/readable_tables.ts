// How a read-only store reads a database it may not upgrade: each table as
// the schema version found has it. A column added by a later version reads
// as NULL and a table that is not there as no rows, so every query written
// for the current schema runs unchanged on an older one, or on none.

import type { SqlDialect } from "./dialect.ts";
import type { ExistingSchema } from "./existing_schema.ts";
import type { Table } from "./tables.ts";

/** A table as queries read it. */
export interface TableSource {
  /** What follows FROM. */
  from: string;
  /** What qualifies its columns in a correlated subquery. */
  ref: string;
}

/**
 * The table itself when `existing` is not given (the schema is current) or
 * holds every column; else a derived table that selects only the columns
 * the database has, by name, and NULL of the column's type for the others.
 */
export function tableSource(
  dialect: SqlDialect,
  table: Table<unknown>,
  existing?: ExistingSchema,
): TableSource {
  const name = dialect.table(table.name);
  const found = existing?.columns.get(table.name);
  const has = (column: string) => found?.has(column.toLowerCase()) === true;
  if (!existing || table.columns.every((column) => has(column.name))) {
    return { from: name, ref: name };
  }
  const columns = [
    { name: "id", type: "INTEGER" },
    ...table.columns,
  ].map((column) =>
    has(column.name)
      ? column.name
      : `CAST(NULL AS ${column.type}) AS ${column.name}`
  );
  // Without the table, no rows: SELECT with no FROM, and a false WHERE.
  const rows = found ? `FROM ${name}` : "WHERE 1 = 0";
  return {
    from: `(SELECT ${columns.join(", ")} ${rows}) AS ${table.name}`,
    ref: table.name,
  };
}
