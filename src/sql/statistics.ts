// The statistics queries: each figure summed by the database, so that no
// row has to travel to be counted; over the rows alone, in one statement.

import type { TimeRange, UsageSeriesCell } from "../core/backend.ts";
import { parseJson } from "../core/records.ts";
import {
  addUsageCounts,
  emptyUsageCell,
  emptyUsageCounts,
} from "../core/series.ts";
import { costUsd, nanoDollars } from "../core/usage_metrics.ts";
import type { AgentRunStats, LlmUsageBreakdown } from "../types.ts";
import type { SqlRow, SqlSession } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { Where } from "./paging.ts";
import { formatTimestamp } from "./timestamps.ts";

/** Where the statistics read, and whether the dialect's functions exist. */
export interface StatisticsSources {
  /** The runs table, or what reads as it, after FROM. */
  runs: string;
  /** The LLM usage table, or what reads as it, after FROM. */
  usage: string;
  /**
   * Whether the dialect's functions exist. A read-only store on a schema
   * older than the one that creates them cannot create them: the costs other
   * programs wrote into `usage_metrics` are then read here, slower but the
   * same figures.
   */
  functions: boolean;
  /** The LLM usage table itself, when `usage` is it (see `halfNanos`). */
  usageTable?: string | undefined;
}

/** What the costs read outside SQL add to one group's figures. */
interface CostsRead {
  nanos: number;
  /** Calls with tokens that SQL counted as unpriced but that have a cost. */
  priced: number;
}

/**
 * A call's cost in half nano-dollars, truncated toward zero, as an integer
 * (`half_nanos`): the cost column of rows this module wrote,
 * `usage_metrics.cost_usd` of other programs' rows (no `cost_source`).
 * Beyond ±(2^54 - 2) (`CALL_NANOS`'s bound) or NULL when the cost is
 * unknown. Doubling a double is exact, so that `CALL_NANOS` rounds it half
 * away from zero in integers, as `nanoDollars` in core does: read behind a
 * fence (`fence`), a row's cost is computed once, not at each of the
 * rounding's reads. Given `table`, the LLM usage table itself, the rows
 * read look `usage_metrics` up in their own row by its primary key (on
 * PostgreSQL the whole key, which a partitioned table's is, so one
 * partition is read): the query then reads no column the date index lacks,
 * and a date range is read from that index alone but for those rows.
 *
 * @example
 * ```ts ignore
 * const sql = `SELECT SUM(${CALL_NANOS}) AS nanos FROM (SELECT input_tokens,
 *   output_tokens, ${halfNanos(dialect)} AS half_nanos
 *   FROM agent_llm_usage ${fence(dialect)}) AS costed`;
 * ```
 */
export function halfNanos(
  dialect: SqlDialect,
  functions = true,
  table?: string,
): string {
  const sqlite = dialect.name === "sqlite";
  // SQLite's id is the rowid: one column less for a sort to carry.
  const samePartition = sqlite
    ? ""
    : ` AND cost_row.created_at = ${table}.created_at`;
  const metricsCost = !functions
    ? "NULL"
    : table === undefined
    ? dialect.jsonNumber("usage_metrics", "cost_usd")
    : `(SELECT ${dialect.jsonNumber("cost_row.usage_metrics", "cost_usd")}
      FROM ${table} AS cost_row
      WHERE cost_row.id = ${table}.id${samePartition})`;
  const cost =
    `CASE WHEN cost_source IS NULL THEN ${metricsCost} ELSE cost_usd END`;
  // SQLite's CAST truncates, saturating beyond 64 bits. PostgreSQL's
  // rounds and fails beyond them, and its product fails beyond doubles: the
  // cost is clamped first, beyond the range still.
  return sqlite
    ? `CAST(${cost} * 2000000000.0 AS INTEGER)`
    : `CAST(trunc(least(greatest(${cost}, -1e8), 1e8) * 2000000000.0) AS BIGINT)`;
}

/** Half nano-dollars of the largest whole nano-dollars `nanoDollars` keeps. */
const MAX_HALF_NANOS = 2 * Number.MAX_SAFE_INTEGER;

/**
 * A call's cost in whole nano-dollars, rounded half away from zero, NULL
 * when unknown or beyond ±(2^53 - 1), from its column `half_nanos` (see
 * `halfNanos`): the rule of `nanoDollars` in core. With the half
 * nano-dollars `h` truncated, `h - h / 2` (division truncating) adds the
 * half when there is one, away from zero. BETWEEN, not abs(): abs() fails
 * on the most negative integer, which a saturated CAST gives.
 */
