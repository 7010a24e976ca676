// Keeping a partitioned schema up: which tables are partitioned and by what,
// partitions for the current and next periods, and dropping past partitions
// whose every row a retention policy would remove anyway.

import type { DueRules } from "../core/backend.ts";
import { InvalidInputError } from "../errors.ts";
import type { RecordCounts } from "../types.ts";
import type { SqlConnection, SqlSession } from "../sql/connection.ts";
import type { SqlDialect } from "../sql/dialect.ts";
import { maintenanceLock, partitionDueQuery } from "../sql/maintenance.ts";
import {
  boundLiteral,
  commentPartitionBy,
  createPeriodPartition,
  defaultPartitionName,
  nextPeriod,
  type PartitionBy,
  PARTITIONED_TABLES,
  partitionName,
  periodBounds,
  upcomingPeriods,
} from "../sql/partitions.ts";
import { formatTimestamp } from "../sql/timestamps.ts";
import { EVENTS, RUNS } from "../sql/tables.ts";

/** How an existing table is laid out. */
type Layout = "absent" | "plain" | PartitionBy;

async function layoutOf(
  session: SqlSession,
  dialect: SqlDialect,
  table: string,
): Promise<Layout> {
  const [row] = await session.query(
    "SELECT c.relkind AS kind, obj_description(c.oid, 'pg_class') AS comment " +
      "FROM pg_class c WHERE c.oid = to_regclass(?)",
    [dialect.table(table)],
  );
  if (!row) return "absent";
  if (String(row.kind) !== "p") return "plain";
  // Partitioned by hand without our comment: treat it by day, the finer.
  return commentPartitionBy(row.comment as string | null) ?? "day";
}

/**
 * How the schema's tables are partitioned, checked against what was asked:
 * refuses, before anything is created, to partition tables that exist
 * unpartitioned (they are never converted) or to change the period.
 * Returns the period to keep partitions for, or `undefined`.
 */
export async function checkPartitioning(
  session: SqlSession,
  dialect: SqlDialect,
  schema: string,
): Promise<PartitionBy | undefined> {
  const asked = dialect.partitionBy;
  let found: PartitionBy | undefined;
  for (const table of PARTITIONED_TABLES) {
    const layout = await layoutOf(session, dialect, table.name);
    if (layout === "absent") continue;
    if (layout === "plain") {
      if (asked) {
        throw new InvalidInputError(
          "partitionBy",
          `the schema "${schema}" already holds ${table.name} unpartitioned, ` +
            "and existing tables are never converted: open it without " +
            "partitionBy, or copy it into a new partitioned schema with " +
            `\`curio-persistence copy --from <this URL> --to "postgres://…?schema=<new>&partition=${asked}"\``,
        );
      }
      continue;
    }
    if (asked && layout !== asked) {
      throw new InvalidInputError(
        "partitionBy",
        `the schema "${schema}" is partitioned by ${layout}, not ${asked}`,
      );
    }
    found = layout;
  }
  return found ?? asked;
}

/** A partition of a table, with its period when it has one. */
interface Partition {
  name: string;
  from?: Date;
  to?: Date;
}

async function partitionsOf(
  session: SqlSession,
  dialect: SqlDialect,
  table: string,
): Promise<Partition[]> {
  const rows = await session.query(
    "SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound " +
      "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid " +
      "WHERE i.inhparent = to_regclass(?) ORDER BY c.relname",
    [dialect.table(table)],
  );
  return rows.map((row) => {
    const range = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(String(row.bound));
    const instant = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
    return range
      ? {
        name: String(row.name),
        from: instant(range[1]!),
        to: instant(range[2]!),
      }
      : { name: String(row.name) };
  });
}

/**
 * Creates the partitions of the current and next periods that are missing.
 * Rows already in the DEFAULT partition for such a period (written while it
 * had none) move into the new partition, which PostgreSQL requires.
 */
