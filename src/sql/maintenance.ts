// The SQL pieces of retention: the lock that keeps two processes off one
// batch, a connection bound to the batch's transaction, and which rows still
// hold content.

import type { ContentTable } from "../core/backend.ts";
import type { SqlConnection, SqlSession, SqlValue } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";

/** A class id of our own for `pg_advisory_xact_lock(class, object)`. */
const MAINTENANCE_LOCK_CLASS = 0x43757269; // "Curi"

/**
 * On PostgreSQL, the statement that makes maintenance batches on these
 * tables take turns across processes, until the transaction ends. SQLite's
 * write transaction does that already.
 */
export function maintenanceLock(
  dialect: SqlDialect["name"],
  table: string,
): { sql: string; params: SqlValue[] } | undefined {
  if (dialect !== "postgres") return undefined;
  return {
    sql: "SELECT pg_advisory_xact_lock(?, ?)",
    params: [MAINTENANCE_LOCK_CLASS, fnv1a(table)],
  };
}

/** A 31-bit hash of `text`. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

/**
 * `tx` as a connection: its statements run in the transaction, and a
 * transaction opened on it is the one already under way.
 */
export function sessionConnection(
  tx: SqlSession,
  driver: SqlConnection,
): SqlConnection {
  return {
    query: (sql, params) => tx.query(sql, params),
    insert: (sql, params, rows) => tx.insert(sql, params, rows),
    transaction: (fn) => fn(tx),
    classify: (error) => driver.classify(error),
    close: () => Promise.resolve(),
  };
}

/** The condition of rows whose content is not cleared yet. */
export function contentFilter(table: ContentTable): string {
  return table === "events"
    ? "data IS NOT NULL"
    : "(prompt <> '' OR response_content IS NOT NULL OR input_params IS NOT NULL)";
}

/** When rows are due under a policy; see `DueRules`. */
interface DueCutoffs {
  runs: ReadonlyMap<string, string>;
  orphanLlmCalls: string | undefined;
}

/**
 * A query whose one row's `due` is true when every row of the partition
 * `partition` (of `table`, "events" or "usage") is due: each row would be
 * removed by some rule of the policy. An event goes with its run; an LLM
 * call with its run, or as an orphan. Stops at the first row that is not.
 */
export function partitionDueQuery(
  table: ContentTable,
  partition: string,
  runsTable: string,
  cutoffs: DueCutoffs,
): { sql: string; params: SqlValue[] } {
  const params: SqlValue[] = [];
  const runDue = [...cutoffs.runs].map(([status, before]) => {
    params.push(status, before);
    return "(r.status = ? AND r.created_at < ?)";
  });
  const withRun = `EXISTS (SELECT 1 FROM ${runsTable} r ` +
    `WHERE r.run_id = p.run_id AND (${runDue.join(" OR ") || "FALSE"}))`;
  let due = withRun;
  if (table === "usage" && cutoffs.orphanLlmCalls !== undefined) {
    params.push(cutoffs.orphanLlmCalls);
    due = `(p.run_id IS NOT NULL AND ${withRun}) OR (p.created_at < ? AND ` +
      `(p.run_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${runsTable} r ` +
      `WHERE r.run_id = p.run_id)))`;
  }
  return {
    sql:
      `SELECT NOT EXISTS (SELECT 1 FROM ${partition} p WHERE NOT (${due})) AS due`,
    params,
  };
}
