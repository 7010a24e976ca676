/**
 * The records this module stores, the inputs that create them, the queries
 * and figures that read them, and the options every store accepts.
 *
 * @module
 */

/**
 * The statuses an agent run moves through.
 *
 * @example Check a status
 * ```ts
 * import { AGENT_RUN_STATUSES } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * assert.ok(AGENT_RUN_STATUSES.includes("completed"));
 * ```
 */
export const AGENT_RUN_STATUSES = [
  "pending",
  "running",
  "completed",
  "error",
  "cancelled",
] as const;

/**
 * One of {@linkcode AGENT_RUN_STATUSES}.
 *
 * @example
 * ```ts
 * import type { AgentRunStatus } from "@curio/persistence";
 * const status: AgentRunStatus = "running";
 * ```
 */
export type AgentRunStatus = typeof AGENT_RUN_STATUSES[number];

/**
 * The event types the specification names. Any other string of at most 100
 * characters is accepted too; `custom` is the conventional one.
 *
 * @example
 * ```ts
 * import { EVENT_TYPES } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * assert.equal(EVENT_TYPES.length, 21);
 * ```
 */
export const EVENT_TYPES = [
  "run_started",
  "run_completed",
  "run_error",
  "iteration_started",
  "iteration_completed",
  "planning_started",
  "planning_completed",
  "action_execution_started",
  "action_execution_completed",
  "critique_started",
  "critique_completed",
  "critique_result",
  "synthesis_started",
  "synthesis_completed",
  "synthesis_result",
  "object_stored",
  "object_not_found",
  "tool_registered",
  "subagent_run_started",
  "subagent_run_completed",
  "custom",
] as const;

/**
 * One of {@linkcode EVENT_TYPES}.
 *
 * @example
 * ```ts
 * import type { KnownEventType } from "@curio/persistence";
 * const type: KnownEventType = "planning_started";
 * ```
 */
export type KnownEventType = typeof EVENT_TYPES[number];

/**
 * An event type: one of {@linkcode EVENT_TYPES}, or any other non-empty
 * string of at most 100 characters.
 *
 * @example
 * ```ts
 * import type { EventType } from "@curio/persistence";
 * const known: EventType = "run_started";
 * const mine: EventType = "cache_hit";
 * ```
 */
// deno-lint-ignore ban-types
export type EventType = KnownEventType | (string & {});

/**
 * The outcomes of an LLM call.
 *
 * @example
 * ```ts
 * import { LLM_USAGE_STATUSES } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([...LLM_USAGE_STATUSES], ["success", "error"]);
 * ```
 */
export const LLM_USAGE_STATUSES = ["success", "error"] as const;

/**
 * One of {@linkcode LLM_USAGE_STATUSES}.
 *
 * @example
 * ```ts
 * import type { LlmUsageStatus } from "@curio/persistence";
 * const status: LlmUsageStatus = "error";
 * ```
 */
export type LlmUsageStatus = typeof LLM_USAGE_STATUSES[number];

/**
 * A value that survives `JSON.stringify` and `JSON.parse` unchanged. JSON
 * columns are read back as this type; text in them that is not JSON (written
 * by another program) is returned as the string it is.
 *
 * @example
 * ```ts
 * import type { JsonValue } from "@curio/persistence";
 * const data: JsonValue = { action: "search", args: { q: "AI" }, ok: true };
 * ```
 */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * One agent execution from start to finish, as stored in `agent_runs`.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const run = await store.createAgentRun({ agentId: "a1", runId: "r1" });
 * assert.equal(run.status, "pending");
 * ```
 */
export interface AgentRun {
  /** Primary key, assigned by the store. */
  id: number;
  /** The agent instance that ran. */
  agentId: string;
  /** Unique identifier of this run. */
  runId: string;
  /** Human-readable agent name. */
  agentName: string;
  /** The goal of this run. */
  objective: string;
  /** Additional context given to the run. */
  additionalContext: JsonValue;
  /** When the run started, or `null`. */
  startedAt: Date | null;
  /** When the run finished, or `null` while it runs. */
  finishedAt: Date | null;
  /** Number of plan-execute-critique iterations. */
  totalIterations: number;
  /** The final synthesis summary, or `null`. */
  finalSynthesisOutput: string | null;
  /** Full execution history. */
  executionHistory: JsonValue;
  /** Where the run is in its life. */
  status: AgentRunStatus;
  /** Why the run failed, when `status` is `error`. */
  errorMessage: string | null;
  /** Anything else worth keeping. */
  metadata: JsonValue;
  /** When the record was created. */
  createdAt: Date;
  /** When the record was last written. */
  updatedAt: Date;
}

/**
 * One event inside a run, as stored in `agent_run_events`.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await store.createAgentRun({ agentId: "a1", runId: "r1" });
 * const event = await store.logAgentRunEvent({
 *   agentId: "a1",
 *   runId: "r1",
 *   eventType: "run_started",
 *   data: { objective: "demo" },
 * });
 * assert.deepEqual(event.data, { objective: "demo" });
 * ```
 */
export interface AgentRunEvent {
  /** Primary key, assigned by the store. */
  id: number;
  /** The agent that logged the event. */
  agentId: string;
  /** The run the event belongs to. */
  runId: string;
  /** Human-readable agent name. */
  agentName: string;
  /** When the event happened. */
  timestamp: Date;
  /** What happened. */
  eventType: EventType;
  /** Event-specific data. */
  data: JsonValue;
  /** When the record was created. */
  createdAt: Date;
}

/**
 * Where an LLM call's cost comes from: `provided` by the caller, or
 * `computed` from its tokens and a price table.
 *
 * @example
 * ```ts
 * import type { CostSource } from "@curio/persistence";
 * const source: CostSource = "computed";
 * ```
 */
export type CostSource = typeof COST_SOURCES[number];

/**
 * Every {@linkcode CostSource}.
 *
 * @example
 * ```ts
 * import { COST_SOURCES } from "@curio/persistence";
 * console.log(COST_SOURCES.join(", "));
 * ```
 */
export const COST_SOURCES = ["provided", "computed"] as const;

/**
 * One LLM call, as stored in `agent_llm_usage`.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const usage = await store.logLlmUsage({
 *   provider: "openai",
 *   model: "gpt-4o-mini",
 *   prompt: "Hello",
 *   inputTokens: 5,
 *   outputTokens: 2,
 * });
 * assert.equal(usage.promptLength, 5);
 * ```
 */
