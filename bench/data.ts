// The records the workloads write, as store inputs and as the parameter rows
// a raw-driver user binds for the same rows: the same values either way.

import type {
  AgentRunEventInput,
  AgentRunInput,
  AgentRunStatus,
  LlmUsageInput,
} from "../mod.ts";
import { EVENTS, RUNS, USAGE } from "../src/sql/tables.ts";
import { formatTimestamp } from "../src/sql/timestamps.ts";
import type { SqlValue } from "../src/sql/connection.ts";

/** A fixed start for generated timestamps, so every backend holds the same rows. */
const EPOCH = Date.UTC(2026, 0, 1);

/** The agent that owns the runs workload 7 pages through. */
export const HOT_AGENT = "agent-0000";

/** An agent of `agents`, by number. */
export function agentName(n: number): string {
  return `agent-${String(n).padStart(4, "0")}`;
}

/** Event `i` of a run; at a fixed time when `timed`, else stamped on write. */
export function eventInput(
  runId: string,
  i: number,
  timed: boolean,
): AgentRunEventInput {
  const input: AgentRunEventInput = {
    agentId: "bench-agent",
    runId,
    eventType: "action_execution_completed",
    data: { step: i, action: "fetch_articles", duration_ms: i % 1000 },
  };
  if (timed) input.timestamp = input.createdAt = new Date(EPOCH + i);
  return input;
}

/** The parameters of an event, in the table's column order. */
export function eventParams(input: AgentRunEventInput): SqlValue[] {
  const now = new Date();
  return [
    input.agentId,
    input.runId,
    input.agentName ?? "",
    formatTimestamp(input.timestamp ?? now),
    input.eventType,
    JSON.stringify(input.data),
    formatTimestamp(input.createdAt ?? now),
  ];
}

const STATUSES: AgentRunStatus[] = [
  "completed",
  "completed",
  "completed",
  "error",
  "running",
  "pending",
  "cancelled",
];

/**
 * Run `i` of `total`: the first `hot` belong to {@linkcode HOT_AGENT}, the
 * rest are spread over the other agents.
 */
export function runInput(
  i: number,
  hot: number,
  agents: number,
): AgentRunInput {
  const agent = i < hot || agents === 1 ? 0 : 1 + (i % (agents - 1));
  const createdAt = new Date(EPOCH + i * 1000);
  return {
    agentId: agentName(agent),
    runId: `run-${i}`,
    objective: "Summarise this week's AI news",
    status: STATUSES[i % STATUSES.length]!,
    totalIterations: i % 20,
    metadata: { priority: i % 3 },
    createdAt,
    updatedAt: createdAt,
  };
}

/** The parameters of a run, in the table's column order. */
export function runParams(input: AgentRunInput): SqlValue[] {
  return [
    input.agentId,
    input.runId,
    input.agentName ?? "",
    input.objective ?? "",
    null,
    null,
    null,
    input.totalIterations ?? 0,
    null,
    null,
    input.status ?? "pending",
    null,
    JSON.stringify(input.metadata),
    formatTimestamp(input.createdAt!),
    formatTimestamp(input.updatedAt!),
  ];
}

/** Text of `length` characters, different for each `seed`. */
export function filler(length: number, seed: number): string {
  const unit = `Token ${seed} of a long prompt about agents; `;
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/**
 * LLM call `i`: `text` as prompt and response, for `agents` agents and
 * `runs` runs; at a fixed time when `timed`, else stamped on write.
 */
export function usageInput(
  i: number,
  text: string,
  agents: number,
  runs: number,
  timed: boolean,
): LlmUsageInput {
  const input: LlmUsageInput = {
    agentId: agentName(i % agents),
    runId: `run-${i % runs}`,
    provider: "openai",
    model: "gpt-4o-mini",
    prompt: text,
    inputParams: { temperature: 0.2 },
    inputTokens: 100 + (i % 900),
    outputTokens: 20 + (i % 300),
    responseContent: text,
    usageMetrics: { cost_usd: 0.0001 * (1 + (i % 7)) },
    status: i % 50 === 0 ? "error" : "success",
    latencyMs: 200 + (i % 800),
  };
  if (timed) input.createdAt = new Date(EPOCH + i);
  return input;
}

/** The parameters of an LLM call, in the table's column order. */
export function usageParams(input: LlmUsageInput): SqlValue[] {
  const prompt = input.prompt ?? "";
  const response = input.responseContent ?? null;
  const metricsCost = (input.usageMetrics as { cost_usd?: unknown } | null)
    ?.cost_usd;
  const cost = typeof metricsCost === "number" ? metricsCost : null;
  return [
    input.agentId ?? null,
    input.runId ?? null,
    input.provider ?? "",
    input.model ?? "",
    prompt,
    prompt.length,
    JSON.stringify(input.inputParams),
    input.inputTokens ?? null,
    input.outputTokens ?? null,
    response,
    response === null ? null : response.length,
    JSON.stringify(input.usageMetrics),
    input.status ?? "success",
    null,
    input.latencyMs ?? null,
    formatTimestamp(input.createdAt ?? new Date()),
    input.cacheReadTokens ?? null,
    input.cacheWriteTokens ?? null,
    input.reasoningTokens ?? null,
    // As the store writes a cost given in the usage metrics: provided.
    cost,
    cost === null ? null : "provided",
  ];
}

// The parameter rows above follow the tables' column order; fail loudly if
// the tables change under them.
const ORDER = {
  [EVENTS.name]: [EVENTS, 7],
  [RUNS.name]: [RUNS, 15],
  [USAGE.name]: [USAGE, 21],
} as const;
for (const [name, [table, columns]] of Object.entries(ORDER)) {
  if (table.columns.length !== columns) {
    throw new Error(
      `The benchmark's parameter rows for ${name} are out of date`,
    );
  }
}
