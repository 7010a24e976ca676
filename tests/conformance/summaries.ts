// getAgentRunSummaries: the runs list with each run's figures, its cursor
// paging, filters and search, the same on every backend.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AgentRunSummary,
  type AgentRunSummaryQuery,
  InvalidInputError,
  type Persistence,
} from "../../mod.ts";
import { at, type Context, type WriteForeign } from "./_context.ts";

const ids = (runs: AgentRunSummary[]) => runs.map((r) => r.runId);

/** Every run of `query`, page after page of `limit`. */
async function allPages(
  store: Persistence,
  query: AgentRunSummaryQuery,
): Promise<{ runIds: string[]; pages: number }> {
  const runIds: string[] = [];
  let pages = 0;
  let after: string | undefined;
  do {
    const page = await store.getAgentRunSummaries({ ...query, after });
    assert.ok(page.items.length <= (query.limit ?? 50));
    runIds.push(...ids(page.items));
    pages++;
    after = page.next;
  } while (after !== undefined && pages < 100);
  return { runIds, pages };
}

export function summaries(ctx: Context, foreign?: WriteForeign): void {
  describe("run summaries", () => {
    it("sum each run's calls: tokens, costs by the nano-dollar rule", async () => {
      const store = ctx.store;
      await store.createAgentRun({
        agentId: "a1",
        runId: "r1",
        objective: "with calls",
        startedAt: at(0),
        finishedAt: at(90),
        createdAt: at(0),
      });
      await store.createAgentRun({ agentId: "a1", runId: "r2" });
      const call = { agentId: "a1", runId: "r1", provider: "p", model: "m" };
      await store.logLlmUsages([
        { ...call, inputTokens: 10, outputTokens: 5, costUsd: 0.1 },
        { ...call, inputTokens: 20, outputTokens: 7, costUsd: 0.2 },
        { ...call, inputTokens: 1 }, // unpriced: adds no cost
        { ...call, runId: "r-other", inputTokens: 100, costUsd: 1 },
      ]);
      const { items, next } = await store.getAgentRunSummaries();
      assert.equal(next, undefined);
      assert.deepEqual(ids(items), ["r2", "r1"]);
      const [empty, full] = items as [AgentRunSummary, AgentRunSummary];
      assert.deepEqual(
        [empty.llmCalls, empty.inputTokens, empty.costUsd, empty.durationMs],
        [0, 0, 0, null],
      );
      assert.equal(full.objective, "with calls");
      assert.equal(full.durationMs, 90_000);
      assert.equal(full.llmCalls, 3);
      assert.equal(full.inputTokens, 31);
      assert.equal(full.outputTokens, 12);
      assert.equal(full.costUsd, 0.3); // not 0.30000000000000004
      const run = await store.getAgentRun("r1");
      const { durationMs: _d, llmCalls: _c, inputTokens: _i, ...rest } = full;
      const { outputTokens: _o, costUsd: _u, ...fields } = rest;
      assert.deepEqual(fields, run);
    });

    it("page by cursor, newest first, ties by id, none lost or repeated", async () => {
      const store = ctx.store;
      for (let i = 0; i < 11; i++) {
        await store.createAgentRun({
          agentId: i % 2 ? "odd" : "even",
          runId: `r${String(i).padStart(2, "0")}`,
          status: i % 3 ? "completed" : "error",
          createdAt: at(Math.floor(i / 3) * 60), // threes share a time
        });
      }
      const expected = ids(
        (await store.getAgentRuns({ limit: 100 })) as AgentRunSummary[],
      );
      for (const limit of [1, 2, 3, 5, 11, 50]) {
        const { runIds, pages } = await allPages(store, { limit });
        assert.deepEqual(runIds, expected, `limit ${limit}`);
        assert.equal(pages, Math.max(1, Math.ceil(11 / limit)));
      }
      const odd = await allPages(store, { agentId: "odd", limit: 2 });
      assert.deepEqual(odd.runIds, ["r09", "r07", "r05", "r03", "r01"]);
      const failed = await allPages(store, { status: ["error"], limit: 2 });
      assert.deepEqual(failed.runIds, ["r09", "r06", "r03", "r00"]);
      const ranged = await allPages(store, {
        since: at(60),
        until: at(180),
        limit: 4,
      });
      assert.deepEqual(ranged.runIds, [
        "r08",
        "r07",
        "r06",
        "r05",
        "r04",
        "r03",
      ]);
    });

    it("search a run-id prefix or an objective substring, ASCII case-insensitively, % and _ literal", async () => {
      const store = ctx.store;
      const runs: [string, string][] = [
        ["Alpha-1", "Refund the ORDER"],
        ["beta-2", "give 100% back"],
        ["gamma-3", "a_b test"],
        ["delta-4", "axb test"],
        ["eps-5", "Équipe"],
        ["zeta-alpha", "nothing"],
      ];
      for (const [i, [runId, objective]] of runs.entries()) {
        await store.createAgentRun({
          agentId: "a",
          runId,
          objective,
          createdAt: at(i),
        });
      }
      const search = async (text: string) =>
        ids((await store.getAgentRunSummaries({ search: text })).items);
      assert.deepEqual(await search("ALPHA"), ["Alpha-1"]); // prefix only
      assert.deepEqual(await search("order"), ["Alpha-1"]);
      assert.deepEqual(await search("  refund  "), ["Alpha-1"]);
      assert.deepEqual(await search("100%"), ["beta-2"]);
      assert.deepEqual(await search("%"), ["beta-2"]);
      assert.deepEqual(await search("a_b"), ["gamma-3"]);
      assert.deepEqual(await search("_"), ["gamma-3"]);
      assert.deepEqual(await search("équipe"), []); // no folding beyond ASCII
      assert.deepEqual(await search("Équipe"), ["eps-5"]);
      assert.deepEqual(await search("b\\"), []);
      assert.deepEqual(
        await search("   "),
        ids(
          (await store.getAgentRunSummaries()).items,
        ),
      );
      assert.equal((await store.getAgentRunSummaries()).items.length, 6);
      const paged = await allPages(store, { search: "TEST", limit: 1 });
      assert.deepEqual(paged.runIds, ["delta-4", "gamma-3"]);
    });

    // Only backends another program can write to (not the memory stores)
    // get this case, rather than a skip in every run.
    if (foreign) {
      it(
        "list runs other programs wrote without a creation time last, newest id first, and page through them",
        async () => {
          const store = ctx.store;
          for (let i = 0; i < 4; i++) {
            await store.createAgentRun({
              agentId: i % 2 ? "odd" : "even",
              runId: `d${i}`,
              status: i % 2 ? "error" : "completed",
              createdAt: at(i * 60),
            });
          }
          const undated = (i: number) => ({
            agent_id: i % 2 ? "odd" : "even",
            run_id: `u${i}`,
            agent_name: "",
            objective: "",
            status: i % 2 ? "error" : "completed",
            created_at: null,
            updated_at: null,
          });
          await foreign!(store, "agent_runs", [0, 1, 2, 3].map(undated));
          await store.logLlmUsages([
            { agentId: "odd", runId: "u1", inputTokens: 7, costUsd: 0.25 },
            { agentId: "odd", runId: "u1", inputTokens: 3, costUsd: 0.5 },
          ]);
          const expected = ["d3", "d2", "d1", "d0", "u3", "u2", "u1", "u0"];
          for (const limit of [1, 2, 3, 4, 5, 7, 8, 50]) {
            const { runIds, pages } = await allPages(store, { limit });
            assert.deepEqual(runIds, expected, `limit ${limit}`);
            assert.equal(pages, Math.ceil(8 / limit), `limit ${limit}`);
          }
          for (const limit of [1, 2, 3]) {
            const odd = await allPages(store, { agentId: "odd", limit });
            assert.deepEqual(odd.runIds, ["d3", "d1", "u3", "u1"]);
            const done = await allPages(store, { status: "completed", limit });
            assert.deepEqual(done.runIds, ["d2", "d0", "u2", "u0"]);
            const found = await allPages(store, { search: "U", limit });
            assert.deepEqual(found.runIds, ["u3", "u2", "u1", "u0"]);
          }
          // A date range holds only dated runs.
          const ranged = await allPages(store, { since: at(0), limit: 3 });
          assert.deepEqual(ranged.runIds, ["d3", "d2", "d1", "d0"]);
          const { items } = await store.getAgentRunSummaries({ search: "u1" });
          assert.equal(items.length, 1);
          // Read as every other read of the store reads a NULL creation time.
          assert.deepEqual(
            items[0]!.createdAt,
            (await store.getAgentRun("u1"))!.createdAt,
          );
          assert.deepEqual(
            [items[0]!.llmCalls, items[0]!.inputTokens, items[0]!.costUsd],
            [2, 10, 0.75],
          );
        },
      );
    }

    it("reject a cursor not of its own, and a limit out of range", async () => {
      const store = ctx.store;
      for (const after of ["nope!", "bm9wZQ", btoa("[1]"), btoa('{"a":1}')]) {
        await assert.rejects(
          store.getAgentRunSummaries({ after }),
          InvalidInputError,
          after,
        );
      }
      for (const limit of [0, 1001, 1.5]) {
        await assert.rejects(
          store.getAgentRunSummaries({ limit }),
          InvalidInputError,
        );
      }
    });
  });
}
