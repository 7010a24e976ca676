// The schema of both SQL dialects, from the one table definition, and the
// versions it has had. Statements use IF NOT EXISTS throughout, so applying
// them to a database the Python SDK created adds only what is missing.

import type { SqlDialect } from "./dialect.ts";
import { type Column, EVENTS, RUNS, type Table, USAGE } from "./tables.ts";
import { SQLITE_TOOL_CALL, TOOL_EVENTS } from "./tool_events.ts";
import {
  canonicalTimestampStatements,
  timestampTriggers,
} from "./timestamps.ts";
import {
  createPeriodPartition,
  type PartitionBy,
  partitionedTableStatements,
  upcomingPeriods,
} from "./partitions.ts";
import { usageRollupStatements } from "./usage_rollup_schema.ts";

/** The table recording which schema versions have been applied. */
export const MIGRATIONS_TABLE = "curio_schema_migrations";

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = 10;

function columnDefinition(column: Column): string {
  return `${column.name} ${column.type} ${column.constraint}`.trim();
}

/**
 * The table as schema version `upTo` has it: migrations create version 1's
 * and append later columns; a script creates the current one at once.
 */
function createTable(
  dialect: SqlDialect,
  table: Table<unknown>,
  extra: string[] = [],
  upTo = 1,
): string {
  const lines = [
    `id ${dialect.primaryKey}`,
    ...table.columns.filter((c) => c.addedIn <= upTo).map(columnDefinition),
    ...extra,
  ];
  return `CREATE TABLE IF NOT EXISTS ${dialect.table(table.name)} (\n  ${
    lines.join(",\n  ")
  }\n)`;
}

function createIndex(
  dialect: SqlDialect,
  { name, table, columns, covers, where }: Index,
): string {
  // PostgreSQL keeps carried columns out of the key (INCLUDE), which its
  // index-only scans read alike; SQLite has no INCLUDE, so they trail the
  // key, where they leave its order as it was.
  const carried = covers === undefined
    ? ""
    : dialect.name === "postgres"
    ? `) INCLUDE (${covers}`
    : `, ${covers}`;
  const partial = where === undefined ? "" : ` WHERE ${where}`;
  return `CREATE INDEX IF NOT EXISTS ${name} ON ${
    dialect.table(table.name)
  } (${columns}${carried})${partial}`;
}

/**
 * Appends the columns `version` added. Nullable without a default, so
 * SQLite adds them without rewriting the table; on PostgreSQL IF NOT EXISTS
 * lets a rerun script pass.
 */
function addColumns(
  dialect: SqlDialect,
  table: Table<unknown>,
  version: number,
): string[] {
  const ifNotExists = dialect.name === "postgres" ? "IF NOT EXISTS " : "";
  return table.columns.filter((c) => c.addedIn === version).map((column) =>
    `ALTER TABLE ${dialect.table(table.name)} ADD COLUMN ${ifNotExists}${
      columnDefinition(column)
    }`
  );
}

/**
 * The statements of each schema version, in order; a version's number is its
 * position. Version 1 is the specification's schema, with the indexes keyset
 * pagination needs beside the specification's own. Version 2 lets every
 * listing read its rows from one index in the order it returns them: the
 * specification's indexes carry the sort key, which makes two of version 1's
 * redundant, and runs gain one for the status filter. Version 3: the token
 * details and costs of LLM calls. Version 4: SQLite's timestamps in one
 * canonical UTC form. Version 5: PostgreSQL's function reading a whole JSON
 * document softly, for the tool statistics. Version 6: SQLite's timestamp
 * triggers skip this module's own rows at a lower cost per insert. Version
 * 7: the LLM calls' date index carries the columns the usage series read,
 * so that a date range is read from the index alone. Version 8: tool
 * events by date, in a partial index that only tool events pay for.
 * Version 9: on SQLite, that index holds what the tool statistics read of
 * each event's JSON, so that they read a date range from it alone.
 * Version 10: the daily roll-up of LLM calls, which usage series read for
 * closed UTC days (`usage_rollup.ts`), with the trigger marking a day stale
 * when one of its calls is updated.
 */
