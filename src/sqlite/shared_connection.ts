// One connection per database file in this process. SQLite's busy handler
// sleeps synchronously: a second connection meeting the first one's
// transaction, held open across an await, would block the whole thread, and
// with it the transaction it waits for, until the busy timeout, and then fail
// with "database is locked". Stores on one file therefore share one
// connection, whose transactions queue behind each other, and the last store
// to close closes it.

import { InvalidInputError, StoreClosedError } from "../errors.ts";
import type {
  ErrorKind,
  SqlConnection,
  SqlRow,
  SqlSession,
  SqlValue,
  SqlValues,
} from "../sql/connection.ts";

/**
 * The connection's settings, which every store on the file must share;
 * but read-only stores share a read-only connection of their own.
 */
export interface ConnectionSettings {
  readonly synchronous: "normal" | "full";
  readonly busyTimeoutMs: number;
  readonly readOnly: boolean;
}

interface OpenFile {
  readonly settings: ConnectionSettings;
  readonly connection: Promise<SqlConnection>;
  users: number;
}

/**
 * By the file's real path and mode. A read-only connection never takes a
 * lock across an await (it runs no transactions), so one beside the
 * read-write connection cannot block the thread; and a read-only store
 * must not write through a read-write connection, nor a read-write store
 * fail on a read-only one.
 */
const openFiles = new Map<string, OpenFile>();

/**
 * A use of this process's connection to the file at `realPath`, opened with
 * `open` when there is none. Closing the use closes the connection when no
 * other use is left.
 *
 * @throws {InvalidInputError} When the file is open with other settings.
 */
export async function shareConnection(
  realPath: string,
  settings: ConnectionSettings,
  open: () => Promise<SqlConnection>,
): Promise<SqlConnection> {
  const key = `${settings.readOnly ? "ro" : "rw"}:${realPath}`;
  let file = openFiles.get(key);
  if (file) {
    assertSameSettings(realPath, file.settings, settings);
  } else {
    const opening: OpenFile = { settings, connection: open(), users: 0 };
    openFiles.set(key, opening);
    // A failed open is forgotten, so that a later one tries again.
    opening.connection.catch(() => {
      if (openFiles.get(key) === opening) openFiles.delete(key);
    });
    file = opening;
  }
  const shared = file;
  shared.users++;
  let connection: SqlConnection;
  try {
    connection = await shared.connection;
  } catch (error) {
    shared.users--;
    throw error;
  }
  return new ConnectionUse(connection, async () => {
    if (--shared.users > 0) return;
    if (openFiles.get(key) === shared) openFiles.delete(key);
    await connection.close();
  });
}

function assertSameSettings(
  realPath: string,
  open: ConnectionSettings,
  wanted: ConnectionSettings,
): void {
  for (const field of ["synchronous", "busyTimeoutMs"] as const) {
    if (open[field] !== wanted[field]) {
      throw new InvalidInputError(
        field,
        `${JSON.stringify(realPath)} is open in this process with ${field} ` +
          `${JSON.stringify(open[field])}; stores on one file share one ` +
          `connection, so open it with the same, not ${
            JSON.stringify(wanted[field])
          }`,
      );
    }
  }
}

/** One store's hold on a shared connection. */
class ConnectionUse implements SqlConnection {
  readonly #connection: SqlConnection;
  readonly #release: () => Promise<void>;
  #released: Promise<void> | undefined;

  readonly queryValues?: (
    sql: string,
    params?: readonly SqlValue[],
  ) => Promise<SqlValues>;

  constructor(connection: SqlConnection, release: () => Promise<void>) {
    this.#connection = connection;
    this.#release = release;
    const values = connection.queryValues;
    if (values) {
      this.queryValues = (sql, params) =>
        this.#released
          ? Promise.reject(new StoreClosedError())
          : values.call(connection, sql, params);
    }
  }

  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]> {
    if (this.#released) return Promise.reject(new StoreClosedError());
    return this.#connection.query(sql, params);
  }

  insert(
    sql: string,
    params: readonly SqlValue[],
    rows: number,
  ): Promise<number[]> {
    if (this.#released) return Promise.reject(new StoreClosedError());
    return this.#connection.insert(sql, params, rows);
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    if (this.#released) return Promise.reject(new StoreClosedError());
    return this.#connection.transaction(fn);
  }

  classify(error: unknown): ErrorKind | undefined {
    return this.#connection.classify(error);
  }

  close(): Promise<void> {
    this.#released ??= this.#release();
    return this.#released;
  }
}
