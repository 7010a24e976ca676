import type { SqlDialect } from "../sql/dialect.ts";

/** SQLite's hooks for the shared SQL backend. */
export const sqliteDialect: SqlDialect = {
  name: "sqlite",
  table: (name) => name,
  primaryKey: "INTEGER PRIMARY KEY AUTOINCREMENT",
  preamble: [],
  // BEGIN IMMEDIATE already serialises writers across processes.
  schemaLock: undefined,
  // SQLite matches table and column names case-insensitively.
  columnsQuery: "SELECT lower(name) AS name FROM pragma_table_info(?)",
  // SQLITE_MAX_VARIABLE_NUMBER is 32766 since SQLite 3.32.
  maxParameters: 32_000,
  // CASE evaluates in order, so json_type never sees text that is not JSON;
  // 1e400 reads as infinity, which the range leaves out.
  jsonNumber: (column, key) =>
    `CASE WHEN json_valid(${column}) THEN ` +
    `CASE WHEN json_type(${column}, '$.${key}') IN ('integer', 'real') ` +
    // Not abs(): it raises on the least 64-bit integer.
    `AND json_extract(${column}, '$.${key}') ` +
    `BETWEEN -${Number.MAX_VALUE} AND ${Number.MAX_VALUE} ` +
    `THEN json_extract(${column}, '$.${key}') END END`,
  nullsFirst: true,
  functions: [],
  sizeQuery: "SELECT page_count * page_size AS size " +
    "FROM pragma_page_count(), pragma_page_size()",
  // VACUUM rewrites the file; the checkpoint then empties the WAL into it.
  compact: ["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"],
};
