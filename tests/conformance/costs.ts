// Costs: kept when given, computed from tokens and the price in force at the
// call's time, null when no price is known; and summed in whole
// nano-dollars, so that every backend returns the same double.
//
// The expected costs are tokens × rates written here from the price table of
// @pydantic/genai-prices 0.1.8 (the pinned version), in US dollars per
// million tokens, never computed by the code under test.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AgentLlmUsage,
  InvalidInputError,
  type LlmUsageInput,
  type ModelPriceInput,
} from "../../mod.ts";
import type { Context, Open } from "./_context.ts";

interface Case {
  name: string;
  input: LlmUsageInput;
  /** Tokens × rates per million, summed; `null`: unpriced. */
  cost: number | null;
}

const CUSTOM_PRICES: ModelPriceInput[] = [
  {
    provider: "acme",
    model: "acme-*",
    inputPerMillion: 1,
    outputPerMillion: 2,
    cacheReadPerMillion: 0.1,
  },
  // Overrides the bundled gpt-4o price from June 2025 on.
  {
    provider: "openai",
    model: "gpt-4o",
    inputPerMillion: 5,
    outputPerMillion: 20,
    since: new Date("2025-06-01T00:00:00Z"),
  },
];

const MARCH = new Date("2025-03-01T12:00:00Z");
const JULY = new Date("2025-07-01T12:00:00Z");

const CASES: Case[] = [
  {
    // openai gpt-4o: input 2.5, cache read 1.25, output 10
    name: "cache hits (OpenAI)",
    input: {
      provider: "openai",
      model: "gpt-4o",
      inputTokens: 1000,
      cacheReadTokens: 200,
      outputTokens: 500,
      createdAt: MARCH,
    },
    cost: (800 * 2.5 + 200 * 1.25 + 500 * 10) / 1e6,
  },
  {
    // anthropic claude-sonnet-4-0: input 3, cache write 3.75, cache read
    // 0.3, output 15
    name: "cache reads and writes (Anthropic)",
    input: {
      provider: "anthropic",
      model: "claude-sonnet-4-20250514",
      inputTokens: 1000,
      cacheReadTokens: 300,
      cacheWriteTokens: 200,
      outputTokens: 400,
      createdAt: MARCH,
    },
    cost: (500 * 3 + 300 * 0.3 + 200 * 3.75 + 400 * 15) / 1e6,
  },
  {
    // openai o3 from 2025-06-10: input 2, output 8; reasoning is output
    name: "reasoning, after a price change",
    input: {
      provider: "openai",
      model: "o3",
      inputTokens: 2000,
      outputTokens: 3000,
      reasoningTokens: 2500,
      createdAt: JULY,
    },
    cost: (2000 * 2 + 3000 * 8) / 1e6,
  },
  {
    // openai o3 before 2025-06-10: input 10, output 40
    name: "reasoning, before a price change",
    input: {
      provider: "openai",
      model: "o3",
      inputTokens: 2000,
      outputTokens: 3000,
      reasoningTokens: 2500,
      createdAt: new Date("2025-06-09T23:59:59.999Z"),
    },
    cost: (2000 * 10 + 3000 * 40) / 1e6,
  },
  {
    name: "the first instant of a new price",
    input: {
      provider: "openai",
      model: "o3",
      inputTokens: 1000,
      outputTokens: 1000,
      createdAt: new Date("2025-06-10T00:00:00Z"),
    },
    cost: (1000 * 2 + 1000 * 8) / 1e6,
  },
  {
    // google gemini-2.5-pro above 200k input tokens: input 2.5, cache read
    // 0.25, output 15 (1.25, 0.125 and 10 below)
    name: "a long-context tier",
    input: {
      provider: "google",
      model: "gemini-2.5-pro",
      inputTokens: 250_000,
      cacheReadTokens: 50_000,
      outputTokens: 1000,
      createdAt: MARCH,
    },
    cost: (200_000 * 2.5 + 50_000 * 0.25 + 1000 * 15) / 1e6,
  },
  {
    name: "below the long-context tier",
    input: {
      provider: "google",
      model: "gemini-2.5-pro",
      inputTokens: 200_000,
      outputTokens: 1000,
      createdAt: MARCH,
    },
    cost: (200_000 * 1.25 + 1000 * 10) / 1e6,
  },
  {
    name: "an unknown model",
    input: {
      provider: "acme-labs",
      model: "no-such-model",
      inputTokens: 100,
      outputTokens: 10,
      createdAt: MARCH,
    },
    cost: null,
  },
  {
    name: "a custom price (wildcard)",
    input: {
      provider: "acme",
      model: "acme-large-2",
      inputTokens: 1000,
      cacheReadTokens: 500,
      outputTokens: 100,
      createdAt: MARCH,
    },
    cost: (500 * 1 + 500 * 0.1 + 100 * 2) / 1e6,
  },
  {
    name: "a custom price overriding the table from its date on",
    input: {
      provider: "openai",
      model: "gpt-4o",
      inputTokens: 1000,
      outputTokens: 100,
      createdAt: JULY,
    },
    cost: (1000 * 5 + 100 * 20) / 1e6,
  },
];

