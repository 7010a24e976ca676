/**
 * The {@linkcode Persistence} interface: every operation a store offers,
 * implemented once over each backend.
 *
 * @module
 */

import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  AgentRunEventInput,
  AgentRunEventQuery,
  AgentRunInput,
  AgentRunPatch,
  AgentRunQuery,
  AgentRunSeriesQuery,
  AgentRunSeriesRow,
  AgentRunStats,
  AgentRunSummaryPage,
  AgentRunSummaryQuery,
  BackendName,
  CompactOptions,
  DeleteAgentRunsOptions,
  LlmUsageBreakdown,
  LlmUsageInput,
  LlmUsageQuery,
  LlmUsageSeriesQuery,
  LlmUsageSeriesRow,
  PageOptions,
  ReclaimSpaceOptions,
  ReclaimSpaceResult,
  RecomputeCostsOptions,
  RecomputeCostsResult,
  RecordCounts,
  RetentionOptions,
  RetentionPolicy,
  RetentionResult,
  SpaceReport,
  StatsQuery,
  StoreIdentity,
  StoreInfo,
  ToolStats,
  ToolStatsQuery,
} from "./types.ts";

/**
 * The operations every backend provides. All are async; writes return the
 * stored record, with its `id` and `createdAt`.
 *
 * @example Record a run
 * ```ts
 * import { createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await store.createAgentRun({ agentId: "a1", runId: "r1", status: "running" });
 * await store.logAgentRunEvent({ agentId: "a1", runId: "r1", eventType: "run_started" });
 * await store.updateAgentRun("r1", { status: "completed", totalIterations: 2 });
 * const stats = await store.getAgentRunStats({ agentId: "a1" });
 * assert.equal(stats.completedRuns, 1);
 * ```
 */
export interface Persistence extends AsyncDisposable {
  /** Which backend this is. */
  readonly backend: BackendName;

  /** Stores a new run. Throws {@linkcode DuplicateRunError} when `runId` is taken. */
  createAgentRun(input: AgentRunInput): Promise<AgentRun>;
  /** Writes the given fields of a run. Throws {@linkcode RunNotFoundError} when absent. */
  updateAgentRun(runId: string, patch: AgentRunPatch): Promise<AgentRun>;
  /** The run, or `undefined`. */
  getAgentRun(runId: string): Promise<AgentRun | undefined>;
  /** Runs, newest first (by `createdAt`, then `id`). */
  getAgentRuns(query?: AgentRunQuery): Promise<AgentRun[]>;
  /** Every matching run, newest first, read page by page. */
  iterateAgentRuns(
    query?: Omit<AgentRunQuery, "limit" | "offset"> & PageOptions,
  ): AsyncIterableIterator<AgentRun>;
  /**
   * Runs, newest first, each with its duration and its LLM calls' count,
   * tokens and cost: one page per call, read in one statement on SQL, paged
   * by an opaque cursor (`next`, handed back as `after`) rather than an
   * offset, so later pages cost what the first does. Runs other programs
   * wrote without a creation time come after all others, the latest
   * written first, on every backend (`getAgentRuns` leaves them where the
   * database sorts NULL). On a read-only PostgreSQL schema older than
   * version 1, costs held only in `usage_metrics` take a second query.
   *
   * @throws {InvalidInputError} For an invalid filter, limit or cursor.
   */
  getAgentRunSummaries(
    query?: AgentRunSummaryQuery,
  ): Promise<AgentRunSummaryPage>;
  /** Deletes a run and its events; `true` when it existed. */
  deleteAgentRun(runId: string): Promise<boolean>;

  /** Stores an event. Throws {@linkcode RunNotFoundError} for an unknown run. */
  logAgentRunEvent(input: AgentRunEventInput): Promise<AgentRunEvent>;
  /** Stores many events in one transaction: all or none. */
  logAgentRunEvents(inputs: AgentRunEventInput[]): Promise<AgentRunEvent[]>;
  /** A run's events in timestamp order (then `id`). */
  getAgentRunEvents(
    runId: string,
    options?: AgentRunEventQuery,
  ): Promise<AgentRunEvent[]>;
  /** A run's events in timestamp order, read page by page. */
  iterateAgentRunEvents(
    runId: string,
    options?: AgentRunEventQuery & PageOptions,
  ): AsyncIterableIterator<AgentRunEvent>;

  /** Stores an LLM call. */
  logLlmUsage(input: LlmUsageInput): Promise<AgentLlmUsage>;
  /** Stores many LLM calls in one transaction: all or none. */
  logLlmUsages(inputs: LlmUsageInput[]): Promise<AgentLlmUsage[]>;
  /** LLM calls, newest first (by `createdAt`, then `id`). */
  getLlmUsage(query?: LlmUsageQuery): Promise<AgentLlmUsage[]>;
  /** Every matching LLM call, newest first, read page by page. */
  iterateLlmUsage(
    query?: Omit<LlmUsageQuery, "limit"> & PageOptions,
  ): AsyncIterableIterator<AgentLlmUsage>;

