import { InMemoryPersistence } from "./memory/persistence.ts";
import type { PostgresConfig, StoreOptions } from "./types.ts";
import type { SqliteOptions } from "./sqlite/persistence.ts";
import type { Persistence } from "./persistence.ts";
import { type ConnectionTarget, resolveConnectionTarget } from "./url.ts";

/**
 * Options of {@linkcode createPersistence}. They override what the URL says.
 *
 * @example
 * ```ts
 * import type { PersistenceOptions } from "@curio/persistence";
 * const options: PersistenceOptions = { schema: "agents", maxConnections: 20 };
 * ```
 */
export interface PersistenceOptions extends
  StoreOptions,
  SqliteOptions,
  Pick<
    PostgresConfig,
    | "schema"
    | "maxConnections"
    | "minConnections"
    | "connectTimeoutSeconds"
    | "sslMode"
  > {
  /**
   * Where `postgres:` with no host, and a call with no URL, read their
   * variables; default the process environment.
   */
  env?: Record<string, string | undefined>;
}

/**
 * Opens a store for a connection URL. With no URL, `DATABASE_URL` is used
 * when set, else `sqlite:./agent_sdk.db`. Only the backend named is loaded.
 *
 * - `memory:`
 * - `sqlite:./agent.db`, `sqlite:/abs/path.db`, `sqlite:///abs/path.db`,
 *   `sqlite::memory:` (parent folders are created); `?mode=ro` opens the
 *   file in read-only mode, as the `readOnly` option does
 * - `postgres://user:password@host:5432/db?schema=agent_sdk&max=10`, or
 *   `postgres:` alone to read `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`,
 *   `DB_PASSWORD` and `DB_SCHEMA`; `mode=ro` for read-only mode
 *
 * @param url The connection URL.
 * @param options Settings that override the URL's.
 * @returns The open store; close it, or declare it with `await using`.
 * @throws {InvalidUrlError} For an unknown scheme or a malformed URL.
 * @throws {ConnectionError} When the database cannot be opened or reached.
 *
 * @example Record and read a run
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("sqlite::memory:");
 * await store.createAgentRun({ agentId: "a1", runId: "r1", objective: "demo" });
 * const [run] = await store.getAgentRuns({ agentId: "a1" });
 * assert.equal(run?.objective, "demo");
 * ```
 */
export async function createPersistence(
  url?: string,
  options: PersistenceOptions = {},
): Promise<Persistence> {
  return await openConnectionTarget(
    resolveConnectionTarget(url, options),
    options,
  );
}

/**
 * Opens the store `target` names, loading only its backend. `target` comes
 * from {@linkcode resolveConnectionTarget} with the same `options`, which
 * has set their PostgreSQL settings already; the command-line tool opens its
 * stores through here too, after looking at the target.
 */
export async function openConnectionTarget(
  target: ConnectionTarget,
  options: PersistenceOptions = {},
): Promise<Persistence> {
  switch (target.backend) {
    case "memory":
      return new InMemoryPersistence(options);
    case "sqlite": {
      const { SqlitePersistence } = await import("./sqlite/persistence.ts");
      return await SqlitePersistence.open(
        target.path,
        withReadOnly(options, target),
      );
    }
    case "postgres": {
      const { PostgresPersistence } = await import("./postgres/persistence.ts");
      return await PostgresPersistence.open(
        target.config,
        withReadOnly(options, target),
      );
    }
  }
}

/** The URL's `mode=ro`, unless the `readOnly` option says otherwise. */
function withReadOnly(
  options: PersistenceOptions,
  target: { readOnly?: boolean },
): PersistenceOptions {
  const readOnly = options.readOnly ?? target.readOnly;
  return readOnly === undefined ? options : { ...options, readOnly };
}
