// The one implementation of `Persistence`, over any backend's primitives.

import {
  type Backend,
  type Cursor,
  GROWTH_DAYS,
  type Stored,
} from "./backend.ts";
import { reclaimInSteps } from "./reclaim.ts";
import {
  REFRESH_USAGE_ROLLUP,
  type RefreshesUsageRollup,
  RollupSchedule,
  unrefTimer,
} from "./usage_rollup_schedule.ts";
import { GroupCommit } from "./group_commit.ts";
import { Pricing } from "./prices.ts";
import { recomputeCosts } from "./recompute.ts";
import { Redaction } from "./redaction.ts";
import { RESTORE_LLM_USAGES, type RestoresLlmUsage } from "./restore.ts";
import {
  type EventRecord,
  eventRecord,
  eventType,
  restoredUsageRecord,
  runChanges,
  runRecord,
  runStatus,
  toAgentLlmUsage,
  toAgentRun,
  toAgentRunEvent,
  type UsageRecord,
  usageRecord,
} from "./records.ts";
import { bucketBoundaries, seriesBucket } from "./buckets.ts";
import { runSeriesRows, sortToolStats, usageSeriesRows } from "./series.ts";
import {
  identifier,
  oneOf,
  pageSize,
  text,
  timestamp,
  wholeNumberOr,
} from "./validate.ts";
import { applyPolicy } from "./retention.ts";
import {
  decodeSummaryCursor,
  encodeSummaryCursor,
  searchNeedle,
  toAgentRunSummary,
} from "./run_summaries.ts";
import { type CheckedPolicy, checkPolicy } from "./retention_policy.ts";
import {
  ConnectionError,
  InvalidInputError,
  PersistenceError,
  RunNotFoundError,
  StoreClosedError,
} from "../errors.ts";
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
  AgentRunStatus,
  AgentRunSummaryPage,
  AgentRunSummaryQuery,
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
} from "../types.ts";
import { AGENT_RUN_STATUSES, LLM_USAGE_STATUSES } from "../types.ts";
import type { Persistence } from "../persistence.ts";
import type { StoreOptions } from "../types.ts";