  /**
   * Recomputes the costs of stored LLM calls from the current prices (the
   * bundled table and the store's `prices`): computed and unpriced ones, and
   * provided ones with `includeProvided`. Batches of `batchSize` calls are
   * written one transaction each.
   */
  recomputeCosts(
    options?: RecomputeCostsOptions,
  ): Promise<RecomputeCostsResult>;

  /** Figures over runs and LLM calls. */
  getAgentRunStats(query?: StatsQuery): Promise<AgentRunStats>;
  /** LLM calls summed per provider and model, the costliest first. */
  getLlmUsageBreakdown(query?: StatsQuery): Promise<LlmUsageBreakdown[]>;
  /**
   * LLM calls summed per time bucket (and group), in time order: every group
   * that has a call in the range has a row in every bucket, with zero counts
   * and `null` latencies where it has no call. Computed by the database in
   * one statement (a read-only store on a PostgreSQL schema older than
   * version 1 reads the costs in `usage_metrics` apart); throws
   * {@linkcode InvalidInputError} for an unknown time zone or more than
   * 10,000 buckets.
   */
  getLlmUsageSeries(query: LlmUsageSeriesQuery): Promise<LlmUsageSeriesRow[]>;
  /** Runs counted per time bucket (and group), in time order, as above. */
  getAgentRunSeries(query: AgentRunSeriesQuery): Promise<AgentRunSeriesRow[]>;
  /** Tool calls summed per tool, the most called first; see {@linkcode ToolStats}. */
  getToolStats(query?: ToolStatsQuery): Promise<ToolStats[]>;

  /**
   * Deletes runs with their events (and, when asked, their LLM calls) in one
   * transaction, and returns how many records went; with `dryRun`, only
   * counts them. Run ids that are not stored are ignored.
   */
  deleteAgentRuns(
    runIds: string[],
    options?: DeleteAgentRunsOptions,
  ): Promise<RecordCounts>;
  /** Schema version, record counts and size of the database. */
  getStoreInfo(): Promise<StoreInfo>;
  /**
   * Returns the space of deleted records to the file system where the
   * backend can: `VACUUM` on SQLite and PostgreSQL, nothing in memory. On
   * SQLite the whole file is rewritten while every writer waits; with
   * `incremental`, see {@linkcode CompactOptions.incremental}.
   */
  compact(options?: CompactOptions): Promise<void>;
  /**
   * Gives free pages back to the file system in bounded steps, each its own
   * short write, letting other writers in between: SQLite files in
   * `auto_vacuum=INCREMENTAL` mode (every file this module creates); nothing
   * elsewhere. Prune and retention policies call it after their batches.
   */
  reclaimSpace(options?: ReclaimSpaceOptions): Promise<ReclaimSpaceResult>;
  /**
   * Where the disk space goes: size and growth per table over the last 7
   * days, SQLite's write-ahead log and free pages. Reads every table's
   * recent rows, so it is meant for occasional checks such as `doctor`.
   */
  getSpaceReport(): Promise<SpaceReport>;
  /**
   * Applies a retention policy (by default the store's own, `retention` of
   * its options; none means nothing to do): removes old runs with their
   * events and LLM calls, LLM calls without a run, and clears old content,
   * one batch per write transaction (on PostgreSQL under an advisory lock
   * too, so two processes never work on one batch). With `archive`, every
   * record is written there before it is removed or cleared, and only what
   * was archived is removed. See {@linkcode RetentionPolicy}.
   *
   * @throws {InvalidInputError} When the policy is invalid, or asks to
   * redact without a redactor.
   */
  applyRetention(
    policy?: RetentionPolicy,
    options?: RetentionOptions,
  ): Promise<RetentionResult>;
  /**
   * What makes this store the one it is, for example to refuse copying a
   * store into itself.
   */
  getStoreIdentity(): Promise<StoreIdentity>;

  /** Creates the tables and indexes when missing; done on open too. */
  initializeSchema(): Promise<void>;
  /**
   * `true` when the store answers a trivial query. Never throws, and never
   * waits longer than the connect timeout (PostgreSQL's
   * `connectTimeoutSeconds`, default 10): a server that stops answering is
   * `false`, and the connection it left hanging is dropped.
   */
  healthCheck(): Promise<boolean>;
  /**
   * Closes the store: every later call rejects with
   * {@linkcode StoreClosedError} at once, while the operations called before
   * are waited for, up to `timeoutMs` (default 30 000). Those still pending
   * then reject with {@linkcode ConnectionError} ("store closed before the
   * write completed": it may or may not be stored). Then the connection or
   * pool is released. Every promise the store returned settles. Safe to call
   * more than once: later calls return the first call's promise.
   * `[Symbol.asyncDispose]` (`await using`) closes with the default.
   *
   * @example
   * ```ts
   * import { createPersistence } from "@curio/persistence";
   *
   * const store = await createPersistence("memory:");
   * await store.createAgentRun({ agentId: "a1", runId: "r1" });
   * await store.close({ timeoutMs: 5_000 });
   * ```
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}
