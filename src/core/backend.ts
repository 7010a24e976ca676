// The small set of storage primitives a backend provides. Everything else —
// validation, defaults, iteration, batching, closing — is written once in
// `store.ts` on top of these, so the backends cannot drift apart.

import type {
  EventRecord,
  RunChanges,
  RunRecord,
  UsageRecord,
} from "./records.ts";
import type {
  AgentRunSeriesRow,
  AgentRunStats,
  AgentRunStatus,
  BackendName,
  LlmUsageBreakdown,
  LlmUsageSeriesRow,
  LlmUsageStatus,
  RecordCounts,
  SpaceReport,
  StoreIdentity,
  StoreInfo,
  ToolStats,
} from "../types.ts";

/** Records whose time lies in `[since, until)`; either end may be open. */
export interface TimeRange {
  since?: Date | undefined;
  until?: Date | undefined;
}

/**
 * Where a keyset page ends. Opaque to the store: each backend keeps there the
 * sort key exactly as it stored it, so the next page starts right after it.
 */
export type Cursor = unknown;

/** A record with the id and cursor the backend gave it. */
/** From `from` to `to`, both included. */
export interface TimeSpan {
  from: Date;
  to: Date;
}

export interface Stored<R> {
  id: number;
  record: R;
  cursor: Cursor;
  /**
   * The record was made for this result alone, in the public layout (`id`
   * first, then its fields): whoever takes it may turn it into the public
   * record in place instead of copying it (see `toAgentLlmUsage`).
   */
  owned?: true;
}

/** Runs newest first: by `createdAt` descending, then `id` descending. */
export interface RunListQuery extends TimeRange {
  agentId: string | undefined;
  /** One status, or several (none when the list is empty). */
  status: AgentRunStatus | readonly AgentRunStatus[] | undefined;
  agentName?: string | undefined;
  after: Cursor | undefined;
  limit: number;
  offset: number;
}

/** Runs newest first with their LLM calls' figures, as `RunListQuery`. */
export interface RunSummaryListQuery extends TimeRange {
  agentId: string | undefined;
  status: AgentRunStatus | readonly AgentRunStatus[] | undefined;
  /**
   * Trimmed and ASCII-lowered, not blank: runs whose ASCII-lowered run id
   * starts with it or whose ASCII-lowered objective contains it, every
   * character literal.
   */
  search: string | undefined;
  /** A cursor as given back by the caller: check its shape. */
  after: Cursor | undefined;
  limit: number;
}

/** A run and the sums of its LLM calls; `nanos` of the priced ones. */
export interface RunSummaryRow extends Stored<RunRecord> {
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  nanos: number;
}

/** A run's events oldest first: by `timestamp`, then `id`. */
export interface EventListQuery extends TimeRange {
  runId: string;
  eventType: string | undefined;
  after: Cursor | undefined;
  limit: number;
}

/** LLM calls newest first: by `createdAt` descending, then `id` descending. */
export interface UsageListQuery extends TimeRange {
  agentId: string | undefined;
  provider?: string | undefined;
  model?: string | undefined;
  status?: LlmUsageStatus | undefined;
  runId: string | undefined;
  /** Only calls whose run is not stored. */
  withoutRun?: boolean | undefined;
  after: Cursor | undefined;
  limit: number;
}

/**
 * Buckets of a series: bucket `i` is `[boundaries[i], boundaries[i + 1])`,
 * and only records in `[since, until)` count.
 */
export interface SeriesRange {
  boundaries: readonly Date[];
  since: Date;
  until: Date;
}

/** What `usageSeries` sums. */
export interface UsageSeriesQuery extends SeriesRange {
  groupBy: "model" | "provider" | "agentId" | undefined;
  agentId: string | undefined;
  runId: string | undefined;
  provider: string | undefined;
  model: string | undefined;
  /** Whether to rank the latencies; their cells' percentiles else `null`. */
  percentiles: boolean;
}

/**
 * One bucket and group of LLM calls: `bucket` is the bucket's index; the
 * grouped fields are set as the query's `groupBy` asks; `nanos` is the exact
 * sum of costs in nano-dollars.
 */
export type UsageSeriesCell =
  & Omit<LlmUsageSeriesRow, "bucketStart" | "costUsd">
  & { bucket: number; nanos: number };

