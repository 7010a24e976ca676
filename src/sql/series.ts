// The series and tool statistics: each one statement that the database
// aggregates, with percentiles by window functions (nearest rank, in
// integers: SQLite's builds differ per runtime, and Deno's has neither
// `ceil` nor a percentile function). The buckets come as one JSON list of
// their boundaries, computed in JavaScript, so every backend buckets alike.

import type {
  RunSeriesCell,
  RunSeriesQuery,
  SeriesRange,
  ToolStatsFilter,
  UsageSeriesCell,
  UsageSeriesQuery,
} from "../core/backend.ts";
import type { AgentRunStatus, ToolStats } from "../types.ts";
import type { SqlRow, SqlSession, SqlValue } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { Where } from "./paging.ts";
import { scaledCost, wholeNanos } from "./statistics.ts";
import { EVENTS, RUNS, USAGE } from "./tables.ts";
import { formatTimestamp } from "./timestamps.ts";

/** A nullable number of a result row. */
function nullable(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * Percentile columns of `value` over the rows of a group: `rank` is the
 * value's rank among the group's non-NULL values, `n` their count.
 */
function percentiles(
  value: string,
  names: Record<string, number>,
): string {
  return Object.entries(names).map(([name, p]) =>
    `MAX(CASE WHEN ${value} IS NOT NULL AND value_rank = (${p} * value_count + 99) / 100 THEN ${value} END) AS ${name}`
  ).join(",\n  ");
}

/**
 * Window columns ranking `value` within its group: `value_rank` among the
 * non-NULL values (ascending), `value_count` how many there are.
 */
function ranks(value: string, group: readonly string[]): string {
  const partition = group.join(", ");
  return `ROW_NUMBER() OVER (PARTITION BY ${partition}, ${value} IS NULL ORDER BY ${value}) AS value_rank,
    COUNT(${value}) OVER (PARTITION BY ${partition}) AS value_count`;
}

/** Series over one database's tables. */
export class SqlSeries {
  readonly #dialect: SqlDialect;
  readonly #runs: string;
  readonly #events: string;
  readonly #usage: string;

  constructor(dialect: SqlDialect) {
    this.#dialect = dialect;
    this.#runs = dialect.table(RUNS.name);
    this.#events = dialect.table(EVENTS.name);
    this.#usage = dialect.table(USAGE.name);
  }

  /**
   * The buckets as a table `buckets (bucket, start_at, end_at)`, from one
   * parameter: the JSON list of each bucket's start and end, the first and
   * last clamped to the range so that the join alone keeps rows in it.
   */
  #buckets(range: SeriesRange): { sql: string; param: SqlValue } {
    const boundaries = range.boundaries.map(formatTimestamp);
    boundaries[0] = formatTimestamp(range.since);
    boundaries[boundaries.length - 1] = formatTimestamp(range.until);
    // Pairs of start and end: no window is needed to pair them up.
    const param = JSON.stringify(
      boundaries.slice(0, -1).map((start, i) => [start, boundaries[i + 1]]),
    );
    const sql = this.#dialect.name === "sqlite"
      ? `SELECT CAST(key AS INTEGER) AS bucket,
    json_extract(value, '$[0]') AS start_at,
    json_extract(value, '$[1]') AS end_at
  FROM json_each(?)`
      : `SELECT CAST(ordinality - 1 AS INTEGER) AS bucket,
    CAST(value ->> 0 AS TIMESTAMP) AS start_at,
    CAST(value ->> 1 AS TIMESTAMP) AS end_at
  FROM json_array_elements(CAST(CAST(? AS TEXT) AS JSON)) WITH ORDINALITY`;
    return { sql, param };
  }

  /** LLM calls summed per bucket and group. */
  async usage(
    session: SqlSession,
    query: UsageSeriesQuery,
  ): Promise<UsageSeriesCell[]> {
    const group = query.groupBy === "model"
      ? ["provider", "model"]
      : query.groupBy === "provider"
      ? ["provider"]
      : query.groupBy === "agentId"
      ? ["agent_id"]
      : [];
    const keys = ["bucket", ...group];
    const grouping = keys.join(", ");
    const selected = group.map((column) => `u.${column}, `).join("");
    const where = new Where()
      .add("u.agent_id = ?", query.agentId)
      .add("u.run_id = ?", query.runId)
      .add("u.provider = ?", query.provider)
      .add("u.model = ?", query.model);
    const buckets = this.#buckets(query);
    const sql = `WITH buckets AS (${buckets.sql}),
calls AS (
  SELECT b.bucket, ${selected}u.status,
    u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens,
    u.reasoning_tokens, u.latency_ms,
    CASE WHEN u.input_tokens IS NOT NULL OR u.output_tokens IS NOT NULL
      THEN 1 ELSE 0 END AS has_tokens,
    ${scaledCost(this.#dialect)} AS scaled
  FROM buckets b JOIN ${this.#usage} u
    ON u.created_at >= b.start_at AND u.created_at < b.end_at
  ${where}
),
ranked AS (
  SELECT *, ${wholeNanos(this.#dialect)} AS nanos,
    ${ranks("latency_ms", keys)}
  FROM calls
)
SELECT ${grouping}, COUNT(*) AS calls,
  SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS failed_calls,
  COALESCE(SUM(input_tokens), 0) AS input_tokens,
  COALESCE(SUM(output_tokens), 0) AS output_tokens,
  COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens,
  COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens,
  COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens,
  COALESCE(SUM(nanos), 0) AS nanos,
  SUM(CASE WHEN nanos IS NULL THEN has_tokens ELSE 0 END) AS unpriced_calls,
  ${
      percentiles("latency_ms", {
        p50_ms: 50,
        p95_ms: 95,
        p99_ms: 99,
        max_ms: 100,
      })
    }
FROM ranked
GROUP BY ${grouping}`;
    const rows = await session.query(sql, [buckets.param, ...where.params]);
    return rows.map((row) => ({
      bucket: Number(row.bucket),
      ...usageGroup(row, query.groupBy),
      calls: Number(row.calls),
      failedCalls: Number(row.failed_calls),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cacheReadTokens: Number(row.cache_read_tokens),
      cacheWriteTokens: Number(row.cache_write_tokens),
      reasoningTokens: Number(row.reasoning_tokens),
      nanos: Number(row.nanos),
      unpricedCalls: Number(row.unpriced_calls),
      p50Ms: nullable(row.p50_ms),
      p95Ms: nullable(row.p95_ms),
      p99Ms: nullable(row.p99_ms),
      maxMs: nullable(row.max_ms),
    }));
  }

  /** Runs counted per bucket and group. */
  async runs(
    session: SqlSession,
    query: RunSeriesQuery,
  ): Promise<RunSeriesCell[]> {
    const group = query.groupBy === "agentId"
      ? ["agent_id"]
      : query.groupBy === "status"
      ? ["status"]
      : [];
    const keys = ["bucket", ...group];
    const grouping = keys.join(", ");
    const where = new Where().add("r.agent_id = ?", query.agentId);
    const buckets = this.#buckets(query);
    const duration = this.#dialect.name === "sqlite"
      // julianday keeps whole milliseconds: rounding restores them exactly.
      ? "CAST(round((julianday(r.finished_at) - julianday(r.started_at)) * 86400000) AS INTEGER)"
      : "CAST(round(EXTRACT(EPOCH FROM (r.finished_at - r.started_at)) * 1000) AS BIGINT)";
    const byStatus = (status: AgentRunStatus) =>
      `SUM(CASE WHEN status = '${status}' THEN 1 ELSE 0 END) AS ${status}_runs`;
    const sql = `WITH buckets AS (${buckets.sql}),
ranked AS (
  SELECT *, ${ranks("duration_ms", keys)}
  FROM (
    SELECT b.bucket, r.agent_id, r.status, r.total_iterations,
      ${duration} AS duration_ms
    FROM buckets b JOIN ${this.#runs} r
      ON r.created_at >= b.start_at AND r.created_at < b.end_at
    ${where}
  ) AS bucketed
)
SELECT ${grouping}, COUNT(*) AS runs,
  ${byStatus("pending")}, ${byStatus("running")}, ${byStatus("completed")},
  ${byStatus("error")}, ${byStatus("cancelled")},
  COALESCE(SUM(total_iterations), 0) AS iterations,
  ${
      percentiles("duration_ms", {
        p50_ms: 50,
        p95_ms: 95,
        p99_ms: 99,
        max_ms: 100,
      })
    }
FROM ranked
GROUP BY ${grouping}`;
    const rows = await session.query(sql, [buckets.param, ...where.params]);
    return rows.map((row) => ({
      bucket: Number(row.bucket),
      ...query.groupBy === "agentId"
        ? { agentId: String(row.agent_id) }
        : query.groupBy === "status"
        ? { status: String(row.status) as AgentRunStatus }
        : {},
      runs: Number(row.runs),
      pendingRuns: Number(row.pending_runs),
      runningRuns: Number(row.running_runs),
      completedRuns: Number(row.completed_runs),
      errorRuns: Number(row.error_runs),
      cancelledRuns: Number(row.cancelled_runs),
      iterations: Number(row.iterations),
      p50DurationMs: nullable(row.p50_ms),
      p95DurationMs: nullable(row.p95_ms),
      p99DurationMs: nullable(row.p99_ms),
      maxDurationMs: nullable(row.max_ms),
    }));
  }

  /** Tool calls summed per tool; see `ToolStats` for what counts. */
  async tools(
    session: SqlSession,
    query: ToolStatsFilter,
  ): Promise<ToolStats[]> {
    const where = new Where()
      .add("substr(event_type, 1, 17) = 'action_execution_'")
      .add("event_type <> 'action_execution_started'")
      .add("agent_id = ?", query.agentId)
      .add(
        "timestamp >= ?",
        query.since && formatTimestamp(query.since),
      )
      .add("timestamp < ?", query.until && formatTimestamp(query.until));
    const json = toolJson(this.#dialect);
    const sql = `SELECT action, COUNT(*) AS calls, SUM(failed) AS failures,
  ${percentiles("duration_ms", { p50_ms: 50, p95_ms: 95 })}
FROM (
  SELECT *, ${ranks("duration_ms", ["action"])}
  FROM (
    SELECT ${json.action} AS action,
      CASE WHEN event_type <> 'action_execution_completed' OR ${json.failed}
        THEN 1 ELSE 0 END AS failed,
      ${this.#dialect.jsonNumber("data", "duration_ms")} AS duration_ms
    FROM (SELECT event_type, data, ${json.document} AS doc
      FROM ${this.#events} ${where}) AS tool_events
  ) AS tool_calls
  WHERE action IS NOT NULL
) AS ranked
GROUP BY action`;
    const rows = await session.query(sql, where.params);
    return rows.map((row) => ({
      action: String(row.action),
      calls: Number(row.calls),
      failures: Number(row.failures),
      p50DurationMs: nullable(row.p50_ms),
      p95DurationMs: nullable(row.p95_ms),
    }));
  }
}

function usageGroup(
  row: SqlRow,
  groupBy: UsageSeriesQuery["groupBy"],
): Partial<UsageSeriesCell> {
  switch (groupBy) {
    case "model":
      return {
        provider: String(row.provider ?? ""),
        model: String(row.model ?? ""),
      };
    case "provider":
      return { provider: String(row.provider ?? "") };
    case "agentId":
      return { agentId: row.agent_id === null ? null : String(row.agent_id) };
    case undefined:
      return {};
  }
}

/**
 * The JSON of a tool event's data, `doc` (NULL when the text is not JSON),
 * read for the tool's name and whether the call failed.
 */
function toolJson(dialect: SqlDialect): {
  document: string;
  action: string;
  failed: string;
} {
  if (dialect.name === "sqlite") {
    return {
      document: "CASE WHEN json_valid(data) THEN data END",
      action:
        "CASE WHEN json_type(doc, '$.action') = 'text' THEN json_extract(doc, '$.action') END",
      failed: `(json_type(doc, '$.success') = 'false'
        OR COALESCE(json_type(doc, '$.error'), 'null') NOT IN ('null', 'false')
        OR (json_type(doc, '$.result.status') = 'text'
          AND json_extract(doc, '$.result.status') = 'error'))`,
    };
  }
  return {
    document: `${dialect.table("curio_json")}(data)`,
    action:
      "CASE WHEN jsonb_typeof(doc -> 'action') = 'string' THEN doc ->> 'action' END",
    failed: `(doc -> 'success' = 'false'::JSONB
        OR COALESCE(jsonb_typeof(doc -> 'error'), 'null') NOT IN ('null', 'boolean')
        OR doc -> 'error' = 'true'::JSONB
        OR (jsonb_typeof(doc -> 'result' -> 'status') = 'string'
          AND doc -> 'result' ->> 'status' = 'error'))`,
  };
}
