/**
 * The errors this module throws. Every one is a {@linkcode PersistenceError},
 * so one `instanceof` check catches them all; driver errors ride along as
 * `cause`.
 *
 * @module
 */

/**
 * The base of every error this module throws.
 *
 * @example
 * ```ts
 * import { createPersistence, PersistenceError } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(createPersistence("mysql://db"), PersistenceError);
 * ```
 */
export class PersistenceError extends Error {
  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param options The underlying error, as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A run with this `runId` exists already.
 *
 * @example
 * ```ts
 * import { createPersistence, DuplicateRunError } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await store.createAgentRun({ agentId: "a", runId: "r" });
 * await assert.rejects(
 *   store.createAgentRun({ agentId: "a", runId: "r" }),
 *   DuplicateRunError,
 * );
 * ```
 */
export class DuplicateRunError extends PersistenceError {
  /** The run id that was taken. */
  readonly runId: string;
  /**
   * Creates the error.
   *
   * @param runId The run id that was taken.
   * @param options The underlying error, as `cause`.
   */
  constructor(runId: string, options?: ErrorOptions) {
    super(`A run with this id exists already: ${runId}`, options);
    this.runId = runId;
  }
}

/**
 * No run has this `runId`: raised by updates, and by events of unknown runs.
 *
 * @example
 * ```ts
 * import { createPersistence, RunNotFoundError } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await assert.rejects(
 *   store.updateAgentRun("missing", { status: "running" }),
 *   RunNotFoundError,
 * );
 * ```
 */
export class RunNotFoundError extends PersistenceError {
  /** The run id that was not found. */
  readonly runId: string;
  /**
   * Creates the error.
   *
   * @param runId The run id that was not found.
   * @param options The underlying error, as `cause`.
   */
  constructor(runId: string, options?: ErrorOptions) {
    super(`No run has this id: ${runId}`, options);
    this.runId = runId;
  }
}

/**
 * An argument is not valid: a bad status, an empty id, a negative limit, a
 * value JSON cannot hold. Nothing was written.
 *
 * @example
 * ```ts
 * import { createPersistence, InvalidInputError } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await assert.rejects(store.getAgentRuns({ limit: -1 }), InvalidInputError);
 * ```
 */
export class InvalidInputError extends PersistenceError {
  /** The argument or field that was wrong, such as `limit` or `status`. */
  readonly field: string;
  /**
   * Creates the error.
   *
   * @param field The argument or field that was wrong.
   * @param message Why it was wrong.
   * @param options The underlying error, as `cause`.
   */
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`Invalid ${field}: ${message}`, options);
    this.field = field;
  }
}

/**
 * A connection URL that is malformed or names an unsupported scheme, or a
 * SQLite path where no database file can be created.
 *
 * @example
 * ```ts
 * import { createPersistence, InvalidUrlError } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(createPersistence("redis://cache"), InvalidUrlError);
 * ```
 */
export class InvalidUrlError extends PersistenceError {}

/**
 * The database cannot be reached, refused the credentials, went away, or the
 * file cannot be opened.
 *
 * @example
 * ```ts
 * import { ConnectionError, PersistenceError } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const error = new ConnectionError("Cannot reach PostgreSQL at 127.0.0.1:1");
 * assert.ok(error instanceof PersistenceError);
 * ```
 */
export class ConnectionError extends PersistenceError {}

/**
 * The database's schema was written by a newer version of this module, or is
 * otherwise not one this version can use; nothing was written to it.
 *
 * @example
 * ```ts
 * import { PersistenceError, SchemaVersionError } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const error = new SchemaVersionError("Schema version 9 is newer than 1");
 * assert.ok(error instanceof PersistenceError);
 * ```
 */
export class SchemaVersionError extends PersistenceError {}

/**
 * A table of this module's schema exists but lacks columns the module
 * needs: another program made a table of that name. The store is not
 * opened and nothing is written to the database. Extra columns are fine.
 *
 * @example
 * ```ts
 * import { createPersistence, SchemaMismatchError } from "@curio/persistence";
 * import { DatabaseSync } from "node:sqlite";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const folder = mkdtempSync(join(tmpdir(), "mismatch-"));
 * const path = join(folder, "other.db");
 * const db = new DatabaseSync(path);
 * db.exec("CREATE TABLE agent_runs (id INTEGER PRIMARY KEY, name TEXT)");
 * db.close();
 *
 * await assert.rejects(createPersistence(`sqlite:${path}`), (error) => {
 *   assert.ok(error instanceof SchemaMismatchError);
 *   assert.equal(error.table, "agent_runs");
 *   assert.ok(error.missingColumns.includes("run_id"));
 *   return true;
 * });
 * rmSync(folder, { recursive: true });
 * ```
 */
export class SchemaMismatchError extends PersistenceError {
  /** The table that lacks columns, such as `agent_runs`. */
  readonly table: string;
  /** The columns the table lacks, in the schema's order. */
  readonly missingColumns: readonly string[];
  /**
   * Creates the error.
   *
   * @param table The table that lacks columns.
   * @param missingColumns The columns it lacks.
   * @param where The table as the database names it, for the message, such
   * as `"agent_sdk".agent_runs`; default `table`.
   */
  constructor(
    table: string,
    missingColumns: readonly string[],
    where: string = table,
  ) {
    super(
      `The table ${where} is not one of @curio/persistence: it lacks the ` +
        `column${missingColumns.length === 1 ? "" : "s"} ${
          missingColumns.join(", ")
        }. Another program made it; nothing was written. Use another ` +
        "database file or PostgreSQL schema, or rename that table",
    );
    this.table = table;
    this.missingColumns = Object.freeze([...missingColumns]);
  }
}

/**
 * The store was used after {@linkcode Persistence.close}.
 *
 * @example
 * ```ts
 * import { createPersistence, StoreClosedError } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const store = await createPersistence("memory:");
 * await store.close();
 * await assert.rejects(store.getAgentRuns(), StoreClosedError);
 * ```
 */
export class StoreClosedError extends PersistenceError {
  /** Creates the error. */
  constructor() {
    super("The store is closed");
  }
}