export function migrations(dialect: SqlDialect): string[][] {
  return [
    [
      ...dialect.functions,
      ...createTables(dialect, 1),
      ...VERSION_1_INDEXES.map((index) => createIndex(dialect, index)),
    ],
    [
      ...DROPPED_IN_VERSION_2.map((name) =>
        `DROP INDEX IF EXISTS ${dialect.table(name)}`
      ),
      ...WIDENED_IN_VERSION_2.flatMap((index) => [
        `DROP INDEX IF EXISTS ${dialect.table(index.name)}`,
        createIndex(dialect, index),
      ]),
      createIndex(dialect, STATUS_INDEX),
    ],
    [...dialect.functions, ...addColumns(dialect, USAGE, 3)],
    timestampsAsInstants(dialect),
    [...dialect.functions],
    cheaperTimestampTriggers(dialect),
    [
      `DROP INDEX IF EXISTS ${dialect.table(USAGE_DATE_INDEX.name)}`,
      createIndex(dialect, USAGE_DATE_INDEX),
    ],
    [createIndex(dialect, TOOLS_INDEX)],
    coveringToolsIndex(dialect),
    usageRollupStatements(dialect),
  ];
}

/**
 * Version 9: SQLite's tool events' index rebuilt under its name to carry
 * the tool statistics' expressions. PostgreSQL keeps version 8's: its
 * statistics parse each event's JSON once, and its speed is not at stake.
 */
function coveringToolsIndex(dialect: SqlDialect): string[] {
  if (dialect.name !== "sqlite") return [];
  return [
    `DROP INDEX IF EXISTS ${dialect.table(TOOLS_INDEX.name)}`,
    createIndex(dialect, COVERING_TOOLS_INDEX),
  ];
}

/**
 * SQLite's timestamps in one canonical UTC form, so that text order is
 * instant order (see `timestamps.ts`): rows already stored are rewritten, and
 * triggers rewrite those other programs write later. PostgreSQL's TIMESTAMP
 * columns compare as instants already.
 */
function timestampsAsInstants(dialect: SqlDialect): string[] {
  if (dialect.name !== "sqlite") return [];
  return [RUNS, EVENTS, USAGE].flatMap((table) =>
    canonicalTimestampStatements(
      dialect.table(table.name),
      timestampColumns(table),
    )
  );
}

/** Version 4's SQLite triggers, each replaced by one whose WHEN costs less. */
function cheaperTimestampTriggers(dialect: SqlDialect): string[] {
  if (dialect.name !== "sqlite") return [];
  return [RUNS, EVENTS, USAGE].flatMap((table) =>
    timestampTriggers(dialect.table(table.name), timestampColumns(table))
  );
}

function timestampColumns(table: Table<unknown>): string[] {
  return table.columns.filter((c) => c.kind.endsWith("timestamp")).map((c) =>
    c.name
  );
}

function createTables(dialect: SqlDialect, upTo: number): string[] {
  if (dialect.partitionBy) {
    return createPartitionedTables(dialect, dialect.partitionBy, upTo);
  }
  return [
    createTable(dialect, RUNS, [], upTo),
    createTable(dialect, EVENTS, [
      `FOREIGN KEY (run_id) REFERENCES ${dialect.table(RUNS.name)}(run_id)`,
    ], upTo),
    createTable(dialect, USAGE, [], upTo),
  ];
}

/**
 * The tables with events and LLM calls partitioned by `created_at`: the
 * same columns, the same foreign key, indexes created later by name on the
 * partitioned table (PostgreSQL gives each partition its own).
 */
function createPartitionedTables(
  dialect: SqlDialect,
  by: PartitionBy,
  upTo: number,
): string[] {
  const columns = (table: Table<unknown>) =>
    table.columns.filter((c) => c.addedIn <= upTo).map(columnDefinition);
  return [
    createTable(dialect, RUNS, [], upTo),
    ...partitionedTableStatements(dialect, EVENTS.name, [
      ...columns(EVENTS),
      `FOREIGN KEY (run_id) REFERENCES ${dialect.table(RUNS.name)}(run_id)`,
    ], by),
    ...partitionedTableStatements(dialect, USAGE.name, columns(USAGE), by),
  ];
}

/**
 * A script's partitions for the current and next periods, as of when it is
 * made; a store adds later ones each time it opens or applies retention.
 */