/** Validation, defaults, iteration and batching, shared by every backend. */
export class Store
  implements Persistence, RestoresLlmUsage, RefreshesUsageRollup {
  readonly #backend: Backend;
  readonly #events: GroupCommit<EventRecord>;
  readonly #usage: GroupCommit<UsageRecord>;
  readonly #redaction: Redaction;
  readonly #readOnly: boolean;
  /**
   * Every operation under way, with the function that fails its caller's
   * promise should `close()` stop waiting for it; lone events and LLM calls
   * are not here but in their group commit, which `close()` waits for and
   * fails likewise.
   */
  readonly #inFlight = new Map<Promise<unknown>, () => void>();
  readonly #pricing: Pricing;
  #closing: Promise<void> | undefined;
  readonly #retention: CheckedPolicy | undefined;
  #retentionTimer: ReturnType<typeof setInterval> | undefined;
  /** The scheduled application under way, which a tick does not overlap. */
  #scheduled: Promise<unknown> | undefined;
  /** The daily roll-up's refreshes, once the schema is ready. */
  readonly #rollup = new RollupSchedule(() => this[REFRESH_USAGE_ROLLUP]());
  #refreshing: Promise<number> | undefined;
  readonly #buildsRollup: boolean;

  constructor(backend: Backend, options: StoreOptions = {}) {
    this.#backend = backend;
    this.#readOnly = readOnlyOption(options.readOnly);
    this.#buildsRollup = booleanOption("usageRollup", options.usageRollup);
    this.#redaction = new Redaction(options);
    this.#pricing = new Pricing(options.prices);
    this.#retention = options.retention === undefined
      ? undefined
      : checkPolicy(options.retention);
    if (this.#retention?.everyMs !== undefined) {
      this.#retentionTimer = unrefTimer(
        setInterval(() => this.#scheduledRetention(), this.#retention.everyMs),
      );
    }
    this.#events = new GroupCommit((records) => backend.insertEvents(records));
    this.#usage = new GroupCommit((records) => backend.insertUsage(records));
  }

  get backend(): Backend["name"] {
    return this.#backend.name;
  }

  /** The backend; throws `StoreClosedError` once the store is closing. */
  protected assertOpen(): Backend {
    if (this.#closing) throw new StoreClosedError();
    return this.#backend;
  }

  async createAgentRun(input: AgentRunInput): Promise<AgentRun> {
    const record = runRecord(input, new Date(), this.#redaction);
    const id = await this.#write((backend) => backend.insertRun(record));
    return toAgentRun(id, record);
  }

  async updateAgentRun(runId: string, patch: AgentRunPatch): Promise<AgentRun> {
    const id = identifier("runId", runId);
    const changes = runChanges(patch, new Date(), this.#redaction);
    const stored = await this.#write((backend) =>
      backend.updateRun(id, changes)
    );
    if (!stored) throw new RunNotFoundError(id);
    return toAgentRun(stored.id, stored.record);
  }

  async getAgentRun(runId: string): Promise<AgentRun | undefined> {
    const id = identifier("runId", runId);
    const stored = await this.#read((backend) => backend.findRun(id));
    return stored && toAgentRun(stored.id, stored.record);
  }

  async getAgentRuns(query: AgentRunQuery = {}): Promise<AgentRun[]> {
    const runQuery = {
      ...runFilter(query),
      after: undefined,
      limit: wholeNumberOr("limit", query.limit, 10),
      offset: wholeNumberOr("offset", query.offset, 0),
    };
    const rows = await this.#read((backend) => backend.listRuns(runQuery));
    return rows.map((row) => toAgentRun(row.id, row.record));
  }

  async getAgentRunSummaries(
    query: AgentRunSummaryQuery = {},
  ): Promise<AgentRunSummaryPage> {
    const limit = wholeNumberOr("limit", query.limit, 50);
    if (limit < 1 || limit > 1000) {
      throw new InvalidInputError("limit", `expected 1 to 1000, got ${limit}`);
    }
    const filter = {
      agentId: optionalId("agentId", query.agentId),
      status: optional(query.status, runStatuses),
      ...timeRange({ since: query.since, until: query.until }),
      search: searchNeedle(query.search),
      after: decodeSummaryCursor(query.after),
    };
    // One row more than the page says whether a next page exists.
    const rows = await this.#read((backend) =>
      backend.listRunSummaries({ ...filter, limit: limit + 1 })
    );
    const page = rows.slice(0, limit);
    const items = page.map(toAgentRunSummary);
    return rows.length > limit
      ? { items, next: encodeSummaryCursor(page[page.length - 1]!.cursor) }
      : { items };
  }

  iterateAgentRuns(
    query: Omit<AgentRunQuery, "limit" | "offset"> & PageOptions = {},
  ): AsyncIterableIterator<AgentRun> {
    const filter = runFilter(query);
    return this.#pages(
      pageSize(query.pageSize),
      (after, limit) =>
        this.#read((backend) =>
          backend.listRuns({ ...filter, after, limit, offset: 0 })
        ),
      toAgentRun,
    );
  }

  async deleteAgentRun(runId: string): Promise<boolean> {
    const id = identifier("runId", runId);
    return await this.#write((backend) => backend.deleteRun(id));
  }

  async logAgentRunEvent(input: AgentRunEventInput): Promise<AgentRunEvent> {
    const record = eventRecord(input, new Date(), this.#redaction);
    // The group commit is an operation `close()` waits for (and fails, past
    // its timeout) by itself: no tracking of each write besides.
    this.#assertWritable("write");
    const id = await this.#events.write(record);
    return toAgentRunEvent(id, record);
  }

  logAgentRunEvents(inputs: AgentRunEventInput[]): Promise<AgentRunEvent[]> {
    return this.#logBatch(
      "events",
      inputs,
      (input, now) => eventRecord(input, now, this.#redaction),
      (backend, records) => backend.insertEvents(records),
      toAgentRunEvent,
    );
  }

  async getAgentRunEvents(
    runId: string,
    options: AgentRunEventQuery = {},
  ): Promise<AgentRunEvent[]> {
    const id = identifier("runId", runId);
    const filter = eventFilter(options);
    // One operation, however many pages: close() waits for all of them.
    return await this.#read(async (backend) => {
      const events: AgentRunEvent[] = [];
      const pages = this.#pages(
        pageSize((options as PageOptions).pageSize),
        (after, limit) =>
          backend.listEvents({ runId: id, ...filter, after, limit }),
        toAgentRunEvent,
      );
      for await (const event of pages) events.push(event);
      return events;
    });
  }

  iterateAgentRunEvents(
    runId: string,
    options: AgentRunEventQuery & PageOptions = {},
  ): AsyncIterableIterator<AgentRunEvent> {
    const id = identifier("runId", runId);
    const filter = eventFilter(options);
    return this.#pages(
      pageSize(options.pageSize),
      (after, limit) =>
        this.#read((backend) =>
          backend.listEvents({ runId: id, ...filter, after, limit })
        ),
      toAgentRunEvent,
    );
  }

  async logLlmUsage(input: LlmUsageInput): Promise<AgentLlmUsage> {
    const record = usageRecord(input, new Date(), this.#redaction);
    this.#assertWritable("write");
    // Only the first call that needs the price table waits for it to load;
    // that wait is tracked as an operation of its own, which `close()`
    // waits for. Otherwise the group commit is the only operation.
    const pricing = this.#pricing.price([record]);
    const id =
      await (pricing
        ? this.#write(() => pricing.then(() => this.#usage.write(record)))
        : this.#usage.write(record));
    return toAgentLlmUsage(id, record);
  }

  logLlmUsages(inputs: LlmUsageInput[]): Promise<AgentLlmUsage[]> {
    return this.#logBatch(
      "usage",
      inputs,
      (input, now) => usageRecord(input, now, this.#redaction),
      async (backend, records) => {
        const pricing = this.#pricing.price(records);
        if (pricing) await pricing;
        return await backend.insertUsage(records);
      },
      toAgentLlmUsage,
    );
  }

  [RESTORE_LLM_USAGES](inputs: LlmUsageInput[]): Promise<AgentLlmUsage[]> {
    return this.#logBatch(
      "usage",
      inputs,
      (input, now) => restoredUsageRecord(input, now, this.#redaction),
      (backend, records) => backend.insertUsage(records),
      toAgentLlmUsage,
    );
  }

  async getLlmUsage(query: LlmUsageQuery = {}): Promise<AgentLlmUsage[]> {
    const usageQuery = {
      ...usageFilter(query),
      after: undefined,
      limit: wholeNumberOr("limit", query.limit, 100),
    };
    const rows = await this.#read((backend) => backend.listUsage(usageQuery));
    return rows.map((row) => toAgentLlmUsage(row.id, row.record, row.owned));
  }

  iterateLlmUsage(
    query: Omit<LlmUsageQuery, "limit"> & PageOptions = {},
  ): AsyncIterableIterator<AgentLlmUsage> {
    const filter = usageFilter(query);
    return this.#pages(
      pageSize(query.pageSize),
      (after, limit) =>
        this.#read((backend) => backend.listUsage({ ...filter, after, limit })),
      toAgentLlmUsage,
    );
  }

  recomputeCosts(
    options: RecomputeCostsOptions = {},
  ): Promise<RecomputeCostsResult> {
    // One tracked write, so close() waits for the batch under way; the next
    // batch finds the store closing and stops.
    return this.#write(() =>
      recomputeCosts(() => this.assertOpen(), this.#pricing, options)
    );
  }

  async getAgentRunStats(query: StatsQuery = {}): Promise<AgentRunStats> {
    const agentId = optionalId("agentId", query.agentId);
    const range = timeRange(query);
    const stats = await this.#read((backend) => backend.stats(agentId, range));
    return {
      ...stats,
      avgIterations: Math.round(stats.avgIterations * 100) / 100,
    };
  }

  async getLlmUsageBreakdown(
    query: StatsQuery = {},
  ): Promise<LlmUsageBreakdown[]> {
    const agentId = optionalId("agentId", query.agentId);
    const range = timeRange(query);
    return await this.#read((backend) =>
      backend.usageBreakdown(agentId, range)
    );
  }

  async getLlmUsageSeries(
    query: LlmUsageSeriesQuery,
  ): Promise<LlmUsageSeriesRow[]> {
    const range = seriesRange(query);
    const groupBy = optional(
      query.groupBy,
      (v) => oneOf("groupBy", v, ["model", "provider", "agentId"] as const),
    );
    const filter = {
      groupBy,
      agentId: optionalId("agentId", query.agentId),
      runId: optionalId("runId", query.runId),
      provider: optional(query.provider, (v) => text("provider", v)),
      model: optional(query.model, (v) => text("model", v)),
      percentiles: percentilesOption(query.percentiles),
    };
    if (!range) {
      this.assertOpen();
      return [];
    }
    const cells = await this.#read((backend) =>
      backend.usageSeries({ ...range, ...filter })
    );
    return usageSeriesRows(cells, range.boundaries, groupBy);
  }

  async getAgentRunSeries(
    query: AgentRunSeriesQuery,
  ): Promise<AgentRunSeriesRow[]> {
    const range = seriesRange(query);
    const groupBy = optional(
      query.groupBy,
      (v) => oneOf("groupBy", v, ["agentId", "status"] as const),
    );
    const agentId = optionalId("agentId", query.agentId);
    const percentiles = percentilesOption(query.percentiles);
    if (!range) {
      this.assertOpen();
      return [];
    }
    const cells = await this.#read((backend) =>
      backend.runSeries({ ...range, groupBy, agentId, percentiles })
    );
    return runSeriesRows(cells, range.boundaries, groupBy);
  }

  async getToolStats(query: ToolStatsQuery = {}): Promise<ToolStats[]> {
    const filter = {
      ...timeRange(query),
      agentId: optionalId("agentId", query.agentId),
    };
    const tools = await this.#read((backend) => backend.toolStats(filter));
    return sortToolStats(tools);
  }

  async deleteAgentRuns(
    runIds: string[],
    options: DeleteAgentRunsOptions = {},
  ): Promise<RecordCounts> {
    const ids = list("runIds", runIds).map((id) => identifier("runId", id));
    const dryRun = options.dryRun === true;
    if (ids.length === 0) {
      this.#assertWritable(dryRun ? "read" : "write");
      return { runs: 0, events: 0, llmUsage: 0 };
    }
    const remove = (backend: Backend) =>
      backend.deleteRuns([...new Set(ids)], {
        withUsage: options.withLlmUsage === true,
        dryRun,
      });
    // A dry run only counts: a read-only store may answer it.
    return await (dryRun ? this.#read(remove) : this.#write(remove));
  }

  async getStoreInfo(): Promise<StoreInfo> {
    const info = await this.#read((backend) => backend.info());
    return { backend: this.#backend.name, ...info };
  }

  async compact(options: CompactOptions = {}): Promise<void> {
    if (options.incremental !== true) {
      await this.#write((backend) => backend.compact());
      return;
    }
    const switched = await this.#write((backend) =>
      backend.switchToIncrementalVacuum()
    );
    // The switch's VACUUM gave every free page back already.
    if (!switched) await this.reclaimSpace();
  }

  async reclaimSpace(
    options: ReclaimSpaceOptions = {},
  ): Promise<ReclaimSpaceResult> {
    return await reclaimInSteps(
      (maxPages) => this.#write((backend) => backend.reclaim({ maxPages })),
      options,
    );
  }

  async getSpaceReport(): Promise<SpaceReport> {
    const since = new Date(Date.now() - GROWTH_DAYS * 86_400_000);
    return await this.#read((backend) => backend.space(since));
  }

  async applyRetention(
    policy?: RetentionPolicy,
    options: RetentionOptions = {},
  ): Promise<RetentionResult> {
    const checked = policy === undefined
      ? this.#retention
      : checkPolicy(policy);
    const now = options.now === undefined
      ? new Date()
      : timestamp("now", options.now);
    const run = {
      dryRun: options.dryRun === true,
      now,
      stopped: () => this.#closing !== undefined,
      onProgress: options.onProgress,
      reclaimSpace: options.reclaimSpace !== false,
    };
    if (!checked) {
      return {
        removed: { runs: 0, events: 0, llmUsage: 0 },
        cleared: { events: 0, llmUsage: 0 },
        batches: 0,
        rules: [],
        dryRun: run.dryRun,
      };
    }
    return await this.#write((backend) =>
      applyPolicy(backend, checked, this.#redaction, run)
    );
  }

  async getStoreIdentity(): Promise<StoreIdentity> {
    return await this.#read((backend) => backend.identity());
  }

  async initializeSchema(): Promise<void> {
    await this.#write((backend) => backend.initializeSchema());
    if (
      !this.#readOnly && this.#buildsRollup && this.#backend.refreshUsageRollup
    ) {
      this.#rollup.start();
    }
  }

  /**
   * See `REFRESH_USAGE_ROLLUP`: one tracked write, stopped by closing; a
   * call while one is under way gets that one's result.
   */
  [REFRESH_USAGE_ROLLUP](): Promise<number> {
    this.#refreshing ??= this.#write((backend) =>
      backend.refreshUsageRollup?.({
        now: new Date(),
        stopped: () => this.#closing !== undefined,
      }) ?? Promise.resolve(0)
    ).finally(() => this.#refreshing = undefined);
    return this.#refreshing;
  }

  async healthCheck(): Promise<boolean> {
    if (this.#closing) return false;
    try {
      await this.#read((backend) => backend.ping());
      return true;
    } catch {
      return false;
    }
  }

  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closing) return this.#closing;
    let timeoutMs: number;
    try {
      timeoutMs = closeTimeout(options.timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    clearInterval(this.#retentionTimer);
    this.#rollup.stop();
    this.#closing = this.#shutDown(timeoutMs);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Waits for the operations under way, up to `timeoutMs`; fails those still
   * pending then, and closes the backend, which drops what they hold.
   */
  async #shutDown(timeoutMs: number): Promise<void> {
    const settled = Promise.allSettled([
      ...this.#inFlight.keys(),
      this.#events.idle(),
      this.#usage.idle(),
    ]).then(() => true);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<boolean>((resolve) => {
      if (timeoutMs <= MAX_TIMER_MS) {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }
    });
    const finished = await Promise.race([settled, expired]);
    clearTimeout(timer);
    if (!finished) {
      const abandoned = new ConnectionError(
        "store closed before the write completed",
      );
      this.#events.abandon(abandoned, { committing: true });
      this.#usage.abandon(abandoned, { committing: true });
      for (const abandon of this.#inFlight.values()) abandon();
    }
    await this.#backend.close();
  }

  /**
   * One scheduled application of the store's policy, unless the last one is
   * still going. Its failures have no caller to go to; the next tick tries
   * again.
   */
  #scheduledRetention(): void {
    if (this.#scheduled || this.#closing) return;
    this.#scheduled = this.applyRetention()
      .catch(() => {})
      .finally(() => this.#scheduled = undefined);
  }

  /** Runs a read: refused once closing, and waited for by `close()`. */
  #read<T>(operation: (backend: Backend) => Promise<T>): Promise<T> {
    return this.#track("read", operation);
  }

  /**
   * Runs a write: refused once closing and in read-only mode, and waited
   * for by `close()`.
   */
  #write<T>(operation: (backend: Backend) => Promise<T>): Promise<T> {
    try {
      this.#assertWritable("write");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#track("write", operation);
  }

  /**
   * Throws `StoreClosedError` once closing, and for a write a
   * `PersistenceError` in read-only mode.
   */
  #assertWritable(kind: "read" | "write"): void {
    this.assertOpen();
    if (kind === "write" && this.#readOnly) {
      throw new PersistenceError(
        "This store is open in read-only mode (readOnly: true or mode=ro): it writes nothing; open it without read-only mode to write",
      );
    }
  }

  #track<T>(
    kind: "read" | "write",
    operation: (backend: Backend) => Promise<T>,
  ): Promise<T> {
    // Checked and registered in one synchronous step, so close() sees every
    // operation it did not refuse.
    const backend = this.assertOpen();
    let running: Promise<T>;
    try {
      running = operation(backend);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      this.#inFlight.set(running, () =>
        reject(
          new ConnectionError(`store closed before the ${kind} completed`),
        ));
      running.then((value) => {
        this.#inFlight.delete(running);
        resolve(value);
      }, (error) => {
        this.#inFlight.delete(running);
        reject(error);
      });
    });
  }

  /**
   * Validates every input before writing any, then stores them all in one
   * transaction: a batch is written whole or not at all.
   */
  async #logBatch<I, R, T>(
    field: string,
    inputs: I[],
    prepare: (input: I, now: Date) => R,
    insert: (backend: Backend, records: R[]) => Promise<number[]>,
    convert: (id: number, record: R) => T,
  ): Promise<T[]> {
    const now = new Date();
    const records = list(field, inputs).map((input) => prepare(input, now));
    if (records.length === 0) {
      // Nothing to write, but a closed or read-only store answers as for
      // any batch.
      this.#assertWritable("write");
      return [];
    }
    const ids = await this.#write((backend) => insert(backend, records));
    return records.map((record, i) => convert(ids[i]!, record));
  }

  /** Yields every record, one keyset page at a time. */
  async *#pages<R, T>(
    size: number,
    read: (after: Cursor | undefined, limit: number) => Promise<Stored<R>[]>,
    convert: (id: number, record: R, owned?: boolean) => T,
  ): AsyncGenerator<T, undefined, undefined> {
    let after: Cursor | undefined;
    while (true) {
      const page = await read(after, size);
      for (const row of page) yield convert(row.id, row.record, row.owned);
      if (page.length < size) return;
      after = page[page.length - 1]!.cursor;
    }
  }
}

