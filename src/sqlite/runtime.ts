// The one file that knows which runtime it runs on: Bun has `bun:sqlite`,
// Deno (2.2+) and Node (22.13+; 22.5+ with --experimental-sqlite) have
// `node:sqlite`. Both are imported lazily,
// so nobody loads a SQLite driver who does not open a SQLite store.

import { ConnectionError, PersistenceError } from "../errors.ts";

/** A prepared statement: the part of both drivers' APIs this module uses. */
export interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { lastInsertRowid: number | bigint };
  /** node:sqlite (Node 22.16+, 24; Deno): rows as arrays from `all`. */
  setReturnArrays?(enabled: boolean): void;
  /** node:sqlite: the result's columns, in order. */
  columns?(): { name: string }[];
}

/** How the rows of a statement are read as arrays. */
export interface ValuesReader {
  /** The result's column names, in order. */
  columns: readonly string[];
  read(params: readonly unknown[]): unknown[][];
}

/**
 * Whether listings read their rows as arrays (`valuesReader`) rather than
 * as the driver's row objects. node:sqlite's objects are hash tables (see
 * `rowReader`). bun:sqlite makes its objects natively with one fixed
 * layout a statement, and faster than its arrays (`values()`): 50 rows of
 * an LLM call's 22 columns took 5-10% more as arrays, and decoding them by
 * position took no less than by name.
 */
export function listsReadArrays(): boolean {
  return sqliteRuntime() === "node:sqlite";
}

/**
 * Reads the rows of `statement` as arrays (node:sqlite: from then on, its
 * `all` returns arrays too), or `undefined` on a driver without them
 * (bun:sqlite, see `listsReadArrays`; node:sqlite before Node 22.16).
 */
export function valuesReader(
  statement: SqliteStatement,
): ValuesReader | undefined {
  const { setReturnArrays, columns } = statement;
  if (typeof setReturnArrays !== "function" || typeof columns !== "function") {
    return undefined;
  }
  setReturnArrays.call(statement, true);
  return {
    columns: columns.call(statement).map((column) => column.name),
    read: (params) => statement.all(...params) as unknown[][],
  };
}

/**
 * How the rows of `statement` are read, as objects keyed by column name.
 * node:sqlite builds each row object natively as a hash table (V8's
 * dictionary mode, whatever the number of columns): making and then reading
 * 50 rows of 22 columns costs about half again the query.
 * Asked for arrays instead, each row is copied into a copy of one object
 * of the statement's columns, which has their fixed layout at once; about a
 * third less in all. bun:sqlite's own row objects are fast already (it
 * has no `valuesReader`).
 */
export function rowReader(
  statement: SqliteStatement,
  arrays: ValuesReader | undefined,
): (params: readonly unknown[]) => Record<string, unknown>[] {
  if (arrays === undefined) {
    return (params) => statement.all(...params) as Record<string, unknown>[];
  }
  const names = arrays.columns;
  const blank = Object.fromEntries(names.map((name) => [name, null]));
  return (params) => {
    const rows = arrays.read(params);
    const objects = new Array<Record<string, unknown>>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const values = rows[r]!;
      const object: Record<string, unknown> = { ...blank };
      // A later column of the same name wins, as in the driver's objects.
      for (let i = 0; i < names.length; i++) object[names[i]!] = values[i];
      objects[r] = object;
    }
    return objects;
  };
}

/** An open database: the part of both drivers' APIs this module uses. */
export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/** Which SQLite driver this runtime provides. */
export function sqliteRuntime(): "bun:sqlite" | "node:sqlite" {
  return "Bun" in globalThis ? "bun:sqlite" : "node:sqlite";
}

/** How {@linkcode openSqliteDatabase} opens. */
export interface OpenDatabaseOptions {
  /**
   * Opens the file read-only: the driver neither creates it nor writes to
   * it (SQLite may still create the `-wal` and `-shm` files a WAL database
   * needs to be read).
   */
  readOnly?: boolean;
}

/**
 * Opens (creating it if needed, unless read-only) the SQLite database at
 * `path`.
 *
 * @param load Imports the driver module; replaced only by tests, to play a
 * runtime that has none.
 */
export async function openSqliteDatabase(
  path: string,
  load: (specifier: string) => Promise<Record<string, unknown>> = (
    specifier,
  ) => import(specifier),
  { readOnly = false }: OpenDatabaseOptions = {},
): Promise<SqliteDatabase> {
  const runtime = sqliteRuntime();
  let driver: Record<string, unknown>;
  try {
    // A variable specifier keeps type checkers from resolving a module that
    // exists on one runtime only.
    driver = await load(runtime);
  } catch (error) {
    throw new ConnectionError(
      `This runtime has no SQLite driver (${runtime} failed to load): ` +
        "use Deno 2.2+, Node 22.13+ (22.5+ with --experimental-sqlite) or Bun 1.1+",
      { cause: error },
    );
  }
  const Database =
    (runtime === "bun:sqlite" ? driver.Database : driver.DatabaseSync) as new (
      path: string,
      options?: Record<string, boolean>,
    ) => SqliteDatabase;
  // The two drivers spell the option differently.
  const options = !readOnly
    ? undefined
    : runtime === "bun:sqlite"
    ? { readonly: true }
    : { readOnly: true };
  try {
    return options ? new Database(path, options) : new Database(path);
  } catch (error) {
    throw new ConnectionError(
      `Cannot open the SQLite database ${path}${
        readOnly ? " read-only" : ""
      }: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The module's error for what failed while a SQLite store was opening: the
 * file is not a database, is damaged, or stays locked by another process.
 * The module's own errors pass unchanged.
 */
export function sqliteOpenError(path: string, error: unknown): Error {
  if (error instanceof PersistenceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectionError(
    `Cannot open the SQLite database ${path}: ${message}`,
    { cause: error },
  );
}

/** What a SQLite error means, from its (extended) result code. */
export function sqliteErrorKind(
  error: unknown,
): "unique" | "foreign-key" | "connection" | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { result, code } = resultCode(error);
  if (
    result === 2067 || result === 1555 || code === "SQLITE_CONSTRAINT_UNIQUE"
  ) {
    return "unique";
  }
  if (result === 787 || code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
    return "foreign-key";
  }
  // CANTOPEN, and a file that is not a database or is damaged: the store
  // cannot use the file, whatever the statement.
  if (result !== undefined) {
    return [14, 26, 11].includes(result & 0xff) ? "connection" : undefined;
  }
  // Deno's node:sqlite gives neither number, only the message.
  return UNUSABLE_FILE.test(String((error as Error).message))
    ? "connection"
    : undefined;
}

const UNUSABLE_FILE =
  /^(unable to open database file|file is not a database|database disk image is malformed)/;

/**
 * Whether SQLite answered "database is locked" (SQLITE_BUSY or
 * SQLITE_LOCKED, extended codes included), on every runtime.
 */
export function isSqliteBusy(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { result, code } = resultCode(error);
  if (result !== undefined) return [5, 6].includes(result & 0xff);
  // Deno's node:sqlite gives neither number, only the message.
  return (typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code)) ||
    /\bdatabase (table )?is locked\b/.test(String((error as Error).message));
}

/** The (extended) result code of a SQLite error, and its name if given. */
function resultCode(error: object): { result?: number; code: unknown } {
  // node:sqlite reports `errcode`, bun:sqlite `errno` and a `code` name.
  const { errcode, errno, code } = error as Record<string, unknown>;
  const result = typeof errcode === "number"
    ? errcode
    : typeof errno === "number"
    ? errno
    : undefined;
  return result === undefined ? { code } : { result, code };
}
