import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AgentLlmUsage, InvalidInputError } from "../../mod.ts";
import { at, collect, type Context } from "./_context.ts";

export function usage(ctx: Context): void {
  describe("LLM usage", () => {
    it("logs a call with the specification's defaults", async () => {
      const usage = await ctx.store.logLlmUsage({});
      assert.deepEqual({ ...usage, id: 0, createdAt: null }, {
        id: 0,
        agentId: null,
        runId: null,
        provider: "",
        model: "",
        prompt: "",
        promptLength: 0,
        inputParams: null,
        inputTokens: null,
        outputTokens: null,
        responseContent: null,
        responseLength: null,
        usageMetrics: null,
        status: "success",
        errorMessage: null,
        latencyMs: null,
        createdAt: null,
        cacheReadTokens: null,
        cacheWriteTokens: null,
        reasoningTokens: null,
        costUsd: null,
        costSource: null,
      });
      assert.deepEqual(await ctx.store.getLlmUsage(), [usage]);
    });

    it("stores every field, counting lengths in characters", async () => {
      const input = {
        agentId: "a1",
        runId: "no-such-run", // a soft reference: the run need not exist
        provider: "anthropic",
        model: "claude-sonnet",
        prompt: "Plan 🚀 next",
        inputParams: { temperature: 0.2, max_tokens: 512 },
        inputTokens: 150,
        outputTokens: 50,
        responseContent: "Search ✓",
        usageMetrics: {
          prompt_tokens: 150,
          completion_tokens: 50,
          total_tokens: 200,
          cost_usd: 0.0003,
        },
        status: "error" as const,
        errorMessage: "rate limited",
        latencyMs: 850,
        createdAt: at(3),
      };
      const usage = await ctx.store.logLlmUsage(input);
      for (const [key, value] of Object.entries(input)) {
        assert.deepEqual(usage[key as keyof AgentLlmUsage], value, key);
      }
      assert.equal(usage.promptLength, 11);
      assert.equal(usage.responseLength, 8);
      const explicit = await ctx.store.logLlmUsage({
        prompt: "abc",
        promptLength: 99,
        responseContent: "x",
        responseLength: null,
      });
      assert.equal(explicit.promptLength, 99);
      assert.equal(explicit.responseLength, null);
      assert.deepEqual(
        await ctx.store.getLlmUsage({ limit: 10 }),
        [explicit, usage],
      );
    });

    it("lists calls newest first, 100 by default, by agent and by run", async () => {
      const inputs = Array.from({ length: 130 }, (_, i) => ({
        agentId: i % 2 ? "a1" : "a2",
        runId: i % 5 === 0 ? "r5" : null,
        model: `m${i}`,
        createdAt: at(Math.floor(i / 3)),
      }));
      const logged = await ctx.store.logLlmUsages(inputs);
      const newestFirst = [...logged].sort((a, b) =>
        b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id
      );
      assert.deepEqual(
        await ctx.store.getLlmUsage(),
        newestFirst.slice(0, 100),
      );
      assert.deepEqual(
        await ctx.store.getLlmUsage({ agentId: "a1", limit: 1000 }),
        newestFirst.filter((u) => u.agentId === "a1"),
      );
      assert.deepEqual(
        await ctx.store.getLlmUsage({ runId: "r5", limit: 1000 }),
        newestFirst.filter((u) => u.runId === "r5"),
      );
      assert.deepEqual(
        await ctx.store.getLlmUsage({ agentId: "a2", runId: "r5", limit: 5 }),
        newestFirst.filter((u) => u.agentId === "a2" && u.runId === "r5")
          .slice(0, 5),
      );
      assert.deepEqual(await ctx.store.getLlmUsage({ limit: 0 }), []);
      for (const pageSize of [1, 7, 129, 130, 500]) {
        assert.deepEqual(
          await collect(ctx.store.iterateLlmUsage({ pageSize })),
          newestFirst,
          `pageSize ${pageSize}`,
        );
      }
      assert.deepEqual(
        await collect(
          ctx.store.iterateLlmUsage({
            agentId: "a2",
            runId: "r5",
            pageSize: 3,
          }),
        ),
        newestFirst.filter((u) => u.agentId === "a2" && u.runId === "r5"),
      );
    });

    it("writes none of a batch when one call is invalid", async () => {
      await assert.rejects(
        ctx.store.logLlmUsages([
          { model: "fine" },
          { model: "bad", inputTokens: -5 },
        ]),
        InvalidInputError,
      );
      assert.deepEqual(await ctx.store.getLlmUsage(), []);
      assert.deepEqual(await ctx.store.logLlmUsages([]), []);
    });

    it("logs concurrent single calls, each once", async () => {
      const logged = await Promise.all(
        Array.from(
          { length: 200 },
          (_, i) =>
            ctx.store.logLlmUsage({
              agentId: "a",
              model: `m${i}`,
              inputTokens: i,
            }),
        ),
      );
      assert.equal(new Set(logged.map((u) => u.id)).size, 200);
      const stored = await ctx.store.getLlmUsage({ limit: 1000 });
      assert.equal(stored.length, 200);
      assert.deepEqual(
        new Set(stored.map((u) => u.model)),
        new Set(logged.map((u) => u.model)),
      );
    });
  });
}