export interface AgentLlmUsage {
  /** Primary key, assigned by the store. */
  id: number;
  /** The agent that made the call, if any. */
  agentId: string | null;
  /** The run the call belongs to, if any (a soft reference). */
  runId: string | null;
  /** LLM provider: openai, anthropic, groq, ollama, … */
  provider: string;
  /** Model name. */
  model: string;
  /** The prompt sent. */
  prompt: string;
  /** Length of the prompt in characters (Unicode code points). */
  promptLength: number;
  /** Parameters of the call: temperature, max tokens, … */
  inputParams: JsonValue;
  /** Input tokens, if the provider reported them. */
  inputTokens: number | null;
  /** Output tokens, if the provider reported them. */
  outputTokens: number | null;
  /** The response received. */
  responseContent: string | null;
  /** Length of the response in characters (Unicode code points). */
  responseLength: number | null;
  /** Of `inputTokens`, those read from the provider's prompt cache. */
  cacheReadTokens: number | null;
  /** Of `inputTokens`, those written to the provider's prompt cache. */
  cacheWriteTokens: number | null;
  /** Of `outputTokens`, those spent on reasoning. */
  reasoningTokens: number | null;
  /** Provider-specific usage figures, such as `total_tokens` and `cost_usd`. */
  usageMetrics: JsonValue;
  /** Whether the call succeeded. */
  status: LlmUsageStatus;
  /** Why the call failed, when `status` is `error`. */
  errorMessage: string | null;
  /** How long the call took, in milliseconds. */
  latencyMs: number | null;
  /** When the record was created. */
  createdAt: Date;
  /**
   * The call's cost in US dollars: as given (`costUsd` or
   * `usageMetrics.cost_usd`), else computed from the tokens and the price in
   * force at `createdAt`; `null` when unknown (the call is unpriced).
   */
  costUsd: number | null;
  /** Where `costUsd` comes from; `null` when it is unknown. */
  costSource: CostSource | null;
}

/**
 * What {@linkcode Persistence.createAgentRun} takes: `agentId` and `runId`,
 * and any other field of {@linkcode AgentRun} but `id`.
 *
 * @example
 * ```ts
 * import type { AgentRunInput } from "@curio/persistence";
 * const input: AgentRunInput = {
 *   agentId: "researcher",
 *   runId: "run-1",
 *   objective: "Summarise the news",
 *   status: "running",
 *   startedAt: new Date(),
 * };
 * ```
 */
export interface AgentRunInput {
  /** The agent instance that runs. */
  agentId: string;
  /** Unique identifier of this run. */
  runId: string;
  /** Human-readable agent name; default `""`. */
  agentName?: string;
  /** The goal of this run; default `""`. */
  objective?: string;
  /** Additional context, any JSON value; default `null`. */
  additionalContext?: unknown;
  /** When the run started; default `null`. */
  startedAt?: Date | null;
  /** When the run finished; default `null`. */
  finishedAt?: Date | null;
  /** Iterations so far; default `0`. */
  totalIterations?: number;
  /** The final synthesis summary; default `null`. */
  finalSynthesisOutput?: string | null;
  /** Execution history, any JSON value; default `null`. */
  executionHistory?: unknown;
  /** Default `pending`. */
  status?: AgentRunStatus;
  /** Why the run failed; default `null`. */
  errorMessage?: string | null;
  /** Anything else, any JSON value; default `null`. */
  metadata?: unknown;
  /** Creation time; default now. Set it when importing records. */
  createdAt?: Date;
  /** Last write time; default `createdAt`. Set it when importing records. */
  updatedAt?: Date;
}

/**
 * The fields {@linkcode Persistence.updateAgentRun} may change. Fields given
 * are written, fields left out keep their value, and `updatedAt` is set.
 *
 * @example
 * ```ts
 * import type { AgentRunPatch } from "@curio/persistence";
 * const patch: AgentRunPatch = {
 *   status: "completed",
 *   finishedAt: new Date(),
 *   totalIterations: 3,
 * };
 * ```
 */
export type AgentRunPatch = {
  [
    K in Exclude<
      keyof AgentRunInput,
      "agentId" | "runId" | "createdAt" | "updatedAt"
    >
  ]?: AgentRunInput[K] | undefined;
};

/**
 * What {@linkcode Persistence.logAgentRunEvent} takes.
 *
 * @example
 * ```ts
 * import type { AgentRunEventInput } from "@curio/persistence";
 * const input: AgentRunEventInput = {
 *   agentId: "researcher",
 *   runId: "run-1",
 *   eventType: "action_execution_completed",
 *   data: { action: "fetch_articles", duration_ms: 1234 },
 * };
 * ```
 */
export interface AgentRunEventInput {
  /** The agent that logs the event. */
  agentId: string;
  /** The run the event belongs to; it must exist. */
  runId: string;
  /** Human-readable agent name; default `""`. */
  agentName?: string;
  /** When the event happened; default now. */
  timestamp?: Date;
  /** What happened: non-empty, at most 100 characters. */
  eventType: EventType;
  /** Event-specific data, any JSON value; default `null`. */
  data?: unknown;
  /** Creation time; default now. Set it when importing records. */
  createdAt?: Date;
}

/**
 * What {@linkcode Persistence.logLlmUsage} takes. Lengths default to the
 * number of characters of the prompt and response.
 *
 * @example
 * ```ts
 * import type { LlmUsageInput } from "@curio/persistence";
 * const input: LlmUsageInput = {
 *   agentId: "researcher",
 *   runId: "run-1",
 *   provider: "anthropic",
 *   model: "claude-sonnet",
 *   prompt: "Plan the next step",
 *   responseContent: "Search the archive",
 *   inputTokens: 150,
 *   outputTokens: 50,
 *   usageMetrics: { total_tokens: 200, cost_usd: 0.0003 },
 *   latencyMs: 850,
 * };
 * ```
 */
export interface LlmUsageInput {
  /** The agent that made the call; default `null`. */
  agentId?: string | null;
  /** The run the call belongs to (need not exist); default `null`. */
  runId?: string | null;
  /** LLM provider; default `""`. */
  provider?: string;
  /** Model name; default `""`. */
  model?: string;
  /** The prompt; default `""`. */
  prompt?: string;
  /** Default: characters in `prompt`. */
  promptLength?: number;
  /** Parameters of the call, any JSON value; default `null`. */
  inputParams?: unknown;
  /** Input tokens; default `null`. */
  inputTokens?: number | null;
  /** Output tokens; default `null`. */
  outputTokens?: number | null;
  /** The response; default `null`. */
  responseContent?: string | null;
  /** Default: characters in `responseContent`, or `null`. */
  responseLength?: number | null;
  /**
   * Of `inputTokens` (all input), those read from the prompt cache; default
   * `null`. With `cacheWriteTokens` at most `inputTokens`.
   */
  cacheReadTokens?: number | null;
  /** Of `inputTokens`, those written to the prompt cache; default `null`. */
  cacheWriteTokens?: number | null;
  /**
   * Of `outputTokens` (all output), those spent on reasoning; at most
   * `outputTokens`; default `null`.
   */
  reasoningTokens?: number | null;
  /** Usage figures, any JSON value; default `null`. */
  usageMetrics?: unknown;
  /** Default `success`. */
  status?: LlmUsageStatus;
  /** Why the call failed; default `null`. */
  errorMessage?: string | null;
  /** Latency in milliseconds; default `null`. */
  latencyMs?: number | null;
  /** Creation time; default now. Set it when importing records. */
  createdAt?: Date;
  /**
   * The call's cost in US dollars, if known (else `usageMetrics.cost_usd`);
   * without either, it is computed from the tokens when both `inputTokens`
   * and `outputTokens` are given and the model's price is known.
   */
  costUsd?: number | null;
  /**
   * Where a given `costUsd` comes from; default `provided`. Set it when
   * importing records.
   */
  costSource?: CostSource | null;
}

