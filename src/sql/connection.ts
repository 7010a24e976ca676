// The connection contract both SQL backends implement: `SqliteConnection`
// over one long-lived database handle, `PostgresConnection` over a pool.
// Statements use `?` placeholders on every dialect.

/** A value bound to a statement parameter. */
export type SqlValue = string | number | null;

/** A result row, keyed by column name. */
export type SqlRow = Record<string, unknown>;

/** What a driver error means to the caller. */
export type ErrorKind = "unique" | "foreign-key" | "connection";

/** Runs statements. */
export interface SqlSession {
  /** Runs one statement: its rows for SELECT or RETURNING, else `[]`. */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
}

/** A connection (or pool) to one database. */
export interface SqlConnection extends SqlSession {
  /**
   * Runs an INSERT of one row, written without `RETURNING`, outside any
   * transaction; resolves with the new row's id. SQLite's drivers report
   * that id with the statement, so a lone write need not ask for it.
   */
  insertRow(sql: string, params: readonly SqlValue[]): Promise<number>;
  /** Runs `fn` in one write transaction: all of it is committed, or none. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  /** Classifies a driver error, or `undefined` when it is none of these. */
  classify(error: unknown): ErrorKind | undefined;
  close(): Promise<void>;
}
