// `stats`: the figures of a store, over a date range; with `--by`, the LLM
// usage series (a table, and on a terminal a sparkline of cost); with
// `--tools`, the tool table.

import process from "node:process";
import { InvalidInputError } from "../errors.ts";
import type { Persistence } from "../persistence.ts";
import type { LlmUsageSeriesRow, SeriesBucket } from "../types.ts";
import { parseId, parseTime, UsageError } from "./args.ts";
import { type Context, openStore, output, stdout } from "./context.ts";
import {
  cachedShare,
  duration,
  fields,
  formatCount,
  money,
  table,
  unpricedNote,
} from "./display.ts";

const BUCKETS: readonly SeriesBucket[] = [
  "minute",
  "hour",
  "day",
  "week",
  "month",
];

const GROUPS = {
  model: "model",
  provider: "provider",
  agent: "agentId",
} as const;

/** How far back a series reaches without `--since`: 60 buckets or so. */
const DEFAULT_SPAN: Record<SeriesBucket, string> = {
  minute: "60m",
  hour: "24h",
  day: "30d",
  week: "12w",
  month: "52w",
};

/** `stats [--agent ID] [--since ..] [--until ..] [--by UNIT] [--group G] [--tz ZONE] [--tools]`. */
export async function stats(ctx: Context): Promise<void> {
  const { agent, since, until, by, group, tz, tools } = ctx.values;
  const now = new Date();
  const agentId = typeof agent === "string"
    ? parseId("--agent", agent)
    : undefined;
  const bucket = typeof by === "string" ? parseBucket(by) : undefined;
  const range = {
    ...(typeof since === "string"
      ? { since: parseTime("since", since, now) }
      : bucket
      ? { since: parseTime("since", DEFAULT_SPAN[bucket], now) }
      : {}),
    ...(typeof until === "string"
      ? { until: parseTime("until", until, now) }
      : {}),
  };
  if (typeof group === "string" && !bucket) {
    throw new UsageError("--group needs --by");
  }
  if (typeof tz === "string" && !bucket) {
    throw new UsageError("--tz needs --by");
  }
  if (tools === true && bucket) {
    throw new UsageError("--tools and --by cannot be combined");
  }
  await using store = await openStore(ctx, ctx.values.db as string, {
    mustExist: true,
    readOnly: true,
  });
  const filter = { ...(agentId === undefined ? {} : { agentId }), ...range };
  if (tools === true) return await toolTable(ctx, store, filter);
  if (bucket) {
    return await series(ctx, store, {
      bucket,
      since: range.since!,
      ...(range.until ? { until: range.until } : {}),
      ...(agentId === undefined ? {} : { agentId }),
      ...(typeof group === "string" ? { groupBy: parseGroup(group) } : {}),
      ...(typeof tz === "string" ? { timeZone: tz } : {}),
    });
  }
  const figures = await store.getAgentRunStats(filter);
  const byModel = await store.getLlmUsageBreakdown(filter);
  await output(ctx, { ...figures, byModel }, () =>
    fields([
      ["runs", formatCount(figures.totalRuns)],
      [
        "by status",
        `${figures.completedRuns} completed, ${figures.errorRuns} error, ${figures.runningRuns} running, ${figures.pendingRuns} pending, ${figures.cancelledRuns} cancelled`,
      ],
      ["avg iterations", figures.avgIterations],
      [
        "LLM calls",
        `${formatCount(figures.totalLlmCalls)} (${
          formatCount(figures.failedLlmCalls)
        } failed)`,
      ],
      [
        "input tokens",
        `${formatCount(figures.totalInputTokens)} (${
          cachedShare(figures.totalCacheReadTokens, figures.totalInputTokens)
        } cached)`,
      ],
      ["output tokens", formatCount(figures.totalOutputTokens)],
      [
        "total cost",
        money(figures.totalCostUsd) + unpricedNote(figures.unpricedLlmCalls),
      ],
    ]) + "\nBy provider and model\n" +
    table(
      [
        "PROVIDER",
        "MODEL",
        "CALLS",
        "FAILED",
        "IN",
        "OUT",
        "COST",
        "CACHED",
        "UNPRICED",
      ],
      byModel.map((row) => [
        row.provider || "-",
        row.model || "-",
        formatCount(row.calls),
        formatCount(row.failedCalls),
        formatCount(row.inputTokens),
        formatCount(row.outputTokens),
        money(row.costUsd),
        cachedShare(row.cacheReadTokens, row.inputTokens),
        formatCount(row.unpricedCalls),
      ]),
      new Set([2, 3, 4, 5, 6, 7, 8]),
    ));
}