/**
 * Figures over runs and LLM calls, for one agent or for all.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const stats = await store.getAgentRunStats();
 * assert.equal(stats.totalRuns, 0);
 * ```
 */
export interface AgentRunStats {
  /** Runs in all. */
  totalRuns: number;
  /** Runs with status `pending`. */
  pendingRuns: number;
  /** Runs with status `running`. */
  runningRuns: number;
  /** Runs with status `completed`. */
  completedRuns: number;
  /** Runs with status `error`. */
  errorRuns: number;
  /** Runs with status `cancelled`. */
  cancelledRuns: number;
  /** Mean of `totalIterations` over the runs, to 2 decimals; 0 without runs. */
  avgIterations: number;
  /** LLM calls in all. */
  totalLlmCalls: number;
  /** LLM calls with status `error`. */
  failedLlmCalls: number;
  /** Sum of `inputTokens`. */
  totalInputTokens: number;
  /** Sum of `outputTokens`. */
  totalOutputTokens: number;
  /** Sum of `cacheReadTokens`. */
  totalCacheReadTokens: number;
  /** Sum of `cacheWriteTokens`. */
  totalCacheWriteTokens: number;
  /** Sum of `reasoningTokens`. */
  totalReasoningTokens: number;
  /**
   * Sum of the calls' costs (`costUsd`, or for other programs' rows
   * `usageMetrics.cost_usd`), each rounded to whole nano-dollars.
   */
  totalCostUsd: number;
  /** LLM calls with a token count and no cost. */
  unpricedLlmCalls: number;
}

/**
 * Which runs {@linkcode Persistence.getAgentRuns} lists.
 *
 * @example
 * ```ts
 * import type { AgentRunQuery } from "@curio/persistence";
 * const query: AgentRunQuery = { agentId: "a1", limit: 20, offset: 40 };
 * ```
 */
export interface AgentRunQuery {
  /** Only this agent's runs. */
  agentId?: string;
  /** Only runs with this status, or with one of these. */
  status?: AgentRunStatus | readonly AgentRunStatus[];
  /** Only runs with this agent name. */
  agentName?: string;
  /** Only runs created at or after this time. */
  since?: Date;
  /** Only runs created before this time. */
  until?: Date;
  /** Only runs created before this time: another name of `until`. */
  createdBefore?: Date;
  /** At most this many; default 10. */
  limit?: number;
  /** Skip this many first; default 0. */
  offset?: number;
}

/**
 * Which LLM calls {@linkcode Persistence.getLlmUsage} lists.
 *
 * @example
 * ```ts
 * import type { LlmUsageQuery } from "@curio/persistence";
 * const query: LlmUsageQuery = { runId: "run-1", limit: 50 };
 * ```
 */
export interface LlmUsageQuery {
  /** Only this agent's calls. */
  agentId?: string;
  /** Only this run's calls. */
  runId?: string;
  /**
   * Only calls whose run is not stored: those without a `runId`, and those
   * whose run was never stored or has been deleted.
   */
  withoutRun?: boolean;
  /** Only calls to this provider. */
  provider?: string;
  /** Only calls to this model. */
  model?: string;
  /** Only calls with this status. */
  status?: LlmUsageStatus;
  /** Only calls made at or after this time (by `createdAt`). */
  since?: Date;
  /** Only calls made before this time (by `createdAt`). */
  until?: Date;
  /** At most this many; default 100. */
  limit?: number;
}

/**
 * Which of a run's events {@linkcode Persistence.getAgentRunEvents} lists.
 *
 * @example
 * ```ts
 * import type { AgentRunEventQuery } from "@curio/persistence";
 * const query: AgentRunEventQuery = {
 *   eventType: "action_execution_completed",
 *   since: new Date("2025-01-01T00:00:00Z"),
 * };
 * ```
 */
export interface AgentRunEventQuery {
  /** Only events of this type. */
  eventType?: EventType;
  /** Only events at or after this time (by `timestamp`). */
  since?: Date;
  /** Only events before this time (by `timestamp`). */
  until?: Date;
}

/**
 * Which runs and LLM calls {@linkcode Persistence.getAgentRunStats} and
 * {@linkcode Persistence.getLlmUsageBreakdown} sum: those of one agent, or
 * of all, created in `[since, until)`.
 *
 * @example
 * ```ts
 * import type { StatsQuery } from "@curio/persistence";
 * const query: StatsQuery = {
 *   agentId: "a1",
 *   since: new Date("2025-01-01T00:00:00Z"),
 *   until: new Date("2025-02-01T00:00:00Z"),
 * };
 * ```
 */
export interface StatsQuery {
  /** Only this agent's runs and calls. */
  agentId?: string;
  /** Only those created at or after this time. */
  since?: Date;
  /** Only those created before this time. */
  until?: Date;
}

/**
 * Options of the iterators: how many records each page underneath reads.
 *
 * @example
 * ```ts
 * import type { PageOptions } from "@curio/persistence";
 * const options: PageOptions = { pageSize: 500 };
 * ```
 */
export interface PageOptions {
  /** Records read per query; default 1000. */
  pageSize?: number;
}

/**
 * LLM calls of one provider and model, summed, as
 * {@linkcode Persistence.getLlmUsageBreakdown} returns them.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await store.logLlmUsage({ provider: "openai", model: "gpt-4o", inputTokens: 3 });
 * const [row] = await store.getLlmUsageBreakdown();
 * assert.equal(row?.calls, 1);
 * assert.equal(row?.inputTokens, 3);
 * ```
 */
export interface LlmUsageBreakdown {
  /** The provider. */
  provider: string;
  /** The model. */
  model: string;
  /** LLM calls in all. */
  calls: number;
  /** LLM calls with status `error`. */
  failedCalls: number;
  /** Sum of `inputTokens`. */
  inputTokens: number;
  /** Sum of `outputTokens`. */
  outputTokens: number;
  /** Sum of `cacheReadTokens`. */
  cacheReadTokens: number;
  /** Sum of `cacheWriteTokens`. */
  cacheWriteTokens: number;
  /** Sum of `reasoningTokens`. */
  reasoningTokens: number;
  /** Sum of the calls' costs, each rounded to whole nano-dollars. */
  costUsd: number;
  /** LLM calls with a token count and no cost. */
  unpricedCalls: number;
}

