import { Store } from "../core/store.ts";
import type { Persistence } from "../persistence.ts";
import { InvalidInputError } from "../errors.ts";
import { SqlBackend } from "../sql/backend.ts";
import { SqliteConnection } from "./connection.ts";
import { sqliteDialect } from "./dialect.ts";
import { createPrivateFile, enableWal } from "./file.ts";
import { openSqliteDatabase, sqliteOpenError } from "./runtime.ts";
import type { StoreOptions } from "../types.ts";

/**
 * Options of {@linkcode SqlitePersistence.open}.
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
   * fails, in milliseconds. Default 10000.
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
   * @param path A file path, or `:memory:`. Default `./agent_sdk.db`.
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
    const busyTimeout = options.busyTimeoutMs ?? 10_000;
    if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0) {
      throw new InvalidInputError(
        "busyTimeoutMs",
        `expected a whole number from 0, got ${busyTimeout}`,
      );
    }
    const synchronous = options.synchronous ?? "normal";
    if (synchronous !== "normal" && synchronous !== "full") {
      throw new InvalidInputError(
        "synchronous",
        `expected normal or full, got ${String(synchronous)}`,
      );
    }
    if (path !== ":memory:") await createPrivateFile(path);
    const db = await openSqliteDatabase(path);
    const connection = new SqliteConnection(db);
    try {
      db.exec(`PRAGMA busy_timeout = ${busyTimeout}`);
      await enableWal(db, busyTimeout);
      db.exec(`PRAGMA synchronous = ${synchronous.toUpperCase()}`);
      db.exec("PRAGMA foreign_keys = ON");
      const store = new this(
        new SqlBackend(sqliteDialect, connection),
        path,
        options,
      );
      await store.initializeSchema();
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
