// The daily roll-up of LLM calls (SQL backends): series, with percentiles
// and without, and ranged statistics equal the same figures from the rows,
// whether the roll-up is built or not, and after every kind of change to a
// closed day. The oracle is the same query with the roll-up hidden (where
// the test can write SQL of its own), and for statistics the breakdown by
// model, which always reads the rows. The memory store has no roll-up and
// must answer alike.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  LlmUsageBreakdown,
  LlmUsageInput,
  LlmUsageSeriesQuery,
  LlmUsageSeriesRow,
  Persistence,
  StatsQuery,
} from "../../mod.ts";
import {
  REFRESH_USAGE_ROLLUP,
  type RefreshesUsageRollup,
} from "../../src/core/usage_rollup_schedule.ts";
import type { Context, ExecForeign } from "./_context.ts";

const DAY = 86_400_000;
/** A Monday: the week bucket of the five days is whole UTC days too. */
const FIRST = Date.UTC(2025, 2, 10);
const day = (n: number, hours = 0) => new Date(FIRST + n * DAY + hours * 3.6e6);
const dayText = (n: number) => day(n).toISOString().slice(0, 10);

/** Calls over five closed days, of several models, agents and outcomes. */
function calls(): LlmUsageInput[] {
  const models = [
    ["openai", "gpt-4o"],
    ["acme", "acme-x"],
    ["anthropic", "claude-3-5-sonnet"],
  ] as const;
  const inputs: LlmUsageInput[] = [];
  for (let d = 0; d < 5; d++) {
    for (let i = 0; i < 12; i++) {
      const [provider, model] = models[(i + d) % 3]!;
      inputs.push({
        agentId: ["a", "b", "c"][i % 3]!,
        ...(d === 1 && i < 4 ? { runId: "r1" } : {}),
        provider,
        model,
        createdAt: day(d, (i * 2 + d) % 24),
        latencyMs: 100 + i * 7 + d,
        status: i % 5 === 0 ? "error" : "success",
        ...(i % 4 === 3 ? {} : {
          inputTokens: 1000 + i * 10,
          outputTokens: 100 + d,
          cacheReadTokens: i,
          reasoningTokens: d,
        }),
        ...(provider === "openai" && i % 2 === 0
          ? { costUsd: 0.001 * (i + 1) }
          : {}),
      });
    }
  }
  return inputs;
}

/** The queries checked: whole days, partial ones, weeks, filters, zones. */
const QUERIES: Omit<LlmUsageSeriesQuery, "percentiles">[] = [
  { since: day(0), until: day(5), bucket: "day" },
  ...(["model", "provider", "agentId"] as const).map((groupBy) => ({
    since: day(0),
    until: day(5),
    bucket: "day" as const,
    groupBy,
  })),
  { since: day(0, 10), until: day(4, 5), bucket: "day", groupBy: "model" },
  { since: day(-2), until: day(7), bucket: "week", groupBy: "agentId" },
  { since: day(0), until: day(5), bucket: "day", agentId: "a" },
  {
    since: day(0),
    until: day(5),
    bucket: "day",
    provider: "openai",
    groupBy: "agentId",
  },
  {
    since: day(0),
    until: day(5),
    bucket: "day",
    model: "acme-x",
    groupBy: "model",
  },
  {
    since: day(0),
    until: day(5),
    bucket: "day",
    timeZone: "Asia/Kolkata",
    groupBy: "model",
  },
];

function refresh(store: Persistence): Promise<number> {
  return (store as unknown as RefreshesUsageRollup)[REFRESH_USAGE_ROLLUP]();
}

function withoutPercentiles(rows: LlmUsageSeriesRow[]): LlmUsageSeriesRow[] {
  return rows.map((row) => ({
    ...row,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    maxMs: null,
  }));
}

/**
 * What `read` gives with the roll-up hidden: every stored fingerprint
 * turned into one that matches no day (an involution, applied again
 * after), so that every day is read from the rows. A store without a
 * roll-up, or a test without SQL of its own, reads the rows anyway.
 */
