// How the web view opens its store. Viewing must never change the database:
// the store is opened read-only, so an older schema is read as it is (and
// the page says what migrating would bring) rather than migrated.

import { existsSync } from "node:fs";
import { PersistenceError } from "../errors.ts";
import { openConnectionTarget } from "../factory.ts";
import type { Persistence } from "../persistence.ts";
import { resolveConnectionTarget } from "../url.ts";

/**
 * Opens the store at `url` (or `DATABASE_URL`, else the default) to be
 * shown, in read-only mode: nothing is written or migrated. A SQLite file
 * that does not exist is an error: looking must not leave an empty
 * database behind.
 *
 * @example
 * ```ts
 * import { openForViewing } from "@curio/persistence/web";
 *
 * await using store = await openForViewing("memory:");
 * console.log((await store.getAgentRunStats()).totalRuns); // 0
 * ```
 */
export async function openForViewing(
  url: string | undefined,
  { env }: { env?: Record<string, string | undefined> } = {},
): Promise<Persistence> {
  const options = env === undefined ? {} : { env };
  const target = resolveConnectionTarget(url, options);
  if (
    target.backend === "sqlite" && target.path !== ":memory:" &&
    !existsSync(target.path)
  ) {
    throw new PersistenceError(`No SQLite database at ${target.path}`);
  }
  return await openConnectionTarget(target, { ...options, readOnly: true });
}
