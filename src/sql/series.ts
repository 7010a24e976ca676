// The series and tool statistics: each one statement that the database
// aggregates, with nearest-rank percentiles picked by integer rank from each
// cell's sorted values: PostgreSQL sorts and picks them in SQL, SQLite
// collects them unsorted and they are sorted and picked here (its builds
// differ per runtime, and Deno's has neither `ceil` nor a percentile
// function). The buckets come from the boundaries computed in JavaScript,
// so every backend buckets alike: buckets of one length (minutes, hours,
// and days or weeks without a change of offset) by arithmetic on the
// timestamp, which reads the range from an index once; others (months, a
// daylight-saving change) as one JSON list of boundaries joined to the
// rows, one index range per bucket.

import type {
  RunSeriesCell,
  RunSeriesQuery,
  SeriesRange,
  ToolStatsFilter,
  UsageSeriesCell,
  UsageSeriesQuery,
} from "../core/backend.ts";
import { equalStep } from "../core/buckets.ts";
import { parseJson } from "../core/records.ts";
import { percentileRank, ToolTally } from "../core/series.ts";
import { costUsd, nanoDollars } from "../core/usage_metrics.ts";
import type { AgentRunStatus, ToolStats } from "../types.ts";
import type { SqlRow, SqlSession, SqlValue } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { Where } from "./paging.ts";
import {
  fence,
  halfNanos,
  USAGE_CELL_SUMS,
  USAGE_GROUP_VALUES,
  usageTotals,
} from "./statistics.ts";
import { formatTimestamp } from "./timestamps.ts";
import { SQLITE_TOOL_CALL, TOOL_EVENTS } from "./tool_events.ts";