/** What `runSeries` counts. */
export interface RunSeriesQuery extends SeriesRange {
  groupBy: "agentId" | "status" | undefined;
  agentId: string | undefined;
  /** Whether to rank the durations; their cells' percentiles else `null`. */
  percentiles: boolean;
}

/** One bucket and group of runs; `iterations` is the sum, not the mean. */
export type RunSeriesCell =
  & Omit<AgentRunSeriesRow, "bucketStart" | "avgIterations">
  & { bucket: number; iterations: number };

/** Which events `toolStats` reads. */
export interface ToolStatsFilter extends TimeRange {
  agentId: string | undefined;
}

/** A new cost of a stored LLM call. */
export interface UsageCost {
  id: number;
  costUsd: number | null;
  costSource: UsageRecord["costSource"];
}

/** What `deleteRuns` removes beside the runs, and whether it only counts. */
export interface DeleteRunsOptions {
  /** The runs' LLM calls too. */
  withUsage: boolean;
  /** Count what would be deleted, and delete nothing. */
  dryRun: boolean;
}

/** The tables whose rows retention removes or clears by id. */
export type ContentTable = "events" | "usage";

/**
 * Rows of `table` created before `createdBefore` whose content is not yet
 * cleared, by id ascending, after the id `afterId`.
 */
export interface ContentQuery {
  createdBefore: Date;
  afterId: number;
  limit: number;
}

/** New content for one row; the fields not named stay. */
export interface ContentChange {
  id: number;
  fields: Partial<EventRecord> | Partial<UsageRecord>;
}

/** The days a space report averages growth over, counted back from now. */
export const GROWTH_DAYS = 7;

/**
 * When records are due under a retention policy, for dropping whole
 * partitions: a run of a listed status created before its instant is due,
 * and its events and LLM calls with it; an LLM call without a run is due
 * when created before `orphanLlmCalls`.
 */
export interface DueRules {
  runs: ReadonlyMap<AgentRunStatus, Date>;
  orphanLlmCalls: Date | undefined;
  /** Partitions whose period ends after this are never dropped. */
  now: Date;
}