function upcomingPartitions(dialect: SqlDialect): string[] {
  const by = dialect.partitionBy;
  if (!by) return [];
  return [EVENTS, USAGE].flatMap((table) =>
    upcomingPeriods(new Date(), by).map((start) =>
      createPeriodPartition(dialect, table.name, start, by)
    )
  );
}

interface Index {
  name: string;
  table: Table<unknown>;
  /** The key, in order. */
  columns: string;
  /** Columns carried for queries to read from the index alone. */
  covers?: string;
  /** The rows indexed, for a partial index; all when left out. */
  where?: string;
}

const VERSION_1_INDEXES: readonly Index[] = [
  { name: "idx_runs_agent_id", table: RUNS, columns: "agent_id" },
  { name: "idx_events_run_id", table: EVENTS, columns: "run_id" },
  { name: "idx_usage_agent_id", table: USAGE, columns: "agent_id" },
  { name: "idx_usage_run_id", table: USAGE, columns: "run_id" },
  { name: "idx_runs_created_at", table: RUNS, columns: "created_at, id" },
  {
    name: "idx_runs_agent_created_at",
    table: RUNS,
    columns: "agent_id, created_at, id",
  },
  {
    name: "idx_events_run_timestamp",
    table: EVENTS,
    columns: "run_id, timestamp, id",
  },
  { name: "idx_usage_created_at", table: USAGE, columns: "created_at, id" },
];

const DROPPED_IN_VERSION_2 = [
  "idx_runs_agent_created_at",
  "idx_events_run_timestamp",
];

/**
 * The specification's indexes keep their names while their columns change:
 * the Python SDK creates them by name with IF NOT EXISTS.
 */
const WIDENED_IN_VERSION_2: readonly Index[] = [
  {
    name: "idx_runs_agent_id",
    table: RUNS,
    columns: "agent_id, created_at, id",
  },
  {
    name: "idx_events_run_id",
    table: EVENTS,
    columns: "run_id, timestamp, id",
  },
  {
    name: "idx_usage_agent_id",
    table: USAGE,
    columns: "agent_id, created_at, id",
  },
  { name: "idx_usage_run_id", table: USAGE, columns: "run_id, created_at, id" },
];

/**
 * The LLM calls' date index, from version 7 on carrying every column the
 * usage series read over a date range (`SqlSeries.usage`), so that SQLite
 * reads the range without the calls' records, whose prompts and responses
 * make the table rows many times longer. Its key is version 1's, which the
 * listings by date read in order. Not `run_id`: a series of one run reads
 * that run's index.
 */
const USAGE_DATE_INDEX: Index = {
  name: "idx_usage_created_at",
  table: USAGE,
  columns: "created_at, id",
  covers: "provider, model, agent_id, status, input_tokens, output_tokens, " +
    "cache_read_tokens, cache_write_tokens, reasoning_tokens, latency_ms, " +
    "cost_source, cost_usd",
};

/** The name of the usage table's covering date index, for INDEXED BY. */
export const USAGE_DATE_INDEX_NAME: string = USAGE_DATE_INDEX.name;

/**
 * The tool events by date, for the tool statistics over a date range
 * (`SqlSeries.tools`), which otherwise read every event. Partial, so that
 * the other events' writes and space pay nothing: its condition is, to the
 * letter, a term of that query's WHERE, which is how SQLite proves the
 * query reads only indexed rows (PostgreSQL proves it alike). `agent_id`
 * after the date lets an agent's statistics skip other agents' events in
 * the index, before their rows and JSON are read.
 */
const TOOLS_INDEX: Index = {
  name: "idx_events_tools",
  table: EVENTS,
  columns: "timestamp, agent_id",
  where: TOOL_EVENTS,
};

/**
 * SQLite's tool events' index from version 9 on: version 8's key, then
 * what the tool statistics read (`SqlSeries.tools`), so that they read no
 * table row and parse no JSON. The expressions are the query's to the
 * letter (`SQLITE_TOOL_CALL`), which is how SQLite reads them from the
 * index; `event_type` because the query's WHERE reads it.
 */
const COVERING_TOOLS_INDEX: Index = {
  ...TOOLS_INDEX,
  covers:
    `event_type, ${SQLITE_TOOL_CALL.action}, ${SQLITE_TOOL_CALL.failed}, ${SQLITE_TOOL_CALL.duration}`,
};

