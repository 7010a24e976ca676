import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AgentRunEvent,
  EVENT_TYPES,
  InvalidInputError,
  RunNotFoundError,
} from "../../mod.ts";
import { at, collect, type Context } from "./_context.ts";

export function events(ctx: Context): void {
  describe("events", () => {
    it("logs an event with its data and a default timestamp", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      const before = Date.now();
      const event = await ctx.store.logAgentRunEvent({
        agentId: "a1",
        runId: "r1",
        agentName: "Agent One",
        eventType: "action_execution_completed",
        data: {
          action: "fetch_articles",
          args: { topic: "AI", max_results: 5 },
          result: { status: "ok", result: "Fetched 5 articles" },
          duration_ms: 1234,
        },
      });
      assert.equal(typeof event.id, "number");
      assert.ok(event.timestamp.getTime() >= before - 1);
      assert.ok(event.createdAt instanceof Date);
      assert.deepEqual(await ctx.store.getAgentRunEvents("r1"), [event]);
      assert.equal(event.agentName, "Agent One");
      assert.equal(
        (event.data as { args: { topic: string } }).args.topic,
        "AI",
      );
    });

    it("accepts every known event type and custom ones up to 100 characters", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      const types = [
        ...EVENT_TYPES,
        "cache_hit",
        "x".repeat(100),
        "ü".repeat(100),
      ];
      await ctx.store.logAgentRunEvents(
        types.map((eventType, i) => ({
          agentId: "a1",
          runId: "r1",
          eventType,
          timestamp: at(i),
        })),
      );
      assert.deepEqual(
        (await ctx.store.getAgentRunEvents("r1")).map((e) => e.eventType),
        types,
      );
    });

    it("refuses an event of a run that does not exist, and writes nothing", async () => {
      await assert.rejects(
        ctx.store.logAgentRunEvent({
          agentId: "a1",
          runId: "ghost",
          eventType: "custom",
        }),
        (error: unknown) =>
          error instanceof RunNotFoundError && error.runId === "ghost",
      );
      assert.deepEqual(await ctx.store.getAgentRunEvents("ghost"), []);
    });

    it("returns events in timestamp order, ties by id, filtered by type", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      await ctx.store.createAgentRun({ agentId: "a1", runId: "other" });
      const logged: AgentRunEvent[] = [];
      for (
        const [seconds, type] of [[5, "b"], [1, "a"], [5, "a"], [3, "b"], [
          1,
          "b",
        ]] as const
      ) {
        logged.push(
          await ctx.store.logAgentRunEvent({
            agentId: "a1",
            runId: "r1",
            eventType: type,
            timestamp: at(seconds),
            data: { seconds },
          }),
        );
      }
      await ctx.store.logAgentRunEvent({
        agentId: "a1",
        runId: "other",
        eventType: "a",
      });
      const order = [1, 4, 3, 0, 2].map((i) => logged[i]);
      assert.deepEqual(await ctx.store.getAgentRunEvents("r1"), order);
      assert.deepEqual(
        await ctx.store.getAgentRunEvents("r1", { eventType: "a" }),
        order.filter((e) => e?.eventType === "a"),
      );
      assert.deepEqual(
        await ctx.store.getAgentRunEvents("r1", { eventType: "never" }),
        [],
      );
    });

    it("iterates a run's events across page boundaries with equal timestamps", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      await ctx.store.logAgentRunEvents(
        Array.from({ length: 31 }, (_, i) => ({
          agentId: "a1",
          runId: "r1",
          eventType: i % 2 ? "odd" : "even",
          timestamp: at(Math.floor(i / 5)),
          data: { i },
        })),
      );
      const expected = await ctx.store.getAgentRunEvents("r1");
      assert.deepEqual(
        expected.map((e) => (e.data as { i: number }).i),
        Array.from({ length: 31 }, (_, i) => i),
      );
      for (const pageSize of [1, 2, 5, 30, 31, 32]) {
        assert.deepEqual(
          await collect(ctx.store.iterateAgentRunEvents("r1", { pageSize })),
          expected,
          `pageSize ${pageSize}`,
        );
      }
      assert.deepEqual(
        await collect(
          ctx.store.iterateAgentRunEvents("r1", {
            eventType: "odd",
            pageSize: 4,
          }),
        ),
        expected.filter((e) => e.eventType === "odd"),
      );
    });

    it("logs a batch in one transaction and returns ids in order", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r2" });
      const inputs = Array.from({ length: 250 }, (_, i) => ({
        agentId: "a1",
        runId: i % 2 ? "r1" : "r2",
        eventType: "custom",
        data: { i },
      }));
      const logged = await ctx.store.logAgentRunEvents(inputs);
      assert.equal(logged.length, 250);
      logged.forEach((event, i) => {
        assert.deepEqual(event.data, { i });
        if (i > 0) assert.ok(event.id > logged[i - 1]!.id);
      });
      assert.equal((await ctx.store.getAgentRunEvents("r1")).length, 125);
      assert.deepEqual(await ctx.store.logAgentRunEvents([]), []);
    });

    it("writes none of a batch when one event's run does not exist", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      await assert.rejects(
        ctx.store.logAgentRunEvents([
          { agentId: "a1", runId: "r1", eventType: "custom" },
          { agentId: "a1", runId: "missing", eventType: "custom" },
          { agentId: "a1", runId: "r1", eventType: "custom" },
        ]),
        (error: unknown) =>
          error instanceof RunNotFoundError && error.runId === "missing",
      );
      assert.deepEqual(await ctx.store.getAgentRunEvents("r1"), []);
    });

    it("writes none of a long batch when an event near its end has no run", async () => {
      // A batch long enough that a dialect may split it into several
      // INSERTs: a failing last one must undo those before it.
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      await assert.rejects(
        ctx.store.logAgentRunEvents(
          Array.from({ length: 250 }, (_, i) => ({
            agentId: "a1",
            runId: i === 230 ? "missing" : "r1",
            eventType: "custom",
          })),
        ),
        (error: unknown) =>
          error instanceof RunNotFoundError && error.runId === "missing",
      );
      assert.deepEqual(await ctx.store.getAgentRunEvents("r1"), []);
    });

    it("writes none of a batch when one event is invalid", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      await assert.rejects(
        ctx.store.logAgentRunEvents([
          { agentId: "a1", runId: "r1", eventType: "custom" },
          { agentId: "a1", runId: "r1", eventType: "" },
        ]),
        InvalidInputError,
      );
      assert.deepEqual(await ctx.store.getAgentRunEvents("r1"), []);
    });

    it("commits concurrent single events separately from a bad one among them", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          ctx.store.logAgentRunEvent({
            agentId: "a1",
            runId: i === 37 ? "missing" : "r1",
            eventType: "custom",
            data: { i },
          })),
      );
      const rejected = results.filter((r) => r.status === "rejected");
      assert.equal(rejected.length, 1);
      assert.ok(
        (rejected[0] as PromiseRejectedResult).reason instanceof
          RunNotFoundError,
      );
      const stored = await ctx.store.getAgentRunEvents("r1");
      assert.equal(stored.length, 99);
      assert.equal(new Set(stored.map((e) => e.id)).size, 99);
      const ids = results.flatMap((r) =>
        r.status === "fulfilled" ? [r.value.id] : []
      );
      assert.deepEqual(new Set(ids), new Set(stored.map((e) => e.id)));
    });
  });
}
