// What every backend's series share: the nearest-rank percentile, and the
// rows of a series made from the buckets a backend found records in — each
// group that has a record in the range gets a row in every bucket, in one
// order on every backend.

import type { RunSeriesCell, UsageSeriesCell } from "./backend.ts";
import { parseJson } from "./records.ts";
import type {
  AgentRunSeriesRow,
  JsonValue,
  LlmUsageBreakdown,
  LlmUsageSeriesRow,
  ToolStats,
} from "../types.ts";

/**
 * The rank of the `p`th percentile among `n` values, nearest rank:
 * ⌈p·n/100⌉, in integers as the SQL backends compute it.
 */
export function percentileRank(p: number, n: number): number {
  return Math.floor((p * n + 99) / 100);
}

/** The `p`th percentile of values sorted ascending, or `null` without any. */
export function nearestRank(
  sorted: readonly number[],
  p: number,
): number | null {
  if (sorted.length === 0) return null;
  return sorted[percentileRank(p, sorted.length) - 1]!;
}

/** Code-unit order, the same in every runtime and unlike any collation. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `null` before every text. */
function compareNullable(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return compareText(a, b);
}

/**
 * Every bucket of every group, empty ones filled in, in time order; without
 * grouping, every bucket.
 */
function fill<C extends { bucket: number }, R>(
  cells: readonly C[],
  bucketCount: number,
  groupOf: (cell: C) => (string | null)[],
  empty: (group: (string | null)[]) => C,
  toRow: (cell: C) => R,
  ungrouped: boolean,
): R[] {
  // Each group's cells by bucket index: no key to build per bucket.
  const groups = new Map<
    string,
    { group: (string | null)[]; cells: (C | undefined)[] }
  >();
  const groupEntry = (group: (string | null)[]) => {
    const key = group.length === 0 ? "" : JSON.stringify(group);
    let entry = groups.get(key);
    if (!entry) {
      entry = { group, cells: new Array<C | undefined>(bucketCount) };
      groups.set(key, entry);
    }
    return entry;
  };
  // Without groups, one: every bucket has its row, records or not.
  if (ungrouped) groupEntry([]);
  for (const cell of cells) groupEntry(groupOf(cell)).cells[cell.bucket] = cell;
  const ordered = [...groups.values()].sort(({ group: a }, { group: b }) => {
    for (let i = 0; i < a.length; i++) {
      const order = compareNullable(a[i]!, b[i]!);
      if (order !== 0) return order;
    }
    return 0;
  });
  const rows: R[] = [];
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    for (const { group, cells: byBucket } of ordered) {
      const cell = byBucket[bucket] ?? { ...empty(group), bucket };
      rows.push(toRow(cell));
    }
  }
  return rows;
}

/** The rows of an LLM usage series from the cells a backend returned. */
export function usageSeriesRows(
  cells: readonly UsageSeriesCell[],
  boundaries: readonly Date[],
  groupBy: "model" | "provider" | "agentId" | undefined,
): LlmUsageSeriesRow[] {
  const groupOf = (cell: UsageSeriesCell): (string | null)[] => {
    switch (groupBy) {
      case "model":
        return [cell.provider ?? "", cell.model ?? ""];
      case "provider":
        return [cell.provider ?? ""];
      case "agentId":
        return [cell.agentId ?? null];
      case undefined:
        return [];
    }
  };
  const grouped = (group: (string | null)[]) => {
    switch (groupBy) {
      case "model":
        return { provider: group[0]!, model: group[1]! };
      case "provider":
        return { provider: group[0]! };
      case "agentId":
        return { agentId: group[0] ?? null };
      case undefined:
        return {};
    }
  };
  return fill(
    cells,
    boundaries.length - 1,
    groupOf,
    (group) => emptyUsageCell(0, grouped(group)),
    (cell) => ({
      bucketStart: boundaries[cell.bucket]!,
      ...grouped(groupOf(cell)),
      calls: cell.calls,
      failedCalls: cell.failedCalls,
      inputTokens: cell.inputTokens,
      outputTokens: cell.outputTokens,
      cacheReadTokens: cell.cacheReadTokens,
      cacheWriteTokens: cell.cacheWriteTokens,
      reasoningTokens: cell.reasoningTokens,
      // One division of the exact integer sum, as every figure of cost.
      costUsd: cell.nanos / 1e9,
      unpricedCalls: cell.unpricedCalls,
      p50Ms: cell.p50Ms,
      p95Ms: cell.p95Ms,
      p99Ms: cell.p99Ms,
      maxMs: cell.maxMs,
    }),
    groupBy === undefined,
  );
}