/**
 * How many records of each kind.
 *
 * @example
 * ```ts
 * import type { RecordCounts } from "@curio/persistence";
 * const counts: RecordCounts = { runs: 1, events: 12, llmUsage: 3 };
 * ```
 */
export interface RecordCounts {
  /** Runs. */
  runs: number;
  /** Run events. */
  events: number;
  /** LLM calls. */
  llmUsage: number;
}

/**
 * Options of {@linkcode Persistence.deleteAgentRuns}.
 *
 * @example
 * ```ts
 * import type { DeleteAgentRunsOptions } from "@curio/persistence";
 * const options: DeleteAgentRunsOptions = { withLlmUsage: true, dryRun: true };
 * ```
 */
export interface DeleteAgentRunsOptions {
  /** Delete the runs' LLM calls too; default `false`, as `deleteAgentRun`. */
  withLlmUsage?: boolean;
  /** Only count what would be deleted; default `false`. */
  dryRun?: boolean;
}

/**
 * What {@linkcode Persistence.getStoreInfo} reports about a database.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("sqlite::memory:");
 * const info = await store.getStoreInfo();
 * assert.equal(info.runs, 0);
 * assert.ok(info.schemaVersion !== null && info.schemaVersion >= 1);
 * ```
 */
export interface StoreInfo extends RecordCounts {
  /** Which backend this is. */
  backend: BackendName;
  /**
   * The newest schema version applied to the database; `0` for tables
   * without a recorded version (as the Python SDK creates them); `null`
   * where there is no schema: in memory, and in a database a read-only store
   * found without the tables.
   */
  schemaVersion: number | null;
  /**
   * Bytes the data takes: SQLite's pages (the file, once the write-ahead log
   * is checkpointed), the schema's tables with their indexes on PostgreSQL;
   * `null` in memory.
   */
  sizeBytes: number | null;
}

/**
 * One table's share of the database in a {@linkcode SpaceReport}.
 *
 * @example
 * ```ts
 * import type { TableSpace } from "@curio/persistence";
 * const events: TableSpace = {
 *   table: "agent_run_events",
 *   rows: 1_000,
 *   sizeBytes: 409_600,
 *   rowsPerDay: 100,
 *   bytesPerDay: 40_960,
 * };
 * ```
 */
export interface TableSpace {
  /** The table's name in the database. */
  table: string;
  /** Rows it holds. */
  rows: number;
  /**
   * Bytes it takes with its indexes (SQLite's `dbstat`, PostgreSQL's
   * `pg_total_relation_size`); `null` in memory, or where SQLite was built
   * without `dbstat`.
   */
  sizeBytes: number | null;
  /** Rows created per day over the last 7 days. */
  rowsPerDay: number;
  /**
   * Growth per day: `rowsPerDay` × the average row's bytes (`sizeBytes` /
   * `rows`); `null` when the size is unknown.
   */
  bytesPerDay: number | null;
}

/**
 * Where a store's disk space goes: what {@linkcode Persistence.getSpaceReport}
 * reports, and `doctor` shows.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("sqlite::memory:");
 * const space = await store.getSpaceReport();
 * assert.equal(space.tables.length, 3);
 * assert.equal(space.autoVacuum, "incremental");
 * ```
 */
export interface SpaceReport {
  /** The data's size, as {@linkcode StoreInfo.sizeBytes}. */
  sizeBytes: number | null;
  /** The runs, events and LLM-usage tables. */
  tables: TableSpace[];
  /**
   * Bytes of SQLite's write-ahead log file; `null` elsewhere (PostgreSQL's
   * WAL is the server's, not the store's).
   */
  walBytes: number | null;
  /**
   * Bytes of free pages inside the file that a bounded reclaim (SQLite in
   * incremental mode) or `compact()` would give back; `null` elsewhere.
   */
  reclaimableBytes: number | null;
  /**
   * SQLite's `auto_vacuum` mode: `incremental` lets prune and retention give
   * space back in short steps; `none` needs one `compact({ incremental: true
   * })` to switch. `null` on other backends.
   */
  autoVacuum: "none" | "full" | "incremental" | null;
}

/**
 * How {@linkcode Persistence.reclaimSpace} gives free space back.
 *
 * @example
 * ```ts
 * import type { ReclaimSpaceOptions } from "@curio/persistence";
 * const options: ReclaimSpaceOptions = { stepPages: 1024, maxSteps: 10 };
 * ```
 */
export interface ReclaimSpaceOptions {
  /**
   * Pages given back per step, each step one short write transaction;
   * by default as many as fit in a few milliseconds of write lock, at most
   * 2048 (8 MiB with 4 KiB pages). Other writers get the lock between
   * steps.
   */
  stepPages?: number;
  /** Steps at most; default until no free page is left. */
  maxSteps?: number;
}

/**
 * What {@linkcode Persistence.reclaimSpace} did.
 *
 * @example
 * ```ts
 * import type { ReclaimSpaceResult } from "@curio/persistence";
 * function freed(result: ReclaimSpaceResult): string {
 *   return `${result.bytes} bytes in ${result.steps} steps`;
 * }
 * ```
 */
export interface ReclaimSpaceResult {
  /** Steps taken, each its own write transaction. */
  steps: number;
  /** Bytes given back to the file system. */
  bytes: number;
}

/**
 * How {@linkcode Persistence.compact} gives space back.
 *
 * @example
 * ```ts
 * import type { CompactOptions } from "@curio/persistence";
 * const options: CompactOptions = { incremental: true };
 * ```
 */
export interface CompactOptions {
  /**
   * SQLite: switch the file to `auto_vacuum=INCREMENTAL`, so that prune and
   * retention give space back in short steps from then on. A file not yet in
   * that mode is rewritten once by a `VACUUM` that blocks every writer (of
   * every process) until it ends, and needs free disk space as large as the
   * file; a file already in it is given its free pages back in bounded
   * steps, as {@linkcode Persistence.reclaimSpace}. Other backends: as
   * without it.
   */
  incremental?: boolean;
}

/**
 * The storage engines a store can run on.
 *
 * @example
 * ```ts
 * import type { BackendName } from "@curio/persistence";
 * const backend: BackendName = "sqlite";
 * ```
 */
export type BackendName = "memory" | "sqlite" | "postgres";

/**
 * The fields whose text a {@linkcode Redactor} is given: the free text and
 * JSON of each record, never its ids, names, types or statuses. For a JSON
 * field it is called once for every string inside the value (object keys
 * excepted).
 *
 * @example
 * ```ts
 * import type { RedactedField } from "@curio/persistence";
 * const field: RedactedField = "prompt";
 * ```
 */
export type RedactedField =
  | "objective"
  | "additionalContext"
  | "finalSynthesisOutput"
  | "executionHistory"
  | "errorMessage"
  | "metadata"
  | "data"
  | "prompt"
  | "inputParams"
  | "responseContent"
  | "usageMetrics";

