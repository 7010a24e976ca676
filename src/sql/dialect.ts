// What differs between the SQL backends: a handful of hooks. The schema,
// queries and row mapping are written once against these.

import type { PartitionBy } from "./partitions.ts";
import type { BackendName } from "../types.ts";

/** The per-dialect pieces of schema and SQL. */
export interface SqlDialect {
  readonly name: Exclude<BackendName, "memory">;
  /** The table's name as it appears in SQL: quoted, and qualified if needed. */
  table(name: string): string;
  /** Column type of the auto-incrementing primary key. */
  readonly primaryKey: string;
  /** Statements run before the tables are created. */
  readonly preamble: readonly string[];
  /** A statement that serialises schema set-up between processes, if needed. */
  readonly schemaLock: string | undefined;
  /**
   * A read-only query of the columns (`name`) of the table or view whose
   * name as `table()` gives it is its one parameter; no rows when there is
   * none. Names come as the database compares them (lower case on SQLite).
   */
  readonly columnsQuery: string;
  /** Most parameters one statement may bind. */
  readonly maxParameters: number;
  /**
   * A numeric SQL expression for the top-level `key` of the JSON object in
   * `column`: NULL when the text is not JSON or the value is not a finite
   * number. Never raises.
   */
  jsonNumber(column: string, key: string): string;
  /** Whether NULL sorts before every value in ascending order. */
  readonly nullsFirst: boolean;
  /** Functions the dialect's expressions need, created with the tables. */
  readonly functions: readonly string[];
  /** A query whose one row's `size` column is the data's size in bytes. */
  readonly sizeQuery: string;
  /** Statements that return free space to the file system. */
  readonly compact: readonly string[];
  /**
   * PostgreSQL: how new events and LLM-usage tables are partitioned; absent,
   * they are plain tables. Applies only when the tables are created.
   */
  readonly partitionBy?: PartitionBy | undefined;
}
