// The usage page's figures for a range of whole UTC days, all from the
// analytics API, so that they equal `stats --since … --until … --by day`.

import { BadRequest } from "./bad_request.ts";
import { addUsageCounts, emptyUsageCounts } from "../core/series.ts";
import type { Persistence } from "../persistence.ts";
import type {
  AgentRunStats,
  LlmUsageBreakdown,
  LlmUsageSeriesRow,
  ToolStats,
} from "../types.ts";

const DAY_MS = 86_400_000;
/** Days a range may span: a series of more would not fit a chart. */
const MAX_DAYS = 366;

/** Which calls and runs the page sums. */
export interface UsageQuery {
  agentId?: string | undefined;
  /** Start of the range; default `days` before `until`. */
  since?: Date | undefined;
  /** End of the range, exclusive; default the start of tomorrow (UTC). */
  until?: Date | undefined;
  /** Days of the range when `since` is not given; default 7. */
  days?: number | undefined;
  now?: Date;
}

/** An agent's calls over the range. */
export interface AgentUsage {
  agentId: string | null;
  calls: number;
  failedCalls: number;
  costUsd: number;
}

/** Everything the usage page shows. */
export interface UsagePage {
  since: Date;
  until: Date;
  stats: AgentRunStats;
  /** One row per day: calls, failures, tokens, cost, p50/p95 latency. */
  days: LlmUsageSeriesRow[];
  /** One row per day and model: the stacked cost chart. */
  byModel: LlmUsageSeriesRow[];
  models: LlmUsageBreakdown[];
  agents: AgentUsage[];
  tools: ToolStats[];
}

/** The page's figures for the range `query` names. */
export async function getUsagePage(
  store: Persistence,
  query: UsageQuery,
): Promise<UsagePage> {
  const now = query.now ?? new Date();
  const until = query.until ??
    new Date((Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS);
  const since = query.since ??
    new Date(until.getTime() - (query.days ?? 7) * DAY_MS);
  if (since >= until) throw new BadRequest("since must be before until");
  if (until.getTime() - since.getTime() > MAX_DAYS * DAY_MS) {
    throw new BadRequest(`the range may span at most ${MAX_DAYS} days`);
  }
  const agentId = query.agentId;
  const range = { since, until, ...(agentId === undefined ? {} : { agentId }) };
  const series = { ...range, bucket: "day" as const };
  // Each of these reads every call of the range once; the per-model
  // breakdown is the days by model summed rather than one more such read.
  const [stats, days, byModel, byAgent, tools] = await Promise.all([
    store.getAgentRunStats(range),
    store.getLlmUsageSeries(series),
    // Latencies show per day only: ranking them per model or agent would
    // cost about as much as the sums.
    store.getLlmUsageSeries({
      ...series,
      groupBy: "model",
      percentiles: false,
    }),
    store.getLlmUsageSeries({
      ...series,
      groupBy: "agentId",
      percentiles: false,
    }),
    store.getToolStats(range),
  ]);
  return {
    since,
    until,
    stats,
    days,
    byModel,
    models: sumModels(byModel),
    agents: sumAgents(byAgent),
    tools,
  };
}

/**
 * The per-day rows of each model summed: `getLlmUsageBreakdown` of the same
 * range, in its order (the costliest first, then the most calls, then by
 * provider and model).
 */
function sumModels(rows: LlmUsageSeriesRow[]): LlmUsageBreakdown[] {
  const models = new Map<string, LlmUsageBreakdown & { nanos: number }>();
  for (const row of rows) {
    if (row.calls === 0) continue;
    const provider = row.provider ?? "";
    const model = row.model ?? "";
    const key = JSON.stringify([provider, model]);
    const sum = models.get(key) ??
      { provider, model, ...emptyUsageCounts(), costUsd: 0, nanos: 0 };
    addUsageCounts(sum, row);
    // Whole nano-dollars, as in sumAgents: the total stays exact.
    sum.nanos += Math.round(row.costUsd * 1e9);
    models.set(key, sum);
  }
  return [...models.values()]
    .sort((a, b) =>
      b.nanos - a.nanos || b.calls - a.calls ||
      compare(a.provider, b.provider) || compare(a.model, b.model)
    )
    .map(({ nanos, ...model }) => ({ ...model, costUsd: nanos / 1e9 }));
}

/** The order SQL's ORDER BY gives text of ASCII names. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The per-day rows of each agent summed, the costliest first. */
function sumAgents(rows: LlmUsageSeriesRow[]): AgentUsage[] {
  const agents = new Map<string | null, AgentUsage & { nanos: number }>();
  for (const row of rows) {
    const key = row.agentId ?? null;
    const agent = agents.get(key) ??
      { agentId: key, calls: 0, failedCalls: 0, costUsd: 0, nanos: 0 };
    agent.calls += row.calls;
    agent.failedCalls += row.failedCalls;
    // Each row's cost is a whole number of nano-dollars divided once:
    // summing those integers keeps the total exact.
    agent.nanos += Math.round(row.costUsd * 1e9);
    agents.set(key, agent);
  }
  return [...agents.values()]
    .filter((agent) => agent.calls > 0)
    .map(({ nanos, ...agent }) => ({ ...agent, costUsd: nanos / 1e9 }))
    .sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls);
}