/** The name of the tool events' index, for INDEXED BY. */
export const TOOLS_INDEX_NAME: string = TOOLS_INDEX.name;

/**
 * The schema version from which the tool events' index of `dialect` holds
 * the tool statistics' expressions; `undefined` when it never does.
 */
export function coveringToolsIndexVersion(
  dialect: SqlDialect,
): number | undefined {
  return versionCreating(dialect, COVERING_TOOLS_INDEX);
}

/**
 * The schema version from which the LLM calls' date index of `dialect`
 * carries the usage series' columns: a read-only store of a schema that
 * old or newer may name it in INDEXED BY.
 */
export function usageDateIndexVersion(
  dialect: SqlDialect,
): number | undefined {
  return versionCreating(dialect, USAGE_DATE_INDEX);
}

/**
 * The version whose statements create `index` as it is now, found among
 * the versions' statements (so that it follows a renumbering).
 */
function versionCreating(
  dialect: SqlDialect,
  index: Index,
): number | undefined {
  // Remembered: a maintenance batch makes a backend per transaction.
  const known = indexVersions.get(dialect) ?? new Map();
  indexVersions.set(dialect, known);
  if (known.has(index.name)) return known.get(index.name);
  const create = createIndex(dialect, index);
  const at = migrations(dialect).findIndex((statements) =>
    statements.includes(create)
  );
  const version = at < 0 ? undefined : at + 1;
  known.set(index.name, version);
  return version;
}

const indexVersions = new WeakMap<
  SqlDialect,
  Map<string, number | undefined>
>();

const STATUS_INDEX: Index = {
  name: "idx_runs_status",
  table: RUNS,
  columns: "status, created_at, id",
};

/** The indexes of the current version. */
function currentIndexes(dialect: SqlDialect): Index[] {
  const replaced = new Set([
    ...DROPPED_IN_VERSION_2,
    ...WIDENED_IN_VERSION_2.map((index) => index.name),
    USAGE_DATE_INDEX.name,
  ]);
  return [
    ...VERSION_1_INDEXES.filter((index) => !replaced.has(index.name)),
    ...WIDENED_IN_VERSION_2,
    STATUS_INDEX,
    USAGE_DATE_INDEX,
    dialect.name === "sqlite" ? COVERING_TOOLS_INDEX : TOOLS_INDEX,
  ];
}

/** Creates the table that records applied versions. */
export function createMigrationsTable(dialect: SqlDialect): string {
  return `CREATE TABLE IF NOT EXISTS ${dialect.table(MIGRATIONS_TABLE)} (
  version INTEGER PRIMARY KEY,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;
}

/**
 * Every statement that creates the current schema from nothing, with every
 * version recorded. Running them again changes nothing, so an operator may
 * rerun a script of them. (A database of an older version is brought up to
 * date by opening a store on it, which migrates.)
 */
export function schemaStatements(dialect: SqlDialect): string[] {
  return [
    ...dialect.preamble,
    ...dialect.functions,
    ...createTables(dialect, SCHEMA_VERSION),
    ...upcomingPartitions(dialect),
    ...currentIndexes(dialect).map((index) => createIndex(dialect, index)),
    ...timestampsAsInstants(dialect),
    ...cheaperTimestampTriggers(dialect),
    ...usageRollupStatements(dialect),
    createMigrationsTable(dialect),
    ...migrations(dialect).map((_, i) =>
      `INSERT INTO ${dialect.table(MIGRATIONS_TABLE)} (version) VALUES (${
        i + 1
      }) ON CONFLICT (version) DO NOTHING`
    ),
  ];
}

/**
 * What upgrading to each version brings, by version (index 0 is version 1),
 * for a store that reports an older schema rather than migrating it.
 */
export const VERSION_BENEFITS: readonly string[] = [
  "the version table and the indexes that keep listings fast",
  "indexes that serve every listing in its order",
  "cache and reasoning tokens and costs of LLM calls",
  "timestamps that sort as instants on SQLite",
  "the tool statistics on PostgreSQL",
  "cheaper timestamp triggers on SQLite",
  "usage series over a date range read from an index alone",
  "tool statistics over a date range read from an index of tool events",
  "tool statistics read from the tool events' index alone on SQLite",
  "usage series of closed UTC days read from a daily roll-up",
];
