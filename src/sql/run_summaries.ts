// The runs list with each run's LLM-call figures in one statement: a keyset
// page of runs, then the calls of those runs only, summed per run. (On a
// read-only PostgreSQL schema older than version 1, without the function
// that reads JSON, a second query reads the costs in usage_metrics.)

import type { RunSummaryListQuery, RunSummaryRow } from "../core/backend.ts";
import { likeLiteral, notACursor } from "../core/run_summaries.ts";
import type { SqlSession, SqlValue } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { storedRow, Where } from "./paging.ts";
import { placeholders } from "./statements.ts";
import { RUNS } from "./tables.ts";
import { formatTimestamp } from "./timestamps.ts";
import { CALL_NANOS, fence, halfNanos } from "./statistics.ts";
import { parseJson } from "../core/records.ts";
import { costUsd, nanoDollars } from "../core/usage_metrics.ts";

/** Where the runs list reads. */
export interface RunSummarySources {
  /** The runs table, or what reads as it, after FROM. */
  runs: string;
  /** The LLM usage table, or what reads as it, after FROM. */
  usage: string;
  /** Whether the dialect's functions exist (see `StatisticsSources`). */
  functions: boolean;
}

/**
 * `column` with ASCII letters lowered and nothing else: SQLite's LOWER is
 * that already, PostgreSQL's follows the collation's Unicode rules, which
 * would let a search match runs there that it does not match on SQLite.
 */
function asciiLower(dialect: SqlDialect, column: string): string {
  return dialect.name === "sqlite"
    ? `LOWER(${column})`
    : `translate(${column}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')`;
}

/** One page of runs, newest first, each with its calls' sums. */
export async function selectRunSummaries(
  session: SqlSession,
  dialect: SqlDialect,
  sources: RunSummarySources,
  query: RunSummaryListQuery,
): Promise<RunSummaryRow[]> {
  const filters = new Where()
    .add("agent_id = ?", query.agentId)
    .add("created_at >= ?", query.since && formatTimestamp(query.since))
    .add("created_at < ?", query.until && formatTimestamp(query.until));
  const status = query.status;
  if (typeof status === "string") filters.add("status = ?", status);
  else if (status?.length === 0) filters.add("1 = 0");
  else if (status) filters.add(`status IN ${placeholders(status)}`, ...status);
  if (query.search !== undefined) {
    const literal = likeLiteral(query.search);
    filters.add(
      `(${asciiLower(dialect, "run_id")} LIKE ? ESCAPE '\\' OR ` +
        `${asciiLower(dialect, "objective")} LIKE ? ESCAPE '\\')`,
      `${literal}%`,
      `%${literal}%`,
    );
  }
  // Runs other programs wrote without a creation time come after every
  // dated one, newest id first, on every database; each part is read from
  // its index in order, and the cursor says in which part a page starts.
  const dated = filters.clone().add("created_at IS NOT NULL");
  const undated = filters.clone().add("created_at IS NULL");
  if (query.after !== undefined) {
    const [time, id] = sqlCursor(query.after);
    if (time === null) {
      dated.add("1 = 0");
      undated.add("id < ?", id);
    } else dated.add("(created_at, id) < (?, ?)", time, id);
  }
  const sql = `WITH page AS (
  SELECT * FROM (
    SELECT * FROM (
      SELECT * FROM ${sources.runs} ${dated}
      ORDER BY created_at DESC, id DESC LIMIT ?
    ) AS dated
    UNION ALL
    SELECT * FROM (
      SELECT * FROM ${sources.runs} ${undated}
      ORDER BY id DESC LIMIT ?
    ) AS undated
  ) AS runs
  ORDER BY CASE WHEN created_at IS NULL THEN 1 ELSE 0 END,
    created_at DESC, id DESC
  LIMIT ?
)
SELECT page.*,
  COALESCE(sums.calls, 0) AS summary_calls,
  COALESCE(sums.input_tokens, 0) AS summary_input_tokens,
  COALESCE(sums.output_tokens, 0) AS summary_output_tokens,
  COALESCE(sums.nanos, 0) AS summary_nanos
FROM page LEFT JOIN ${callSums(dialect, sources)}
ORDER BY CASE WHEN page.created_at IS NULL THEN 1 ELSE 0 END,
  page.created_at DESC, page.id DESC`;
  const rows = await session.query(sql, [
    ...dated.params,
    query.limit,
    ...undated.params,
    query.limit,
    query.limit,
  ]);
  const read = sources.functions
    ? new Map<string, number>()
    : await costsRead(session, sources, rows.map((row) => row.run_id));
  return rows.map((row) => ({
    ...storedRow(RUNS, row, "created_at"),
    llmCalls: Number(row.summary_calls),
    inputTokens: Number(row.summary_input_tokens),
    outputTokens: Number(row.summary_output_tokens),
    nanos: Number(row.summary_nanos) + (read.get(String(row.run_id)) ?? 0),
  }));
}

