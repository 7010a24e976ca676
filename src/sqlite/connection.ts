// One long-lived SQLite connection as a `SqlConnection`. The drivers are
// synchronous, so a statement needs no queue; only a transaction, which spans
// awaits, must keep other callers' statements out until it ends.

import type {
  ErrorKind,
  SqlConnection,
  SqlRow,
  SqlSession,
  SqlValue,
  SqlValues,
} from "../sql/connection.ts";
import { LruCache } from "../sql/lru_cache.ts";
import {
  listsReadArrays,
  rowReader,
  type SqliteDatabase,
  sqliteErrorKind,
  type SqliteStatement,
  type ValuesReader,
  valuesReader,
} from "./runtime.ts";

/** A prepared statement, and how its rows are read, made on first read. */
interface Prepared {
  statement: SqliteStatement;
  readers:
    | {
      all: (params: readonly unknown[]) => SqlRow[];
      values: ValuesReader | undefined;
    }
    | undefined;
}

const MAX_CACHED_STATEMENTS = 256;

/** A SQLite database, with cached statements and serialised transactions. */
export class SqliteConnection implements SqlConnection {
  readonly #db: SqliteDatabase;
  readonly #statements = new LruCache<Prepared>(
    MAX_CACHED_STATEMENTS,
  );
  #transaction: Promise<unknown> | undefined;
  #closed = false;

  /**
   * Rows as arrays, where the runtime's driver reads them faster so
   * (`listsReadArrays`); elsewhere listings read its row objects.
   */
  readonly queryValues?: (
    sql: string,
    params?: readonly SqlValue[],
  ) => Promise<SqlValues>;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    if (listsReadArrays()) {
      this.queryValues = (sql, params = []) =>
        this.#outsideTransactions(() => this.#values(sql, params));
    }
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.#outsideTransactions(() => this.#all(sql, params));
  }

  insert(
    sql: string,
    params: readonly SqlValue[],
    rows: number,
  ): Promise<number[]> {
    return this.#outsideTransactions(() => this.#insert(sql, params, rows));
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    while (this.#transaction) await this.#transaction.catch(() => {});
    const session: SqlSession = {
      query: (sql, params = []) => Promise.resolve(this.#all(sql, params)),
      insert: (sql, params, rows) =>
        Promise.resolve(this.#insert(sql, params, rows)),
    };
    if (this.queryValues) {
      session.queryValues = (sql, params = []) =>
        Promise.resolve(this.#values(sql, params));
    }
    const run = (async () => {
      // IMMEDIATE takes the write lock now, so a second process waits for
      // it (busy_timeout) instead of failing at its first write.
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(session);
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        this.#db.exec("ROLLBACK");
        throw error;
      }
    })();
    this.#transaction = run;
    try {
      return await run;
    } finally {
      if (this.#transaction === run) this.#transaction = undefined;
    }
  }

  classify(error: unknown): ErrorKind | undefined {
    return sqliteErrorKind(error);
  }

  async close(): Promise<void> {
    while (this.#transaction) await this.#transaction.catch(() => {});
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#db.close();
  }

  /** Runs `work` once no transaction is under way. */
  #outsideTransactions<T>(work: () => T): Promise<T> {
    if (this.#transaction) {
      const retry = () => this.#outsideTransactions(work);
      return this.#transaction.then(retry, retry);
    }
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #prepared(sql: string): Prepared {
    return this.#statements.get(
      sql,
      () => ({ statement: this.#db.prepare(sql), readers: undefined }),
    );
  }

  /**
   * A rowid table gives the rows of one INSERT ascending ids, each one more
   * than the last, while the statement holds the write lock; so the last id
   * gives them all.
   */
  #insert(sql: string, params: readonly SqlValue[], rows: number): number[] {
    const last = Number(
      this.#prepared(sql).statement.run(...params).lastInsertRowid,
    );
    const ids = new Array<number>(rows);
    for (let i = 0; i < rows; i++) ids[i] = last - rows + 1 + i;
    return ids;
  }

  /** How `sql`'s rows are read: made on its first read (a write needs none). */
  #readers(sql: string): NonNullable<Prepared["readers"]> {
    const prepared = this.#prepared(sql);
    if (prepared.readers === undefined) {
      const values = valuesReader(prepared.statement);
      prepared.readers = {
        all: rowReader(prepared.statement, values),
        values,
      };
    }
    return prepared.readers;
  }

  #all(sql: string, params: readonly SqlValue[]): SqlRow[] {
    return this.#readers(sql).all(params);
  }

  #values(sql: string, params: readonly SqlValue[]): SqlValues {
    const { all, values } = this.#readers(sql);
    if (values) return { columns: values.columns, rows: values.read(params) };
    // A driver without arrays: its objects, in the order of their keys.
    const rows = all(params);
    const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
    return { columns, rows: rows.map((row) => Object.values(row)) };
  }
}
