// Date ranges, filters, series and tool statistics. Series are checked on
// random data against a computation written here: buckets by the wall-clock
// label Intl gives each record, nearest-rank percentiles by sorting, costs by
// the nano-dollar rule.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AgentRunSeriesRow,
  type AgentRunStatus,
  InvalidInputError,
  type LlmUsageInput,
  type LlmUsageSeriesRow,
  type Persistence,
} from "../../mod.ts";
import { at, collect, type Context } from "./_context.ts";

/** A seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)]!;
}

/** The wall-clock label of `time`'s bucket in `timeZone`. */
function label(time: Date, bucket: "hour" | "day", timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
    }).formatToParts(time).map((part) => [part.type, part.value]),
  );
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return bucket === "day" ? day : `${day} ${parts.hour}`;
}

/** Nearest rank, the textbook way. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(p * sorted.length / 100) - 1]!;
}

function nanos(cost: number): number {
  const scaled = cost * 1e9;
  return Math.sign(scaled) * Math.round(Math.abs(scaled));
}

const SINCE = new Date("2025-11-01T10:00:00Z");
const UNTIL = new Date("2025-11-04T02:00:00Z");
const ZONE = "America/New_York";

/** A series' range and time zone. */
interface Range {
  since: Date;
  until: Date;
  zone: string;
}

/** Around New York's change back from summer time: a 25-hour day. */
const FALL_BACK: Range = { since: SINCE, until: UNTIL, zone: ZONE };

/**
 * Ranges whose buckets all last as long (which SQL backends may bucket by
 * arithmetic instead of a list of boundaries), some in zones with a
 * daylight-saving change or an offset of half an hour.
 */
const EQUAL_BUCKETS: [string, "hour" | "day", Range][] = [
  ["hourly in UTC", "hour", {
    since: new Date("2025-11-01T10:30:00Z"),
    until: new Date("2025-11-03T02:00:00Z"),
    zone: "UTC",
  }],
  ["daily in UTC", "day", {
    since: new Date("2025-10-20T07:00:00Z"),
    until: new Date("2025-11-04T02:00:00Z"),
    zone: "UTC",
  }],
  // The skipped hour leaves every hour an hour long.
  ["hourly in New York across the spring change", "hour", {
    since: new Date("2025-03-08T20:10:00Z"),
    until: new Date("2025-03-10T04:00:00Z"),
    zone: ZONE,
  }],
  ["daily in New York in summer time", "day", {
    since: new Date("2025-07-01T10:00:00Z"),
    until: new Date("2025-07-06T02:00:00Z"),
    zone: ZONE,
  }],
  ["hourly in Kolkata, UTC+05:30", "hour", {
    since: new Date("2025-11-01T10:00:00Z"),
    until: new Date("2025-11-02T20:45:00Z"),
    zone: "Asia/Kolkata",
  }],
];

/** Random LLM calls in and around `range`. */
function randomCalls(count: number, range = FALL_BACK): LlmUsageInput[] {
  const next = random(20251102);
  const since = range.since.getTime();
  const span = range.until.getTime() - since;
  return Array.from({ length: count }, (_, i) => {
    // Some calls fall just outside the range on either side, some on its
    // ends, some on the half hour (where buckets start, in every zone here).
    const time = i === 0
      ? since
      : i === 1
      ? range.until.getTime()
      : since - 3_600_000 + Math.floor(next() * (span + 7_200_000));
    const edge = next() < 0.15;
    const halfHour = 1_800_000;
    const tokens = next() < 0.9;
    const inputTokens = tokens ? Math.floor(next() * 5000) : null;
    const priced = next() < 0.8;
    return {
      agentId: pick(next, ["a1", "a2", null]),
      // Providers without a bundled price: unpriced calls stay unpriced.
      provider: pick(next, ["acme-ai", "zeta-ai"]),
      model: pick(next, ["large", "small"]),
      status: next() < 0.2 ? "error" as const : "success" as const,
      inputTokens,
      outputTokens: tokens ? Math.floor(next() * 800) : null,
      cacheReadTokens: inputTokens !== null && next() < 0.5
        ? Math.floor(next() * inputTokens)
        : null,
      reasoningTokens: tokens && next() < 0.3 ? 0 : null,
      latencyMs: next() < 0.85 ? Math.floor(next() * 3000) : null,
      costUsd: priced ? Math.floor(next() * 1e7) / 1e9 + next() * 1e-10 : null,
      costSource: priced ? "provided" as const : null,
      createdAt: new Date(edge ? Math.floor(time / halfHour) * halfHour : time),
    };
  });
}

