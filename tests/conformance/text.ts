import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Context } from "./_context.ts";

const SAMPLES = [
  "plain",
  "",
  "Ünïcödé ß ø å",
  "日本語のテキスト",
  "emoji 🚀🧠👩🏽‍💻 and flags 🇩🇪",
  "עברית ואנגלית mixed العربية",
  "quotes ' \" ` and backslashes \\ \\\\",
  "'; DROP TABLE agent_runs; --",
  "new\nlines\r\nand\ttabs",
  "astral 𝄞 𝕏 𐍈",
  "?", // a placeholder character in a value
  "$1 $2",
];

export function text(ctx: Context): void {
  describe("text values", () => {
    it("round-trip unicode, quotes and SQL exactly in every field", async () => {
      for (const [i, sample] of SAMPLES.entries()) {
        const runId = `run ${sample} ${i}`.slice(0, 255);
        await ctx.store.createAgentRun({
          agentId: `agent ${sample}`.slice(0, 255),
          runId,
          agentName: sample,
          objective: sample,
          finalSynthesisOutput: sample,
          errorMessage: sample,
          metadata: { sample, [sample]: sample },
        });
        const run = await ctx.store.getAgentRun(runId);
        assert.equal(run?.objective, sample);
        assert.equal(run?.agentName, sample);
        assert.equal(run?.finalSynthesisOutput, sample);
        assert.equal(run?.errorMessage, sample);
        assert.deepEqual(run?.metadata, { sample, [sample]: sample });
        const event = await ctx.store.logAgentRunEvent({
          agentId: run!.agentId,
          runId,
          eventType: `custom ${sample}`.slice(0, 100),
          data: sample,
        });
        assert.deepEqual(
          (await ctx.store.getAgentRunEvents(runId))[0],
          event,
        );
        const usage = await ctx.store.logLlmUsage({
          agentId: run!.agentId,
          runId,
          provider: sample.slice(0, 100),
          model: sample,
          prompt: sample,
          responseContent: sample,
          errorMessage: sample,
        });
        assert.deepEqual((await ctx.store.getLlmUsage({ runId }))[0], usage);
        assert.equal(usage.prompt, sample);
      }
      assert.equal(
        (await ctx.store.getAgentRuns({ limit: 100 })).length,
        SAMPLES.length,
      );
    });

    it("round-trip 1 MB values", async () => {
      const big = "ab✓🚀".repeat(1024 * 1024 / 8);
      await ctx.store.createAgentRun({
        agentId: "a",
        runId: "big",
        objective: big,
        executionHistory: { log: big },
      });
      const run = await ctx.store.getAgentRun("big");
      assert.equal(run?.objective, big);
      assert.deepEqual(run?.executionHistory, { log: big });
      const usage = await ctx.store.logLlmUsage({
        prompt: big,
        responseContent: big,
      });
      assert.equal(usage.promptLength, big.length - big.length / 5);
      assert.equal((await ctx.store.getLlmUsage())[0]?.responseContent, big);
    });
  });
}