async function fromRowsAlone<T>(
  store: Persistence,
  exec: ExecForeign | undefined,
  read: () => Promise<T>,
): Promise<T> {
  if (!exec || store.backend === "memory") return await read();
  const flip = (t: (name: string) => string) =>
    `UPDATE ${t("curio_usage_days")} SET calls = -calls - 2`;
  await exec(store, flip);
  try {
    return await read();
  } finally {
    await exec(store, flip);
  }
}

/**
 * Every query's series, with percentiles and without, equals the same
 * series read from the rows alone.
 */
async function assertFromRows(
  store: Persistence,
  when: string,
  exec: ExecForeign | undefined,
) {
  for (const query of QUERIES) {
    const oracle = await fromRowsAlone(
      store,
      exec,
      () => store.getLlmUsageSeries({ ...query, percentiles: true }),
    );
    const ranked = await store.getLlmUsageSeries({
      ...query,
      percentiles: true,
    });
    const unranked = await store.getLlmUsageSeries({
      ...query,
      percentiles: false,
    });
    const named = `${when}: ${JSON.stringify(query)}`;
    assert.deepEqual(ranked, oracle, named);
    assert.deepEqual(unranked, withoutPercentiles(oracle), named);
  }
  await assertStatsFromRows(store, when);
}

/** The ranges whose statistics are checked: whole days, partial, filtered. */
const STATS_QUERIES: StatsQuery[] = [
  { since: day(0), until: day(5) },
  { since: day(0, 10), until: day(4, 5) },
  { since: day(-2), until: day(7), agentId: "a" },
  { since: day(1), until: day(2) },
];

/**
 * The LLM calls' figures of `getAgentRunStats` equal the breakdown by
 * model of the same range, which always reads the rows, summed.
 */
async function assertStatsFromRows(store: Persistence, when: string) {
  for (const query of STATS_QUERIES) {
    const stats = await store.getAgentRunStats(query);
    const models = await store.getLlmUsageBreakdown(query);
    const sum = (pick: (model: LlmUsageBreakdown) => number) =>
      models.reduce((total, model) => total + pick(model), 0);
    assert.deepEqual(
      {
        calls: stats.totalLlmCalls,
        failed: stats.failedLlmCalls,
        input: stats.totalInputTokens,
        output: stats.totalOutputTokens,
        cacheRead: stats.totalCacheReadTokens,
        cacheWrite: stats.totalCacheWriteTokens,
        reasoning: stats.totalReasoningTokens,
        nanos: Math.round(stats.totalCostUsd * 1e9),
        unpriced: stats.unpricedLlmCalls,
      },
      {
        calls: sum((m) => m.calls),
        failed: sum((m) => m.failedCalls),
        input: sum((m) => m.inputTokens),
        output: sum((m) => m.outputTokens),
        cacheRead: sum((m) => m.cacheReadTokens),
        cacheWrite: sum((m) => m.cacheWriteTokens),
        reasoning: sum((m) => m.reasoningTokens),
        nanos: sum((m) => Math.round(m.costUsd * 1e9)),
        unpriced: sum((m) => m.unpricedCalls),
      },
      `${when}: stats ${JSON.stringify(query)}`,
    );
  }
}

/** A day's calls, summed over its groups. */
async function callsOn(
  store: Persistence,
  n: number,
  percentiles = false,
): Promise<number> {
  const [row] = await store.getLlmUsageSeries({
    since: day(n),
    until: day(n + 1),
    bucket: "day",
    percentiles,
  });
  return row!.calls;
}