export async function ensurePartitions(
  connection: SqlConnection,
  dialect: SqlDialect,
  by: PartitionBy,
  now: Date,
): Promise<void> {
  for (const { name: table } of PARTITIONED_TABLES) {
    const existing = new Set(
      (await partitionsOf(connection, dialect, table)).map((p) => p.name),
    );
    const missing = upcomingPeriods(now, by).filter((start) =>
      !existing.has(partitionName(table, start, by))
    );
    if (missing.length === 0) continue;
    await connection.transaction(async (tx) => {
      // The table is locked for the moment it takes; another process
      // doing the same waits, then finds the partitions there.
      await tx.query(
        `LOCK TABLE ${dialect.table(table)} IN ACCESS EXCLUSIVE MODE`,
      );
      for (const start of missing) {
        await createPartition(tx, dialect, table, start, by);
      }
    });
  }
}

async function createPartition(
  tx: SqlSession,
  dialect: SqlDialect,
  table: string,
  start: Date,
  by: PartitionBy,
): Promise<void> {
  const name = dialect.table(partitionName(table, start, by));
  const [exists] = await tx.query("SELECT to_regclass(?) AS oid", [name]);
  if (exists?.oid != null) return;
  const fallback = dialect.table(defaultPartitionName(table));
  const inPeriod = `created_at >= ${boundLiteral(start)} AND created_at < ${
    boundLiteral(nextPeriod(start, by))
  }`;
  const [stray] = await tx.query(
    `SELECT EXISTS (SELECT 1 FROM ${fallback} WHERE ${inPeriod}) AS found`,
  );
  if (!stray?.found) {
    await tx.query(createPeriodPartition(dialect, table, start, by));
    return;
  }
  await tx.query(
    `CREATE TABLE ${name} (LIKE ${dialect.table(table)} INCLUDING DEFAULTS)`,
  );
  await tx.query(
    `WITH moved AS (DELETE FROM ${fallback} WHERE ${inPeriod} RETURNING *) ` +
      `INSERT INTO ${name} SELECT * FROM moved`,
  );
  await tx.query(
    `ALTER TABLE ${dialect.table(table)} ATTACH PARTITION ${name} ${
      periodBounds(start, by)
    }`,
  );
}

/**
 * Drops each partition that ended by `due.now` and whose every row is due,
 * one transaction each. Writes to the table wait while the partition is
 * checked and dropped (reads go on until the drop), so no row can enter it
 * between the check and the drop; the check stops at the first row not due.
 */
export async function dropDuePartitions(
  connection: SqlConnection,
  dialect: SqlDialect,
  due: DueRules,
): Promise<RecordCounts> {
  const removed = { runs: 0, events: 0, llmUsage: 0 };
  const cutoffs = {
    runs: new Map(
      [...due.runs].map((
        [status, before],
      ) => [status, formatTimestamp(before)]),
    ),
    orphanLlmCalls: due.orphanLlmCalls && formatTimestamp(due.orphanLlmCalls),
  };
  for (const { name: table } of PARTITIONED_TABLES) {
    const kind = table === EVENTS.name ? "events" : "usage";
    const ended = (await partitionsOf(connection, dialect, table)).filter((p) =>
      p.to !== undefined && p.to.getTime() <= due.now.getTime()
    );
    for (const partition of ended) {
      const rows = await connection.transaction(async (tx) => {
        const lock = maintenanceLock("postgres", dialect.table(RUNS.name));
        if (lock) await tx.query(lock.sql, lock.params);
        await tx.query(
          `LOCK TABLE ${dialect.table(table)} IN SHARE ROW EXCLUSIVE MODE`,
        );
        const name = dialect.table(partition.name);
        const check = partitionDueQuery(
          kind,
          name,
          dialect.table(RUNS.name),
          cutoffs,
        );
        const [verdict] = await tx.query(check.sql, check.params);
        if (!verdict?.due) return 0;
        const [count] = await tx.query(`SELECT COUNT(*) AS n FROM ${name}`);
        await tx.query(`DROP TABLE ${name}`);
        return Number(count?.n ?? 0);
      });
      if (kind === "events") removed.events += rows;
      else removed.llmUsage += rows;
    }
  }
  return removed;
}
