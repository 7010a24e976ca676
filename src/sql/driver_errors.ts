// Errors of the database drivers become the module's errors, so that a
// caller catches one family whatever the backend, with the driver's error
// kept as `cause`.

import { ConnectionError, PersistenceError } from "../errors.ts";
import type { SqlConnection } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";

/**
 * Runs `operation`; a driver error it throws becomes a `ConnectionError`
 * when the database cannot be reached, else a `PersistenceError`. The
 * module's own errors pass unchanged.
 */
export function mapDriverErrors<T>(
  backend: SqlDialect["name"],
  connection: Pick<SqlConnection, "classify">,
  operation: () => Promise<T>,
): Promise<T> {
  // A handler on the operation's promise rather than an async function: one
  // promise fewer on every statement, which a lone write notices.
  const mapError = (error: unknown): never => {
    throw moduleError(backend, connection, error);
  };
  try {
    return operation().catch(mapError);
  } catch (error) {
    return Promise.reject(moduleError(backend, connection, error));
  }
}

function moduleError(
  backend: SqlDialect["name"],
  connection: Pick<SqlConnection, "classify">,
  error: unknown,
): unknown {
  if (error instanceof PersistenceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (connection.classify(error) === "connection") {
    return new ConnectionError(
      `Cannot reach the ${backend} database: ${message}`,
      { cause: error },
    );
  }
  return new PersistenceError(`${backend} query failed: ${message}`, {
    cause: error,
  });
}