/** A nullable number of a result row. */
function nullable(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Where the series read, and whether the dialect's functions exist. */
export interface SeriesSources {
  /** The runs table, or what reads as it, after FROM. */
  runs: string;
  /** The events table, or what reads as it, after FROM. */
  events: string;
  /** The LLM usage table, or what reads as it, after FROM. */
  usage: string;
  /**
   * Whether the dialect's functions exist. Without them (a read-only store
   * on a schema older than the one that creates them) the JSON that SQL
   * cannot read safely is read here: the costs other programs wrote into
   * `usage_metrics`, and the data of tool events.
   */
  functions: boolean;
  /**
   * The LLM usage table itself, when `usage` is it rather than a derived
   * table: other programs' costs are then looked up in their own row (see
   * `halfNanos`), so that a date range is read from the date index alone.
   */
  usageTable?: string | undefined;
  /**
   * The usage table's covering date index, when the schema is current: a
   * statement of one bucket names it. With ANALYZE's statistics (STAT4) a
   * small bucket's range can look cheaper to SQLite as a skip-scan of the
   * run or agent index, which then reads every call's row from the table.
   */
  usageDateIndex?: string | undefined;
  /**
   * SQLite's tool events' index, when the schema is current: it holds the
   * tool statistics' expressions (`SQLITE_TOOL_CALL`), which they then read
   * from it alone. An older schema read as it is has version 8's or none.
   */
  toolsIndex?: string | undefined;
}

/** Rows of a table with the index of their bucket, as a subquery. */
interface Bucketed {
  sql: string;
  params: SqlValue[];
}

/**
 * Most buckets a SQLite series reads as one aggregate per bucket: SQLite
 * caps a compound SELECT at 500 arms and, before 3.32, a statement at 999
 * parameters. Measured on 1M calls over 90 days: 384 hours take 308 ms
 * per bucket against 361 ms grouped.
 */
const MAX_ARMS = 400;
/**
 * Shortest mean bucket a SQLite series reads one aggregate per bucket: an
 * arm costs about 40 µs before it reads a row, so 360 minutes of ~8 calls
 * each took 15 ms per bucket against 4 ms grouped.
 */
const MIN_ARM_MS = 3_600_000;

/** The percentiles of a series cell, by column name. */
const PERCENTILES = { p50_ms: 50, p95_ms: 95, p99_ms: 99, max_ms: 100 };

/** The column of a SQLite cell's values, unsorted, as a JSON array. */
const UNSORTED = "unsorted_values";

/** Series over one database's tables. */
export class SqlSeries {
  readonly #dialect: SqlDialect;
  readonly #sources: SeriesSources;
  /** Whether SQLite has binary JSON (3.45+); PostgreSQL's is its own. */
  #jsonb = true;

  constructor(dialect: SqlDialect, sources: SeriesSources) {
    this.#dialect = dialect;
    this.#sources = sources;
  }

  /**
   * The rows of `table` whose `column` lies in the range and that `where`
   * keeps, each as `bucket` (its bucket's index) and `columns`.
   */
  #bucketed(
    range: SeriesRange,
    table: string,
    column: string,
    columns: string,
    where: Where,
    fixed?: number,
  ): Bucketed {
    if (fixed !== undefined) {
      // One bucket's rows: its index range alone, the bucket a constant.
      const start = range.boundaries[fixed]!;
      const end = range.boundaries[fixed + 1]!;
      const inBucket = where.clone()
        .add(
          `${column} >= ?`,
          formatTimestamp(start > range.since ? start : range.since),
        )
        .add(
          `${column} < ?`,
          formatTimestamp(end < range.until ? end : range.until),
        );
      return {
        sql: `SELECT ${columns}
  FROM ${table} ${inBucket}`,
        params: inBucket.params,
      };
    }
    const step = equalStep(range.boundaries);
    if (step !== undefined) {
      const first = formatTimestamp(range.boundaries[0]!);
      const inRange = where.clone()
        .add(`${column} >= ?`, formatTimestamp(range.since))
        .add(`${column} < ?`, formatTimestamp(range.until));
      return {
        sql: `SELECT ${this.#bucketIndex(column)} AS bucket, ${columns}
  FROM ${table} ${inRange}`,
        params: [first, step, ...inRange.params],
      };
    }
    const buckets = this.#buckets(range);
    return {
      sql: `SELECT b.bucket, ${columns}
  FROM (${buckets.sql}) AS b JOIN ${table}
    ON ${column} >= b.start_at AND ${column} < b.end_at
  ${where}`,
      params: [buckets.param, ...where.params],
    };
  }

  /**
   * The index of the bucket holding `column`, from two parameters: the
   * first bucket's start and the buckets' length in milliseconds. The time
   * since the start is counted in whole milliseconds, exactly: stored times
   * have millisecond precision, which SQLite's julianday keeps and rounding
   * restores; PostgreSQL's interval epoch is exact.
   */
  #bucketIndex(column: string): string {
    return this.#dialect.name === "sqlite"
      ? `CAST(round((julianday(${column}) - julianday(?)) * 86400000) AS INTEGER) / CAST(? AS INTEGER)`
      : `CAST(floor(EXTRACT(EPOCH FROM (${column} - CAST(? AS TIMESTAMP))) * 1000 / CAST(? AS BIGINT)) AS INTEGER)`;
  }

  /**
   * The buckets as a table `(bucket, start_at, end_at)`, from one
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

  /**
   * The cells of a series: the rows of the statement `rows` summed per
   * `keys` as `sums` asks, with the 50th, 95th and 99th percentiles and the
   * maximum of `value` (a numeric column) as `p50_ms`, `p95_ms`, `p99_ms`,
   * `max_ms`, picked by nearest rank from each cell's sorted values.
   * PostgreSQL sorts them in an ordered aggregate and picks in SQL. SQLite
   * collects them unsorted into a JSON array, which `#cells` sorts and
   * picks from: its ordered aggregate (3.44+) took twice as long as that
   * over a million calls, and older builds, which refuse it, need nothing
   * else.
   */
  #aggregated(
    { rows, keys, sums, value, ranked, fixed }: {
      rows: string;
      keys: readonly string[];
      sums: Record<string, string>;
      value: string;
      /** Whether to pick the percentiles; else they are NULL. */
      ranked: boolean;
      /** The bucket, when `rows` are one bucket's: selected as a constant. */
      fixed?: number | undefined;
    },
  ): string {
    const lead = [
      ...fixed === undefined ? [] : [`${fixed} AS bucket`],
      ...keys,
    ].map((column) => `${column}, `).join("");
    const inner = keys.map((column) => `${column}, `).join("");
    const groupBy = keys.length ? `\nGROUP BY ${keys.join(", ")}` : "";
    // Each row's computed columns once (a cost is read in four places),
    // and a sort of the groups carries the cost, not the columns it reads.
    const fenced = `(${rows} ${fence(this.#dialect)}) AS cell_rows`;
    const summed = Object.entries(sums).map(([name, sum]) =>
      `${sum} AS ${name}`
    );
    if (!ranked) {
      const nulls = Object.keys(PERCENTILES).map((name) => `NULL AS ${name}`);
      return `SELECT ${lead}${summed.join(",\n  ")},
  ${nulls.join(", ")}
FROM ${fenced}${groupBy}`;
    }
    if (this.#dialect.name === "sqlite") {
      // SQLite's JSON writes a real to 15 digits; quote() to as many as it
      // takes to read back the same double, as a JSON string that Number()
      // reads exactly.
      const exact =
        `CASE WHEN typeof(${value}) = 'real' THEN quote(${value}) ELSE ${value} END`;
      return `SELECT ${lead}${summed.join(",\n  ")},
  json_group_array(${exact}) FILTER (WHERE ${value} IS NOT NULL) AS ${UNSORTED}
FROM ${fenced}${groupBy}`;
    }
    const picked = Object.entries(PERCENTILES).map(([name, p]) =>
      `sorted_values[CAST((${p} * value_count + 99) / 100 AS INTEGER)] AS ${name}`
    );
    return `SELECT ${lead}${Object.keys(sums).join(", ")},
  ${picked.join(",\n  ")}
FROM (
  SELECT ${inner}${summed.join(",\n    ")},
    COUNT(${value}) AS value_count,
    array_agg(${value} ORDER BY ${value}) FILTER (WHERE ${value} IS NOT NULL) AS sorted_values
  FROM ${fenced}${groupBy}
) AS grouped`;
  }

  /**
   * The rows of a series: `aggregate` of `bucketed` rows, with the bucket's
   * index as `bucket`. On SQLite, unless the buckets are many, one
   * aggregate per bucket over the bucket's index range, joined by UNION
   * ALL into one statement (one snapshot): grouping by the bucket makes
   * SQLite sort every row of the range, which costs more than the sums.
   * An arm of a bucket without rows and without groups is one row that
   * counts nothing, dropped here. PostgreSQL hash-aggregates the single
   * grouped statement. `filtered` (by agent or run: a bucket holds few
   * rows) keeps the grouped statement too: an arm costs about 0.4 ms
   * before it reads a row, so 168 hours of one agent's ~9 calls each took
   * 86 ms per bucket against 18 ms by hand, grouped.
   */
  async #series(
    session: SqlSession,
    range: SeriesRange,
    bucketed: (fixed?: number) => Bucketed,
    aggregate: (rows: Bucketed, fixed?: number) => string,
    counted: string,
    filtered: boolean,
  ): Promise<SqlRow[]> {
    const buckets = range.boundaries.length - 1;
    const one = bucketed(0);
    // Whole buckets, the range's partial first and last ones included.
    const span = range.boundaries[buckets]!.getTime() -
      range.boundaries[0]!.getTime();
    if (
      this.#dialect.name !== "sqlite" || filtered || buckets > MAX_ARMS ||
      span < buckets * MIN_ARM_MS || buckets * one.params.length > 999
    ) {
      const rows = bucketed();
      return await this.#cells(session, aggregate(rows), rows.params);
    }
    const arms = Array.from({ length: buckets }, (_, i) => bucketed(i));
    const rows = await this.#cells(
      session,
      arms.map((arm, i) => aggregate(arm, i)).join("\nUNION ALL\n"),
      arms.flatMap((arm) => arm.params),
    );
    return rows.filter((row) => Number(row[counted]) > 0);
  }

  /**
   * The rows of the statement `sql`, with the percentiles of each row's
   * unsorted values (SQLite's, see `#aggregated`) picked.
   */
  async #cells(
    session: SqlSession,
    sql: string,
    params: readonly SqlValue[],
  ): Promise<SqlRow[]> {
    const rows = await session.query(sql, params);
    for (const row of rows) {
      const unsorted = row[UNSORTED];
      if (typeof unsorted !== "string") continue;
      const sorted = Float64Array.from(JSON.parse(unsorted) as number[])
        .sort();
      for (const [name, p] of Object.entries(PERCENTILES)) {
        row[name] = sorted.length === 0
          ? null
          : sorted[percentileRank(p, sorted.length) - 1]!;
      }
    }
    return rows;
  }

  /** LLM calls summed per bucket and group. */
  usage(
    session: SqlSession,
    query: UsageSeriesQuery,
  ): Promise<UsageSeriesCell[]> {
    return this.#usage(session, query, false);
  }

  /**
   * The latency percentiles of `query`'s cells alone, their counts left at
   * zero: for the buckets whose sums the daily roll-up holds.
   */
  latencies(
    session: SqlSession,
    query: UsageSeriesQuery,
  ): Promise<UsageSeriesCell[]> {
    return this.#usage(session, { ...query, percentiles: true }, true);
  }

  async #usage(
    session: SqlSession,
    query: UsageSeriesQuery,
    latenciesOnly: boolean,
  ): Promise<UsageSeriesCell[]> {
    const group = usageGroupColumns(query.groupBy);
    const selected = group.map((column) =>
      `${USAGE_GROUP_VALUES[column]} AS ${column}, `
    ).join("");
    const where = new Where()
      .add("agent_id = ?", query.agentId)
      .add("run_id = ?", query.runId)
      .add("provider = ?", query.provider)
      .add("model = ?", query.model);
    const dateIndex = this.#sources.usageDateIndex;
    // Filtered by agent or run, the range is read from that one's index.
    const byDate = dateIndex !== undefined && query.agentId === undefined &&
        query.runId === undefined
      ? `${this.#sources.usage} INDEXED BY ${dateIndex}`
      : this.#sources.usage;
    const calls = (fixed?: number) =>
      this.#bucketed(
        query,
        fixed === undefined ? this.#sources.usage : byDate,
        "created_at",
        latenciesOnly ? `${selected}latency_ms` : `${selected}status,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
    reasoning_tokens, latency_ms,
    ${
          halfNanos(
            this.#dialect,
            this.#sources.functions,
            this.#sources.usageTable,
          )
        } AS half_nanos`,
        where,
        fixed,
      );
    const sql = (rows: Bucketed, fixed?: number) =>
      this.#aggregated({
        // The fence of #aggregated computes each call's cost once.
        rows: rows.sql,
        keys: fixed === undefined ? ["bucket", ...group] : group,
        sums: latenciesOnly ? { calls: "COUNT(*)" } : USAGE_CELL_SUMS,
        value: "latency_ms",
        ranked: query.percentiles,
        fixed,
      });
    const rows = await this.#series(
      session,
      query,
      calls,
      sql,
      "calls",
      query.agentId !== undefined || query.runId !== undefined,
    );
    const cells = rows.map((row): UsageSeriesCell => ({
      bucket: Number(row.bucket),
      ...usageGroup(row, query.groupBy),
      ...usageTotals(row),
      p50Ms: nullable(row.p50_ms),
      p95Ms: nullable(row.p95_ms),
      p99Ms: nullable(row.p99_ms),
      maxMs: nullable(row.max_ms),
    }));
    if (!this.#sources.functions && !latenciesOnly) {
      await this.#addCostsRead(session, query, where, cells);
    }
    return cells;
  }

  /**
   * Adds to `cells` the costs other programs wrote into `usage_metrics`,
   * read row by row: for a schema without the dialect's functions, whose
   * SQL counted those calls as unpriced.
   */
  async #addCostsRead(
    session: SqlSession,
    query: UsageSeriesQuery,
    where: Where,
    cells: UsageSeriesCell[],
  ): Promise<void> {
    const group = usageGroupColumns(query.groupBy);
    const unwritten = this.#bucketed(
      query,
      this.#sources.usage,
      "created_at",
      [...group, "usage_metrics", "input_tokens", "output_tokens"].join(", "),
      where.clone().add("cost_source IS NULL"),
    );
    const key = (bucket: number, row: Partial<UsageSeriesCell>) =>
      JSON.stringify([bucket, row.provider, row.model, row.agentId]);
    const byKey = new Map(cells.map((cell) => [key(cell.bucket, cell), cell]));
    for (const row of await session.query(unwritten.sql, unwritten.params)) {
      const metrics = row.usage_metrics;
      const cost = costUsd(
        parseJson(typeof metrics === "string" ? metrics : null),
      );
      const nanos = cost === undefined ? undefined : nanoDollars(cost);
      if (nanos === undefined) continue;
      const cell = byKey.get(
        key(Number(row.bucket), usageGroup(row, query.groupBy)),
      );
      // SQL counted every row read here in its cell.
      if (!cell) continue;
      cell.nanos += nanos;
      if (row.input_tokens != null || row.output_tokens != null) {
        cell.unpricedCalls--;
      }
    }
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
    const where = new Where().add("agent_id = ?", query.agentId);
    const duration = this.#dialect.name === "sqlite"
      // julianday keeps whole milliseconds: rounding restores them exactly.
      ? "CAST(round((julianday(finished_at) - julianday(started_at)) * 86400000) AS INTEGER)"
      : "CAST(round(EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000) AS BIGINT)";
    const runs = (fixed?: number) =>
      this.#bucketed(
        query,
        this.#sources.runs,
        "created_at",
        `agent_id, status, total_iterations, ${duration} AS duration_ms`,
        where,
        fixed,
      );
    const byStatus = (status: AgentRunStatus) =>
      `SUM(CASE WHEN status = '${status}' THEN 1 ELSE 0 END)`;
    const sql = (rows: Bucketed, fixed?: number) =>
      this.#aggregated({
        rows: rows.sql,
        keys: fixed === undefined ? ["bucket", ...group] : group,
        sums: {
          runs: "COUNT(*)",
          pending_runs: byStatus("pending"),
          running_runs: byStatus("running"),
          completed_runs: byStatus("completed"),
          error_runs: byStatus("error"),
          cancelled_runs: byStatus("cancelled"),
          iterations: "COALESCE(SUM(total_iterations), 0)",
        },
        value: "duration_ms",
        ranked: query.percentiles,
        fixed,
      });
    const rows = await this.#series(
      session,
      query,
      runs,
      sql,
      "runs",
      query.agentId !== undefined,
    );
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
      .add(TOOL_EVENTS)
      .add("event_type <> 'action_execution_started'")
      .add("agent_id = ?", query.agentId)
      .add(
        "timestamp >= ?",
        query.since && formatTimestamp(query.since),
      )
      .add("timestamp < ?", query.until && formatTimestamp(query.until));
    if (!this.#sources.functions) return await this.#toolsRead(session, where);
    const toolsIndex = this.#dialect.name === "sqlite"
      ? this.#sources.toolsIndex
      : undefined;
    const sql = () =>
      this.#aggregated({
        rows: toolsIndex === undefined
          ? this.#toolCallsParsed(where)
          : this.#toolCallsIndexed(where, toolsIndex),
        keys: ["action"],
        sums: { calls: "COUNT(*)", failures: "SUM(failed)" },
        value: "duration_ms",
        ranked: true,
      });
    let rows: SqlRow[];
    try {
      rows = await this.#cells(session, sql(), where.params);
    } catch (error) {
      if (
        !this.#jsonb ||
        !/no such function: jsonb/.test(String((error as Error)?.message))
      ) throw error;
      // SQLite before 3.45 has no binary JSON: the text is parsed instead.
      this.#jsonb = false;
      rows = await this.#cells(session, sql(), where.params);
    }
    return rows.map((row) => ({
      action: String(row.action),
      calls: Number(row.calls),
      failures: Number(row.failures),
      p50DurationMs: nullable(row.p50_ms),
      p95DurationMs: nullable(row.p95_ms),
    }));
  }

  /**
   * The tool calls `(action, failed, duration_ms)` of the events `where`
   * keeps, read on SQLite from the tool events' covering index `toolsIndex`
   * (schema version 9): the expressions as it holds them, behind a fence,
   * so that filtering and grouping outside it read the index's values;
   * unfenced, SQLite copies them into the grouping and computes them from
   * the row.
   */
  #toolCallsIndexed(where: Where, toolsIndex: string): string {
    return `SELECT * FROM (
    SELECT ${SQLITE_TOOL_CALL.action} AS action,
      ${SQLITE_TOOL_CALL.failed} AS failed,
      ${SQLITE_TOOL_CALL.duration} AS duration_ms
    FROM ${this.#sources.events} INDEXED BY ${toolsIndex} ${where}
    LIMIT -1
  ) AS tool_calls
  WHERE action IS NOT NULL`;
  }

  /**
   * The tool calls `(action, failed, duration_ms)` of the events `where`
   * keeps, their JSON parsed here: for a schema without the covering index
   * (see `toolCallsIndexed`), and for PostgreSQL.
   */
  #toolCallsParsed(where: Where): string {
    const json = toolJson(this.#dialect, this.#jsonb);
    // Each row's JSON document is parsed once, behind a fence: read in
    // nine places, an unfenced column would be parsed at every one.
    return `SELECT * FROM (
    SELECT ${json.action} AS action,
      CASE WHEN event_type <> 'action_execution_completed' OR ${json.failed}
        THEN 1 ELSE 0 END AS failed,
      ${json.duration} AS duration_ms
    FROM (SELECT event_type, data, ${json.document} AS doc
      FROM ${this.#sources.events} ${where}
      ${
      this.#dialect.name === "sqlite" ? "LIMIT -1" : "OFFSET 0"
    }) AS tool_events
  ) AS tool_calls
  WHERE action IS NOT NULL`;
  }

  /**
   * The tool events' data read and counted here: for a schema without the
   * dialect's functions, where SQL cannot read JSON that may be invalid.
   */
  async #toolsRead(session: SqlSession, where: Where): Promise<ToolStats[]> {
    const tally = new ToolTally();
    const rows = await session.query(
      `SELECT event_type, data FROM ${this.#sources.events} ${where}`,
      where.params,
    );
    for (const row of rows) {
      tally.add(
        String(row.event_type),
        typeof row.data === "string" ? row.data : null,
      );
    }
    return tally.stats();
  }
}