/**
 * Rewrites a text before it is stored, for example to mask API keys or
 * e-mail addresses. It is called after validation, with each text of a
 * {@linkcode RedactedField}, and returns the text to store instead. The
 * lengths of a prompt and a response (`promptLength`, `responseLength`) are
 * those of the original text.
 *
 * @param text The text as given.
 * @param field Which field it comes from.
 * @returns The text to store.
 *
 * @example Mask API keys and e-mail addresses everywhere
 * ```ts
 * import type { Redactor } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const redact: Redactor = (text) =>
 *   text
 *     .replace(/\bsk-[A-Za-z0-9_-]{8,}/g, "sk-***")
 *     .replace(/[\w.+-]+@[\w-]+\.[\w.-]+/g, "***@***");
 * assert.equal(redact("mail ada@example.com", "prompt"), "mail ***@***");
 * ```
 */
export type Redactor = (text: string, field: RedactedField) => string;

/**
 * Options every store accepts, whatever its backend.
 *
 * @example Store prompts with API keys masked
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("sqlite::memory:", {
 *   redact: (text) => text.replace(/\bsk-\w+/g, "sk-***"),
 * });
 * const usage = await store.logLlmUsage({ prompt: "key sk-abc123, go" });
 * assert.equal(usage.prompt, "key sk-***, go");
 * assert.equal(usage.promptLength, 17);
 * ```
 */
export interface StoreOptions {
  /**
   * Applied to prompts, responses, event data and the other free text of
   * every record before it is stored; see {@linkcode Redactor}.
   */
  redact?: Redactor;
  /**
   * Prices that add to or override the bundled price table; see
   * {@linkcode ModelPriceInput}.
   */
  prices?: ModelPriceInput[];
  /**
   * The store's retention policy: what {@linkcode Persistence.applyRetention}
   * applies when called without one, and, with `everyMs`, applies by itself
   * at that interval.
   */
  retention?: RetentionPolicy;
  /**
   * Opens the store in read-only mode (a URL's `?mode=ro` says the same):
   * it reads whatever schema it finds and changes nothing, neither the
   * database's bytes nor its schema. Every write rejects with a
   * `PersistenceError` naming read-only mode, on every backend
   * (a read-only memory store is empty, and stays so). On SQLite the file
   * must exist (else `ConnectionError`); on PostgreSQL the store's sessions
   * run with `default_transaction_read_only=on`. A database without the
   * tables reads as empty; one with an older schema is read as that version
   * has it, fields added later reading as null. Default `false`.
   */
  readOnly?: boolean;
  /**
   * Whether a writable SQL store builds the daily roll-up of LLM calls in
   * the background (10 s after opening, then a minute after each UTC
   * midnight), from which usage series without percentiles read closed UTC
   * days. `false` builds nothing: series then read only what another
   * store built, or the rows. Default `true`.
   */
  usageRollup?: boolean;
}

/**
 * What {@linkcode Persistence.recomputeCosts} recomputes: LLM calls created
 * in `[since, until)`, of `provider` and `model` when given.
 *
 * @example
 * ```ts
 * import type { RecomputeCostsOptions } from "@curio/persistence";
 * const options: RecomputeCostsOptions = { provider: "openai", dryRun: true };
 * ```
 */
export interface RecomputeCostsOptions {
  /** Calls created at or after this time; default: all. */
  since?: Date;
  /** Calls created before this time; default: all. */
  until?: Date;
  /** Only calls of this provider. */
  provider?: string;
  /** Only calls of this model. */
  model?: string;
  /**
   * Recompute provided costs too (a provided cost is kept when no price is
   * known); default `false`: only computed and unpriced calls.
   */
  includeProvided?: boolean;
  /** Count what would change, and change nothing; default `false`. */
  dryRun?: boolean;
  /** Calls read and written per transaction; default 1000. */
  batchSize?: number;
  /**
   * Called after each batch with the number of calls read so far (of all
   * the store holds, selected or not).
   */
  onProgress?: (read: number) => void;
}

/**
 * What {@linkcode Persistence.recomputeCosts} did.
 *
 * @example
 * ```ts
 * import type { RecomputeCostsResult } from "@curio/persistence";
 * const result: RecomputeCostsResult = {
 *   examined: 10,
 *   changed: 2,
 *   unpriced: 1,
 *   deltaUsd: 0.0125,
 * };
 * ```
 */
export interface RecomputeCostsResult {
  /** Calls whose cost was recomputed. */
  examined: number;
  /** Calls whose cost or cost source changed (or would, with `dryRun`). */
  changed: number;
  /** Examined calls with a token count left without a cost. */
  unpriced: number;
  /** Change of the total cost, in US dollars (nano-dollar sums). */
  deltaUsd: number;
}

/**
 * A model's price, added to or overriding the bundled table (from
 * `@pydantic/genai-prices`). For an LLM call, the entry matching its provider
 * and model with the latest `since` at or before its `createdAt` wins.
 *
 * @example A price and the new price from a date on
 * ```ts
 * import { createPersistence, type ModelPriceInput } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const prices: ModelPriceInput[] = [
 *   { provider: "acme", model: "acme-*", inputPerMillion: 1, outputPerMillion: 2 },
 *   {
 *     provider: "acme",
 *     model: "acme-*",
 *     inputPerMillion: 0.5,
 *     outputPerMillion: 1,
 *     since: new Date("2025-06-01T00:00:00Z"),
 *   },
 * ];
 * await using store = await createPersistence("memory:", { prices });
 * const usage = await store.logLlmUsage({
 *   provider: "acme",
 *   model: "acme-large",
 *   inputTokens: 1_000_000,
 *   outputTokens: 1_000_000,
 *   createdAt: new Date("2025-01-01T00:00:00Z"),
 * });
 * assert.equal(usage.costUsd, 3);
 * assert.equal(usage.costSource, "computed");
 * ```
 */
export interface ModelPriceInput {
  /** The provider, as logged (compared ignoring case). */
  provider: string;
  /** The model, exact or with `*` for any characters (ignoring case). */
  model: string;
  /** US dollars per million input tokens not read from or written to the cache. */
  inputPerMillion: number;
  /** US dollars per million output tokens, reasoning included. */
  outputPerMillion: number;
  /** US dollars per million cache-read tokens; default `inputPerMillion`. */
  cacheReadPerMillion?: number;
  /** US dollars per million cache-write tokens; default `inputPerMillion`. */
  cacheWritePerMillion?: number;
  /** From when the price applies; default: always. */
  since?: Date;
}

/**
 * Settings of a PostgreSQL store. The password is a non-enumerable property,
 * so printing or serialising the settings never shows it.
 *
 * @example
 * ```ts
 * import type { PostgresConfig } from "@curio/persistence";
 * const config: PostgresConfig = {
 *   host: "127.0.0.1",
 *   port: 5432,
 *   database: "agents",
 *   user: "agent",
 *   password: "secret",
 *   schema: "agent_sdk",
 * };
 * ```
 */