/** What `getLlmUsageSeries` must return, keyed by bucket label and group. */
function expectedUsage(
  calls: readonly LlmUsageInput[],
  bucket: "hour" | "day",
  group: (call: LlmUsageInput) => string,
  range = FALL_BACK,
): Map<string, Omit<LlmUsageSeriesRow, "bucketStart">> {
  const cells = new Map<
    string,
    { calls: LlmUsageInput[] }
  >();
  for (const call of calls) {
    const time = call.createdAt!;
    if (time < range.since || time >= range.until) continue;
    const key = `${label(time, bucket, range.zone)}|${group(call)}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, cell = { calls: [] });
    cell.calls.push(call);
  }
  const sum = (values: (number | null | undefined)[]) =>
    values.reduce<number>((total, value) => total + (value ?? 0), 0);
  const result = new Map<string, Omit<LlmUsageSeriesRow, "bucketStart">>();
  for (const [key, { calls }] of cells) {
    const latencies = calls.flatMap((c) =>
      c.latencyMs === null || c.latencyMs === undefined ? [] : [c.latencyMs]
    );
    result.set(key, {
      calls: calls.length,
      failedCalls: calls.filter((c) => c.status === "error").length,
      inputTokens: sum(calls.map((c) => c.inputTokens)),
      outputTokens: sum(calls.map((c) => c.outputTokens)),
      cacheReadTokens: sum(calls.map((c) => c.cacheReadTokens)),
      cacheWriteTokens: sum(calls.map((c) => c.cacheWriteTokens)),
      reasoningTokens: sum(calls.map((c) => c.reasoningTokens)),
      costUsd: sum(calls.map((c) => c.costUsd == null ? 0 : nanos(c.costUsd))) /
        1e9,
      unpricedCalls: calls.filter((c) =>
        c.costUsd == null && (c.inputTokens != null || c.outputTokens != null)
      ).length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: percentile(latencies, 100),
    });
  }
  return result;
}

const EMPTY_USAGE = {
  calls: 0,
  failedCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  costUsd: 0,
  unpricedCalls: 0,
  p50Ms: null,
  p95Ms: null,
  p99Ms: null,
  maxMs: null,
};

/**
 * Logs random calls in and around `range` and checks the series against a
 * computation made here.
 */
async function checkUsageSeries(
  store: Persistence,
  bucket: "hour" | "day",
  groupBy: "model" | "provider" | "agentId" | undefined,
  range: Range,
): Promise<void> {
  const calls = randomCalls(400, range);
  await store.logLlmUsages(calls);
  const group = (call: LlmUsageInput) =>
    groupBy === "model"
      ? `${call.provider}/${call.model}`
      : groupBy === "provider"
      ? call.provider!
      : groupBy === "agentId"
      ? String(call.agentId)
      : "";
  const expected = expectedUsage(calls, bucket, group, range);
  const rows = await store.getLlmUsageSeries({
    bucket,
    since: range.since,
    until: range.until,
    timeZone: range.zone,
    ...groupBy ? { groupBy } : {},
  });
  const groups = new Set(
    [...expected.keys()].map((k) => k.split("|")[1]),
  );
  const labels = new Set(
    rows.map((r) => label(r.bucketStart, bucket, range.zone)),
  );
  // Every group in every bucket, and buckets in time order.
  assert.equal(rows.length, labels.size * groups.size);
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i - 1]!.bucketStart <= rows[i]!.bucketStart);
  }
  // The first bucket holds `since`, the last reaches `until`.
  assert.ok(rows[0]!.bucketStart <= range.since);
  assert.equal(
    label(rows[0]!.bucketStart, bucket, range.zone),
    label(range.since, bucket, range.zone),
  );
  assert.equal(
    label(rows.at(-1)!.bucketStart, bucket, range.zone),
    label(new Date(range.until.getTime() - 1), bucket, range.zone),
  );
  let seen = 0;
  for (const row of rows) {
    const { bucketStart, provider, model, agentId, ...figures } = row;
    const key = groupBy === "model"
      ? `${provider}/${model}`
      : groupBy === "provider"
      ? provider
      : groupBy === "agentId"
      ? String(agentId)
      : "";
    assert.ok(groups.has(key));
    const want = expected.get(
      `${label(bucketStart, bucket, range.zone)}|${key}`,
    );
    if (want) seen++;
    assert.deepEqual(
      figures,
      want ?? EMPTY_USAGE,
      `${bucketStart.toISOString()} ${key}`,
    );
  }
  assert.equal(seen, expected.size);
  // Without percentiles: the same rows and sums, the latencies null.
  const unranked = await store.getLlmUsageSeries({
    bucket,
    since: range.since,
    until: range.until,
    timeZone: range.zone,
    ...groupBy ? { groupBy } : {},
    percentiles: false,
  });
  assert.deepEqual(
    unranked,
    rows.map((row) => ({
      ...row,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      maxMs: null,
    })),
  );
  assert.ok(rows.some((row) => row.p95Ms !== null));
  assert.deepEqual(
    await store.getLlmUsageSeries({
      bucket,
      since: range.since,
      until: range.until,
      timeZone: range.zone,
      ...groupBy ? { groupBy } : {},
      percentiles: true,
    }),
    rows,
  );
}

export function analytics(ctx: Context): void {
  describe("date ranges and filters", () => {
    it("list runs by since, until, status list and agent name", async () => {
      const store = ctx.store;
      const statuses: AgentRunStatus[] = ["pending", "completed", "error"];
      for (let i = 0; i < 9; i++) {
        await store.createAgentRun({
          agentId: "a1",
          runId: `r${i}`,
          agentName: i % 2 ? "odd" : "even",
          status: statuses[i % 3]!,
          createdAt: at(i * 60),
        });
      }
      const ids = (runs: { runId: string }[]) => runs.map((r) => r.runId);
      assert.deepEqual(
        ids(await store.getAgentRuns({ since: at(120), until: at(300) })),
        ["r4", "r3", "r2"],
      );
      assert.deepEqual(
        ids(
          await store.getAgentRuns({ since: at(120), createdBefore: at(300) }),
        ),
        ["r4", "r3", "r2"],
      );
      assert.deepEqual(
        ids(await store.getAgentRuns({ status: ["completed", "error"] })),
        ["r8", "r7", "r5", "r4", "r2", "r1"],
      );
      assert.deepEqual(
        ids(await store.getAgentRuns({ status: [] })),
        [],
      );
      assert.deepEqual(
        ids(
          await collect(
            store.iterateAgentRuns({
              agentName: "odd",
              status: ["pending", "completed"],
              pageSize: 1,
            }),
          ),
        ),
        ["r7", "r3", "r1"],
      );
      await assert.rejects(
        store.getAgentRuns({ until: at(1), createdBefore: at(1) }),
        InvalidInputError,
      );
      await assert.rejects(
        store.getAgentRuns({ status: ["done" as AgentRunStatus] }),
        InvalidInputError,
      );
    });

    it("list events and LLM calls by range and filters", async () => {
      const store = ctx.store;
      await store.createAgentRun({ agentId: "a1", runId: "r1" });
      for (let i = 0; i < 6; i++) {
        await store.logAgentRunEvent({
          agentId: "a1",
          runId: "r1",
          eventType: i % 2 ? "custom" : "run_started",
          timestamp: at(i),
        });
        await store.logLlmUsage({
          runId: "r1",
          provider: i % 2 ? "openai" : "anthropic",
          model: i % 3 ? "m1" : "m2",
          status: i === 4 ? "error" : "success",
          createdAt: at(i),
        });
      }
      const times = (records: { timestamp?: Date; createdAt: Date }[]) =>
        records.map((r) =>
          ((r.timestamp ?? r.createdAt).getTime() - at(0).getTime()) / 1000
        );
      assert.deepEqual(
        times(
          await store.getAgentRunEvents("r1", { since: at(1), until: at(4) }),
        ),
        [1, 2, 3],
      );
      assert.deepEqual(
        times(
          await collect(
            store.iterateAgentRunEvents("r1", {
              eventType: "custom",
              since: at(2),
              pageSize: 1,
            }),
          ),
        ),
        [3, 5],
      );
      assert.deepEqual(
        times(await store.getLlmUsage({ since: at(1), until: at(5) })),
        [4, 3, 2, 1],
      );
      assert.deepEqual(
        times(await store.getLlmUsage({ provider: "openai", model: "m1" })),
        [5, 1],
      );
      assert.deepEqual(
        times(await store.getLlmUsage({ status: "error" })),
        [4],
      );
      assert.deepEqual(
        times(
          await collect(
            store.iterateLlmUsage({ model: "m2", until: at(5), pageSize: 1 }),
          ),
        ),
        [3, 0],
      );
      await assert.rejects(
        store.getLlmUsage({ status: "failed" as "error" }),
        InvalidInputError,
      );
    });

    it("sum statistics and the breakdown over a range", async () => {
      const store = ctx.store;
      for (let i = 0; i < 4; i++) {
        await store.createAgentRun({
          agentId: "a1",
          runId: `r${i}`,
          totalIterations: i,
          createdAt: at(i * 10),
        });
        await store.logLlmUsage({
          agentId: "a1",
          provider: "p",
          model: "m",
          inputTokens: 10 ** i,
          costUsd: 0.25,
          createdAt: at(i * 10),
        });
      }
      const stats = await store.getAgentRunStats({
        agentId: "a1",
        since: at(10),
        until: at(30),
      });
      assert.equal(stats.totalRuns, 2);
      assert.equal(stats.avgIterations, 1.5);
      assert.equal(stats.totalLlmCalls, 2);
      assert.equal(stats.totalInputTokens, 110);
      assert.equal(stats.totalCostUsd, 0.5);
      const [row] = await store.getLlmUsageBreakdown({ since: at(20) });
      assert.equal(row?.calls, 2);
      assert.equal(row?.inputTokens, 1100);
    });
  });

  describe("series", () => {
    for (
      const [name, bucket, groupBy] of [
        ["hourly, one row per bucket", "hour", undefined],
        ["daily by model", "day", "model"],
        ["hourly by agent", "hour", "agentId"],
        ["daily by provider", "day", "provider"],
      ] as const
    ) {
      it(`of LLM calls, ${name}, match a computation on random data`, () =>
        checkUsageSeries(ctx.store, bucket, groupBy, FALL_BACK));
    }

    for (const [name, bucket, range] of EQUAL_BUCKETS) {
      it(`of LLM calls, ${name} by model, match a computation on random data`, () =>
        checkUsageSeries(ctx.store, bucket, "model", range));
    }

    it("of LLM calls filter by agent, run, provider and model", async () => {
      const store = ctx.store;
      const since = at(0);
      await store.logLlmUsages([
        {
          agentId: "a1",
          runId: "r1",
          provider: "p1",
          model: "m1",
          createdAt: at(1),
        },
        {
          agentId: "a1",
          runId: "r2",
          provider: "p1",
          model: "m2",
          createdAt: at(2),
        },
        {
          agentId: "a2",
          runId: "r1",
          provider: "p2",
          model: "m1",
          createdAt: at(3),
        },
      ]);
      const calls = async (filter: Record<string, string>) =>
        (await store.getLlmUsageSeries({
          bucket: "minute",
          since,
          until: at(60),
          ...filter,
        })).map((row) => row.calls);
      assert.deepEqual(await calls({}), [3]);
      assert.deepEqual(await calls({ agentId: "a1" }), [2]);
      assert.deepEqual(await calls({ runId: "r1" }), [2]);
      assert.deepEqual(await calls({ provider: "p1", model: "m2" }), [1]);
      assert.deepEqual(await calls({ model: "none" }), [0]);
    });

    it("of LLM calls refuse bad zones, buckets and too many buckets", async () => {
      const store = ctx.store;
      const since = at(0);
      await assert.rejects(
        store.getLlmUsageSeries({
          bucket: "day",
          since,
          timeZone: "Mars/Base",
        }),
        InvalidInputError,
      );
      await assert.rejects(
        store.getLlmUsageSeries({ bucket: "year" as "day", since }),
        InvalidInputError,
      );
      await assert.rejects(
        store.getLlmUsageSeries({
          bucket: "minute",
          since,
          until: new Date(since.getTime() + 10_001 * 60_000),
        }),
        InvalidInputError,
      );
      const rows = await store.getLlmUsageSeries({
        bucket: "minute",
        since,
        until: new Date(since.getTime() + 10_000 * 60_000),
      });
      assert.equal(rows.length, 10_000);
      assert.deepEqual(
        await store.getLlmUsageSeries({ bucket: "day", since, until: since }),
        [],
      );
    });

    it("have 23- and 25-hour days across daylight-saving changes", async () => {
      const rows = await ctx.store.getLlmUsageSeries({
        bucket: "day",
        since: new Date("2025-03-29T12:00:00Z"),
        until: new Date("2025-03-31T12:00:00Z"),
        timeZone: "Europe/Paris",
      });
      assert.deepEqual(rows.map((r) => r.bucketStart.toISOString()), [
        "2025-03-28T23:00:00.000Z",
        "2025-03-29T23:00:00.000Z",
        "2025-03-30T22:00:00.000Z",
      ]);
      const weeks = await ctx.store.getAgentRunSeries({
        bucket: "week",
        since: new Date("2025-10-22T12:00:00Z"),
        until: new Date("2025-11-04T00:00:00Z"),
        timeZone: "Europe/Paris",
      });
      assert.deepEqual(weeks.map((r) => r.bucketStart.toISOString()), [
        "2025-10-19T22:00:00.000Z",
        "2025-10-26T23:00:00.000Z",
        "2025-11-02T23:00:00.000Z",
      ]);
    });

    it("of runs match a computation on random data", async () => {
      const store = ctx.store;
      const next = random(7);
      const statuses: AgentRunStatus[] = [
        "pending",
        "running",
        "completed",
        "error",
        "cancelled",
      ];
      const runs = Array.from({ length: 150 }, (_, i) => {
        const created = SINCE.getTime() + Math.floor(next() * 3 * 86_400_000);
        const started = next() < 0.8
          ? created + Math.floor(next() * 1000)
          : null;
        const finished = started !== null && next() < 0.8
          ? started + Math.floor(next() * 600_000)
          : null;
        return {
          agentId: pick(next, ["a1", "a2"]),
          runId: `r${i}`,
          status: pick(next, statuses),
          totalIterations: Math.floor(next() * 7),
          createdAt: new Date(created),
          startedAt: started === null ? null : new Date(started),
          finishedAt: finished === null ? null : new Date(finished),
        };
      });
      for (const run of runs) await store.createAgentRun(run);
      const rows = await store.getAgentRunSeries({
        bucket: "day",
        since: SINCE,
        until: UNTIL,
        groupBy: "status",
      });
      const expected = new Map<
        string,
        Omit<AgentRunSeriesRow, "bucketStart" | "status">
      >();
      for (const status of statuses) {
        for (
          const day of new Set(
            rows.map((r) => label(r.bucketStart, "day", "UTC")),
          )
        ) {
          const inCell = runs.filter((run) =>
            run.status === status && run.createdAt < UNTIL &&
            label(run.createdAt, "day", "UTC") === day
          );
          const durations = inCell.flatMap((run) =>
            run.startedAt && run.finishedAt
              ? [run.finishedAt.getTime() - run.startedAt.getTime()]
              : []
          );
          const count = (s: AgentRunStatus) =>
            inCell.filter((r) => r.status === s).length;
          const iterations = inCell.reduce((t, r) => t + r.totalIterations, 0);
          expected.set(`${day}|${status}`, {
            runs: inCell.length,
            pendingRuns: count("pending"),
            runningRuns: count("running"),
            completedRuns: count("completed"),
            errorRuns: count("error"),
            cancelledRuns: count("cancelled"),
            avgIterations: inCell.length
              ? Math.round(iterations / inCell.length * 100) / 100
              : 0,
            p50DurationMs: percentile(durations, 50),
            p95DurationMs: percentile(durations, 95),
            p99DurationMs: percentile(durations, 99),
            maxDurationMs: percentile(durations, 100),
          });
        }
      }
      assert.equal(rows.length, expected.size);
      for (const { bucketStart, status, ...figures } of rows) {
        assert.deepEqual(
          figures,
          expected.get(`${label(bucketStart, "day", "UTC")}|${status}`),
        );
      }
      const unranked = await store.getAgentRunSeries({
        bucket: "day",
        since: SINCE,
        until: UNTIL,
        groupBy: "status",
        percentiles: false,
      });
      assert.deepEqual(
        unranked,
        rows.map((row) => ({
          ...row,
          p50DurationMs: null,
          p95DurationMs: null,
          p99DurationMs: null,
          maxDurationMs: null,
        })),
      );
      assert.ok(rows.some((row) => row.p95DurationMs !== null));
      await assert.rejects(
        store.getAgentRunSeries({
          bucket: "day",
          since: SINCE,
          percentiles: "no" as unknown as boolean,
        }),
        InvalidInputError,
      );
      await assert.rejects(
        store.getLlmUsageSeries({
          bucket: "day",
          since: SINCE,
          percentiles: 0 as unknown as boolean,
        }),
        InvalidInputError,
      );
      const one = await store.getAgentRunSeries({
        bucket: "month",
        since: SINCE,
        until: UNTIL,
        agentId: "a1",
        groupBy: "agentId",
      });
      assert.equal(one.length, 1);
      assert.equal(one[0]!.agentId, "a1");
      assert.equal(
        one[0]!.runs,
        runs.filter((r) => r.agentId === "a1" && r.createdAt < UNTIL).length,
      );
    });
  });

  describe("tool statistics", () => {
    it("count calls, failures and duration percentiles per tool", async () => {
      const store = ctx.store;
      await store.createAgentRun({ agentId: "a1", runId: "r1" });
      await store.createAgentRun({ agentId: "a2", runId: "r2" });
      const tool = (
        runId: string,
        data: unknown,
        eventType = "action_execution_completed",
        seconds = 0,
      ) =>
        store.logAgentRunEvent({
          agentId: runId === "r1" ? "a1" : "a2",
          runId,
          eventType,
          data,
          timestamp: at(seconds),
        });
      for (let i = 1; i <= 20; i++) {
        await tool(
          "r1",
          { action: "search", duration_ms: i * 10 },
          "action_execution_started",
        );
        await tool(
          "r1",
          {
            action: "search",
            duration_ms: i * 10,
            ...i % 5 === 0 ? { error: "timeout" } : {},
            result: { status: i === 3 ? "error" : "ok" },
          },
          "action_execution_completed",
          i,
        );
      }
      await tool("r2", { action: "fetch", success: false });
      await tool("r2", {
        action: "fetch",
        duration_ms: 7,
        error: null,
        success: true,
      });
      await tool(
        "r2",
        { action: "fetch", duration_ms: 9 },
        "action_execution_failed",
      );
      await tool(
        "r2",
        { action: "fetch", error: false },
        "action_execution_completed",
        100,
      );
      await tool("r2", { no_action: true });
      await tool("r2", "not an object");
      await tool("r2", { action: 42 });
      assert.deepEqual(await store.getToolStats(), [
        {
          action: "search",
          calls: 20,
          failures: 5,
          p50DurationMs: 100,
          p95DurationMs: 190,
        },
        {
          action: "fetch",
          calls: 4,
          failures: 2,
          p50DurationMs: 7,
          p95DurationMs: 9,
        },
      ]);
      assert.deepEqual(
        (await store.getToolStats({ agentId: "a2", until: at(50) })).map(
          (t) => [t.action, t.calls],
        ),
        [["fetch", 3]],
      );
      assert.deepEqual(
        (await store.getToolStats({ since: at(11), until: at(21) })).map(
          (t) => [t.action, t.calls, t.failures],
        ),
        [["search", 10, 2]],
      );
    });

    it("read edge data as the memory backend does", async () => {
      const store = ctx.store;
      await store.createAgentRun({ agentId: "a1", runId: "r1" });
      const edge: unknown[] = [
        { action: "edge", error: true, duration_ms: 0.1 + 0.2 },
        { action: "edge", error: {}, duration_ms: "12" },
        { action: "edge", error: 0, duration_ms: 1e300 },
        { action: "edge", error: "", duration_ms: -3 },
        { action: "edge", error: [], duration_ms: 2.5 },
        { action: "edge", success: false, error: null, duration_ms: 1.5 },
        { action: "edge", result: { status: 5 }, duration_ms: true },
        { action: "edge", result: "error", duration_ms: null },
        { action: "edge", result: { status: "ERROR" }, duration_ms: [1] },
        { action: "edge", success: "false", duration_ms: { v: 1 } },
        { action: "", duration_ms: 4 },
        { action: null, duration_ms: 4 },
        { action: ["edge"], duration_ms: 4 },
        { action: { name: "edge" } },
        [1, 2],
        "edge",
        null,
      ];
      for (const data of edge) {
        await store.logAgentRunEvent({
          agentId: "a1",
          runId: "r1",
          eventType: "action_execution_completed",
          data,
          timestamp: at(0),
        });
      }
      assert.deepEqual(await store.getToolStats(), EDGE_STATS);
    });
  });
}

/**
 * What each backend reads from the edge data above: failed by any `error`
 * but null and false, or `success: false`; durations only from numbers.
 */
const EDGE_STATS = [
  {
    action: "edge",
    calls: 10,
    failures: 6,
    p50DurationMs: 1.5,
    p95DurationMs: 1e300,
  },
  { action: "", calls: 1, failures: 0, p50DurationMs: 4, p95DurationMs: 4 },
];