function assertCost(
  usage: AgentLlmUsage,
  expected: number | null,
  name: string,
) {
  if (expected === null) {
    assert.equal(usage.costUsd, null, name);
    assert.equal(usage.costSource, null, name);
    return;
  }
  assert.equal(usage.costSource, "computed", name);
  assert.ok(
    Math.abs(usage.costUsd! - expected) <= 1e-12 * expected,
    `${name}: ${usage.costUsd} != ${expected}`,
  );
}

export function costs(ctx: Context, open: Open): void {
  describe("costs", () => {
    it("are computed from tokens, model and date, or left unpriced", async () => {
      await using store = await open({ prices: CUSTOM_PRICES });
      for (const { name, input, cost } of CASES) {
        const usage = await store.logLlmUsage(input);
        assertCost(usage, cost, name);
        // A computed cost never goes into the caller's usage metrics.
        assert.equal(usage.usageMetrics, null, name);
        assert.equal(usage.cacheReadTokens, input.cacheReadTokens ?? null);
        assert.equal(usage.cacheWriteTokens, input.cacheWriteTokens ?? null);
        assert.equal(usage.reasoningTokens, input.reasoningTokens ?? null);
      }
      // Read back, and in one batch, the same.
      const stored = (await store.getLlmUsage({ limit: 100 })).sort((a, b) =>
        a.id - b.id
      );
      for (const [i, { name, cost }] of CASES.entries()) {
        assertCost(stored[i]!, cost, `${name} (read back)`);
      }
      const batch = await store.logLlmUsages(CASES.map((c) => c.input));
      for (const [i, { name, cost }] of CASES.entries()) {
        assertCost(batch[i]!, cost, `${name} (batch)`);
      }
      const stats = await store.getAgentRunStats();
      assert.equal(stats.unpricedLlmCalls, 2);
      assert.equal(stats.totalCacheReadTokens, 2 * (200 + 300 + 50_000 + 500));
      assert.equal(stats.totalCacheWriteTokens, 2 * 200);
      assert.equal(stats.totalReasoningTokens, 2 * 2 * 2500);
      const nanos = CASES.reduce(
        (sum, { cost }) => sum + (cost === null ? 0 : Math.round(cost * 1e9)),
        0,
      );
      assert.equal(stats.totalCostUsd, (2 * nanos) / 1e9);
    });

    it("keep a cost given, as provided", async () => {
      const given = await ctx.store.logLlmUsage({
        provider: "openai",
        model: "gpt-4o",
        inputTokens: 1000,
        outputTokens: 500,
        costUsd: 0.5,
      });
      assert.equal(given.costUsd, 0.5);
      assert.equal(given.costSource, "provided");
      const inMetrics = await ctx.store.logLlmUsage({
        provider: "openai",
        model: "gpt-4o",
        inputTokens: 1000,
        outputTokens: 500,
        usageMetrics: { cost_usd: 0.25 },
      });
      assert.equal(inMetrics.costUsd, 0.25);
      assert.equal(inMetrics.costSource, "provided");
      const both = await ctx.store.logLlmUsage({
        costUsd: 0.25,
        usageMetrics: { cost_usd: 0.25 },
      });
      assert.equal(both.costSource, "provided");
      await assert.rejects(
        ctx.store.logLlmUsage({
          costUsd: 0.5,
          usageMetrics: { cost_usd: 0.25 },
        }),
        (error: unknown) =>
          error instanceof InvalidInputError && error.field === "costUsd",
      );
      // Without both token counts nothing is computed, and it is unpriced
      // only with a token count.
      const partial = await ctx.store.logLlmUsage({
        provider: "openai",
        model: "gpt-4o",
        inputTokens: 10,
      });
      assert.equal(partial.costUsd, null);
      const stats = await ctx.store.getAgentRunStats();
      assert.equal(stats.unpricedLlmCalls, 1);
      assert.equal(stats.totalCostUsd, 1);
    });

    it("refuse token details that do not fit their totals", async () => {
      const refused: [LlmUsageInput, string][] = [
        [
          { inputTokens: 10, cacheReadTokens: 6, cacheWriteTokens: 5 },
          "cacheWriteTokens",
        ],
        [{ inputTokens: 10, cacheReadTokens: 11 }, "cacheReadTokens"],
        [{ outputTokens: 10, reasoningTokens: 11 }, "reasoningTokens"],
        [{ cacheReadTokens: 1 }, "cacheReadTokens"],
        [{ outputTokens: 1, cacheWriteTokens: 1 }, "cacheWriteTokens"],
        [{ inputTokens: 1, reasoningTokens: 1 }, "reasoningTokens"],
        [{ inputTokens: 1, cacheReadTokens: -1 }, "cacheReadTokens"],
        [{ inputTokens: 1, cacheReadTokens: 0.5 }, "cacheReadTokens"],
        [{ costUsd: -1 }, "costUsd"],
        [{ costUsd: Number.NaN }, "costUsd"],
        [{ costUsd: 1, costSource: "guessed" as "provided" }, "costSource"],
      ];
      for (const [input, field] of refused) {
        await assert.rejects(
          ctx.store.logLlmUsage(input),
          (error: unknown) =>
            error instanceof InvalidInputError && error.field === field,
          JSON.stringify(input),
        );
        await assert.rejects(ctx.store.logLlmUsages([{}, input]));
      }
      assert.deepEqual(await ctx.store.getLlmUsage(), []);
      const fits = await ctx.store.logLlmUsage({
        inputTokens: 10,
        cacheReadTokens: 6,
        cacheWriteTokens: 4,
        outputTokens: 5,
        reasoningTokens: 5,
      });
      assert.equal(fits.cacheWriteTokens, 4);
    });

    it("refuse custom prices that are not prices", async () => {
      const refused: unknown[] = [
        "openai",
        [{ provider: "", model: "m", inputPerMillion: 1, outputPerMillion: 1 }],
        [{
          provider: "p",
          model: "m",
          inputPerMillion: -1,
          outputPerMillion: 1,
        }],
        [{ provider: "p", model: "m", inputPerMillion: 1 }],
        [{
          provider: "p",
          model: "m",
          inputPerMillion: 1,
          outputPerMillion: 1,
          since: "2025-01-01",
        }],
      ];
      for (const prices of refused) {
        await assert.rejects(
          async () => await open({ prices: prices as ModelPriceInput[] }),
          InvalidInputError,
          JSON.stringify(prices),
        );
      }
    });

    it("sum whole nano-dollars, the same double on every backend", async () => {
      await ctx.store.logLlmUsages([
        { agentId: "a", provider: "p", model: "m", costUsd: 0.1 },
        { agentId: "a", provider: "p", model: "m", costUsd: 0.2 },
        { agentId: "a", provider: "p", model: "m", costUsd: 0.3 },
        // Half a nano-dollar rounds away from zero; less, to zero.
        { agentId: "b", provider: "p", model: "n", costUsd: 0.0000000005 },
        { agentId: "b", provider: "p", model: "n", costUsd: 0.0000000004 },
        // Strings holding NUL and a lone surrogate beside the cost.
        {
          agentId: "b",
          provider: "p",
          model: "n",
          usageMetrics: { note: "a\u0000b\ud800", cost_usd: 0.25 },
        },
      ]);
      const stats = await ctx.store.getAgentRunStats();
      assert.equal(stats.totalCostUsd, 0.600000001 + 0.25);
      assert.equal(
        (await ctx.store.getAgentRunStats({ agentId: "a" })).totalCostUsd,
        0.6,
      );
      const breakdown = await ctx.store.getLlmUsageBreakdown();
      assert.deepEqual(
        breakdown.map((row) => [row.model, row.costUsd, row.calls]),
        [["m", 0.6, 3], ["n", 0.250000001, 3]],
      );
    });

    it("break token details down per provider and model", async () => {
      await ctx.store.logLlmUsages([
        {
          provider: "p",
          model: "m",
          inputTokens: 100,
          cacheReadTokens: 40,
          cacheWriteTokens: 10,
          outputTokens: 50,
          reasoningTokens: 20,
        },
        { provider: "p", model: "m", inputTokens: 5, costUsd: 0.001 },
        { provider: "p", model: "m" },
      ]);
      const [row] = await ctx.store.getLlmUsageBreakdown();
      assert.deepEqual(row, {
        provider: "p",
        model: "m",
        calls: 3,
        failedCalls: 0,
        inputTokens: 105,
        outputTokens: 50,
        cacheReadTokens: 40,
        cacheWriteTokens: 10,
        reasoningTokens: 20,
        costUsd: 0.001,
        unpricedCalls: 1,
      });
    });

    it("are recomputed in batches, provided ones only when asked", async () => {
      await using store = await open({ prices: CUSTOM_PRICES });
      const base = { inputTokens: 1000, outputTokens: 100, createdAt: MARCH };
      await store.logLlmUsages([
        { ...base, provider: "openai", model: "gpt-4o", costUsd: 1 },
        { ...base, provider: "acme", model: "acme-x" },
        { ...base, provider: "acme-labs", model: "unknown" },
      ]);
      assert.deepEqual(await store.recomputeCosts(), {
        examined: 2,
        changed: 0,
        unpriced: 1,
        deltaUsd: 0,
      });
      // gpt-4o in March: input 2.5, output 10 per million.
      const bundled = (1000 * 2.5 + 100 * 10) / 1e6;
      const custom = (1000 * 1 + 100 * 2) / 1e6;
      assert.deepEqual(
        await store.recomputeCosts({ includeProvided: true, dryRun: true }),
        { examined: 3, changed: 1, unpriced: 1, deltaUsd: bundled - 1 },
      );
      assert.equal((await store.getAgentRunStats()).totalCostUsd, 1 + custom);
      assert.deepEqual(
        await store.recomputeCosts({
          includeProvided: true,
          provider: "openai",
          since: MARCH,
          until: JULY,
          batchSize: 1,
        }),
        { examined: 1, changed: 1, unpriced: 0, deltaUsd: bundled - 1 },
      );
      const [openai] = await store.getLlmUsage({ limit: 3 }).then((rows) =>
        rows.filter((row) => row.provider === "openai")
      );
      assert.equal(openai?.costSource, "computed");
      assert.equal(openai?.costUsd, bundled);
      assert.equal(
        (await store.getAgentRunStats()).totalCostUsd,
        (Math.round(bundled * 1e9) + Math.round(custom * 1e9)) / 1e9,
      );
      await assert.rejects(
        store.recomputeCosts({ batchSize: 0 }),
        InvalidInputError,
      );
    });
  });
}
