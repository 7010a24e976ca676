import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreClosedError } from "../../mod.ts";
import type { Context, Open } from "./_context.ts";

export function lifecycle(ctx: Context, open: Open): void {
  describe("lifecycle", () => {
    it("answers a health check", async () => {
      assert.equal(await ctx.store.healthCheck(), true);
    });

    it("initializes the schema again without losing data", async () => {
      await ctx.store.createAgentRun({ agentId: "a", runId: "r" });
      await ctx.store.initializeSchema();
      await ctx.store.initializeSchema();
      assert.equal((await ctx.store.getAgentRun("r"))?.runId, "r");
    });

    it("refuses work after close, closes twice, and reports unhealthy", async () => {
      const store = await open();
      await store.createAgentRun({ agentId: "a", runId: "r" });
      await store.close();
      await store.close();
      assert.equal(await store.healthCheck(), false);
      await assert.rejects(store.getAgentRun("r"), StoreClosedError);
      await assert.rejects(
        store.logAgentRunEvent({
          agentId: "a",
          runId: "r",
          eventType: "custom",
        }),
        StoreClosedError,
      );
      await assert.rejects(store.logLlmUsage({}), StoreClosedError);
    });

    it("finishes queued writes before it closes", async () => {
      const store = await open();
      await store.createAgentRun({ agentId: "a", runId: "r" });
      const writes = Array.from(
        { length: 50 },
        (_, i) =>
          store.logAgentRunEvent({
            agentId: "a",
            runId: "r",
            eventType: "custom",
            data: i,
          }),
      );
      await store.close();
      const events = await Promise.all(writes);
      assert.equal(new Set(events.map((e) => e.id)).size, 50);
    });

    it("closes through await using", async () => {
      let outer;
      {
        await using store = await open();
        outer = store;
        assert.equal(await store.healthCheck(), true);
      }
      assert.equal(await outer.healthCheck(), false);
    });
  });
}