export const CALL_NANOS =
  `CASE WHEN half_nanos BETWEEN ${-MAX_HALF_NANOS} AND ${MAX_HALF_NANOS}
      THEN half_nanos - half_nanos / 2 END`;

/**
 * 1 for a call with tokens (input or output) but no cost (`CALL_NANOS` is
 * NULL), else 0: from the columns `half_nanos`, `input_tokens` and
 * `output_tokens`.
 */
export const UNPRICED_CALL =
  `CASE WHEN half_nanos BETWEEN ${-MAX_HALF_NANOS} AND ${MAX_HALF_NANOS}
      OR (input_tokens IS NULL AND output_tokens IS NULL) THEN 0 ELSE 1 END`;

/**
 * What ends a derived table so that the database computes its columns once
 * per row: without it the database copies each computed column into every
 * expression that reads it, computing it again each time.
 */
export function fence(dialect: SqlDialect): string {
  return dialect.name === "sqlite" ? "LIMIT -1" : "OFFSET 0";
}

/**
 * A usage series cell's counts and sums, by column name, over rows of the
 * usage table with `half_nanos` (see `halfNanos`): the series and the
 * daily roll-up's build sum alike.
 */
export const USAGE_CELL_SUMS: Readonly<Record<string, string>> = {
  calls: "COUNT(*)",
  failed_calls: "SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END)",
  input_tokens: "COALESCE(SUM(input_tokens), 0)",
  output_tokens: "COALESCE(SUM(output_tokens), 0)",
  cache_read_tokens: "COALESCE(SUM(cache_read_tokens), 0)",
  cache_write_tokens: "COALESCE(SUM(cache_write_tokens), 0)",
  reasoning_tokens: "COALESCE(SUM(reasoning_tokens), 0)",
  nanos: `COALESCE(SUM(${CALL_NANOS}), 0)`,
  unpriced_calls: `SUM(${UNPRICED_CALL})`,
};

/**
 * What each column a usage series groups by holds for the grouping: a
 * NULL provider or model (other programs may write one) is the empty name,
 * as the API reports it, so it joins the group of those written as "";
 * a NULL agent is a group of its own.
 */
export const USAGE_GROUP_VALUES: Readonly<Record<string, string>> = {
  provider: "COALESCE(provider, '')",
  model: "COALESCE(model, '')",
  agent_id: "agent_id",
};

/** Rows of one agent (or all) created in the range. */
function rangeFilter(
  agentId: string | undefined,
  range: TimeRange,
  column = "created_at",
): Where {
  return new Where()
    .add("agent_id = ?", agentId)
    .add(`${column} >= ?`, range.since && formatTimestamp(range.since))
    .add(`${column} < ?`, range.until && formatTimestamp(range.until));
}

/** Statistics of the runs and LLM calls of one database's tables. */
export class SqlStatistics {
  readonly #dialect: SqlDialect;
  readonly #runs: string;
  readonly #usage: string;
  readonly #costInSql: boolean;
  readonly #usageTable: string | undefined;

  constructor(dialect: SqlDialect, sources: StatisticsSources) {
    this.#dialect = dialect;
    this.#runs = sources.runs;
    this.#usage = sources.usage;
    this.#costInSql = sources.functions;
    this.#usageTable = sources.usageTable;
  }