/** Longer waits than a timer can hold (about 24.8 days) mean no limit. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The `readOnly` option: a boolean, default `false`. */
function readOnlyOption(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new InvalidInputError(
      "readOnly",
      `expected true or false, got ${String(value)}`,
    );
  }
  return value;
}

/** An option that is a boolean, default `true`. */
function booleanOption(field: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") {
    throw new InvalidInputError(
      field,
      `expected true or false, got ${String(value)}`,
    );
  }
  return value;
}

/** A series' `percentiles` option: a boolean, default `true`. */
function percentilesOption(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") {
    throw new InvalidInputError(
      "percentiles",
      `expected true or false, got ${String(value)}`,
    );
  }
  return value;
}

/** `close()`'s `timeoutMs`: milliseconds from 0, default 30 s. */
function closeTimeout(value: unknown): number {
  if (value === undefined) return 30_000;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new InvalidInputError(
      "timeoutMs",
      `expected a number of milliseconds from 0, got ${String(value)}`,
    );
  }
  return value;
}

function runFilter(query: AgentRunQuery) {
  if (query.until !== undefined && query.createdBefore !== undefined) {
    throw new InvalidInputError(
      "createdBefore",
      "give until or createdBefore (its other name), not both",
    );
  }
  return {
    agentId: optionalId("agentId", query.agentId),
    status: optional(query.status, runStatuses),
    agentName: optional(query.agentName, (v) => text("agentName", v)),
    ...timeRange({
      since: query.since,
      until: query.until ?? query.createdBefore,
    }, query.until === undefined ? "createdBefore" : "until"),
  };
}

