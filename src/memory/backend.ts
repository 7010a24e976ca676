// The memory backend's primitives. Each table is an array kept in its sort
// order (appends are the common case, so inserting stays cheap), and a keyset
// page is a binary search plus a scan.

import type {
  Backend,
  ContentChange,
  ContentQuery,
  ContentTable,
  Cursor,
  DeleteRunsOptions,
  EventListQuery,
  RunListQuery,
  RunSeriesCell,
  RunSeriesQuery,
  RunSummaryListQuery,
  RunSummaryRow,
  Stored,
  TimeRange,
  ToolStatsFilter,
  UsageCost,
  UsageListQuery,
  UsageSeriesCell,
  UsageSeriesQuery,
} from "../core/backend.ts";
import {
  emptyRunCell,
  emptyUsageCell,
  emptyUsageCounts,
  nearestRank,
  ToolTally,
} from "../core/series.ts";
import { asciiLower, notACursor } from "../core/run_summaries.ts";
import { GROWTH_DAYS } from "../core/backend.ts";
import {
  type EventRecord,
  parseJson,
  type RunChanges,
  type RunRecord,
  type UsageRecord,
} from "../core/records.ts";
import { costUsd, nanoDollars } from "../core/usage_metrics.ts";
import { DuplicateRunError, RunNotFoundError } from "../errors.ts";
import type {
  AgentRunStats,
  LlmUsageBreakdown,
  RecordCounts,
  SpaceReport,
  StoreIdentity,
  StoreInfo,
  ToolStats,
} from "../types.ts";

/** A row and its sort key: a time in milliseconds and the id. */
interface Row<R> {
  id: number;
  record: R;
  time: number;
}

interface Key {
  time: number;
  id: number;
}

function compareKeys(a: Key, b: Key): number {
  return a.time - b.time || a.id - b.id;
}

/** A caller's cursor checked to be one this backend gave. */
function memoryKey(cursor: Cursor): Key {
  const key = cursor as Partial<Key> | null;
  if (
    typeof key !== "object" || key === null ||
    !Number.isFinite(key.time) || !Number.isSafeInteger(key.id)
  ) throw notACursor();
  return { time: key.time!, id: key.id! };
}

/** Index of the first row whose key is greater than `key` (or equal, if `orEqual`). */
function bound(rows: readonly Key[], key: Key, orEqual = false): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const order = compareKeys(rows[mid]!, key);
    if (order < 0 || (order === 0 && !orEqual)) low = mid + 1;
    else high = mid;
  }
  return low;
}

function insertSorted<R>(rows: Row<R>[], row: Row<R>): void {
  const last = rows[rows.length - 1];
  if (!last || compareKeys(last, row) <= 0) rows.push(row);
  else rows.splice(bound(rows, row), 0, row);
}

function stored<R>(row: Row<R>): Stored<R> {
  return {
    id: row.id,
    record: row.record,
    cursor: { time: row.time, id: row.id },
  };
}

/** Rows from newest to oldest, starting after `after`. */
function* newestFirst<R>(
  rows: readonly Row<R>[],
  after: Key | undefined,
): Generator<Row<R>> {
  const start = after ? bound(rows, after, true) : rows.length;
  for (let i = start - 1; i >= 0; i--) yield rows[i]!;
}

/** Rows from oldest to newest, starting after `after`. */
function* oldestFirst<R>(
  rows: readonly Row<R>[],
  after: Key | undefined,
): Generator<Row<R>> {
  for (let i = after ? bound(rows, after) : 0; i < rows.length; i++) {
    yield rows[i]!;
  }
}

function take<R>(
  rows: Iterable<Row<R>>,
  keep: (record: R) => boolean,
  offset: number,
  limit: number,
): Stored<R>[] {
  const page: Stored<R>[] = [];
  if (limit === 0) return page;
  let skipped = 0;
  for (const row of rows) {
    if (!keep(row.record)) continue;
    if (skipped < offset) {
      skipped++;
      continue;
    }
    page.push(stored(row));
    if (page.length === limit) break;
  }
  return page;
}

/** Everything the memory backend holds. */
export interface MemoryTables {
  runs: Row<RunRecord>[];
  events: Row<EventRecord>[];
  usage: Row<UsageRecord>[];
}

