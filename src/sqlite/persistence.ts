import { Store } from "../core/store.ts";
import type { Persistence } from "../persistence.ts";
import { ConnectionError, InvalidInputError } from "../errors.ts";
import { SqlBackend } from "../sql/backend.ts";
import type { SqlConnection } from "../sql/connection.ts";
import {
  checkExistingSchema,
  type ExistingSchema,
} from "../sql/existing_schema.ts";
import { SqliteConnection } from "./connection.ts";
import { sqliteDialect } from "./dialect.ts";
import {
  createPrivateFile,
  enableWal,
  realPath,
  retryWhileBusy,
  useIncrementalVacuumWhenNew,
} from "./file.ts";
import { openSqliteDatabase, sqliteOpenError } from "./runtime.ts";
import {
  type ConnectionSettings,
  shareConnection,
} from "./shared_connection.ts";
import type { StoreOptions } from "../types.ts";

/** The longest busy timeout SQLite can hold: its largest int. */
const MAX_BUSY_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Options of {@linkcode SqlitePersistence.open}. Stores that open one file
 * in one process share one connection to it, so they must be opened with
 * the same `busyTimeoutMs` and `synchronous`; another value is an
 * {@linkcode InvalidInputError}.
 *
 * @example
 * ```ts
 * import type { SqliteOptions } from "@curio/persistence";
 * const options: SqliteOptions = { busyTimeoutMs: 10_000, synchronous: "full" };
 * ```
 */
export interface SqliteOptions extends StoreOptions {
  /**
   * How long a write waits for another process's transaction before it
   * fails, in milliseconds, from 0 to 2147483647. Default 10000.
   */
  busyTimeoutMs?: number;
  /**
   * `normal` (the default) keeps every committed write through a crash of
   * the process; `full` also through a crash of the machine or a power cut,
   * at the price of a disk flush per transaction.
   */
  synchronous?: "normal" | "full";
}

/**
 * A store in one SQLite file (or in memory, with `:memory:`), on `node:sqlite`
 * in Deno and Node and on `bun:sqlite` in Bun. One long-lived connection in
 * WAL mode with a busy timeout, so several processes can share the file.
 * Within one process, every store on a file (by its real path) shares one
 * connection, which closes with the last of them: a second connection would
 * wait for the first one's transactions in SQLite's synchronous busy
 * handler, stopping the whole thread. `:memory:` stores are never shared.
 *
 * @example
 * ```ts
 * import { SqlitePersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await SqlitePersistence.open(":memory:");
 * await store.createAgentRun({ agentId: "a1", runId: "r1" });
 * assert.equal((await store.getAgentRun("r1"))?.agentId, "a1");
 * ```
 */
export interface SqlitePersistence extends Persistence {
  /** The database file, or `:memory:`. */
  readonly path: string;
}

/**
 * Opens SQLite stores: {@linkcode SqlitePersistenceConstructor.open}.
 *
 * @example
 * ```ts
 * import { SqlitePersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await SqlitePersistence.open(":memory:");
 * assert.ok(store instanceof SqlitePersistence);
 * assert.equal(store.path, ":memory:");
 * ```
 */
// Extending Function lets `instanceof` narrow through `prototype`.
export interface SqlitePersistenceConstructor extends Function {
  /**
   * Opens the database at `path`, creating the file (readable by its owner
   * only), its parent folders and the schema when missing.
   *
   * @param path A file path (not a `file:` URI), or `:memory:`. Default
   *   `./agent_sdk.db`.
   * @param options Busy timeout, durability and redaction.
   * @returns The open store.
   *
   * @example
   * ```ts
   * import { SqlitePersistence } from "@curio/persistence";
   * import assert from "node:assert/strict";
   *
   * await using store = await SqlitePersistence.open(":memory:", {
   *   busyTimeoutMs: 5000,
   * });
   * assert.ok(await store.healthCheck());
   * ```
   */
  open(path?: string, options?: SqliteOptions): Promise<SqlitePersistence>;
  /** The prototype of every SqlitePersistence. */
  readonly prototype: SqlitePersistence;
}

/**
 * Opens SQLite stores: `await SqlitePersistence.open("./agent.db")`.
 *
 * @example
 * ```ts
 * import { SqlitePersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await SqlitePersistence.open(":memory:");
 * assert.equal(store.backend, "sqlite");
 * ```
 */
