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
export async function mapDriverErrors<T>(
  backend: SqlDialect["name"],
  connection: Pick<SqlConnection, "classify">,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof PersistenceError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (connection.classify(error) === "connection") {
      throw new ConnectionError(
        `Cannot reach the ${backend} database: ${message}`,
        { cause: error },
      );
    }
    throw new PersistenceError(`${backend} query failed: ${message}`, {
      cause: error,
    });
  }
}
