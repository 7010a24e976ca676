// The statistics queries: each figure summed by the database in one
// statement, so that no row has to travel to be counted.

import type { TimeRange } from "../core/backend.ts";
import { parseJson } from "../core/records.ts";
import { costUsd, nanoDollars } from "../core/usage_metrics.ts";
import type { AgentRunStats, LlmUsageBreakdown } from "../types.ts";
import type { SqlSession } from "./connection.ts";
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
    return `(SELECT provider, model, status, input_tokens, output_tokens,
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
    const params = [...where.params, ...where.params];
    const byStatus = (status: string) =>
      `COALESCE(SUM(CASE WHEN status = '${status}' THEN 1 ELSE 0 END), 0)`;
    const sql = `SELECT * FROM (
  SELECT COUNT(*) AS total_runs,
    ${byStatus("pending")} AS pending_runs,
    ${byStatus("running")} AS running_runs,
    ${byStatus("completed")} AS completed_runs,
    ${byStatus("error")} AS error_runs,
    ${byStatus("cancelled")} AS cancelled_runs,
    COALESCE(AVG(total_iterations), 0) AS avg_iterations
  FROM ${this.#runs} ${filter}
) AS runs CROSS JOIN (
  SELECT COUNT(*) AS total_llm_calls,
    ${byStatus("error")} AS failed_llm_calls,
    COALESCE(SUM(input_tokens), 0) AS total_input_tokens,
    COALESCE(SUM(output_tokens), 0) AS total_output_tokens,
    COALESCE(SUM(cache_read_tokens), 0) AS total_cache_read_tokens,
    COALESCE(SUM(cache_write_tokens), 0) AS total_cache_write_tokens,
    COALESCE(SUM(reasoning_tokens), 0) AS total_reasoning_tokens,
    COALESCE(SUM(${CALL_NANOS}), 0) AS total_nanos,
    COALESCE(SUM(${UNPRICED_CALL}), 0) AS unpriced_llm_calls
  FROM ${this.#costedUsage(filter)}
) AS usage`;
    const [row] = await session.query(sql, params);
    const figure = (name: string) => Number(row![name] ?? 0);
    let read: CostsRead = { nanos: 0, priced: 0 };
    if (!this.#costInSql) {
      for (const group of (await this.#costsRead(session, where)).values()) {
        read = {
          nanos: read.nanos + group.nanos,
          priced: read.priced + group.priced,
        };
      }
    }
    return {
      totalRuns: figure("total_runs"),
      pendingRuns: figure("pending_runs"),
      runningRuns: figure("running_runs"),
      completedRuns: figure("completed_runs"),
      errorRuns: figure("error_runs"),
      cancelledRuns: figure("cancelled_runs"),
      avgIterations: figure("avg_iterations"),
      totalLlmCalls: figure("total_llm_calls"),
      failedLlmCalls: figure("failed_llm_calls"),
      totalInputTokens: figure("total_input_tokens"),
      totalOutputTokens: figure("total_output_tokens"),
      totalCacheReadTokens: figure("total_cache_read_tokens"),
      totalCacheWriteTokens: figure("total_cache_write_tokens"),
      totalReasoningTokens: figure("total_reasoning_tokens"),
      // One division of the exact integer sum, as every backend does.
      totalCostUsd: (figure("total_nanos") + read.nanos) / 1e9,
      unpricedLlmCalls: figure("unpriced_llm_calls") - read.priced,
    };
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

function groupKey(provider: unknown, model: unknown): string {
  return JSON.stringify([provider ?? null, model ?? null]);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** The order SQL's ORDER BY on text gives ASCII names. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
