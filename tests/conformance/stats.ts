import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AgentRunStats } from "../../mod.ts";
import type { Context } from "./_context.ts";

const EMPTY: AgentRunStats = {
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

function assertStats(actual: AgentRunStats, expected: AgentRunStats): void {
  assert.ok(
    Math.abs(actual.totalCostUsd - expected.totalCostUsd) < 1e-9,
    `totalCostUsd ${actual.totalCostUsd} != ${expected.totalCostUsd}`,
  );
  assert.deepEqual(
    { ...actual, totalCostUsd: 0 },
    { ...expected, totalCostUsd: 0 },
  );
}

export function stats(ctx: Context): void {
  describe("statistics", () => {
    it("are all zero on an empty store", async () => {
      assert.deepEqual(await ctx.store.getAgentRunStats(), EMPTY);
      assert.deepEqual(
        await ctx.store.getAgentRunStats({ agentId: "nobody" }),
        EMPTY,
      );
    });

    it("add up a known data set, for all agents and for one", async () => {
      const runs = [
        ["a1", "completed", 3],
        ["a1", "completed", 4],
        ["a1", "error", 1],
        ["a1", "running", 2],
        ["a2", "pending", 0],
        ["a2", "cancelled", 5],
        ["a2", "completed", 7],
      ] as const;
      for (const [i, [agentId, status, totalIterations]] of runs.entries()) {
        await ctx.store.createAgentRun({
          agentId,
          runId: `r${i}`,
          status,
          totalIterations,
        });
      }
      await ctx.store.logLlmUsages([
        {
          agentId: "a1",
          inputTokens: 100,
          outputTokens: 20,
          usageMetrics: { cost_usd: 0.25 },
        },
        {
          agentId: "a1",
          inputTokens: 50,
          outputTokens: null,
          status: "error",
          usageMetrics: { cost_usd: 0.125, total_tokens: 50 },
        },
        // cost_usd that is not a number is not counted
        { agentId: "a1", inputTokens: 1, usageMetrics: { cost_usd: "0.5" } },
        { agentId: "a2", outputTokens: 30, usageMetrics: { cost_usd: 1.5 } },
        { agentId: "a2", usageMetrics: ["cost_usd", 3] },
        // only a top-level cost_usd counts
        { agentId: "a2", usageMetrics: { breakdown: { cost_usd: 100 } } },
        { agentId: null, inputTokens: 1000, usageMetrics: { cost_usd: 2 } },
      ]);
      assertStats(await ctx.store.getAgentRunStats(), {
        totalRuns: 7,
        pendingRuns: 1,
        runningRuns: 1,
        completedRuns: 3,
        errorRuns: 1,
        cancelledRuns: 1,
        avgIterations: 3.14, // 22 / 7 = 3.142857…
        totalLlmCalls: 7,
        failedLlmCalls: 1,
        totalInputTokens: 1151,
        totalOutputTokens: 50,
        totalCacheReadTokens: 0,
        totalCacheWriteTokens: 0,
        totalReasoningTokens: 0,
        totalCostUsd: 3.875,
        unpricedLlmCalls: 1,
      });
      assertStats(await ctx.store.getAgentRunStats({ agentId: "a1" }), {
        totalRuns: 4,
        pendingRuns: 0,
        runningRuns: 1,
        completedRuns: 2,
        errorRuns: 1,
        cancelledRuns: 0,
        avgIterations: 2.5,
        totalLlmCalls: 3,
        failedLlmCalls: 1,
        totalInputTokens: 151,
        totalOutputTokens: 20,
        totalCacheReadTokens: 0,
        totalCacheWriteTokens: 0,
        totalReasoningTokens: 0,
        totalCostUsd: 0.375,
        unpricedLlmCalls: 1,
      });
      assertStats(await ctx.store.getAgentRunStats({ agentId: "a2" }), {
        totalRuns: 3,
        pendingRuns: 1,
        runningRuns: 0,
        completedRuns: 1,
        errorRuns: 0,
        cancelledRuns: 1,
        avgIterations: 4,
        totalLlmCalls: 3,
        failedLlmCalls: 0,
        totalInputTokens: 0,
        totalOutputTokens: 30,
        totalCacheReadTokens: 0,
        totalCacheWriteTokens: 0,
        totalReasoningTokens: 0,
        totalCostUsd: 1.5,
        unpricedLlmCalls: 0,
      });
    });

    it("round the average to two decimals", async () => {
      for (const [i, n] of [1, 1, 2].entries()) {
        await ctx.store.createAgentRun({
          agentId: "a",
          runId: `r${i}`,
          totalIterations: n,
        });
      }
      assert.equal((await ctx.store.getAgentRunStats()).avgIterations, 1.33);
    });
  });
}
