// The statistics queries: each figure summed by the database in one
// statement, so that no row has to travel to be counted.

import type { AgentRunStats, LlmUsageBreakdown } from "../types.ts";
import type { SqlSession } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";
import { RUNS, USAGE } from "./tables.ts";

/** Statistics of the runs and LLM calls of one database's tables. */
export class SqlStatistics {
  readonly #dialect: SqlDialect;
  readonly #runs: string;
  readonly #usage: string;

  constructor(dialect: SqlDialect) {
    this.#dialect = dialect;
    this.#runs = dialect.table(RUNS.name);
    this.#usage = dialect.table(USAGE.name);
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
    COALESCE(SUM(${
      this.#dialect.jsonNumber("usage_metrics", "cost_usd")
    }), 0) AS total_cost_usd
  FROM ${this.#usage} ${filter}
) AS usage`;
    const [row] = await session.query(sql, params);
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
    COALESCE(SUM(${
      this.#dialect.jsonNumber("usage_metrics", "cost_usd")
    }), 0) AS cost_usd
  FROM ${this.#usage} ${agentId === undefined ? "" : "WHERE agent_id = ?"}
  GROUP BY provider, model
  ORDER BY cost_usd DESC, calls DESC, provider, model`;
    const rows = await session.query(
      sql,
      agentId === undefined ? [] : [agentId],
    );
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
