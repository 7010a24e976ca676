import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AgentRun,
  DuplicateRunError,
  InvalidInputError,
  RunNotFoundError,
} from "../../mod.ts";
import { at, collect, type Context } from "./_context.ts";

export function runs(ctx: Context): void {
  describe("runs", () => {
    it("creates a run with the specification's defaults", async () => {
      const before = Date.now();
      const run = await ctx.store.createAgentRun({
        agentId: "a1",
        runId: "r1",
      });
      assert.equal(typeof run.id, "number");
      assert.deepEqual({ ...run, id: 0, createdAt: null, updatedAt: null }, {
        id: 0,
        agentId: "a1",
        runId: "r1",
        agentName: "",
        objective: "",
        additionalContext: null,
        startedAt: null,
        finishedAt: null,
        totalIterations: 0,
        finalSynthesisOutput: null,
        executionHistory: null,
        status: "pending",
        errorMessage: null,
        metadata: null,
        createdAt: null,
        updatedAt: null,
      });
      assert.ok(run.createdAt instanceof Date);
      assert.ok(run.createdAt.getTime() >= before - 1);
      assert.ok(run.createdAt.getTime() <= Date.now() + 1);
      assert.deepEqual(run.updatedAt, run.createdAt);
      assert.deepEqual(await ctx.store.getAgentRun("r1"), run);
    });

    it("stores every field and reads it back unchanged", async () => {
      const input = {
        agentId: "agent-7",
        runId: "run-full",
        agentName: "Researcher",
        objective: "Summarise the news",
        additionalContext: { topic: "AI", sources: ["a", "b"], depth: 2 },
        startedAt: at(1),
        finishedAt: at(90.5),
        totalIterations: 4,
        finalSynthesisOutput: "Five articles summarised.",
        executionHistory: [{ step: 1, ok: true }, { step: 2, ok: false }],
        status: "completed" as const,
        errorMessage: null,
        metadata: { version: "1.2", tags: [] },
        createdAt: at(0),
        updatedAt: at(91),
      };
      const created = await ctx.store.createAgentRun(input);
      const { createdAt: _c, updatedAt: _u, ...fields } = input;
      for (const [key, value] of Object.entries(fields)) {
        assert.deepEqual(created[key as keyof AgentRun], value, key);
      }
      assert.deepEqual(created.createdAt, at(0));
      assert.deepEqual(created.updatedAt, at(91));
      assert.deepEqual(await ctx.store.getAgentRun("run-full"), created);
    });

    it("keeps JSON values of every kind", async () => {
      for (
        const [i, value] of [
          "plain text",
          42,
          0.5,
          true,
          false,
          [],
          {},
          [1, "two", null, { three: [3] }],
          { nested: { deeper: { deepest: "yes" } } },
        ].entries()
      ) {
        await ctx.store.createAgentRun({
          agentId: "a",
          runId: `json-${i}`,
          metadata: value,
        });
        assert.deepEqual(
          (await ctx.store.getAgentRun(`json-${i}`))?.metadata,
          value,
        );
      }
    });

    it("refuses a duplicate run id and keeps the first run", async () => {
      await ctx.store.createAgentRun({
        agentId: "a1",
        runId: "r1",
        objective: "first",
      });
      await assert.rejects(
        ctx.store.createAgentRun({
          agentId: "a2",
          runId: "r1",
          objective: "second",
        }),
        (error: unknown) =>
          error instanceof DuplicateRunError && error.runId === "r1",
      );
      const runs = await ctx.store.getAgentRuns();
      assert.equal(runs.length, 1);
      assert.equal(runs[0]?.objective, "first");
    });

    it("returns undefined for a run that does not exist", async () => {
      assert.equal(await ctx.store.getAgentRun("nope"), undefined);
    });

    it("updates the given fields, keeps the others and sets updatedAt", async () => {
      const created = await ctx.store.createAgentRun({
        agentId: "a1",
        runId: "r1",
        objective: "keep me",
        metadata: { keep: true },
        createdAt: at(0),
      });
      const updated = await ctx.store.updateAgentRun("r1", {
        status: "completed",
        totalIterations: 3,
        finishedAt: at(60),
        finalSynthesisOutput: "done",
      });
      assert.equal(updated.id, created.id);
      assert.equal(updated.status, "completed");
      assert.equal(updated.totalIterations, 3);
      assert.deepEqual(updated.finishedAt, at(60));
      assert.equal(updated.finalSynthesisOutput, "done");
      assert.equal(updated.objective, "keep me");
      assert.deepEqual(updated.metadata, { keep: true });
      assert.deepEqual(updated.createdAt, at(0));
      assert.ok(updated.updatedAt.getTime() > at(0).getTime());
      assert.deepEqual(await ctx.store.getAgentRun("r1"), updated);
    });

    it("clears nullable fields set to null and skips undefined ones", async () => {
      await ctx.store.createAgentRun({
        agentId: "a1",
        runId: "r1",
        errorMessage: "boom",
        metadata: { x: 1 },
        startedAt: at(5),
      });
      const updated = await ctx.store.updateAgentRun("r1", {
        errorMessage: null,
        metadata: null,
        startedAt: null,
        objective: undefined,
      });
      assert.equal(updated.errorMessage, null);
      assert.equal(updated.metadata, null);
      assert.equal(updated.startedAt, null);
      assert.equal(updated.objective, "");
    });

    it("refuses to update a run that does not exist", async () => {
      await assert.rejects(
        ctx.store.updateAgentRun("ghost", { status: "running" }),
        (error: unknown) =>
          error instanceof RunNotFoundError && error.runId === "ghost",
      );
    });

    it("refuses a patch of identity fields or bad values, changing nothing", async () => {
      const created = await ctx.store.createAgentRun({
        agentId: "a1",
        runId: "r1",
      });
      for (
        const patch of [
          { runId: "r2" },
          { agentId: "a2" },
          { status: "finished" },
          { totalIterations: -1 },
          { totalIterations: 1.5 },
          { objective: 7 },
          { startedAt: "yesterday" },
          { metadata: { big: 10n } },
        ]
      ) {
        await assert.rejects(
          // deno-lint-ignore no-explicit-any
          ctx.store.updateAgentRun("r1", patch as any),
          InvalidInputError,
          JSON.stringify(Object.keys(patch)),
        );
      }
      assert.deepEqual(await ctx.store.getAgentRun("r1"), created);
    });

    it("keeps both fields when two updates of one run race", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      await Promise.all([
        ctx.store.updateAgentRun("r1", { status: "running" }),
        ctx.store.updateAgentRun("r1", { totalIterations: 9 }),
        ctx.store.updateAgentRun("r1", { objective: "raced" }),
      ]);
      const run = await ctx.store.getAgentRun("r1");
      assert.equal(run?.status, "running");
      assert.equal(run?.totalIterations, 9);
      assert.equal(run?.objective, "raced");
    });

    it("lists runs newest first, 10 by default, ties broken by id", async () => {
      for (let i = 0; i < 12; i++) {
        await ctx.store.createAgentRun({
          agentId: i % 2 ? "odd" : "even",
          runId: `r${i}`,
          createdAt: at(i < 4 ? 0 : i), // r0..r3 share a creation time
          status: i % 3 === 0 ? "completed" : "running",
        });
      }
      const all = await ctx.store.getAgentRuns({ limit: 100 });
      assert.deepEqual(
        all.map((r) => r.runId),
        [
          "r11",
          "r10",
          "r9",
          "r8",
          "r7",
          "r6",
          "r5",
          "r4",
          "r3",
          "r2",
          "r1",
          "r0",
        ],
      );
      const firstPage = await ctx.store.getAgentRuns();
      assert.deepEqual(firstPage, all.slice(0, 10));
      assert.deepEqual(
        await ctx.store.getAgentRuns({ limit: 3, offset: 8 }),
        all.slice(8, 11),
      );
      assert.deepEqual(await ctx.store.getAgentRuns({ limit: 0 }), []);
      assert.deepEqual(await ctx.store.getAgentRuns({ offset: 50 }), []);
      assert.deepEqual(
        (await ctx.store.getAgentRuns({ agentId: "odd", limit: 100 })).map((
          r,
        ) => r.runId),
        ["r11", "r9", "r7", "r5", "r3", "r1"],
      );
      assert.deepEqual(
        (await ctx.store.getAgentRuns({ agentId: "even", status: "completed" }))
          .map((r) => r.runId),
        ["r6", "r0"],
      );
      assert.deepEqual(await ctx.store.getAgentRuns({ agentId: "nobody" }), []);
    });

    it("iterates every run across page boundaries, newest first", async () => {
      for (let i = 0; i < 23; i++) {
        await ctx.store.createAgentRun({
          agentId: i % 3 ? "a" : "b",
          runId: `r${String(i).padStart(2, "0")}`,
          createdAt: at(Math.floor(i / 4)), // runs of four share a time
        });
      }
      const expected = await ctx.store.getAgentRuns({ limit: 1000 });
      for (const pageSize of [1, 4, 5, 22, 23, 24, 1000]) {
        assert.deepEqual(
          await collect(ctx.store.iterateAgentRuns({ pageSize })),
          expected,
          `pageSize ${pageSize}`,
        );
      }
      assert.deepEqual(
        await collect(
          ctx.store.iterateAgentRuns({ agentId: "b", pageSize: 2 }),
        ),
        expected.filter((r) => r.agentId === "b"),
      );
    });

    it("stops reading when the caller breaks out of the iterator", async () => {
      for (let i = 0; i < 10; i++) {
        await ctx.store.createAgentRun({
          agentId: "a",
          runId: `r${i}`,
          createdAt: at(i),
        });
      }
      const seen: string[] = [];
      for await (const run of ctx.store.iterateAgentRuns({ pageSize: 3 })) {
        seen.push(run.runId);
        if (seen.length === 4) break;
      }
      assert.deepEqual(seen, ["r9", "r8", "r7", "r6"]);
    });

    it("deletes a run with its events, keeps its LLM usage", async () => {
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r2" });
      await ctx.store.logAgentRunEvents([
        { agentId: "a1", runId: "r1", eventType: "run_started" },
        { agentId: "a1", runId: "r1", eventType: "run_completed" },
        { agentId: "a1", runId: "r2", eventType: "run_started" },
      ]);
      await ctx.store.logLlmUsage({ agentId: "a1", runId: "r1", model: "m" });
      assert.equal(await ctx.store.deleteAgentRun("r1"), true);
      assert.equal(await ctx.store.getAgentRun("r1"), undefined);
      assert.deepEqual(await ctx.store.getAgentRunEvents("r1"), []);
      assert.equal((await ctx.store.getAgentRunEvents("r2")).length, 1);
      assert.equal((await ctx.store.getLlmUsage({ runId: "r1" })).length, 1);
      assert.equal(await ctx.store.deleteAgentRun("r1"), false);
      assert.equal(await ctx.store.deleteAgentRun("never"), false);
      // The run id is free again.
      await ctx.store.createAgentRun({ agentId: "a1", runId: "r1" });
    });
  });
}
