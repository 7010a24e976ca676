import { Store } from "../core/store.ts";
import type { Persistence } from "../persistence.ts";
import { ConnectionError, InvalidInputError } from "../errors.ts";
import { SqlBackend } from "../sql/backend.ts";
import {
  checkExistingSchema,
  type ExistingSchema,
} from "../sql/existing_schema.ts";
import { mapDriverErrors } from "../sql/driver_errors.ts";
import type { PostgresConfig } from "../types.ts";
import type { StoreOptions } from "../types.ts";
import { PostgresConnection, TIMESTAMPS_AS_TEXT } from "./connection.ts";
import { partitionByOption, postgresDialect, schemaName } from "./dialect.ts";
import {
  checkPartitioning,
  dropDuePartitions,
  ensurePartitions,
} from "./partitions.ts";
import type { DueRules } from "../core/backend.ts";
import type { PartitionBy } from "../sql/partitions.ts";
import type { RecordCounts } from "../types.ts";

/**
 * A store in a PostgreSQL database, on postgres.js's connection pool, with its
 * tables in one schema (default `agent_sdk`) that it creates when missing.
 *
 * @example
 * ```ts ignore
 * import { PostgresPersistence } from "@curio/persistence";
 *
 * await using store = await PostgresPersistence.open({
 *   host: "localhost",
 *   port: 5432,
 *   database: "agent_db",
 *   user: "postgres",
 *   password: "secret",
 *   schema: "agent_sdk",
 *   minConnections: 1,
 *   maxConnections: 10,
 * });
 * await store.createAgentRun({ agentId: "a1", runId: "r1" });
 * ```
 */
export interface PostgresPersistence extends Persistence {
  /** The schema holding the tables. */
  readonly schema: string;
  /**
   * How the events and LLM-usage tables are partitioned (by `created_at`),
   * as found when opening; `undefined` for plain tables.
   */
  readonly partitionBy: "day" | "month" | undefined;
}

/**
 * Opens PostgreSQL stores: {@linkcode PostgresPersistenceConstructor.open}.
 *
 * @example
 * ```ts ignore
 * import { PostgresPersistence } from "@curio/persistence";
 *
 * await using store = await PostgresPersistence.open({ schema: "agents" });
 * console.log(store instanceof PostgresPersistence, store.schema);
 * ```
 */
// Extending Function lets `instanceof` narrow through `prototype`.
export interface PostgresPersistenceConstructor extends Function {
  /**
   * Connects, and creates the schema and tables when missing.
   *
   * @param config Server, credentials, schema and pool size.
   * @param options Redaction and read-only mode.
   * @returns The open store.
   * @throws {ConnectionError} When the server cannot be reached or refuses
   * the credentials.
   *
   * @example
   * ```ts ignore
   * import { PostgresPersistence } from "@curio/persistence";
   *
   * await using store = await PostgresPersistence.open({
   *   host: "127.0.0.1",
   *   user: "postgres",
   *   schema: "my_agents",
   * });
   * console.log(await store.healthCheck());
   * ```
   */
  open(
    config?: PostgresConfig,
    options?: StoreOptions,
  ): Promise<PostgresPersistence>;
  /** The prototype of every PostgresPersistence. */
  readonly prototype: PostgresPersistence;
}

/**
 * Opens PostgreSQL stores: `await PostgresPersistence.open({ host, … })`.
 *
 * @example
 * ```ts ignore
 * import { PostgresPersistence } from "@curio/persistence";
 *
 * await using store = await PostgresPersistence.open({ host: "localhost" });
 * ```
 */
export const PostgresPersistence: PostgresPersistenceConstructor = class
  extends Store
  implements PostgresPersistence {
  readonly schema: string;
  readonly #backend: PostgresBackend;

  get partitionBy(): "day" | "month" | undefined {
    return this.#backend.partitionBy;
  }

  /** See {@linkcode PostgresPersistenceConstructor.open}. */
  static async open(
    config: PostgresConfig = {},
    options: StoreOptions = {},
  ): Promise<PostgresPersistence> {
    const schema = schemaName(config.schema ?? "agent_sdk");
    const partitionBy = partitionByOption(config.partitionBy);
    // The same bounds as the URL's parameters: postgres.js makes every pool
    // slot at once, and a timer above 2^31-1 ms fires at once.
    const max = wholeOption("maxConnections", config.maxConnections, {
      min: 1,
      max: MAX_SETTING,
      default: 10,
    });
    wholeOption("minConnections", config.minConnections, {
      min: 0,
      max,
      default: 1,
    });
    const connectTimeout = wholeOption(
      "connectTimeoutSeconds",
      config.connectTimeoutSeconds,
      { min: 1, max: MAX_SETTING, default: 10 },
    );
    wholeOption("port", config.port, { min: 1, max: 65535, default: 5432 });
    if (
      config.sslMode !== undefined &&
      !SSL_MODES.includes(config.sslMode as typeof SSL_MODES[number])
    ) {
      throw new InvalidInputError(
        "sslMode",
        `expected one of ${SSL_MODES.join(", ")}, got ${
          String(config.sslMode)
        }`,
      );
    }
    const readOnly = options.readOnly === true;
    const postgres = await loadDriver();
    const openPool = () =>
      postgres({
        host: config.host ?? "localhost",
        port: config.port ?? 5432,
        ...(config.database === undefined ? {} : { database: config.database }),
        ...(config.user === undefined ? {} : { username: config.user }),
        ...(config.password === undefined ? {} : { password: config.password }),
        max,
        connect_timeout: connectTimeout,
        // After failed connects postgres.js waits before the next attempt, by
        // default up to 20 s, and operations queue behind the wait. Capping it
        // at 1 s keeps failures during an outage fast and resumes work within
        // a second of the server coming back.
        backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
        ssl: config.sslMode === undefined || config.sslMode === "disable"
          ? false
          : config.sslMode,
        onnotice: () => {},
        connection: sessionSettings(schema, { readOnly }),
        types: TIMESTAMPS_AS_TEXT,
      });
    const connection = new PostgresConnection(openPool, connectTimeout * 1000);
    try {
      // Read-only: the schema as it is, version and columns, never migrated.
      let existing: ExistingSchema | undefined;
      if (readOnly) {
        existing = await mapDriverErrors(
          "postgres",
          connection,
          () => checkExistingSchema(connection, postgresDialect(schema)),
        );
      }
      const store = new this(
        new PostgresBackend(schema, connection, partitionBy, existing),
        schema,
        options,
      );
      if (!readOnly) await store.initializeSchema();
      return store;
    } catch (error) {
      await connection.close().catch(() => {});
      if (error instanceof ConnectionError) {
        const where = `${config.host ?? "localhost"}:${config.port ?? 5432}`;
        throw new ConnectionError(
          `Cannot connect to PostgreSQL at ${where}: ${
            (error.cause as Error | undefined)?.message ?? error.message
          }`,
          { cause: error.cause },
        );
      }
      throw error;
    }
  }

  /** Use {@linkcode PostgresPersistenceConstructor.open}. */
  constructor(
    backend: PostgresBackend,
    schema: string,
    options: StoreOptions,
  ) {
    super(backend, options);
    this.schema = schema;
    this.#backend = backend;
  }
};