/** The columns a usage series groups by. */
export function usageGroupColumns(
  groupBy: UsageSeriesQuery["groupBy"],
): string[] {
  switch (groupBy) {
    case "model":
      return ["provider", "model"];
    case "provider":
      return ["provider"];
    case "agentId":
      return ["agent_id"];
    case undefined:
      return [];
  }
}

/** The group of a usage series row, as a cell names it. */
export function usageGroup(
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
 * read for the tool's name, whether the call failed and its duration. On
 * SQLite, `jsonb` makes the document binary JSON, parsed once per row
 * rather than at each of the nine reads; paths read both forms alike.
 */
function toolJson(dialect: SqlDialect, jsonb: boolean): {
  document: string;
  action: string;
  failed: string;
  duration: string;
} {
  if (dialect.name === "sqlite") {
    return {
      document: `CASE WHEN json_valid(data) THEN ${
        jsonb ? "jsonb(data)" : "data"
      } END`,
      action:
        "CASE WHEN json_type(doc, '$.action') = 'text' THEN json_extract(doc, '$.action') END",
      failed: `(json_type(doc, '$.success') = 'false'
        OR COALESCE(json_type(doc, '$.error'), 'null') NOT IN ('null', 'false')
        OR (json_type(doc, '$.result.status') = 'text'
          AND json_extract(doc, '$.result.status') = 'error'))`,
      // As the dialect's jsonNumber reads `data`, from the parsed document.
      duration:
        `CASE WHEN json_type(doc, '$.duration_ms') IN ('integer', 'real') AND json_extract(doc, '$.duration_ms') BETWEEN -${Number.MAX_VALUE} AND ${Number.MAX_VALUE} THEN json_extract(doc, '$.duration_ms') END`,
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
    duration: dialect.jsonNumber("data", "duration_ms"),
  };
}