export function rollup(ctx: Context, exec?: ExecForeign): void {
  describe("daily roll-up of usage series", () => {
    it("serves closed days with the rows' figures, built or not", async () => {
      const store = ctx.store;
      await store.logLlmUsages(calls());
      await assertFromRows(store, "not built", exec);
      const built = await refresh(store);
      if (store.backend !== "memory") assert.equal(built, 5);
      await assertFromRows(store, "built", exec);
      // Up to date: nothing to build again.
      assert.equal(await refresh(store), 0);
    });

    it("stays equal to the rows after each change to a closed day", async () => {
      const store = ctx.store;
      await store.createAgentRun({ agentId: "a", runId: "r1" });
      await store.logLlmUsages(calls());
      await refresh(store);
      await store.logLlmUsages([{
        agentId: "d",
        provider: "acme",
        model: "acme-x",
        createdAt: day(2, 5),
        inputTokens: 7,
        outputTokens: 3,
      }]);
      await assertFromRows(store, "insert", exec);
      await store.deleteAgentRuns(["r1"], { withLlmUsage: true });
      await assertFromRows(store, "delete run", exec);
      await store.recomputeCosts({ includeProvided: true });
      await assertFromRows(store, "recompute", exec);
      await refresh(store);
      await assertFromRows(store, "rebuilt", exec);
      await store.applyRetention({ orphanLlmCalls: "2d" }, { now: day(3) });
      await assertFromRows(store, "retention", exec);
      assert.equal(await callsOn(store, 0), 0);
      await refresh(store);
      await assertFromRows(store, "rebuilt after retention", exec);
    });

    it("is closed without waiting for a whole refresh", async () => {
      const store = ctx.store;
      await store.logLlmUsages(calls());
      const refreshing = refresh(store).catch(() => -1);
      await store.close();
      assert.ok(await refreshing >= -1);
    });

    if (!exec) return;

    it("is read, and left for the rows when another program changes a day", async () => {
      const store = ctx.store;
      if (store.backend === "memory") return;
      await store.logLlmUsages(calls());
      await refresh(store);
      const before = await callsOn(store, 2);
      // The fingerprint does not see the roll-up's own rows: a change
      // there shows the day is served from them.
      await exec(
        store,
        (t) =>
          `UPDATE ${
            t("curio_usage_daily")
          } SET calls = calls + 1000 WHERE day = ?`,
        [dayText(2)],
      );
      assert.ok(await callsOn(store, 2) > before + 999);
      assert.ok(await callsOn(store, 2, true) > before + 999);
      const stats = await store.getAgentRunStats({
        since: day(2),
        until: day(3),
      });
      assert.ok(stats.totalLlmCalls > before + 999);
      // Relabelling a call changes neither count nor highest id: the
      // trigger marks the day stale, which is read from the rows again.
      await exec(
        store,
        (t) =>
          `UPDATE ${
            t("agent_llm_usage")
          } SET model = 'relabelled' WHERE id = (SELECT MAX(id) FROM ${
            t("agent_llm_usage")
          } WHERE created_at >= ? AND created_at < ?)`,
        [dayText(2), dayText(3)],
      );
      assert.equal(await callsOn(store, 2), before);
      await assertFromRows(store, "relabelled", exec);
      await exec(
        store,
        (t) =>
          `DELETE FROM ${
            t("agent_llm_usage")
          } WHERE id = (SELECT MIN(id) FROM ${
            t("agent_llm_usage")
          } WHERE created_at >= ? AND created_at < ?)`,
        [dayText(3), dayText(4)],
      );
      await assertFromRows(store, "deleted by another program", exec);
      assert.equal(await refresh(store), 2);
      await assertFromRows(store, "rebuilt", exec);
    });

    it("reads every day right after a build cut short", async () => {
      const store = ctx.store;
      if (store.backend === "memory") return;
      await store.logLlmUsages(calls());
      await refresh(store);
      // What a build that died between its transactions leaves: its
      // pending mark, and the roll-up rows of before.
      await exec(
        store,
        (t) =>
          `UPDATE ${
            t("curio_usage_days")
          } SET calls = -1, max_id = 12345 WHERE day = ?`,
        [dayText(1)],
      );
      await exec(
        store,
        (t) =>
          `UPDATE ${
            t("curio_usage_daily")
          } SET calls = calls + 1000 WHERE day = ?`,
        [dayText(1)],
      );
      await assertFromRows(store, "cut short", exec);
      assert.equal(await refresh(store), 1);
      await assertFromRows(store, "rebuilt", exec);
    });
  });
}