export interface PostgresConfig {
  /** Server host; default `localhost`. */
  host?: string;
  /** Server port; default 5432. */
  port?: number;
  /** Database name; default the user name. */
  database?: string;
  /** User name. */
  user?: string;
  /** Password. */
  password?: string;
  /** Schema of the tables; default `agent_sdk`. Must be a plain identifier. */
  schema?: string;
  /** Most connections in the pool; default 10. */
  maxConnections?: number;
  /**
   * Connections kept open; default 1. postgres.js opens connections as they
   * are needed, so this is accepted for the specification's sake and checked
   * against `maxConnections`.
   */
  minConnections?: number;
  /** Seconds to wait for a connection before failing; default 10. */
  connectTimeoutSeconds?: number;
  /** TLS: `disable` (default), `require`, `prefer` or `verify-full`. */
  sslMode?: "disable" | "require" | "prefer" | "verify-full";
  /**
   * Partitions the events and LLM-usage tables by `created_at`, one
   * partition per UTC day or month (URL `partition=`), so that retention
   * drops whole partitions instead of deleting rows. Applies only when the
   * tables are created: opening a schema whose tables exist unpartitioned
   * with it is an `InvalidInputError` (copy the store into a new schema
   * instead). A store opened on a partitioned schema keeps its partitions
   * up without it.
   */
  partitionBy?: "day" | "month";
}

/**
 * An age: milliseconds, or an integer with a unit, `s`, `m`, `h`, `d` or `w`
 * (`"30d"`, `"12h"`), as the command line takes it.
 *
 * @example
 * ```ts
 * import type { Duration } from "@curio/persistence";
 * const month: Duration = "30d";
 * const hour: Duration = 3_600_000;
 * ```
 */
export type Duration = number | string;

/**
 * Records a retention batch is about to remove or clear, whole, as they are
 * before it: written to a {@linkcode RetentionArchive} first. With events
 * whose content is cleared come their runs too, so an archive can always
 * be imported into an empty store.
 *
 * @example
 * ```ts
 * import type { ArchivedRecords } from "@curio/persistence";
 * const none: ArchivedRecords = { runs: [], events: [], llmUsage: [] };
 * ```
 */
export interface ArchivedRecords {
  /** Runs, before their events and LLM calls. */
  runs: AgentRun[];
  /** Events, of runs given in this batch or an earlier one. */
  events: AgentRunEvent[];
  /** LLM calls. */
  llmUsage: AgentLlmUsage[];
}

/**
 * Where retention writes what it removes or clears, before it does. A batch
 * goes on only once `write` resolved; when it throws, the batch removes
 * nothing.
 *
 * @example
 * ```ts
 * import type { ArchivedRecords, RetentionArchive } from "@curio/persistence";
 * const kept: ArchivedRecords[] = [];
 * const archive: RetentionArchive = {
 *   write: (records) => void kept.push(records),
 * };
 * ```
 */
export interface RetentionArchive {
  /** Stores the records durably, then resolves. */
  write(records: ArchivedRecords): Promise<void> | void;
}

/**
 * How long a store keeps what. Runs are aged by `createdAt`; `runs` applies
 * to completed, error and cancelled runs, while pending and running runs
 * are removed only when `runsByStatus` names them. A run goes with its
 * events and LLM calls. `content` clears the free text of LLM calls and
 * events older than that (prompts become `""`; responses, input parameters
 * and event data `null`), or with `contentAction: "redact"` replaces it with
 * the store's redactor's output, while lengths, tokens, costs, latencies,
 * statuses, timestamps and usage metrics stay, so statistics do not change.
 *
 * @example
 * ```ts
 * import type { RetentionPolicy } from "@curio/persistence";
 * const policy: RetentionPolicy = {
 *   runs: "30d",
 *   runsByStatus: { error: "90d" },
 *   orphanLlmCalls: "7d",
 *   content: "7d",
 *   everyMs: 3_600_000,
 * };
 * ```
 */
export interface RetentionPolicy {
  /** Age after which completed, error and cancelled runs are removed. */
  runs?: Duration;
  /** Per status, an age that replaces `runs` (the only way to age out pending or running runs). */
  runsByStatus?: Partial<Record<AgentRunStatus, Duration>>;
  /** Age after which LLM calls without a stored run are removed. */
  orphanLlmCalls?: Duration;
  /** Age after which the content of LLM calls and events is cleared. */
  content?: Duration;
  /** `"clear"` (the default), or `"redact"` with the store's redactor. */
  contentAction?: "clear" | "redact";
  /** Apply the policy by itself at this interval, in milliseconds; off by default. */
  everyMs?: number;
  /**
   * Records per batch, each batch one transaction; default 500. On SQLite
   * and in memory the most per batch: batches are sized to hold the write
   * lock a few milliseconds, so other writers keep their latency.
   */
  batchSize?: number;
  /** Where every record removed or cleared is written first. */
  archive?: RetentionArchive;
}

/**
 * Options of {@linkcode Persistence.applyRetention}.
 *
 * @example
 * ```ts
 * import type { RetentionOptions } from "@curio/persistence";
 * const options: RetentionOptions = { dryRun: true };
 * ```
 */
export interface RetentionOptions {
  /** Only count what each rule would remove or clear. */
  dryRun?: boolean;
  /** The time ages are counted back from; default now. */
  now?: Date;
  /** Called after each batch with what was removed so far. */
  onProgress?: (removed: RecordCounts) => void;
  /**
   * Give freed pages back to the file system in bounded steps, one after
   * each batch and the rest at the end (SQLite in incremental auto-vacuum
   * mode); default `true`. `false` leaves them for new rows to reuse.
   */
  reclaimSpace?: boolean;
}

/**
 * What one rule of a policy did (or, in a dry run, would do).
 *
 * @example
 * ```ts
 * import type { RetentionRuleResult } from "@curio/persistence";
 * function line(rule: RetentionRuleResult): string {
 *   return `${rule.rule}: ${rule.removed.runs} runs before ${rule.before.toISOString()}`;
 * }
 * ```
 */
export interface RetentionRuleResult {
  /**
   * `runs`, `runs:<status>`, `orphanLlmCalls` or `content`; `partitions`
   * for the records of whole partitions dropped (PostgreSQL with
   * `partitionBy`), whichever rules made them due.
   */
  rule: string;
  /** Records older than this were due. */
  before: Date;
  /** Records removed. */
  removed: RecordCounts;
  /** Events and LLM calls whose content was cleared or redacted. */
  cleared: Omit<RecordCounts, "runs">;
}

/**
 * What {@linkcode Persistence.applyRetention} did.
 *
 * @example
 * ```ts
 * import type { RetentionResult } from "@curio/persistence";
 * function total(result: RetentionResult): number {
 *   return result.removed.runs + result.removed.events + result.removed.llmUsage;
 * }
 * ```
 */
