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
  /** The LLM usage table itself, when `usage` is it (see `scaledCost`). */
  usageTable?: string | undefined;
}

/** What the costs read outside SQL add to one group's figures. */
interface CostsRead {
  nanos: number;
  /** Calls with tokens that SQL counted as unpriced but that have a cost. */
  priced: number;
}

/**
 * A call's cost scaled to nano-dollars, not yet rounded: the cost column of
 * rows this module wrote, `usage_metrics.cost_usd` of other programs' rows
 * (no `cost_source`). Given `table`, the LLM usage table itself, the rows
 * read look `usage_metrics` up in their own row by its whole primary key
 * (which a partitioned PostgreSQL table's is, so one partition is read):
 * the query then reads no column the date index lacks, and a date range is
 * read from that index alone but for those rows.
 */
export function scaledCost(
  dialect: SqlDialect,
  functions = true,
  table?: string,
): string {
  const metricsCost = !functions
    ? "NULL"
    : table === undefined
    ? dialect.jsonNumber("usage_metrics", "cost_usd")
    : `(SELECT ${dialect.jsonNumber("cost_row.usage_metrics", "cost_usd")}
      FROM ${table} AS cost_row
      WHERE cost_row.id = ${table}.id
        AND cost_row.created_at = ${table}.created_at)`;
  return `CASE WHEN cost_source IS NULL THEN ${metricsCost} ELSE cost_usd END * 1000000000.0`;
}

/**
 * The whole nano-dollars of the column `scaled` (from `scaledCost`),
 * rounded half away from zero, NULL when unknown: the rule of
 * `nanoDollars` in core.
 */
export function wholeNanos(dialect: SqlDialect, scaled = "scaled"): string {
  const whole = dialect.name === "sqlite"
    ? `CAST(${scaled} AS INTEGER)`
    : `CAST(trunc(${scaled}) AS BIGINT)`;
  return `CASE WHEN abs(${scaled}) <= ${Number.MAX_SAFE_INTEGER} THEN ${whole} +
      CASE WHEN abs(${scaled} - ${whole}) >= 0.5
        THEN CASE WHEN ${scaled} < 0 THEN -1 ELSE 1 END ELSE 0 END
    END`;
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
   * The LLM calls of `filter`, each with its cost in whole nano-dollars
   * (`nanos`, rounded half away from zero, NULL when unknown) and
   * `has_tokens`; the same rule as `nanoDollars` in core. Rows this module
   * wrote carry their cost in `cost_usd`; only other programs' rows (no
   * `cost_source`) are read from `usage_metrics`.
   */
  #costedUsage(filter: string): string {
    return `(SELECT provider, model, status, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, reasoning_tokens,
    CASE WHEN input_tokens IS NOT NULL OR output_tokens IS NOT NULL
      THEN 1 ELSE 0 END AS has_tokens,
    ${wholeNanos(this.#dialect)} AS nanos
  FROM (SELECT *, ${
      scaledCost(this.#dialect, this.#costInSql, this.#usageTable)
    } AS scaled FROM ${this.#usage} ${filter}) AS scaled_usage
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
    COALESCE(SUM(nanos), 0) AS total_nanos,
    COALESCE(SUM(CASE WHEN nanos IS NULL THEN has_tokens ELSE 0 END), 0)
      AS unpriced_llm_calls
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
    COALESCE(SUM(nanos), 0) AS nanos,
    COALESCE(SUM(CASE WHEN nanos IS NULL THEN has_tokens ELSE 0 END), 0)
      AS unpriced
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