/** One status, or a list of them (copied). */
function runStatuses(
  value: AgentRunStatus | readonly AgentRunStatus[],
): AgentRunStatus | readonly AgentRunStatus[] {
  if (!Array.isArray(value)) return runStatus(value);
  return (value as readonly unknown[]).map((status) =>
    oneOf("status", status, AGENT_RUN_STATUSES)
  );
}

function usageFilter(query: LlmUsageQuery) {
  return {
    agentId: optionalId("agentId", query.agentId),
    runId: optionalId("runId", query.runId),
    withoutRun: query.withoutRun === true,
    provider: optional(query.provider, (v) => text("provider", v)),
    model: optional(query.model, (v) => text("model", v)),
    status: optional(
      query.status,
      (v) => oneOf("status", v, LLM_USAGE_STATUSES),
    ),
    ...timeRange(query),
  };
}

function eventFilter(query: AgentRunEventQuery) {
  return {
    eventType: optional(query.eventType, eventType),
    ...timeRange(query),
  };
}

/** Validated `since` and `until`, each left out when not given. */
function timeRange(
  query: { since?: Date | undefined; until?: Date | undefined },
  untilField = "until",
): { since?: Date; until?: Date } {
  const since = optional(query.since, (v) => timestamp("since", v));
  const until = optional(query.until, (v) => timestamp(untilField, v));
  return {
    ...since === undefined ? {} : { since },
    ...until === undefined ? {} : { until },
  };
}

