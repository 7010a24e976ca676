// A store killed with SIGKILL while it builds the daily roll-up leaves a
// file whose usage series without percentiles still equal the rows' sums,
// and which the next refresh brings up to date.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LlmUsageInput, SqlitePersistence } from "../../mod.ts";
import {
  REFRESH_USAGE_ROLLUP,
  type RefreshesUsageRollup,
} from "../../src/core/usage_rollup_schedule.ts";
import { openSqliteDatabase } from "../../src/sqlite/runtime.ts";
import { tempPath } from "../_temp.ts";
import { startChild } from "./_child.ts";

const KILLS = 8;
const DAY = 86_400_000;
const FIRST = Date.UTC(2025, 5, 1);
const DAYS = 20;

function calls(): LlmUsageInput[] {
  return Array.from({ length: DAYS * 200 }, (_, i) => ({
    agentId: `agent-${i % 7}`,
    provider: i % 3 === 0 ? "openai" : "acme",
    model: `model-${i % 5}`,
    createdAt: new Date(FIRST + Math.floor(i / 200) * DAY + (i % 200) * 1000),
    inputTokens: 100 + i % 50,
    outputTokens: 10 + i % 9,
    latencyMs: 50 + i % 100,
    status: i % 11 === 0 ? "error" : "success",
    ...(i % 2 === 0 ? { costUsd: 0.0001 * (i % 13) } : {}),
  }));
}

describe("SQLite store killed while it builds the roll-up", () => {
  it(
    `${KILLS} kills: integrity ok, series equal the rows', refresh repairs`,
    { timeout: 180_000 },
    async () => {
      const path = tempPath();
      {
        await using store = await SqlitePersistence.open(path, {
          usageRollup: false,
        });
        await store.logLlmUsages(calls());
      }
      const query = {
        since: new Date(FIRST),
        until: new Date(FIRST + DAYS * DAY),
        bucket: "day" as const,
      };
      // Kills that left the roll-up part built: the case under test.
      let midBuild = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        const child = startChild("_rollup_builder.ts", [path]);
        await child.waitFor((line) => line === "ready");
        await new Promise((resolve) =>
          setTimeout(resolve, Math.floor(Math.random() * 400))
        );
        child.process.kill("SIGKILL");
        assert.equal(await child.exited, "SIGKILL", child.stderr());
        const db = await openSqliteDatabase(path);
        try {
          const [check] = db.prepare("PRAGMA integrity_check").all() as {
            integrity_check: string;
          }[];
          assert.equal(check?.integrity_check, "ok");
          const [built] = db.prepare(
            "SELECT COUNT(*) AS n FROM curio_usage_days WHERE calls > 0",
          ).all() as { n: number }[];
          if (Number(built?.n) < DAYS) midBuild++;
        } finally {
          db.close();
        }
        await using store = await SqlitePersistence.open(path, {
          usageRollup: false,
        });
        for (const groupBy of ["model", "agentId", undefined] as const) {
          const series = await store.getLlmUsageSeries({
            ...query,
            ...groupBy === undefined ? {} : { groupBy },
            percentiles: false,
          });
          const oracle = await store.getLlmUsageSeries({
            ...query,
            ...groupBy === undefined ? {} : { groupBy },
          });
          assert.deepEqual(
            series,
            oracle.map((row) => ({
              ...row,
              p50Ms: null,
              p95Ms: null,
              p99Ms: null,
              maxMs: null,
            })),
            `after kill ${kill}, by ${groupBy}`,
          );
        }
      }
      assert.ok(midBuild > 0, "no kill landed before a round's end");
      await using store = await SqlitePersistence.open(path, {
        usageRollup: false,
      });
      const refresh = () =>
        (store as unknown as RefreshesUsageRollup)[REFRESH_USAGE_ROLLUP]();
      await refresh();
      assert.equal(await refresh(), 0);
    },
  );
});
