// The statistics queries: each figure summed by the database in one
// statement, so that no row has to travel to be counted.

import { costUsd } from "../core/usage_metrics.ts";
import type { AgentRunStats, JsonValue, LlmUsageBreakdown } from "../types.ts";
import type { SqlSession } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";

/** Where the statistics read, and whether the dialect's functions exist. */
export interface StatisticsSources {
  /** The runs table, or what reads as it, after FROM. */
  runs: string;
  /** The LLM usage table, or what reads as it, after FROM. */
  usage: string;
  /**
   * Whether the dialect's functions exist. A read-only store on a schema
   * older than the one that creates them cannot create them: costs are then
   * summed by reading `usage_metrics`, slower but the same figures.
   */
  functions: boolean;
}

/** Statistics of the runs and LLM calls of one database's tables. */
export class SqlStatistics {
  readonly #dialect: SqlDialect;
  readonly #runs: string;
  readonly #usage: string;
  readonly #costInSql: boolean;

  constructor(dialect: SqlDialect, sources: StatisticsSources) {
    this.#dialect = dialect;
    this.#runs = sources.runs;
    this.#usage = sources.usage;
    this.#costInSql = sources.functions;
  }

  /** The SQL of a call's `cost_usd`, or NULL when it is summed outside. */
  #cost(): string {
    return this.#costInSql
      ? this.#dialect.jsonNumber("usage_metrics", "cost_usd")
      : "CAST(NULL AS DOUBLE PRECISION)";
  }

  /**
   * The costs of the LLM calls of one agent or of all, summed per provider
   * and model (keyed by both as JSON) by reading every call's metrics: for a
   * schema without the dialect's functions.
   */
  async #costsRead(
    session: SqlSession,
    agentId: string | undefined,
  ): Promise<Map<string, number>> {
    const rows = await session.query(
      `SELECT provider, model, usage_metrics FROM ${this.#usage} ${
        agentId === undefined ? "" : "WHERE agent_id = ?"
      } ORDER BY id`,
      agentId === undefined ? [] : [agentId],
    );
    const sums = new Map<string, number>();
    for (const row of rows) {
      const cost = costUsd(parsed(row.usage_metrics));
      if (cost === undefined) continue;
      const key = groupKey(row.provider, row.model);
      sums.set(key, (sums.get(key) ?? 0) + cost);
    }
    return sums;
  }

  /** Runs by status and LLM calls summed, of one agent or of all. */
  async runStats(
    session: SqlSession,
    agentId: string | undefined,
  ): Promise<AgentRunStats> {
    const filter = agentId === undefined ? "" : "WHERE agent_id = ?";
    const params = agentId === undefined ? [] : [agentId, agentId];
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
    COALESCE(SUM(${this.#cost()}), 0) AS total_cost_usd
  FROM ${this.#usage} ${filter}
) AS usage`;
    const [row] = await session.query(sql, params);
    if (!this.#costInSql) {
      let total = 0;
      for (const cost of (await this.#costsRead(session, agentId)).values()) {
        total += cost;
      }
      row!.total_cost_usd = total;
    }
    const figure = (name: string) => Number(row![name] ?? 0);
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
      totalCostUsd: figure("total_cost_usd"),
    };
  }

  /** LLM calls summed per provider and model, the costliest first. */
  async usageBreakdown(
    session: SqlSession,
    agentId: string | undefined,
  ): Promise<LlmUsageBreakdown[]> {
    const sql = `SELECT provider, model, COUNT(*) AS calls,
    COALESCE(SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), 0) AS failed,
    COALESCE(SUM(input_tokens), 0) AS input_tokens,
    COALESCE(SUM(output_tokens), 0) AS output_tokens,
    COALESCE(SUM(${this.#cost()}), 0) AS cost_usd
  FROM ${this.#usage} ${agentId === undefined ? "" : "WHERE agent_id = ?"}
  GROUP BY provider, model
  ORDER BY cost_usd DESC, calls DESC, provider, model`;
    const rows = await session.query(
      sql,
      agentId === undefined ? [] : [agentId],
    );
    if (!this.#costInSql) {
      const costs = await this.#costsRead(session, agentId);
      for (const row of rows) {
        row.cost_usd = costs.get(groupKey(row.provider, row.model)) ?? 0;
      }
      // Stable: calls, provider and model still order equal costs.
      rows.sort((a, b) => Number(b.cost_usd) - Number(a.cost_usd));
    }
    return rows.map((row) => ({
      provider: String(row.provider ?? ""),
      model: String(row.model ?? ""),
      calls: Number(row.calls),
      failedCalls: Number(row.failed),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      costUsd: Number(row.cost_usd),
    }));
  }
}

function groupKey(provider: unknown, model: unknown): string {
  return JSON.stringify([provider ?? null, model ?? null]);
}

/** Stored JSON text as a value; text that is not JSON is no cost. */
function parsed(text: unknown): JsonValue {
  if (typeof text !== "string") return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