/**
 * The buckets of a series query, validated, or `undefined` when its range
 * is empty (`until` at or before `since`).
 */
function seriesRange(
  query: {
    bucket: unknown;
    since: Date;
    until?: Date | undefined;
    timeZone?: string | undefined;
  },
): { boundaries: Date[]; since: Date; until: Date } | undefined {
  if (query === null || typeof query !== "object") {
    throw new InvalidInputError("query", "expected an object");
  }
  const bucket = seriesBucket(query.bucket);
  const since = timestamp("since", query.since);
  const until = query.until === undefined
    ? new Date()
    : timestamp("until", query.until);
  const timeZone = query.timeZone ?? "UTC";
  if (until <= since) {
    // Still refuse a zone that does not exist.
    bucketBoundaries(bucket, since, since, timeZone);
    return undefined;
  }
  return {
    boundaries: bucketBoundaries(bucket, since, until, timeZone),
    since,
    until,
  };
}

function list<T>(field: string, values: T[]): T[] {
  if (!Array.isArray(values)) {
    throw new InvalidInputError(field, "expected an array");
  }
  return values;
}

/** `check(value)`, or `undefined` when no value is given. */
function optional<T, R>(
  value: T | undefined,
  check: (value: T) => R,
): R | undefined {
  return value === undefined ? undefined : check(value);
}

/** A validated identifier, or `undefined` when none is given. */
function optionalId(field: string, value: unknown): string | undefined {
  return optional(value, (v) => identifier(field, v));
}