/** The rows of a run series from the cells a backend returned. */
export function runSeriesRows(
  cells: readonly RunSeriesCell[],
  boundaries: readonly Date[],
  groupBy: "agentId" | "status" | undefined,
): AgentRunSeriesRow[] {
  const groupOf = (cell: RunSeriesCell): string[] =>
    groupBy === "agentId"
      ? [cell.agentId ?? ""]
      : groupBy === "status"
      ? [cell.status ?? ""]
      : [];
  const grouped = (group: (string | null)[]) =>
    groupBy === "agentId"
      ? { agentId: group[0]! }
      : groupBy === "status"
      ? { status: group[0] as AgentRunSeriesRow["status"] & string }
      : {};
  return fill(
    cells,
    boundaries.length - 1,
    groupOf,
    (group) => emptyRunCell(0, grouped(group)),
    (cell) => ({
      bucketStart: boundaries[cell.bucket]!,
      ...grouped(groupOf(cell)),
      runs: cell.runs,
      pendingRuns: cell.pendingRuns,
      runningRuns: cell.runningRuns,
      completedRuns: cell.completedRuns,
      errorRuns: cell.errorRuns,
      cancelledRuns: cell.cancelledRuns,
      avgIterations: cell.runs === 0
        ? 0
        : Math.round(cell.iterations / cell.runs * 100) / 100,
      p50DurationMs: cell.p50DurationMs,
      p95DurationMs: cell.p95DurationMs,
      p99DurationMs: cell.p99DurationMs,
      maxDurationMs: cell.maxDurationMs,
    }),
    groupBy === undefined,
  );
}

const TOOL_EVENT = "action_execution_";
const TOOL_STARTED = "action_execution_started";
const TOOL_COMPLETED = "action_execution_completed";

/** A member of a JSON object, or `undefined`. */
function field(
  value: JsonValue | undefined,
  key: string,
): JsonValue | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value[key]
    : undefined;
}

/** Whether a tool call's data tells of a failure (see `ToolStats`). */
function failed(data: JsonValue): boolean {
  const error = field(data, "error");
  return field(data, "success") === false ||
    (error !== undefined && error !== null && error !== false) ||
    field(field(data, "result"), "status") === "error";
}

/**
 * Tool statistics counted from events one by one: the memory backend's way,
 * and a SQL store's on a schema whose database cannot read JSON safely.
 */
export class ToolTally {
  readonly #tools = new Map<
    string,
    { calls: number; failures: number; durations: number[] }
  >();

  /** Counts an event, if it ends a tool call; `data` as stored. */
  add(eventType: string, data: string | null): void {
    if (!eventType.startsWith(TOOL_EVENT) || eventType === TOOL_STARTED) {
      return;
    }
    const json = parseJson(data);
    const action = field(json, "action");
    if (typeof action !== "string") return;
    let tool = this.#tools.get(action);
    if (!tool) {
      tool = { calls: 0, failures: 0, durations: [] };
      this.#tools.set(action, tool);
    }
    tool.calls++;
    if (eventType !== TOOL_COMPLETED || failed(json)) tool.failures++;
    const duration = field(json, "duration_ms");
    if (typeof duration === "number") tool.durations.push(duration);
  }

  /** The statistics per tool, in no particular order. */
  stats(): ToolStats[] {
    return [...this.#tools].map(([action, tool]) => {
      tool.durations.sort((a, b) => a - b);
      return {
        action,
        calls: tool.calls,
        failures: tool.failures,
        p50DurationMs: nearestRank(tool.durations, 50),
        p95DurationMs: nearestRank(tool.durations, 95),
      };
    });
  }
}

/** Tools, the most called first, then by name. */
export function sortToolStats(tools: ToolStats[]): ToolStats[] {
  return tools.sort((a, b) =>
    b.calls - a.calls || compareText(a.action, b.action)
  );
}

/** The counts every usage sum carries (series cells, breakdowns), at zero. */
export function emptyUsageCounts(): Omit<
  LlmUsageBreakdown,
  "provider" | "model" | "costUsd"
> {
  return {
    calls: 0,
    failedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    unpricedCalls: 0,
  };
}

/** What `emptyUsageCounts` starts: the counts every usage sum carries. */
export type UsageCounts = ReturnType<typeof emptyUsageCounts>;

/** Adds the counts of `cell` to those of `sum`. */
export function addUsageCounts(sum: UsageCounts, cell: UsageCounts): void {
  sum.calls += cell.calls;
  sum.failedCalls += cell.failedCalls;
  sum.inputTokens += cell.inputTokens;
  sum.outputTokens += cell.outputTokens;
  sum.cacheReadTokens += cell.cacheReadTokens;
  sum.cacheWriteTokens += cell.cacheWriteTokens;
  sum.reasoningTokens += cell.reasoningTokens;
  sum.unpricedCalls += cell.unpricedCalls;
}

/** A usage series cell of `bucket` and `group` that counts nothing yet. */
export function emptyUsageCell(
  bucket: number,
  group: Pick<UsageSeriesCell, "provider" | "model" | "agentId">,
): UsageSeriesCell {
  return {
    bucket,
    ...group,
    ...emptyUsageCounts(),
    nanos: 0,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    maxMs: null,
  };
}

/** A run series cell of `bucket` and `group` that counts nothing yet. */
export function emptyRunCell(
  bucket: number,
  group: Pick<RunSeriesCell, "agentId" | "status">,
): RunSeriesCell {
  return {
    bucket,
    ...group,
    runs: 0,
    pendingRuns: 0,
    runningRuns: 0,
    completedRuns: 0,
    errorRuns: 0,
    cancelledRuns: 0,
    iterations: 0,
    p50DurationMs: null,
    p95DurationMs: null,
    p99DurationMs: null,
    maxDurationMs: null,
  };
}