  /**
   * The LLM calls of `filter`, each with its cost in half nano-dollars
   * (`half_nanos`, see `halfNanos`), which `CALL_NANOS` and `UNPRICED_CALL`
   * read. Rows this module wrote carry their cost in `cost_usd`; only other
   * programs' rows (no `cost_source`) are read from `usage_metrics`.
   */
  #costedUsage(filter: string): string {
    return `(SELECT ${USAGE_GROUP_VALUES.provider} AS provider,
    ${USAGE_GROUP_VALUES.model} AS model, status, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, reasoning_tokens,
    ${halfNanos(this.#dialect, this.#costInSql, this.#usageTable)} AS half_nanos
  FROM ${this.#usage} ${filter} ${fence(this.#dialect)}
) AS costed`;
  }

  /** Runs by status and LLM calls summed, of one agent or of all. */
  async runStats(
    session: SqlSession,
    agentId: string | undefined,
    range: TimeRange = {},
  ): Promise<AgentRunStats> {
    const where = rangeFilter(agentId, range);
    const filter = String(where);
    // One statement: the runs and the calls of one snapshot.
    const [row] = await session.query(
      `SELECT * FROM (${this.#runCountsSql(filter)}) AS runs
  CROSS JOIN (${this.#usageTotalsSql(filter)}) AS usage`,
      [...where.params, ...where.params],
    );
    return {
      ...runCounts(row!),
      ...usageStats(
        await this.#withCostsRead(session, where, usageTotals(row!)),
      ),
    };
  }

  /** The runs' half of `runStats`: runs by status. */
  async runCounts(
    session: SqlSession,
    agentId: string | undefined,
    range: TimeRange = {},
  ): Promise<RunCounts> {
    const where = rangeFilter(agentId, range);
    const [row] = await session.query(
      this.#runCountsSql(String(where)),
      where.params,
    );
    return runCounts(row!);
  }

  /**
   * The LLM calls' half of `runStats` as a usage series cell of `bucket`:
   * what the daily roll-up leaves to the rows.
   */
  async usageCell(
    session: SqlSession,
    agentId: string | undefined,
    range: TimeRange,
  ): Promise<UsageSeriesCell> {
    const where = rangeFilter(agentId, range);
    const [row] = await session.query(
      this.#usageTotalsSql(String(where)),
      where.params,
    );
    const totals = await this.#withCostsRead(session, where, usageTotals(row!));
    return { ...emptyUsageCell(0, {}), ...totals };
  }

  #runCountsSql(filter: string): string {
    const byStatus = (status: string) =>
      `COALESCE(SUM(CASE WHEN status = '${status}' THEN 1 ELSE 0 END), 0)`;
    return `SELECT COUNT(*) AS total_runs,
    ${byStatus("pending")} AS pending_runs,
    ${byStatus("running")} AS running_runs,
    ${byStatus("completed")} AS completed_runs,
    ${byStatus("error")} AS error_runs,
    ${byStatus("cancelled")} AS cancelled_runs,
    COALESCE(AVG(total_iterations), 0) AS avg_iterations
  FROM ${this.#runs} ${filter}`;
  }

  /** The LLM calls of `filter` summed: the columns of `USAGE_CELL_SUMS`. */
  #usageTotalsSql(filter: string): string {
    const sums = Object.entries(USAGE_CELL_SUMS).map(([name, sum]) =>
      `COALESCE(${sum}, 0) AS ${name}`
    );
    return `SELECT ${sums.join(",\n    ")}
  FROM ${this.#costedUsage(filter)}`;
  }

  /**
   * `totals` with the costs SQL could not read added: for a schema without
   * the dialect's functions (see `costsRead`).
   */
  async #withCostsRead(
    session: SqlSession,
    where: Where,
    totals: UsageTotals,
  ): Promise<UsageTotals> {
    if (this.#costInSql) return totals;
    const sum = { ...totals };
    for (const group of (await this.#costsRead(session, where)).values()) {
      sum.nanos += group.nanos;
      sum.unpricedCalls -= group.priced;
    }
    return sum;
  }

  /** LLM calls summed per provider and model, the costliest first. */
  async usageBreakdown(
    session: SqlSession,
    agentId: string | undefined,
    range: TimeRange = {},
  ): Promise<LlmUsageBreakdown[]> {
    const where = rangeFilter(agentId, range);
    const filter = String(where);
    const sql = `SELECT provider, model, COUNT(*) AS calls,
    COALESCE(SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), 0) AS failed,
    COALESCE(SUM(input_tokens), 0) AS input_tokens,
    COALESCE(SUM(output_tokens), 0) AS output_tokens,
    COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens,
    COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens,
    COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens,
    COALESCE(SUM(${CALL_NANOS}), 0) AS nanos,
    COALESCE(SUM(${UNPRICED_CALL}), 0) AS unpriced
  FROM ${this.#costedUsage(filter)}
  GROUP BY provider, model
  ORDER BY nanos DESC, calls DESC, provider, model`;
    const rows = await session.query(sql, where.params);
    const read = this.#costInSql
      ? new Map<string, CostsRead>()
      : await this.#costsRead(session, where);
    const groups = rows.map((row) => {
      const extra = read.get(groupKey(row.provider, row.model)) ??
        { nanos: 0, priced: 0 };
      return {
        provider: String(row.provider ?? ""),
        model: String(row.model ?? ""),
        calls: Number(row.calls),
        failedCalls: Number(row.failed),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        cacheReadTokens: Number(row.cache_read_tokens),
        cacheWriteTokens: Number(row.cache_write_tokens),
        reasoningTokens: Number(row.reasoning_tokens),
        nanos: Number(row.nanos) + extra.nanos,
        unpricedCalls: Number(row.unpriced) - extra.priced,
      };
    });
    if (!this.#costInSql) {
      // SQL ordered without the costs read here.
      groups.sort((a, b) =>
        b.nanos - a.nanos || b.calls - a.calls ||
        compare(a.provider, b.provider) || compare(a.model, b.model)
      );
    }
    return groups.map(({ nanos, ...group }) => ({
      ...group,
      costUsd: nanos / 1e9,
    }));
  }

  /**
   * The costs other programs wrote into `usage_metrics`, per provider and
   * model, read row by row: for a schema without the dialect's functions.
   */
  async #costsRead(
    session: SqlSession,
    where: Where,
  ): Promise<Map<string, CostsRead>> {
    const unwritten = where.clone().add("cost_source IS NULL");
    const rows = await session.query(
      `SELECT provider, model, usage_metrics, input_tokens, output_tokens ` +
        `FROM ${this.#usage} ${unwritten}`,
      unwritten.params,
    );
    const sums = new Map<string, CostsRead>();
    for (const row of rows) {
      const cost = costUsd(parseJson(stringOrNull(row.usage_metrics)));
      const nanos = cost === undefined ? undefined : nanoDollars(cost);
      if (nanos === undefined) continue;
      const key = groupKey(row.provider, row.model);
      const sum = sums.get(key) ?? { nanos: 0, priced: 0 };
      sum.nanos += nanos;
      if (row.input_tokens != null || row.output_tokens != null) sum.priced++;
      sums.set(key, sum);
    }
    return sums;
  }
}