/** Stores records in arrays, for tests and short-lived processes. */
export class MemoryBackend implements Backend {
  readonly name = "memory";
  #runs: Row<RunRecord>[] = [];
  #runsById = new Map<string, Row<RunRecord>>();
  #events = new Map<string, Row<EventRecord>[]>();
  #usage: Row<UsageRecord>[] = [];
  /** The rows of `#usage` by id, so that a cost update finds its row at once. */
  readonly #usageById = new Map<number, Row<UsageRecord>>();
  #ids = { run: 0, event: 0, usage: 0 };
  /** This object, whichever store wraps it. */
  readonly #identity = crypto.randomUUID();
  /** The maintenance batch under way, which the next one waits for. */
  #batch: Promise<unknown> = Promise.resolve();

  insertRun(record: RunRecord): Promise<number> {
    if (this.#runsById.has(record.runId)) {
      return Promise.reject(new DuplicateRunError(record.runId));
    }
    const row = {
      id: ++this.#ids.run,
      record,
      time: record.createdAt.getTime(),
    };
    this.#runsById.set(record.runId, row);
    insertSorted(this.#runs, row);
    return Promise.resolve(row.id);
  }

  updateRun(
    runId: string,
    changes: RunChanges,
  ): Promise<Stored<RunRecord> | undefined> {
    const row = this.#runsById.get(runId);
    if (row) row.record = { ...row.record, ...changes };
    return Promise.resolve(row && stored(row));
  }

  findRun(runId: string): Promise<Stored<RunRecord> | undefined> {
    const row = this.#runsById.get(runId);
    return Promise.resolve(row && stored(row));
  }

  listRuns(query: RunListQuery): Promise<Stored<RunRecord>[]> {
    return Promise.resolve(take(
      newestFirst(this.#runs, query.after as Key | undefined),
      (run) =>
        (query.agentId === undefined || run.agentId === query.agentId) &&
        (query.status === undefined || (typeof query.status === "string"
          ? run.status === query.status
          : query.status.includes(run.status))) &&
        (query.agentName === undefined ||
          run.agentName === query.agentName) &&
        inRange(run.createdAt, query),
      query.offset,
      query.limit,
    ));
  }

  listRunSummaries(query: RunSummaryListQuery): Promise<RunSummaryRow[]> {
    const after = query.after === undefined
      ? undefined
      : memoryKey(query.after);
    const needle = query.search;
    const page = take(
      newestFirst(this.#runs, after),
      (run) =>
        (query.agentId === undefined || run.agentId === query.agentId) &&
        (query.status === undefined || (typeof query.status === "string"
          ? run.status === query.status
          : query.status.includes(run.status))) &&
        inRange(run.createdAt, query) &&
        (needle === undefined ||
          asciiLower(run.runId).startsWith(needle) ||
          asciiLower(run.objective).includes(needle)),
      0,
      query.limit,
    );
    const sums = new Map(page.map((row) => [row.record.runId, {
      ...row,
      llmCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      nanos: 0,
    }]));
    for (const { record: usage } of this.#usage) {
      const sum = usage.runId === null ? undefined : sums.get(usage.runId);
      if (!sum) continue;
      sum.llmCalls++;
      sum.inputTokens += usage.inputTokens ?? 0;
      sum.outputTokens += usage.outputTokens ?? 0;
      sum.nanos += nanosOf(usage) ?? 0;
    }
    return Promise.resolve([...sums.values()]);
  }

  deleteRun(runId: string): Promise<boolean> {
    const row = this.#runsById.get(runId);
    if (!row) return Promise.resolve(false);
    this.#runsById.delete(runId);
    this.#runs.splice(this.#runs.indexOf(row), 1);
    this.#events.delete(runId);
    return Promise.resolve(true);
  }

  insertEvents(records: readonly EventRecord[]): Promise<number[]> {
    const missing = records.find((event) => !this.#runsById.has(event.runId));
    if (missing) return Promise.reject(new RunNotFoundError(missing.runId));
    return Promise.resolve(records.map((record) => {
      const row = {
        id: ++this.#ids.event,
        record,
        time: record.timestamp.getTime(),
      };
      let rows = this.#events.get(record.runId);
      if (!rows) this.#events.set(record.runId, rows = []);
      insertSorted(rows, row);
      return row.id;
    }));
  }

  listEvents(query: EventListQuery): Promise<Stored<EventRecord>[]> {
    return Promise.resolve(take(
      oldestFirst(
        this.#events.get(query.runId) ?? [],
        query.after as Key | undefined,
      ),
      (event) =>
        (query.eventType === undefined ||
          event.eventType === query.eventType) &&
        inRange(event.timestamp, query),
      0,
      query.limit,
    ));
  }

  insertUsage(records: readonly UsageRecord[]): Promise<number[]> {
    return Promise.resolve(records.map((record) => {
      const row = {
        id: ++this.#ids.usage,
        record,
        time: record.createdAt.getTime(),
      };
      insertSorted(this.#usage, row);
      this.#usageById.set(row.id, row);
      return row.id;
    }));
  }

  listUsage(query: UsageListQuery): Promise<Stored<UsageRecord>[]> {
    return Promise.resolve(take(
      newestFirst(this.#usage, query.after as Key | undefined),
      (usage) =>
        (query.agentId === undefined || usage.agentId === query.agentId) &&
        (query.runId === undefined || usage.runId === query.runId) &&
        (query.provider === undefined || usage.provider === query.provider) &&
        (query.model === undefined || usage.model === query.model) &&
        (query.status === undefined || usage.status === query.status) &&
        inRange(usage.createdAt, query) &&
        (!query.withoutRun || usage.runId === null ||
          !this.#runsById.has(usage.runId)),
      0,
      query.limit,
    ));
  }

  updateUsageCosts(costs: readonly UsageCost[]): Promise<void> {
    for (const cost of costs) {
      const row = this.#usageById.get(cost.id);
      if (!row) continue;
      // Records are shared with earlier pages the caller holds: replace.
      row.record = {
        ...row.record,
        costUsd: cost.costUsd,
        costSource: cost.costSource,
      };
    }
    return Promise.resolve();
  }

  stats(
    agentId: string | undefined,
    range: TimeRange = {},
  ): Promise<AgentRunStats> {
    const stats: AgentRunStats = {
      totalRuns: 0,
      pendingRuns: 0,
      runningRuns: 0,
      completedRuns: 0,
      errorRuns: 0,
      cancelledRuns: 0,
      avgIterations: 0,
      totalLlmCalls: 0,
      failedLlmCalls: 0,
      totalInputTokens: 0,
      totalOutputTokens: 0,
      totalCacheReadTokens: 0,
      totalCacheWriteTokens: 0,
      totalReasoningTokens: 0,
      totalCostUsd: 0,
      unpricedLlmCalls: 0,
    };
    let nanos = 0;
    let iterations = 0;
    for (const { record: run } of this.#runs) {
      if (agentId !== undefined && run.agentId !== agentId) continue;
      if (!inRange(run.createdAt, range)) continue;
      stats.totalRuns++;
      stats[`${run.status}Runs`]++;
      iterations += run.totalIterations;
    }
    stats.avgIterations = stats.totalRuns && iterations / stats.totalRuns;
    for (const { record: usage } of this.#usage) {
      if (agentId !== undefined && usage.agentId !== agentId) continue;
      if (!inRange(usage.createdAt, range)) continue;
      stats.totalLlmCalls++;
      if (usage.status === "error") stats.failedLlmCalls++;
      stats.totalInputTokens += usage.inputTokens ?? 0;
      stats.totalOutputTokens += usage.outputTokens ?? 0;
      stats.totalCacheReadTokens += usage.cacheReadTokens ?? 0;
      stats.totalCacheWriteTokens += usage.cacheWriteTokens ?? 0;
      stats.totalReasoningTokens += usage.reasoningTokens ?? 0;
      const cost = nanosOf(usage);
      if (cost !== undefined) nanos += cost;
      else if (hasTokens(usage)) stats.unpricedLlmCalls++;
    }
    stats.totalCostUsd = nanos / 1e9;
    return Promise.resolve(stats);
  }

  usageBreakdown(
    agentId: string | undefined,
    range: TimeRange = {},
  ): Promise<LlmUsageBreakdown[]> {
    const groups = new Map<string, LlmUsageBreakdown>();
    const nanos = new Map<LlmUsageBreakdown, number>();
    for (const { record: usage } of this.#usage) {
      if (agentId !== undefined && usage.agentId !== agentId) continue;
      if (!inRange(usage.createdAt, range)) continue;
      const key = JSON.stringify([usage.provider, usage.model]);
      let group = groups.get(key);
      if (!group) {
        group = {
          provider: usage.provider,
          model: usage.model,
          ...emptyUsageCounts(),
          costUsd: 0,
        };
        groups.set(key, group);
        nanos.set(group, 0);
      }
      group.calls++;
      if (usage.status === "error") group.failedCalls++;
      group.inputTokens += usage.inputTokens ?? 0;
      group.outputTokens += usage.outputTokens ?? 0;
      group.cacheReadTokens += usage.cacheReadTokens ?? 0;
      group.cacheWriteTokens += usage.cacheWriteTokens ?? 0;
      group.reasoningTokens += usage.reasoningTokens ?? 0;
      const cost = nanosOf(usage);
      if (cost !== undefined) nanos.set(group, nanos.get(group)! + cost);
      else if (hasTokens(usage)) group.unpricedCalls++;
    }
    for (const [group, sum] of nanos) group.costUsd = sum / 1e9;
    return Promise.resolve(
      [...groups.values()].sort((a, b) =>
        b.costUsd - a.costUsd || b.calls - a.calls ||
        a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model)
      ),
    );
  }

  usageSeries(query: UsageSeriesQuery): Promise<UsageSeriesCell[]> {
    const cells = new Map<string, UsageSeriesCell>();
    const latencies = new Map<UsageSeriesCell, number[]>();
    const nanos = new Map<UsageSeriesCell, number>();
    for (const { record: usage } of this.#usage) {
      if (
        (query.agentId !== undefined && usage.agentId !== query.agentId) ||
        (query.runId !== undefined && usage.runId !== query.runId) ||
        (query.provider !== undefined && usage.provider !== query.provider) ||
        (query.model !== undefined && usage.model !== query.model) ||
        !inRange(usage.createdAt, query)
      ) continue;
      const bucket = bucketOf(query.boundaries, usage.createdAt);
      const group = query.groupBy === "model"
        ? { provider: usage.provider, model: usage.model }
        : query.groupBy === "provider"
        ? { provider: usage.provider }
        : query.groupBy === "agentId"
        ? { agentId: usage.agentId }
        : {};
      const key = JSON.stringify([bucket, group]);
      let cell = cells.get(key);
      if (!cell) {
        cell = emptyUsageCell(bucket, group);
        cells.set(key, cell);
        latencies.set(cell, []);
        nanos.set(cell, 0);
      }
      cell.calls++;
      if (usage.status === "error") cell.failedCalls++;
      cell.inputTokens += usage.inputTokens ?? 0;
      cell.outputTokens += usage.outputTokens ?? 0;
      cell.cacheReadTokens += usage.cacheReadTokens ?? 0;
      cell.cacheWriteTokens += usage.cacheWriteTokens ?? 0;
      cell.reasoningTokens += usage.reasoningTokens ?? 0;
      const cost = nanosOf(usage);
      if (cost !== undefined) cell.nanos += cost;
      else if (hasTokens(usage)) cell.unpricedCalls++;
      if (usage.latencyMs !== null) latencies.get(cell)!.push(usage.latencyMs);
    }
    for (const [cell, values] of query.percentiles ? latencies : []) {
      values.sort((a, b) => a - b);
      cell.p50Ms = nearestRank(values, 50);
      cell.p95Ms = nearestRank(values, 95);
      cell.p99Ms = nearestRank(values, 99);
      cell.maxMs = nearestRank(values, 100);
    }
    return Promise.resolve([...cells.values()]);
  }

  runSeries(query: RunSeriesQuery): Promise<RunSeriesCell[]> {
    const cells = new Map<string, RunSeriesCell>();
    const durations = new Map<RunSeriesCell, number[]>();
    for (const { record: run } of this.#runs) {
      if (
        (query.agentId !== undefined && run.agentId !== query.agentId) ||
        !inRange(run.createdAt, query)
      ) continue;
      const bucket = bucketOf(query.boundaries, run.createdAt);
      const group = query.groupBy === "agentId"
        ? { agentId: run.agentId }
        : query.groupBy === "status"
        ? { status: run.status }
        : {};
      const key = JSON.stringify([bucket, group]);
      let cell = cells.get(key);
      if (!cell) {
        cell = emptyRunCell(bucket, group);
        cells.set(key, cell);
        durations.set(cell, []);
      }
      cell.runs++;
      cell[`${run.status}Runs`]++;
      cell.iterations += run.totalIterations;
      if (run.startedAt !== null && run.finishedAt !== null) {
        durations.get(cell)!.push(
          run.finishedAt.getTime() - run.startedAt.getTime(),
        );
      }
    }
    for (const [cell, values] of query.percentiles ? durations : []) {
      values.sort((a, b) => a - b);
      cell.p50DurationMs = nearestRank(values, 50);
      cell.p95DurationMs = nearestRank(values, 95);
      cell.p99DurationMs = nearestRank(values, 99);
      cell.maxDurationMs = nearestRank(values, 100);
    }
    return Promise.resolve([...cells.values()]);
  }

  toolStats(query: ToolStatsFilter): Promise<ToolStats[]> {
    const tally = new ToolTally();
    for (const rows of this.#events.values()) {
      for (const { record: event } of rows) {
        if (
          (query.agentId !== undefined && event.agentId !== query.agentId) ||
          !inRange(event.timestamp, query)
        ) continue;
        tally.add(event.eventType, event.data);
      }
    }
    return Promise.resolve(tally.stats());
  }

  deleteRuns(
    runIds: readonly string[],
    { withUsage, dryRun }: DeleteRunsOptions,
  ): Promise<RecordCounts> {
    const ids = new Set(runIds.filter((id) => this.#runsById.has(id)));
    const counts: RecordCounts = { runs: ids.size, events: 0, llmUsage: 0 };
    for (const id of ids) counts.events += this.#events.get(id)?.length ?? 0;
    const all = new Set(runIds);
    const ofRuns = (row: Row<UsageRecord>) =>
      row.record.runId !== null && all.has(row.record.runId);
    if (withUsage) counts.llmUsage = this.#usage.filter(ofRuns).length;
    if (dryRun) return Promise.resolve(counts);
    for (const id of ids) {
      const row = this.#runsById.get(id)!;
      this.#runsById.delete(id);
      this.#runs.splice(this.#runs.indexOf(row), 1);
      this.#events.delete(id);
    }
    if (withUsage) {
      this.#usage = this.#usage.filter((row) => {
        if (!ofRuns(row)) return true;
        this.#usageById.delete(row.id);
        return false;
      });
    }
    return Promise.resolve(counts);
  }

  info(): Promise<Omit<StoreInfo, "backend">> {
    let events = 0;
    for (const rows of this.#events.values()) events += rows.length;
    return Promise.resolve({
      schemaVersion: null,
      sizeBytes: null,
      runs: this.#runs.length,
      events,
      llmUsage: this.#usage.length,
    });
  }

  compact(): Promise<void> {
    return Promise.resolve();
  }

  switchToIncrementalVacuum(): Promise<boolean> {
    return Promise.resolve(false);
  }

  reclaim(): Promise<number> {
    return Promise.resolve(0);
  }

  checkpoint(): Promise<void> {
    return Promise.resolve();
  }

  space(since: Date): Promise<SpaceReport> {
    const time = since.getTime();
    const recent = <R>(rows: Iterable<Row<R>>) => {
      let count = 0;
      for (const row of rows) if (row.time >= time) count++;
      return count;
    };
    const events = [...this.#events.values()].flat();
    const table = (name: string, rows: number, created: number) => ({
      table: name,
      rows,
      sizeBytes: null,
      rowsPerDay: created / GROWTH_DAYS,
      bytesPerDay: null,
    });
    return Promise.resolve({
      sizeBytes: null,
      tables: [
        table("agent_runs", this.#runs.length, recent(this.#runs)),
        table(
          "agent_run_events",
          events.length,
          events.filter((row) => row.record.createdAt.getTime() >= time)
            .length,
        ),
        table("agent_llm_usage", this.#usage.length, recent(this.#usage)),
      ],
      walBytes: null,
      reclaimableBytes: null,
      autoVacuum: null,
    });
  }

  maintenanceBatch<T>(fn: (backend: Backend) => Promise<T>): Promise<T> {
    // No transaction to hold: batches only take turns. Writers go on between
    // the awaits, which is why retention deletes by exact ids.
    const run = this.#batch.then(() => fn(this), () => fn(this));
    this.#batch = run.catch(() => {});
    return run;
  }

  lockRuns(runIds: readonly string[]): Promise<Stored<RunRecord>[]> {
    return Promise.resolve(
      runIds.flatMap((id) => {
        const row = this.#runsById.get(id);
        return row ? [stored(row)] : [];
      }),
    );
  }

  deleteByIds(table: ContentTable, ids: readonly number[]): Promise<number> {
    const wanted = new Set(ids);
    let deleted = 0;
    const keep = <R>(rows: Row<R>[]) => {
      const kept = rows.filter((row) => !wanted.has(row.id));
      deleted += rows.length - kept.length;
      return kept;
    };
    if (table === "usage") {
      this.#usage = keep(this.#usage);
    } else {
      for (const [runId, rows] of this.#events) {
        this.#events.set(runId, keep(rows));
      }
    }
    return Promise.resolve(deleted);
  }

  deleteEmptyRuns(runIds: readonly string[]): Promise<string[]> {
    const withUsage = new Set(this.#usage.map((row) => row.record.runId));
    const deleted: string[] = [];
    for (const runId of new Set(runIds)) {
      const row = this.#runsById.get(runId);
      if (!row || (this.#events.get(runId)?.length ?? 0) > 0) continue;
      if (withUsage.has(runId)) continue;
      this.#runsById.delete(runId);
      this.#runs.splice(this.#runs.indexOf(row), 1);
      this.#events.delete(runId);
      deleted.push(runId);
    }
    return Promise.resolve(deleted);
  }

  listContent(
    table: ContentTable,
    query: ContentQuery,
  ): Promise<Stored<EventRecord | UsageRecord>[]> {
    const rows: Row<EventRecord | UsageRecord>[] = table === "usage"
      ? this.#usage.filter((row) =>
        row.record.createdAt < query.createdBefore && hasUsageContent(row)
      )
      : [...this.#events.values()].flat().filter((row) =>
        row.record.createdAt < query.createdBefore && row.record.data !== null
      );
    return Promise.resolve(
      rows.filter((row) => row.id > query.afterId)
        .sort((a, b) => a.id - b.id)
        .slice(0, query.limit)
        .map(stored),
    );
  }

  setContent(
    table: ContentTable,
    changes: readonly ContentChange[],
  ): Promise<number> {
    const byId = new Map(changes.map((change) => [change.id, change.fields]));
    const rows: Row<EventRecord | UsageRecord>[] = table === "usage"
      ? this.#usage
      : [...this.#events.values()].flat();
    let changed = 0;
    for (const row of rows) {
      const fields = byId.get(row.id);
      if (!fields) continue;
      row.record = { ...row.record, ...fields } as typeof row.record;
      changed++;
    }
    return Promise.resolve(changed);
  }

  identity(): Promise<StoreIdentity> {
    return Promise.resolve({
      key: `memory:${this.#identity}`,
      description: "this in-memory store",
    });
  }

  /** Every row of every table, each in id order. */
  tables(): MemoryTables {
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    return {
      runs: [...this.#runs].sort(byId),
      events: [...this.#events.values()].flat().sort(byId),
      usage: [...this.#usage].sort(byId),
    };
  }

  clear(): void {
    this.#runs = [];
    this.#runsById.clear();
    this.#events.clear();
    this.#usage = [];
    this.#usageById.clear();
    this.#ids = { run: 0, event: 0, usage: 0 };
  }

  initializeSchema(): Promise<void> {
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A call's cost in nano-dollars: the cost column of rows this module wrote,
 * `usageMetrics.cost_usd` of other programs' rows (no cost source).
 */
function nanosOf(usage: UsageRecord): number | undefined {
  const cost = usage.costSource !== null
    ? usage.costUsd
    : costUsd(parseJson(usage.usageMetrics));
  return cost === null || cost === undefined ? undefined : nanoDollars(cost);
}

function hasTokens(usage: UsageRecord): boolean {
  return usage.inputTokens !== null || usage.outputTokens !== null;
}

function hasUsageContent(row: Row<EventRecord | UsageRecord>): boolean {
  const usage = row.record as UsageRecord;
  return usage.prompt !== "" || usage.responseContent !== null ||
    usage.inputParams !== null;
}

/** Whether `time` lies in `[since, until)`. */
function inRange(time: Date, { since, until }: TimeRange): boolean {
  return (since === undefined || time >= since) &&
    (until === undefined || time < until);
}

/** The index of the bucket holding `time`: the last boundary at or before it. */
function bucketOf(boundaries: readonly Date[], time: Date): number {
  let low = 0;
  let high = boundaries.length - 1;
  while (high - low > 1) {
    const mid = (low + high) >>> 1;
    if (boundaries[mid]! <= time) low = mid;
    else high = mid;
  }
  return low;
}