export interface RetentionResult {
  /** Records removed by every rule together. */
  removed: RecordCounts;
  /** Records whose content was cleared. */
  cleared: Omit<RecordCounts, "runs">;
  /** Transactions used. */
  batches: number;
  /** Each rule's part, in the order applied. */
  rules: RetentionRuleResult[];
  /** Whether this was a dry run. */
  dryRun: boolean;
}

/**
 * What makes a store the one it is: equal keys mean the same data (the same
 * memory store, the same SQLite file however it is reached, or the same
 * PostgreSQL cluster, database and schema).
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const identity = await store.getStoreIdentity();
 * assert.equal(identity.key, (await store.getStoreIdentity()).key);
 * ```
 */
export interface StoreIdentity {
  /** Equal for two handles on the same data, different otherwise. */
  key: string;
  /** The store in words, for messages. */
  description: string;
}

/**
 * The length of a series' buckets. Each starts when the wall clock of the
 * series' time zone reaches a whole minute, a whole hour, midnight, Monday
 * midnight or the 1st of the month at midnight; so a day may last 23 or 25
 * hours.
 *
 * @example
 * ```ts
 * import type { SeriesBucket } from "@curio/persistence";
 * const bucket: SeriesBucket = "day";
 * ```
 */
export type SeriesBucket = "minute" | "hour" | "day" | "week" | "month";

/**
 * What {@linkcode Persistence.getLlmUsageSeries} sums: LLM calls created in
 * `[since, until)`, in buckets of `bucket` in `timeZone`.
 *
 * @example Cost per model and day, over a week in Paris
 * ```ts
 * import type { LlmUsageSeriesQuery } from "@curio/persistence";
 * const query: LlmUsageSeriesQuery = {
 *   bucket: "day",
 *   since: new Date("2025-03-24T00:00:00+01:00"),
 *   until: new Date("2025-03-31T00:00:00+02:00"),
 *   groupBy: "model",
 *   timeZone: "Europe/Paris",
 * };
 * ```
 */
export interface LlmUsageSeriesQuery {
  /** The length of a bucket. */
  bucket: SeriesBucket;
  /** Calls created at or after this time; the first bucket contains it. */
  since: Date;
  /** Calls created before this time; default now. */
  until?: Date;
  /**
   * Rows per bucket and group: `model` (the provider and model pair),
   * `provider` or `agentId`; default one row per bucket.
   */
  groupBy?: "model" | "provider" | "agentId";
  /** Only this agent's calls. */
  agentId?: string;
  /** Only this run's calls. */
  runId?: string;
  /** Only calls to this provider. */
  provider?: string;
  /** Only calls to this model. */
  model?: string;
  /** IANA time zone the buckets follow, such as `Europe/Paris`; default `UTC`. */
  timeZone?: string;
  /**
   * Whether to compute the latency percentiles; default `true`. `false`
   * leaves `p50Ms`, `p95Ms`, `p99Ms` and `maxMs` `null` and skips ranking
   * the latencies, which costs about as much as all the sums: for a chart
   * of costs or calls that shows no latency.
   *
   * ```ts
   * import { createPersistence } from "@curio/persistence";
   * import assert from "node:assert/strict";
   *
   * await using store = await createPersistence("memory:");
   * await store.logLlmUsage({
   *   latencyMs: 120,
   *   createdAt: new Date("2026-01-01T00:00:00Z"),
   * });
   * const [row] = await store.getLlmUsageSeries({
   *   bucket: "day",
   *   since: new Date("2026-01-01T00:00:00Z"),
   *   until: new Date("2026-01-08T00:00:00Z"),
   *   groupBy: "model",
   *   percentiles: false,
   * });
   * assert.equal(row?.calls, 1);
   * assert.equal(row?.p95Ms, null);
   * ```
   */
  percentiles?: boolean;
}

/**
 * One bucket (and group) of {@linkcode Persistence.getLlmUsageSeries}.
 * Latencies are nearest-rank percentiles of the calls (of any status) that
 * have one; `null` when none has.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const since = new Date("2025-01-01T00:00:00Z");
 * await store.logLlmUsage({ latencyMs: 120, createdAt: since });
 * const [row] = await store.getLlmUsageSeries({
 *   bucket: "day",
 *   since,
 *   until: new Date("2025-01-02T00:00:00Z"),
 * });
 * assert.equal(row?.calls, 1);
 * assert.equal(row?.p95Ms, 120);
 * ```
 */
export interface LlmUsageSeriesRow {
  /** When the bucket starts (it may start before the query's `since`). */
  bucketStart: Date;
  /** The provider, when grouped by model or provider. */
  provider?: string;
  /** The model, when grouped by model. */
  model?: string;
  /** The agent, when grouped by agent (`null`: calls without one). */
  agentId?: string | null;
  /** LLM calls. */
  calls: number;
  /** LLM calls with status `error`. */
  failedCalls: number;
  /** Sum of `inputTokens`. */
  inputTokens: number;
  /** Sum of `outputTokens`. */
  outputTokens: number;
  /** Sum of `cacheReadTokens`. */
  cacheReadTokens: number;
  /** Sum of `cacheWriteTokens`. */
  cacheWriteTokens: number;
  /** Sum of `reasoningTokens`. */
  reasoningTokens: number;
  /** Sum of the calls' costs, each rounded to whole nano-dollars. */
  costUsd: number;
  /** LLM calls with a token count and no cost. */
  unpricedCalls: number;
  /** Median latency in milliseconds. */
  p50Ms: number | null;
  /** 95th percentile of the latencies. */
  p95Ms: number | null;
  /** 99th percentile of the latencies. */
  p99Ms: number | null;
  /** Longest latency. */
  maxMs: number | null;
}

/**
 * What {@linkcode Persistence.getAgentRunSeries} counts: runs created in
 * `[since, until)`, in buckets of `bucket` in `timeZone`.
 *
 * @example
 * ```ts
 * import type { AgentRunSeriesQuery } from "@curio/persistence";
 * const query: AgentRunSeriesQuery = {
 *   bucket: "hour",
 *   since: new Date("2025-01-01T00:00:00Z"),
 *   groupBy: "status",
 * };
 * ```
 */