/**
 * The page's runs' calls summed per run, joined to `page`. SQLite reads
 * them by the run index for the runs in the page. PostgreSQL sums each
 * run's calls apart (LATERAL), so that it reads them by the run index
 * whatever its estimate: for a page of runs with many calls each it would
 * otherwise read the whole calls table to match them.
 */
function callSums(dialect: SqlDialect, sources: RunSummarySources): string {
  const sqlite = dialect.name === "sqlite";
  const sums = `COUNT(*) AS calls,
    SUM(input_tokens) AS input_tokens,
    SUM(output_tokens) AS output_tokens,
    SUM(${CALL_NANOS}) AS nanos`;
  const costed = `(
    SELECT ${sqlite ? "run_id, " : ""}input_tokens, output_tokens,
      ${halfNanos(dialect, sources.functions)} AS half_nanos
    FROM ${sources.usage}
    WHERE ${
    sqlite ? "run_id IN (SELECT run_id FROM page)" : "run_id = page.run_id"
  } ${fence(dialect)}
  ) AS costed`;
  return sqlite
    ? `(
  SELECT run_id, ${sums}
  FROM ${costed}
  GROUP BY run_id
) AS sums ON sums.run_id = page.run_id`
    : `LATERAL (
  SELECT ${sums}
  FROM ${costed}
) AS sums ON TRUE`;
}

/**
 * The costs other programs wrote into `usage_metrics` of the page's runs'
 * calls, summed per run in whole nano-dollars: for a schema without the
 * dialect's functions, as the statistics read them (a second query then).
 */
async function costsRead(
  session: SqlSession,
  sources: RunSummarySources,
  runIds: unknown[],
): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  if (runIds.length === 0) return sums;
  const rows = await session.query(
    `SELECT run_id, usage_metrics FROM ${sources.usage} ` +
      `WHERE cost_source IS NULL AND run_id IN ${placeholders(runIds)}`,
    runIds as SqlValue[],
  );
  for (const row of rows) {
    const metrics = typeof row.usage_metrics === "string"
      ? parseJson(row.usage_metrics)
      : null;
    const cost = costUsd(metrics);
    const nanos = cost === undefined ? undefined : nanoDollars(cost);
    if (nanos === undefined) continue;
    const runId = String(row.run_id);
    sums.set(runId, (sums.get(runId) ?? 0) + nanos);
  }
  return sums;
}

/**
 * A caller's cursor checked to be one this backend gave: the stored
 * creation time as the database returned it (NULL for an undated run), and
 * the id.
 */
function sqlCursor(cursor: unknown): [SqlValue, SqlValue] {
  if (
    Array.isArray(cursor) && cursor.length === 2 &&
    (typeof cursor[0] === "string" || typeof cursor[0] === "number" ||
      cursor[0] === null) &&
    (typeof cursor[1] === "number" || typeof cursor[1] === "string") &&
    /^\d+$/.test(String(cursor[1]))
  ) return [cursor[0], cursor[1]];
  throw notACursor();
}