/**
 * The SQL backend, with a ping bounded by the connect timeout, and the
 * partitions of a partitioned schema kept up.
 */
class PostgresBackend extends SqlBackend {
  readonly #connection: PostgresConnection;
  readonly #schema: string;
  readonly #dialect: ReturnType<typeof postgresDialect>;
  /** How the schema is partitioned, once known; `undefined` when it is not. */
  #partitionBy: PartitionBy | undefined;

  constructor(
    schema: string,
    connection: PostgresConnection,
    partitionBy: PartitionBy | undefined,
    existing: ExistingSchema | undefined,
  ) {
    const dialect = postgresDialect(schema, { partitionBy });
    super(dialect, connection, existing);
    this.#connection = connection;
    this.#schema = schema;
    this.#dialect = dialect;
  }

  /** How the schema is partitioned, known once it is initialized. */
  get partitionBy(): PartitionBy | undefined {
    return this.#partitionBy;
  }

  override async initializeSchema(): Promise<void> {
    const by = await this.#guard(() =>
      checkPartitioning(this.#connection, this.#dialect, this.#schema)
    );
    await super.initializeSchema();
    this.#partitionBy = by;
    if (by) {
      await this.#guard(() =>
        ensurePartitions(this.#connection, this.#dialect, by, new Date())
      );
    }
  }

  /** Only on a partitioned schema; see `Backend.maintainPartitions`. */
  maintainPartitions(due: DueRules | undefined): Promise<RecordCounts> {
    const by = this.#partitionBy;
    if (!by) return Promise.resolve({ runs: 0, events: 0, llmUsage: 0 });
    return this.#guard(async () => {
      const dropped = due
        ? await dropDuePartitions(this.#connection, this.#dialect, due)
        : { runs: 0, events: 0, llmUsage: 0 };
      // After dropping: a policy applied as of a later `now` may have
      // dropped the current period's partition, which must exist again.
      await ensurePartitions(this.#connection, this.#dialect, by, new Date());
      return dropped;
    });
  }

  #guard<T>(operation: () => Promise<T>): Promise<T> {
    return mapDriverErrors("postgres", this.#connection, operation);
  }

  override ping(): Promise<void> {
    return this.#connection.ping();
  }
}

/**
 * The run-time parameters every session of a store's pool starts with
 * (postgres.js's `connection` option). Read-only, the server itself refuses
 * a write in any of them, whatever sends it.
 */
export function sessionSettings(
  schema: string,
  { readOnly }: { readOnly: boolean },
): Record<string, string> {
  return {
    // Names the pool by schema, so an operator (or a test) can tell stores
    // apart in pg_stat_activity.
    application_name: `curio-persistence/${schema}`.slice(0, 63),
    TimeZone: "UTC",
    ...(readOnly ? { default_transaction_read_only: "on" } : {}),
  };
}

/** postgres.js, loaded only when a PostgreSQL store is opened. */
async function loadDriver() {
  try {
    return (await import("postgres")).default;
  } catch (error) {
    throw new ConnectionError(
      "The PostgreSQL driver (npm package postgres) is not installed: " +
        "add it with `npm install postgres`, `deno install` or `bun add postgres`",
      { cause: error },
    );
  }
}

/** The largest pool size and connect timeout, as in a URL. */
const MAX_SETTING = 10_000;

const SSL_MODES = ["disable", "require", "prefer", "verify-full"] as const;

/**
 * A whole-number setting within `[min, max]`, or its default when not given;
 * anything else is refused before it reaches the driver.
 */
function wholeOption(
  field: string,
  value: unknown,
  bounds: { min: number; max: number; default: number },
): number {
  if (value === undefined) return bounds.default;
  if (
    !Number.isSafeInteger(value) || (value as number) < bounds.min ||
    (value as number) > bounds.max
  ) {
    throw new InvalidInputError(
      field,
      `expected a whole number from ${bounds.min} to ${bounds.max}, got ${
        String(value)
      }`,
    );
  }
  return value as number;
}