/** The primitives of one storage engine. */
export interface Backend {
  readonly name: BackendName;
  /** Stores a run; throws `DuplicateRunError` when its run id is taken. */
  insertRun(record: RunRecord): Promise<number>;
  /** Applies changes and returns the run, or `undefined` when absent. */
  updateRun(
    runId: string,
    changes: RunChanges,
  ): Promise<Stored<RunRecord> | undefined>;
  findRun(runId: string): Promise<Stored<RunRecord> | undefined>;
  listRuns(query: RunListQuery): Promise<Stored<RunRecord>[]>;
  /**
   * A page of runs with their calls' sums, in one statement on SQL; throws
   * `InvalidInputError` for a cursor of another shape.
   */
  listRunSummaries(query: RunSummaryListQuery): Promise<RunSummaryRow[]>;
  /** Deletes a run with its events, atomically; `true` when it existed. */
  deleteRun(runId: string): Promise<boolean>;
  /**
   * Stores events in one transaction and returns their ids in order; throws
   * `RunNotFoundError` (naming a missing run) and stores none when a run is
   * missing.
   */
  insertEvents(records: readonly EventRecord[]): Promise<number[]>;
  listEvents(query: EventListQuery): Promise<Stored<EventRecord>[]>;
  /** Stores LLM calls in one transaction and returns their ids in order. */
  insertUsage(records: readonly UsageRecord[]): Promise<number[]>;
  listUsage(query: UsageListQuery): Promise<Stored<UsageRecord>[]>;
  /** Sets the costs of stored LLM calls, in one transaction. */
  updateUsageCosts(costs: readonly UsageCost[]): Promise<void>;
  /**
   * The figures, with `avgIterations` not yet rounded; runs and calls by
   * `createdAt` in `range`.
   */
  stats(
    agentId: string | undefined,
    range?: TimeRange,
  ): Promise<AgentRunStats>;
  /** LLM calls summed per provider and model, the costliest first. */
  usageBreakdown(
    agentId: string | undefined,
    range?: TimeRange,
  ): Promise<LlmUsageBreakdown[]>;
  /** LLM calls summed per bucket and group; only buckets with calls. */
  usageSeries(query: UsageSeriesQuery): Promise<UsageSeriesCell[]>;
  /** Runs counted per bucket and group; only buckets with runs. */
  runSeries(query: RunSeriesQuery): Promise<RunSeriesCell[]>;
  /** Tool calls summed per tool, in no particular order. */
  toolStats(query: ToolStatsFilter): Promise<ToolStats[]>;
  /**
   * Deletes runs, their events and, with `withUsage`, their LLM calls in one
   * transaction; with `dryRun` only counts them.
   */
  deleteRuns(
    runIds: readonly string[],
    options: DeleteRunsOptions,
  ): Promise<RecordCounts>;
  /** Schema version, counts and size. */
  info(): Promise<Omit<StoreInfo, "backend">>;
  /** Returns free space to the file system, where the engine can. */
  compact(): Promise<void>;
  /**
   * Switches a SQLite file to `auto_vacuum=INCREMENTAL` by one blocking
   * `VACUUM`; `false` when it was in that mode already (or the engine has
   * no such mode), and nothing was done.
   */
  switchToIncrementalVacuum(): Promise<boolean>;
  /**
   * One bounded step giving free pages back to the file system, at most
   * `maxPages`, in one short write; returns the bytes given back, 0 when
   * nothing is left to give (or the engine cannot).
   */
  reclaim(options: { maxPages: number }): Promise<number>;
  /**
   * Copies what the write-ahead log holds into the database file, waiting
   * for no one (SQLite's `PASSIVE` checkpoint): done after each of a long
   * series of writes, it keeps each copy small, where SQLite's automatic
   * one would copy a thousand pages at once inside some writer's commit.
   * Nothing to do elsewhere.
   */
  checkpoint(): Promise<void>;
  /**
   * The database's space; growth per day is the rows created since `since`
   * divided by `GROWTH_DAYS`.
   */
  space(since: Date): Promise<SpaceReport>;
  initializeSchema(): Promise<void>;
  /**
   * Runs `fn` as one maintenance batch: in one write transaction, with a
   * backend whose primitives run inside it. On PostgreSQL the batch also
   * holds an advisory lock, so two processes never work on the same batch.
   */
  maintenanceBatch<T>(fn: (backend: Backend) => Promise<T>): Promise<T>;
  /**
   * Inside a maintenance batch: keeps changes and new events of these runs
   * out until the batch ends (PostgreSQL locks the rows; SQLite's write
   * transaction keeps every writer out already), and returns them as they
   * are now.
   */
  lockRuns(runIds: readonly string[]): Promise<Stored<RunRecord>[]>;
  /**
   * Deletes exactly these rows; returns how many were there. `within`, when
   * given, holds every row's `created_at`: a partitioned table then looks
   * only in the partitions of that span, not in every one.
   */
  deleteByIds(
    table: ContentTable,
    ids: readonly number[],
    within?: TimeSpan,
  ): Promise<number>;
  /**
   * Deletes those of the runs that have neither events nor LLM calls left;
   * returns the run ids deleted.
   */
  deleteEmptyRuns(runIds: readonly string[]): Promise<string[]>;
  /** Rows whose content a retention rule would clear; see `ContentQuery`. */
  listContent(
    table: ContentTable,
    query: ContentQuery,
  ): Promise<Stored<EventRecord | UsageRecord>[]>;
  /** Rewrites content fields of rows by id; returns how many changed. */
  setContent(
    table: ContentTable,
    changes: readonly ContentChange[],
  ): Promise<number>;
  /** What makes this store the one it is. */
  identity(): Promise<StoreIdentity>;
  /**
   * Only where tables are partitioned (PostgreSQL with `partitionBy`):
   * creates the partitions of the current and next periods, and with `due`
   * drops each past partition whose every row is due, returning what those
   * held. Rows of partitions that are not wholly due are left to the rules.
   */
  maintainPartitions?(due: DueRules | undefined): Promise<RecordCounts>;
  /**
   * Only where usage series have a daily roll-up (the SQL backends): builds
   * it for every closed UTC day before `now`'s whose roll-up is missing or
   * stale, one day per short transaction, paced, stopping early once
   * `stopped()`; returns the days built.
   */
  refreshUsageRollup?(
    options: { now: Date; stopped: () => boolean },
  ): Promise<number>;
  /** Resolves when the database answers; throws otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
