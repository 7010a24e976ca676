// A listing of LLM calls turns the records it decodes into public records in
// place (`Stored.owned`) instead of copying them: what it hands back must be
// what a write hands back, key for key and in the same order (JSON output
// and `Object.keys` show the order), with values of their own.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BACKENDS } from "./_backends.ts";

for (const [name, open] of BACKENDS) {
  describe(`${name}: listed LLM calls`, () => {
    it("have the layout and values of the written ones", async () => {
      await using store = await open();
      const written = [
        await store.logLlmUsage({
          agentId: "a",
          runId: "r",
          provider: "openai",
          model: "gpt-4o-mini",
          prompt: "Summarise",
          inputParams: { temperature: 0.2, tools: ["search"] },
          inputTokens: 10,
          outputTokens: 5,
          responseContent: "Done",
          usageMetrics: { cost_usd: 0.001, detail: { cached: 2 } },
          latencyMs: 120,
        }),
        await store.logLlmUsage({
          agentId: "a",
          provider: "anthropic",
          model: "claude",
          prompt: "Plain",
          status: "error",
          errorMessage: "timeout",
        }),
      ];
      for (
        const listed of [
          await store.getLlmUsage({ agentId: "a", limit: 50 }),
          await Array.fromAsync(store.iterateLlmUsage({ agentId: "a" })),
        ]
      ) {
        assert.equal(listed.length, 2);
        for (const call of listed) {
          const same = written.find((w) => w.id === call.id)!;
          assert.deepEqual(Object.keys(call), Object.keys(same));
          assert.deepEqual(call, same);
          assert.ok(call.createdAt instanceof Date);
        }
      }
      // Each listing's records are its own: changing one changes no other.
      const [first] = await store.getLlmUsage({ runId: "r", limit: 1 });
      const [again] = await store.getLlmUsage({ runId: "r", limit: 1 });
      (first!.inputParams as { temperature: number }).temperature = 9;
      first!.createdAt.setTime(0);
      assert.deepEqual(again!.inputParams, {
        temperature: 0.2,
        tools: ["search"],
      });
      assert.notEqual(again!.createdAt.getTime(), 0);
    });
  });
}