export const SqlitePersistence: SqlitePersistenceConstructor = class
  extends Store
  implements SqlitePersistence {
  readonly path: string;

  /** See {@linkcode SqlitePersistenceConstructor.open}. */
  static async open(
    path = "./agent_sdk.db",
    options: SqliteOptions = {},
  ): Promise<SqlitePersistence> {
    if (/^file:/i.test(path)) {
      // A URI to node:sqlite, a file literally named so to bun:sqlite.
      throw new InvalidInputError(
        "path",
        `expected a file path, not a file: URI, got ${JSON.stringify(path)}`,
      );
    }
    const busyTimeout = options.busyTimeoutMs ?? 10_000;
    // SQLite takes a 32-bit int: a larger value would silently become 0.
    if (
      !Number.isSafeInteger(busyTimeout) || busyTimeout < 0 ||
      busyTimeout > MAX_BUSY_TIMEOUT_MS
    ) {
      throw new InvalidInputError(
        "busyTimeoutMs",
        `expected a whole number from 0 to ${MAX_BUSY_TIMEOUT_MS}, got ${
          String(busyTimeout)
        }`,
      );
    }
    const synchronous = options.synchronous ?? "normal";
    if (synchronous !== "normal" && synchronous !== "full") {
      throw new InvalidInputError(
        "synchronous",
        `expected normal or full, got ${String(synchronous)}`,
      );
    }
    const readOnly = options.readOnly === true;
    const settings = { busyTimeoutMs: busyTimeout, synchronous, readOnly };
    let connection: SqlConnection;
    if (path === ":memory:") {
      connection = await openConnection(path, settings);
    } else {
      if (readOnly) await assertExists(path);
      else await createPrivateFile(path);
      const file = await realPath(path);
      connection = await shareConnection(
        file,
        settings,
        () => openConnection(file, settings),
      );
    }
    try {
      // Read-only: the schema as it is, version and columns, never migrated.
      let existing: ExistingSchema | undefined;
      if (readOnly) {
        existing = await retryWhileBusy(
          () => checkExistingSchema(connection, sqliteDialect),
          busyTimeout,
        );
      }
      const store = new this(
        new SqlBackend(sqliteDialect, connection, existing),
        path,
        options,
      );
      if (!readOnly) await store.initializeSchema();
      return store;
    } catch (error) {
      await connection.close();
      throw sqliteOpenError(path, error);
    }
  }

  /** Use {@linkcode SqlitePersistenceConstructor.open}. */
  constructor(backend: SqlBackend, path: string, options: StoreOptions) {
    super(backend, options);
    this.path = path;
  }
};

/** A read-only store opens a database that exists, and creates none. */
async function assertExists(path: string): Promise<void> {
  const fs = await import("node:fs/promises");
  try {
    await fs.stat(path);
  } catch (error) {
    throw new ConnectionError(
      `Cannot open the SQLite database ${JSON.stringify(path)} read-only: ${
        (error as { code?: unknown }).code === "ENOENT"
          ? "there is no such file (read-only mode creates none)"
          : (error as Error).message
      }`,
      { cause: error },
    );
  }
}

/**
 * Opens the database and sets up its connection. The existing tables are
 * checked by read-only queries before anything is written, the switch to
 * WAL included, so that a database refused is left exactly as it was. A
 * read-only connection writes nothing at all: the journal mode stays as
 * it is.
 */
async function openConnection(
  path: string,
  { busyTimeoutMs: busyTimeout, synchronous, readOnly }: ConnectionSettings,
): Promise<SqliteConnection> {
  // An in-memory database read-only would be empty and could not even be
  // created; the store refuses every write anyway.
  const db = await openSqliteDatabase(path, undefined, {
    readOnly: readOnly && path !== ":memory:",
  });
  const connection = new SqliteConnection(db);
  try {
    db.exec(`PRAGMA busy_timeout = ${busyTimeout}`);
    await retryWhileBusy(
      () => checkExistingSchema(connection, sqliteDialect),
      busyTimeout,
    );
    if (!readOnly) {
      await retryWhileBusy(() => useIncrementalVacuumWhenNew(db), busyTimeout);
      await enableWal(db, busyTimeout);
    }
    db.exec(`PRAGMA synchronous = ${synchronous.toUpperCase()}`);
    db.exec("PRAGMA foreign_keys = ON");
    // After a large prune the WAL file would keep its size for good; the
    // same 64 MiB above which doctor warns.
    db.exec("PRAGMA journal_size_limit = 67108864");
    return connection;
  } catch (error) {
    await connection.close();
    // A file another process keeps locked past the busy timeout, or one that
    // is no database, cannot be opened: a ConnectionError naming it.
    throw sqliteOpenError(path, error);
  }
}
