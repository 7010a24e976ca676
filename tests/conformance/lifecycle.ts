import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError, StoreClosedError } from "../../mod.ts";
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

    it("refuses every call after close, empty batches and iterators too", async () => {
      const store = await open();
      await store.close();
      const first = <T>(items: AsyncIterable<T>) =>
        items[Symbol.asyncIterator]().next();
      const calls: [string, () => Promise<unknown>][] = [
        [
          "createAgentRun",
          () => store.createAgentRun({ agentId: "a", runId: "n" }),
        ],
        ["updateAgentRun", () => store.updateAgentRun("r", {})],
        ["getAgentRun", () => store.getAgentRun("r")],
        ["getAgentRuns", () => store.getAgentRuns()],
        ["iterateAgentRuns", () => first(store.iterateAgentRuns())],
        ["deleteAgentRun", () => store.deleteAgentRun("r")],
        [
          "logAgentRunEvent",
          () =>
            store.logAgentRunEvent({
              agentId: "a",
              runId: "r",
              eventType: "custom",
            }),
        ],
        ["logAgentRunEvents([])", () => store.logAgentRunEvents([])],
        ["getAgentRunEvents", () => store.getAgentRunEvents("r")],
        [
          "iterateAgentRunEvents",
          () => first(store.iterateAgentRunEvents("r")),
        ],
        ["logLlmUsage", () => store.logLlmUsage({})],
        ["logLlmUsages([])", () => store.logLlmUsages([])],
        ["getLlmUsage", () => store.getLlmUsage()],
        ["iterateLlmUsage", () => first(store.iterateLlmUsage())],
        ["getAgentRunStats", () => store.getAgentRunStats()],
        ["getLlmUsageBreakdown", () => store.getLlmUsageBreakdown()],
        ["deleteAgentRuns([])", () => store.deleteAgentRuns([])],
        ["getStoreInfo", () => store.getStoreInfo()],
        ["compact", () => store.compact()],
        ["initializeSchema", () => store.initializeSchema()],
      ];
      for (const [name, call] of calls) {
        await assert.rejects(call(), StoreClosedError, name);
      }
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

    it("settles every operation called before close, and refuses later ones at once", async () => {
      const store = await open();
      await store.createAgentRun({ agentId: "a", runId: "r" });
      await store.createAgentRun({ agentId: "a", runId: "gone" });
      await store.createAgentRun({ agentId: "a", runId: "gone too" });
      // More than one page (1000), so reading them spans several awaits.
      const event = { agentId: "a", runId: "r", eventType: "custom" } as const;
      await store.logAgentRunEvents(Array.from({ length: 1100 }, () => event));

      const earlier: Promise<unknown>[] = [
        store.createAgentRun({ agentId: "a", runId: "new" }),
        store.updateAgentRun("r", { status: "completed" }),
        store.getAgentRun("r"),
        store.getAgentRuns(),
        store.getAgentRunEvents("r"),
        ...Array.from({ length: 20 }, () => store.logAgentRunEvent(event)),
        store.logAgentRunEvents([event, event]),
        ...Array.from({ length: 20 }, () => store.logLlmUsage({ runId: "r" })),
        store.logLlmUsages([{ runId: "r" }, { runId: "r" }]),
        store.getLlmUsage(),
        store.getAgentRunStats(),
        store.getLlmUsageBreakdown(),
        store.deleteAgentRun("gone"),
        store.deleteAgentRuns(["gone too"]),
        store.getStoreInfo(),
        store.healthCheck(),
      ];
      const closing = store.close();
      const later = [
        store.getAgentRun("r"),
        store.updateAgentRun("r", { status: "error" }),
        store.logAgentRunEvent(event),
        store.logAgentRunEvents([event]),
        store.logLlmUsage({}),
        store.deleteAgentRun("r"),
      ];
      const first = await Promise.race([
        Promise.allSettled(later).then(() => "later refused"),
        closing.then(() => "closed"),
      ]);
      assert.equal(first, "later refused");
      for (const outcome of await Promise.allSettled(later)) {
        assert.equal(outcome.status, "rejected");
        assert.ok(
          outcome.reason instanceof StoreClosedError,
          String(outcome.reason),
        );
      }
      await closing;
      const outcomes = await Promise.allSettled(earlier);
      assert.deepEqual(
        outcomes.flatMap((o) => o.status === "rejected" ? [o.reason] : []),
        [],
      );
      const events = (outcomes[4] as PromiseFulfilledResult<unknown[]>).value;
      assert.ok(events.length >= 1100);
    });

    it("refuses a bad close timeout and stays open", async () => {
      for (const timeoutMs of [-1, Number.NaN, "5" as unknown as number]) {
        await assert.rejects(ctx.store.close({ timeoutMs }), InvalidInputError);
      }
      assert.equal(await ctx.store.healthCheck(), true);
      await ctx.store.createAgentRun({ agentId: "a", runId: "r" });
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