export interface AgentRunSeriesQuery {
  /** The length of a bucket. */
  bucket: SeriesBucket;
  /** Runs created at or after this time; the first bucket contains it. */
  since: Date;
  /** Runs created before this time; default now. */
  until?: Date;
  /** Rows per bucket and agent, or per bucket and status. */
  groupBy?: "agentId" | "status";
  /** Only this agent's runs. */
  agentId?: string;
  /** IANA time zone the buckets follow; default `UTC`. */
  timeZone?: string;
  /**
   * Whether to compute the duration percentiles; default `true`. `false`
   * leaves `p50DurationMs`, `p95DurationMs`, `p99DurationMs` and
   * `maxDurationMs` `null` and skips ranking the durations.
   *
   * ```ts
   * import { createPersistence } from "@curio/persistence";
   * import assert from "node:assert/strict";
   *
   * await using store = await createPersistence("memory:");
   * const rows = await store.getAgentRunSeries({
   *   bucket: "day",
   *   since: new Date("2026-01-01T00:00:00Z"),
   *   until: new Date("2026-01-08T00:00:00Z"),
   *   percentiles: false,
   * });
   * assert.ok(rows.every((row) => row.p95DurationMs === null));
   * ```
   */
  percentiles?: boolean;
}

/**
 * One bucket (and group) of {@linkcode Persistence.getAgentRunSeries}.
 * Durations are whole milliseconds from `startedAt` to `finishedAt` of the
 * runs that have both, as nearest-rank percentiles; `null` when none has.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const since = new Date("2025-01-01T00:00:00Z");
 * await store.createAgentRun({ agentId: "a1", runId: "r1", createdAt: since });
 * const [row] = await store.getAgentRunSeries({
 *   bucket: "day",
 *   since,
 *   until: new Date("2025-01-02T00:00:00Z"),
 * });
 * assert.equal(row?.pendingRuns, 1);
 * ```
 */
export interface AgentRunSeriesRow {
  /** When the bucket starts (it may start before the query's `since`). */
  bucketStart: Date;
  /** The agent, when grouped by agent. */
  agentId?: string;
  /** The status, when grouped by status. */
  status?: AgentRunStatus;
  /** Runs in all. */
  runs: number;
  /** Runs with status `pending`. */
  pendingRuns: number;
  /** Runs with status `running`. */
  runningRuns: number;
  /** Runs with status `completed`. */
  completedRuns: number;
  /** Runs with status `error`. */
  errorRuns: number;
  /** Runs with status `cancelled`. */
  cancelledRuns: number;
  /** Mean of `totalIterations`, to 2 decimals; 0 without runs. */
  avgIterations: number;
  /** Median duration in milliseconds. */
  p50DurationMs: number | null;
  /** 95th percentile of the durations. */
  p95DurationMs: number | null;
  /** 99th percentile of the durations. */
  p99DurationMs: number | null;
  /** Longest duration. */
  maxDurationMs: number | null;
}

/**
 * Which tool calls {@linkcode Persistence.getToolStats} sums: events of
 * `[since, until)` (by `timestamp`), of one agent or of all.
 *
 * @example
 * ```ts
 * import type { ToolStatsQuery } from "@curio/persistence";
 * const query: ToolStatsQuery = { agentId: "a1" };
 * ```
 */
export interface ToolStatsQuery {
  /** Events at or after this time. */
  since?: Date;
  /** Events before this time. */
  until?: Date;
  /** Only this agent's events. */
  agentId?: string;
}

/**
 * The calls of one tool, as {@linkcode Persistence.getToolStats} sums them.
 * A call is an `action_execution_*` event other than
 * `action_execution_started` whose data names the tool in a string
 * `action`. It failed when its type is not `action_execution_completed`
 * (such as `action_execution_failed`), or its data has `success: false`, an
 * `error` other than `null` or `false`, or a `result` whose `status` is
 * `"error"`. Durations are the data's numeric `duration_ms`, as nearest-rank
 * percentiles of the calls that have one.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await store.createAgentRun({ agentId: "a1", runId: "r1" });
 * await store.logAgentRunEvent({
 *   agentId: "a1",
 *   runId: "r1",
 *   eventType: "action_execution_completed",
 *   data: { action: "search", duration_ms: 40, error: "timeout" },
 * });
 * const [tool] = await store.getToolStats();
 * assert.equal(tool?.action, "search");
 * assert.equal(tool?.failures, 1);
 * assert.equal(tool?.p50DurationMs, 40);
 * ```
 */
export interface ToolStats {
  /** The tool: the events' `action`. */
  action: string;
  /** Finished calls. */
  calls: number;
  /** Calls that failed. */
  failures: number;
  /** Median `duration_ms`. */
  p50DurationMs: number | null;
  /** 95th percentile of `duration_ms`. */
  p95DurationMs: number | null;
}

/**
 * Which runs {@linkcode Persistence.getAgentRunSummaries} lists, newest
 * first, a page at a time.
 *
 * @example
 * ```ts
 * import type { AgentRunSummaryQuery } from "@curio/persistence";
 * const query: AgentRunSummaryQuery = { agentId: "a1", search: "refund" };
 * ```
 */
export interface AgentRunSummaryQuery {
  /** Only this agent's runs. */
  agentId?: string | undefined;
  /** Only runs with this status, or with one of these. */
  status?: AgentRunStatus | readonly AgentRunStatus[] | undefined;
  /** Runs created at or after this time. */
  since?: Date | undefined;
  /** Runs created before this time. */
  until?: Date | undefined;
  /**
   * Runs whose run id starts with this text, or whose objective contains
   * it; ASCII letters match either case, `%` and `_` are plain characters.
   * Blank means every run.
   */
  search?: string | undefined;
  /** The `next` of the page before; absent for the first page. */
  after?: string | undefined;
  /** Runs per page, 1 to 1000; default 50. */
  limit?: number | undefined;
}

/**
 * A run with the figures of its LLM calls, as
 * {@linkcode Persistence.getAgentRunSummaries} lists it.
 *
 * @example
 * ```ts
 * import type { AgentRunSummary } from "@curio/persistence";
 * const show = (run: AgentRunSummary) => `${run.runId}: $${run.costUsd}`;
 * ```
 */
export type AgentRunSummary = AgentRun & {
  /** `finishedAt − startedAt` in milliseconds; `null` unless both are set. */
  durationMs: number | null;
  /** The run's LLM calls. */
  llmCalls: number;
  /** Their input tokens. */
  inputTokens: number;
  /** Their output tokens. */
  outputTokens: number;
  /**
   * Their cost: the sum of each priced call's cost in whole nano-dollars,
   * divided once by 1e9, as every statistic sums costs; 0 when no call is
   * priced (see `unpricedLlmCalls` of the statistics for what is missing).
   */
  costUsd: number;
};

/**
 * One page of {@linkcode Persistence.getAgentRunSummaries}.
 *
 * @example
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 *
 * await using store = await createPersistence("memory:");
 * let after: string | undefined;
 * do {
 *   const page = await store.getAgentRunSummaries({ limit: 100, after });
 *   for (const run of page.items) console.log(run.runId, run.costUsd);
 *   after = page.next;
 * } while (after);
 * ```
 */
export interface AgentRunSummaryPage {
  /** The runs, newest first (by `createdAt`, then `id`). */
  items: AgentRunSummary[];
  /** The cursor of the next page, opaque; absent on the last page. */
  next?: string;
}
