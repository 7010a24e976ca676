// The connection contract both SQL backends implement: `SqliteConnection`
// over one long-lived database handle, `PostgresConnection` over a pool.
// Statements use `?` placeholders on every dialect.

/** A value bound to a statement parameter. */
export type SqlValue = string | number | null;

/** A result row, keyed by column name. */
export type SqlRow = Record<string, unknown>;

/** What a driver error means to the caller. */
export type ErrorKind = "unique" | "foreign-key" | "connection";

/** Result rows as arrays of values, and the names of their columns. */
export interface SqlValues {
  /** The same array for every run of one statement. */
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
}

/** Runs statements. */
export interface SqlSession {
  /** Runs one statement: its rows for SELECT or RETURNING, else `[]`. */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /**
   * Runs one SELECT, its rows as arrays: offered where the driver's row
   * objects are slow to make (node:sqlite), since a listing turns many rows
   * into records. A session without it is read through `query`.
   */
  queryValues?(sql: string, params?: readonly SqlValue[]): Promise<SqlValues>;
  /**
   * Runs one INSERT of `rows` rows, written without `RETURNING`; resolves
   * with the new rows' ids in VALUES order. SQLite's drivers report the last
   * id with the statement, and one statement numbers its rows one after
   * another, so nothing needs to be returned row by row.
   */
  insert(
    sql: string,
    params: readonly SqlValue[],
    rows: number,
  ): Promise<number[]>;
}

/** A connection (or pool) to one database. */
export interface SqlConnection extends SqlSession {
  /** Runs `fn` in one write transaction: all of it is committed, or none. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  /** Classifies a driver error, or `undefined` when it is none of these. */
  classify(error: unknown): ErrorKind | undefined;
  close(): Promise<void>;
}