/** A breakdown group's key: a NULL name is the empty one, as in SQL. */
function groupKey(provider: unknown, model: unknown): string {
  return JSON.stringify([provider ?? "", model ?? ""]);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** The order SQL's ORDER BY on text gives ASCII names. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The runs' figures of `AgentRunStats`. */
export type RunCounts = Pick<
  AgentRunStats,
  | "totalRuns"
  | "pendingRuns"
  | "runningRuns"
  | "completedRuns"
  | "errorRuns"
  | "cancelledRuns"
  | "avgIterations"
>;

/** What a usage series cell sums, costs as whole nano-dollars. */
export type UsageTotals = Omit<
  UsageSeriesCell,
  "bucket" | "provider" | "model" | "agentId" | `p${string}Ms` | "maxMs"
>;

function runCounts(row: SqlRow): RunCounts {
  const figure = (name: string) => Number(row[name] ?? 0);
  return {
    totalRuns: figure("total_runs"),
    pendingRuns: figure("pending_runs"),
    runningRuns: figure("running_runs"),
    completedRuns: figure("completed_runs"),
    errorRuns: figure("error_runs"),
    cancelledRuns: figure("cancelled_runs"),
    avgIterations: figure("avg_iterations"),
  };
}

/**
 * The counts and sums of a row with the columns of `USAGE_CELL_SUMS` (a
 * series cell, a day of the roll-up, a range's totals); those a row lacks
 * (a cell of latencies alone) are 0.
 */
export function usageTotals(row: SqlRow): UsageTotals {
  const figure = (name: string) => Number(row[name] ?? 0);
  return {
    calls: figure("calls"),
    failedCalls: figure("failed_calls"),
    inputTokens: figure("input_tokens"),
    outputTokens: figure("output_tokens"),
    cacheReadTokens: figure("cache_read_tokens"),
    cacheWriteTokens: figure("cache_write_tokens"),
    reasoningTokens: figure("reasoning_tokens"),
    nanos: figure("nanos"),
    unpricedCalls: figure("unpriced_calls"),
  };
}

/**
 * The LLM calls' figures of `AgentRunStats` from usage cells summed (one
 * cell, or a roll-up's and the rows' cells of one range).
 */
export function usageStats(
  cells: UsageTotals | readonly UsageTotals[],
): Omit<AgentRunStats, keyof RunCounts> {
  const sum = { ...emptyUsageCounts(), nanos: 0 };
  for (const cell of Array.isArray(cells) ? cells : [cells]) {
    addUsageCounts(sum, cell);
    sum.nanos += cell.nanos;
  }
  return {
    totalLlmCalls: sum.calls,
    failedLlmCalls: sum.failedCalls,
    totalInputTokens: sum.inputTokens,
    totalOutputTokens: sum.outputTokens,
    totalCacheReadTokens: sum.cacheReadTokens,
    totalCacheWriteTokens: sum.cacheWriteTokens,
    totalReasoningTokens: sum.reasoningTokens,
    // One division of the exact integer sum, as every backend does.
    totalCostUsd: sum.nanos / 1e9,
    unpricedLlmCalls: sum.unpricedCalls,
  };
}
