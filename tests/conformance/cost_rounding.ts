// Costs at the edges of the rounding to whole nano-dollars: every sum (the
// statistics, the breakdown, the series, the run summaries) rounds each
// call's cost half away from zero, leaves beyond ±(2^53 - 1) nano-dollars
// unknown, and reads other programs' costs from their usage metrics. Each
// call is alone in its agent, run and model, so that each sum shows it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Persistence } from "../../mod.ts";
import type { Context, WriteForeign } from "./_context.ts";

/** A cost and its whole nano-dollars; `null`: unknown, so unpriced. */
type Edge = [cost: number, nanos: number | null];

/** The largest double below `x` (positive). */
function below(x: number): number {
  const bits = new BigInt64Array(new Float64Array([x]).buffer);
  bits[0]! -= 1n;
  return new Float64Array(bits.buffer)[0]!;
}

// Written as JavaScript computes `cost * 1e9`: 0.5, 2.5, ...
const WRITTEN: Edge[] = [
  [5e-10, 1],
  [1.5e-9, 2],
  [2.5e-9, 3],
  // 0.49999999999999994 and 1.4999999999999998 nano-dollars: adding a half
  // and truncating would round them up.
  [below(5e-10), 0],
  [below(1.5e-9), 1],
  [1e-18, 0],
  [0, 0],
  // 2^52 + 0.5 nano-dollars, the last halves a double holds.
  [4503599.627370495, 4503599627370496],
  // 2^53 - 1 nano-dollars, the largest known; one more is unknown.
  [9007199.25474099, 9007199254740991],
  [9007199.254740993, null],
  [1e7, null],
  // Beyond 64-bit integers, and beyond doubles once scaled.
  [1e10, null],
  [1e300, null],
];

/**
 * Rows other programs wrote: negative costs (the store refuses them), and
 * costs only in the usage metrics (no `cost_source`), where the cost column
 * is ignored.
 */
const FOREIGN: {
  costUsd: number;
  costSource: string | null;
  metrics: string;
  nanos: number | null;
}[] = [
  { costUsd: -5e-10, costSource: "provided", metrics: "{}", nanos: -1 },
  { costUsd: -2.5e-9, costSource: "provided", metrics: "{}", nanos: -3 },
  {
    costUsd: -below(5e-10),
    costSource: "provided",
    metrics: "{}",
    nanos: 0,
  },
  {
    costUsd: -9007199.25474099,
    costSource: "provided",
    metrics: "{}",
    nanos: -9007199254740991,
  },
  { costUsd: -1e10, costSource: "provided", metrics: "{}", nanos: null },
  { costUsd: -1e300, costSource: "provided", metrics: "{}", nanos: null },
  ...[
    ['{"cost_usd": -2.5e-9}', -3],
    ['{"cost_usd": 3}', 3_000_000_000],
    ['{"cost_usd": 1e300}', null],
    ['{"cost_usd": -1e300}', null],
    ['{"cost_usd": "0.5"}', null],
    ['{"cost_usd": 0.5', null],
  ].map(([metrics, nanos]) => ({
    costUsd: 1,
    costSource: null,
    metrics: metrics as string,
    nanos: nanos as number | null,
  })),
];

const SINCE = new Date(Date.UTC(2025, 0, 15));
const UNTIL = new Date(Date.UTC(2025, 0, 16));

/** The call of edge `i`: alone in its agent, run and model. */
function placed(i: number): { agentId: string; runId: string; model: string } {
  return { agentId: `a${i}`, runId: `r${i}`, model: `m${i}` };
}

async function assertSums(
  store: Persistence,
  expected: (number | null)[],
): Promise<void> {
  const cost = (nanos: number | null) => (nanos ?? 0) / 1e9;
  const unpriced = (nanos: number | null) => nanos === null ? 1 : 0;
  const breakdown = await store.getLlmUsageBreakdown();
  const series = await store.getLlmUsageSeries({
    since: SINCE,
    until: UNTIL,
    bucket: "day",
    groupBy: "model",
  });
  const { items } = await store.getAgentRunSummaries({ limit: 100 });
  for (const [i, nanos] of expected.entries()) {
    const name = `call ${i}, expected ${nanos}`;
    const stats = await store.getAgentRunStats({ agentId: `a${i}` });
    assert.equal(stats.totalCostUsd, cost(nanos), name);
    assert.equal(stats.unpricedLlmCalls, unpriced(nanos), name);
    const group = breakdown.find((row) => row.model === `m${i}`);
    assert.equal(group?.costUsd, cost(nanos), name);
    assert.equal(group?.unpricedCalls, unpriced(nanos), name);
    const cell = series.find((row) => row.model === `m${i}`);
    assert.equal(cell?.costUsd, cost(nanos), name);
    assert.equal(cell?.unpricedCalls, unpriced(nanos), name);
    const run = items.find((item) => item.runId === `r${i}`);
    assert.equal(run?.costUsd, cost(nanos), name);
  }
}

export function costRounding(ctx: Context, foreign?: WriteForeign): void {
  describe("cost rounding", () => {
    it("rounds each call's whole nano-dollars half away from zero, alike in every sum", async () => {
      const store = ctx.store;
      for (const [i] of WRITTEN.entries()) {
        await store.createAgentRun({ ...placed(i), createdAt: SINCE });
      }
      await store.logLlmUsages(WRITTEN.map(([costUsd], i) => ({
        ...placed(i),
        provider: "p",
        inputTokens: 1,
        costUsd,
        createdAt: new Date(SINCE.getTime() + 1000),
      })));
      await assertSums(store, WRITTEN.map(([, nanos]) => nanos));
    });

    // Only backends another program can write to.
    if (foreign) {
      it("reads other programs' costs from their usage metrics, by the same rule", async () => {
        const store = ctx.store;
        for (const [i] of FOREIGN.entries()) {
          await store.createAgentRun({ ...placed(i), createdAt: SINCE });
        }
        await foreign(
          store,
          "agent_llm_usage",
          FOREIGN.map(({ costUsd, costSource, metrics }, i) => ({
            agent_id: `a${i}`,
            run_id: `r${i}`,
            provider: "p",
            model: `m${i}`,
            input_tokens: 1,
            usage_metrics: metrics,
            cost_usd: costUsd,
            cost_source: costSource,
            created_at: "2025-01-15 00:00:01.000",
          })),
        );
        await assertSums(store, FOREIGN.map(({ nanos }) => nanos));
      });
    }
  });
}
