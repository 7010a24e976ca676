import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../../mod.ts";
import type { Context } from "./_context.ts";

/** A Date in `year`, written as ISO text: `Date.UTC` reads 0–99 as 19xx. */
function inYear(year: number, rest = "-06-15T12:34:56.789Z"): Date {
  return new Date(`${String(year).padStart(4, "0")}${rest}`);
}

// The README promises the years 1 to 9999; the small ones are where
// two-digit-year rules and text padding go wrong.
const YEARS = [1, 99, 100, 999, 1000, 1900, 9999];

export function dates(ctx: Context): void {
  describe("dates", () => {
    it("stores every year from 1 to 9999 and reads it back", async () => {
      for (const year of YEARS) {
        const date = inYear(year);
        const run = await ctx.store.createAgentRun({
          agentId: "old",
          runId: `r${year}`,
          createdAt: date,
          startedAt: inYear(year, "-01-01T00:00:00.000Z"),
          finishedAt: inYear(year, "-12-31T23:59:59.999Z"),
        });
        assert.deepEqual(run.createdAt, date, `year ${year}`);
        const stored = await ctx.store.getAgentRun(`r${year}`);
        assert.deepEqual(stored?.createdAt, date, `year ${year}`);
        assert.deepEqual(
          stored?.startedAt,
          inYear(year, "-01-01T00:00:00.000Z"),
          `year ${year}`,
        );
        assert.deepEqual(
          stored?.finishedAt,
          inYear(year, "-12-31T23:59:59.999Z"),
          `year ${year}`,
        );
        await ctx.store.logAgentRunEvent({
          agentId: "old",
          runId: `r${year}`,
          eventType: "custom",
          timestamp: date,
        });
        await ctx.store.logLlmUsage({ runId: `r${year}`, createdAt: date });
      }
      const newestFirst = [...YEARS].reverse().map((year) => `r${year}`);
      assert.deepEqual(
        (await ctx.store.getAgentRuns({ limit: 100 })).map((r) => r.runId),
        newestFirst,
      );
      assert.deepEqual(
        (await ctx.store.getAgentRuns({ createdBefore: inYear(1000) }))
          .map((r) => r.runId),
        ["r999", "r100", "r99", "r1"],
      );
      for (const year of YEARS) {
        const [event] = await ctx.store.getAgentRunEvents(`r${year}`);
        assert.deepEqual(event?.timestamp, inYear(year), `year ${year}`);
      }
      assert.deepEqual(
        (await ctx.store.getLlmUsage({ limit: 100 })).map((u) =>
          u.createdAt.toISOString()
        ),
        [...YEARS].reverse().map((year) => inYear(year).toISOString()),
      );
    });

    it("takes the first and last instants of the range", async () => {
      const first = new Date("0001-01-01T00:00:00.000Z");
      const last = new Date("9999-12-31T23:59:59.999Z");
      await ctx.store.createAgentRun({
        agentId: "a",
        runId: "edges",
        startedAt: first,
        finishedAt: last,
      });
      const run = await ctx.store.getAgentRun("edges");
      assert.deepEqual([run?.startedAt, run?.finishedAt], [first, last]);
    });

    it("refuses dates outside the years 1 to 9999", async () => {
      for (
        const date of [
          new Date(Date.parse("0001-01-01T00:00:00.000Z") - 1),
          new Date(Date.parse("9999-12-31T23:59:59.999Z") + 1),
        ]
      ) {
        await assert.rejects(
          ctx.store.createAgentRun({
            agentId: "a",
            runId: "x",
            createdAt: date,
          }),
          InvalidInputError,
        );
      }
    });
  });
}
