// Where a SQL database's disk space goes, and giving it back in bounded
// steps. SQLite frees pages inside its file, which only `incremental_vacuum`
// (in `auto_vacuum=INCREMENTAL` mode) or a whole-file VACUUM return to the
// file system; PostgreSQL reuses dead rows' space itself (autovacuum), so
// there it reports sizes only.

import { GROWTH_DAYS } from "../core/backend.ts";
import type { SpaceReport, TableSpace } from "../types.ts";
import type { SqlSession } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { EVENTS, RUNS, USAGE } from "./tables.ts";
import { formatTimestamp } from "./timestamps.ts";

const AUTO_VACUUM_MODES = ["none", "full", "incremental"] as const;

/** One of the store's tables, and what its rows are read from. */
export interface SpaceSource {
  name: string;
  /** The table, or (on a schema without it) a derived table of no rows. */
  table: string;
}

/** The space report of the store's three tables; see `SpaceReport`. */
export async function spaceReport(
  session: SqlSession,
  dialect: SqlDialect,
  since: Date,
  sources: readonly SpaceSource[],
): Promise<SpaceReport> {
  const sizes = dialect.name === "sqlite"
    ? await sqliteTableSizes(session)
    : await postgresTableSizes(session, dialect);
  const tables: TableSpace[] = [];
  for (const { name, table } of sources) {
    const [counts] = await session.query(
      `SELECT COUNT(*) AS total, ` +
        `COUNT(CASE WHEN created_at >= ? THEN 1 END) AS recent ` +
        `FROM ${table}`,
      [formatTimestamp(since)],
    );
    const rows = Number(counts?.total ?? 0);
    const rowsPerDay = Number(counts?.recent ?? 0) / GROWTH_DAYS;
    const sizeBytes = sizes?.get(name) ?? (sizes ? 0 : null);
    tables.push({
      table: name,
      rows,
      sizeBytes,
      rowsPerDay,
      bytesPerDay: sizeBytes === null
        ? null
        : rows === 0
        ? 0
        : Math.round(rowsPerDay * sizeBytes / rows),
    });
  }
  const [size] = await session.query(dialect.sizeQuery);
  const sizeBytes = Number(size?.size ?? 0);
  if (dialect.name !== "sqlite") {
    return {
      sizeBytes,
      tables,
      walBytes: null,
      reclaimableBytes: null,
      autoVacuum: null,
    };
  }
  const [pages] = await session.query(
    "SELECT f.freelist_count * s.page_size AS free, a.auto_vacuum AS mode " +
      "FROM pragma_freelist_count() AS f, pragma_page_size() AS s, " +
      "pragma_auto_vacuum() AS a",
  );
  return {
    sizeBytes,
    tables,
    walBytes: await sqliteWalBytes(session),
    reclaimableBytes: Number(pages?.free ?? 0),
    autoVacuum: AUTO_VACUUM_MODES[Number(pages?.mode ?? 0)] ?? "none",
  };
}

/**
 * Bytes per table with its indexes, from the `dbstat` virtual table;
 * `undefined` when SQLite was built without it.
 */
async function sqliteTableSizes(
  session: SqlSession,
): Promise<Map<string, number> | undefined> {
  try {
    const rows = await session.query(
      "SELECT m.tbl_name AS name, SUM(d.pgsize) AS size " +
        "FROM dbstat AS d JOIN sqlite_schema AS m ON m.name = d.name " +
        "WHERE d.aggregate = TRUE GROUP BY m.tbl_name",
    );
    return new Map(rows.map((row) => [String(row.name), Number(row.size)]));
  } catch (error) {
    if (/no such table: dbstat/i.test(String(error))) return undefined;
    throw error;
  }
}

/**
 * Bytes per table with its indexes and TOAST, the partitions of a
 * partitioned table included.
 */
async function postgresTableSizes(
  session: SqlSession,
  dialect: SqlDialect,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const name of [RUNS.name, EVENTS.name, USAGE.name]) {
    // A plain table is its own size; a partitioned one's rows are in its
    // partitions.
    const [row] = await session.query(
      "SELECT pg_total_relation_size(t.oid) + COALESCE((" +
        "SELECT SUM(pg_total_relation_size(p.relid)) " +
        "FROM pg_partition_tree(t.oid) AS p WHERE p.relid <> t.oid), 0) " +
        "AS size FROM (SELECT to_regclass(?) AS oid) AS t",
      [dialect.table(name)],
    );
    sizes.set(name, Number(row?.size ?? 0));
  }
  return sizes;
}

/** The size of the WAL file beside the main database file; 0 when none. */
async function sqliteWalBytes(session: SqlSession): Promise<number | null> {
  const [main] = await session.query(
    "SELECT file FROM pragma_database_list WHERE name = 'main'",
  );
  const file = String(main?.file ?? "");
  // An in-memory database has no file, hence no WAL.
  if (file === "") return null;
  const fs = await import("node:fs/promises");
  return await fs.stat(`${file}-wal`).then(
    (stat) => stat.size,
    () => 0,
  );
}

/**
 * A `PASSIVE` checkpoint on SQLite: copies the log's frames that no reader
 * still needs into the file, taking no lock a writer waits for. Elsewhere
 * nothing to do.
 */
export async function checkpoint(
  session: SqlSession,
  dialect: SqlDialect,
): Promise<void> {
  if (dialect.name !== "sqlite") return;
  await session.query("PRAGMA wal_checkpoint(PASSIVE)");
}

/**
 * One bounded `incremental_vacuum` step on SQLite in incremental mode;
 * returns the bytes given back. Elsewhere nothing to do.
 */
export async function reclaimStep(
  session: SqlSession,
  dialect: SqlDialect,
  maxPages: number,
): Promise<number> {
  if (dialect.name !== "sqlite") return 0;
  const [before] = await session.query(
    "SELECT f.freelist_count AS free, s.page_size AS size, " +
      "a.auto_vacuum AS mode " +
      "FROM pragma_freelist_count() AS f, pragma_page_size() AS s, " +
      "pragma_auto_vacuum() AS a",
  );
  const free = Number(before?.free ?? 0);
  if (Number(before?.mode) !== 2 || free === 0) return 0;
  const pages = Math.min(free, Math.max(1, Math.floor(maxPages)));
  await session.query(`PRAGMA incremental_vacuum(${pages})`);
  const [after] = await session.query("PRAGMA freelist_count");
  return (free - Number(after?.freelist_count ?? free)) *
    Number(before?.size ?? 0);
}

/**
 * Switches a SQLite file to incremental auto-vacuum: the mode takes effect
 * only through a VACUUM, which rewrites the whole file. `false` when it was
 * in that mode already, or on PostgreSQL.
 */
export async function switchToIncremental(
  session: SqlSession,
  dialect: SqlDialect,
): Promise<boolean> {
  if (dialect.name !== "sqlite") return false;
  const [mode] = await session.query("PRAGMA auto_vacuum");
  if (Number(mode?.auto_vacuum) === 2) return false;
  await session.query("PRAGMA auto_vacuum = INCREMENTAL");
  for (const statement of dialect.compact) await session.query(statement);
  return true;
}