function parseBucket(text: string): SeriesBucket {
  if (!BUCKETS.includes(text as SeriesBucket)) {
    throw new UsageError(
      `--by expects one of ${BUCKETS.join(", ")}, got ${JSON.stringify(text)}`,
    );
  }
  return text as SeriesBucket;
}

function parseGroup(text: string): "model" | "provider" | "agentId" {
  if (!Object.hasOwn(GROUPS, text)) {
    throw new UsageError(
      `--group expects model, provider or agent, got ${JSON.stringify(text)}`,
    );
  }
  return GROUPS[text as keyof typeof GROUPS];
}

async function series(
  ctx: Context,
  store: Persistence,
  query: Parameters<Persistence["getLlmUsageSeries"]>[0],
): Promise<void> {
  let rows: LlmUsageSeriesRow[];
  try {
    rows = await store.getLlmUsageSeries(query);
  } catch (error) {
    // A mistyped zone or too fine a bucket is the command line's fault.
    if (error instanceof InvalidInputError) throw new UsageError(error.message);
    throw error;
  }
  const zone = query.timeZone ?? "UTC";
  const label = bucketLabel(query.bucket, zone);
  const groupHeader = query.groupBy === "model"
    ? ["PROVIDER", "MODEL"]
    : query.groupBy === "provider"
    ? ["PROVIDER"]
    : query.groupBy === "agentId"
    ? ["AGENT"]
    : [];
  const groupCells = (row: LlmUsageSeriesRow) =>
    query.groupBy === "model"
      ? [row.provider || "-", row.model || "-"]
      : query.groupBy === "provider"
      ? [row.provider || "-"]
      : query.groupBy === "agentId"
      ? [row.agentId ?? "-"]
      : [];
  const first = groupHeader.length + 1;
  await output(ctx, rows, () => {
    const body = table(
      [
        `BUCKET (${zone})`,
        ...groupHeader,
        "CALLS",
        "FAILED",
        "IN",
        "OUT",
        "COST",
        "P50",
        "P95",
      ],
      rows.map((row) => [
        label(row.bucketStart),
        ...groupCells(row),
        formatCount(row.calls),
        formatCount(row.failedCalls),
        formatCount(row.inputTokens),
        formatCount(row.outputTokens),
        money(row.costUsd),
        duration(row.p50Ms),
        duration(row.p95Ms),
      ]),
      new Set(Array.from({ length: 7 }, (_, i) => first + i)),
    );
    return onTerminal(ctx) && rows.length > 0
      ? `cost per ${query.bucket}  ${sparkline(costPerBucket(rows))}\n\n${body}`
      : body;
  });
}

async function toolTable(
  ctx: Context,
  store: Persistence,
  filter: { agentId?: string; since?: Date; until?: Date },
): Promise<void> {
  const tools = await store.getToolStats(filter);
  await output(ctx, tools, () =>
    table(
      ["TOOL", "CALLS", "FAILURES", "P50", "P95"],
      tools.map((tool) => [
        tool.action,
        formatCount(tool.calls),
        formatCount(tool.failures),
        duration(tool.p50DurationMs),
        duration(tool.p95DurationMs),
      ]),
      new Set([1, 2, 3, 4]),
    ));
}

/** Whether the output goes to a terminal, where a sparkline reads well. */
function onTerminal(ctx: Context): boolean {
  return ctx.out === stdout && process.stdout.isTTY === true;
}

/** The cost of each bucket, its groups summed, in time order. */
function costPerBucket(rows: readonly LlmUsageSeriesRow[]): number[] {
  const costs = new Map<number, number>();
  for (const row of rows) {
    const time = row.bucketStart.getTime();
    costs.set(time, (costs.get(time) ?? 0) + row.costUsd);
  }
  return [...costs.values()];
}

const BARS = "▁▂▃▄▅▆▇█";

/** One bar per value, scaled from zero to the largest. */
export function sparkline(values: readonly number[]): string {
  const top = Math.max(0, ...values);
  return values.map((value) =>
    top === 0 ? BARS[0] : BARS[Math.round(value / top * (BARS.length - 1))]
  ).join("");
}

/** How a bucket's start reads in the zone: as much as the unit needs. */
function bucketLabel(
  bucket: SeriesBucket,
  timeZone: string,
): (date: Date) => string {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  return (date) => {
    const parts: Record<string, string> = {};
    for (const { type, value } of format.formatToParts(date)) {
      parts[type] = value;
    }
    const day = `${parts.year}-${parts.month}-${parts.day}`;
    if (bucket === "month") return day.slice(0, 7);
    if (bucket === "day" || bucket === "week") return day;
    return `${day} ${parts.hour}:${parts.minute}`;
  };
}
