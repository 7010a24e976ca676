// LLM calls other programs wrote with no provider or model (NULL, which the
// specification's schema allows) are the calls of the empty name, as the
// API reports them: one group with those written as "", in the breakdown,
// in series by model and by provider, and once the daily roll-up is built.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LlmUsageSeriesRow, Persistence } from "../../mod.ts";
import {
  REFRESH_USAGE_ROLLUP,
  type RefreshesUsageRollup,
} from "../../src/core/usage_rollup_schedule.ts";
import type { Context, WriteForeign } from "./_context.ts";

const SINCE = new Date("2025-03-10T00:00:00Z");
const UNTIL = new Date("2025-03-12T00:00:00Z");

/** Each day: the same model under a NULL and an empty provider, and so on. */
const WRITTEN: [string | null, string | null][] = [
  [null, "m"],
  ["", "m"],
  ["p", null],
  ["p", ""],
  [null, null],
];

/** The groups' calls of a series, by bucket and name. */
function callsByName(rows: LlmUsageSeriesRow[]): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const row of rows) {
    if (row.calls === 0) continue;
    const key = `${row.bucketStart.toISOString().slice(0, 10)} ${
      row.provider ?? "-"
    }/${row.model ?? "-"}`;
    // A second row of the same bucket and name is the defect itself.
    assert.equal(calls[key], undefined, `two rows for ${key}`);
    calls[key] = row.calls;
  }
  return calls;
}

async function assertOneGroupPerName(store: Persistence, when: string) {
  const breakdown = await store.getLlmUsageBreakdown({
    since: SINCE,
    until: UNTIL,
  });
  assert.deepEqual(
    breakdown.map(({ provider, model, calls }) => [provider, model, calls]),
    [["", "m", 4], ["p", "", 4], ["", "", 2]],
    `${when}: breakdown`,
  );
  for (const percentiles of [true, false]) {
    const byModel = await store.getLlmUsageSeries({
      since: SINCE,
      until: UNTIL,
      bucket: "day",
      groupBy: "model",
      percentiles,
    });
    assert.deepEqual(callsByName(byModel), {
      "2025-03-10 /m": 2,
      "2025-03-10 p/": 2,
      "2025-03-10 /": 1,
      "2025-03-11 /m": 2,
      "2025-03-11 p/": 2,
      "2025-03-11 /": 1,
    }, `${when}: by model, percentiles ${percentiles}`);
    const byProvider = await store.getLlmUsageSeries({
      since: SINCE,
      until: UNTIL,
      bucket: "day",
      groupBy: "provider",
      percentiles,
    });
    assert.deepEqual(callsByName(byProvider), {
      "2025-03-10 /-": 3,
      "2025-03-10 p/-": 2,
      "2025-03-11 /-": 3,
      "2025-03-11 p/-": 2,
    }, `${when}: by provider, percentiles ${percentiles}`);
  }
}

export function missingNames(ctx: Context, foreign?: WriteForeign): void {
  if (!foreign) return;
  describe("LLM calls without a provider or model", () => {
    it("are one group with the empty name, built into the roll-up or not", async () => {
      const store = ctx.store;
      await foreign(
        store,
        "agent_llm_usage",
        [0, 1].flatMap((day) =>
          WRITTEN.map(([provider, model], i) => ({
            agent_id: "a",
            provider,
            model,
            input_tokens: 10,
            output_tokens: 1,
            latency_ms: 100 + i,
            status: "success",
            created_at: `2025-03-1${day} 0${i}:00:00.000`,
          }))
        ),
      );
      await assertOneGroupPerName(store, "from the rows");
      await (store as unknown as RefreshesUsageRollup)[REFRESH_USAGE_ROLLUP]();
      await assertOneGroupPerName(store, "from the roll-up");
    });
  });
}
