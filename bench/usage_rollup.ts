/**
 * The daily roll-up of LLM calls (issue 14) on a copy of the web bench's
 * file (`bench/web.ts --db=FILE` seeds one): how long building it takes,
 * what the fingerprint check costs for 7 and 30 days, and each of the usage
 * page's store calls alone, read-only, for 7 and 30 days.
 *
 * ```sh
 * cp web.db /tmp/copy.db   # the copy is migrated and written
 * npx -y deno@2 run -A bench/usage_rollup.ts --db=/tmp/copy.db --repeat=5
 * npx -y deno@2 run -A bench/usage_rollup.ts --db=/tmp/copy.db --build=false
 * ```
 *
 * With `--build=false` the roll-up is left as it is (a copy never built
 * then shows every call summed from the rows).
 *
 * @module
 */

import process from "node:process";
import { SqlitePersistence } from "../mod.ts";
import {
  REFRESH_USAGE_ROLLUP,
  type RefreshesUsageRollup,
} from "../src/core/usage_rollup_schedule.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";

const DAY = 86_400_000;
const arg = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const db = arg("db");
if (!db) throw new Error("give --db=FILE, a copy of the web bench's file");
const repeat = Number(arg("repeat") ?? 5);

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

if (arg("build") !== "false") {
  const store = await SqlitePersistence.open(db, { usageRollup: false });
  const raw = await openSqliteDatabase(db);
  raw.exec("DELETE FROM curio_usage_days");
  raw.close();
  const started = performance.now();
  const built = await (store as unknown as RefreshesUsageRollup)
    [REFRESH_USAGE_ROLLUP]();
  const took = performance.now() - started;
  console.log(`built ${built} days in ${took.toFixed(0)} ms`);
  await store.close();
}

const store = await SqlitePersistence.open(db, { readOnly: true });
const [newest] = await store.getLlmUsage({ limit: 1 });
if (!newest) throw new Error("the database holds no LLM calls");
const until = new Date(
  (Math.floor(newest.createdAt.getTime() / DAY) + 1) * DAY,
);
for (const days of [7, 30]) {
  const since = new Date(until.getTime() - days * DAY);
  const range = { since, until };
  const series = { ...range, bucket: "day" as const };
  const calls: Record<string, () => Promise<unknown>> = {
    stats: () => store.getAgentRunStats(range),
    "day series, percentiles": () => store.getLlmUsageSeries(series),
    "series by model": () =>
      store.getLlmUsageSeries({
        ...series,
        groupBy: "model",
        percentiles: false,
      }),
    "series by agent": () =>
      store.getLlmUsageSeries({
        ...series,
        groupBy: "agentId",
        percentiles: false,
      }),
    "tool statistics": () => store.getToolStats(range),
  };
  const times = new Map<string, number[]>();
  // The first round warms the caches and is not counted.
  for (let round = 0; round <= repeat; round++) {
    for (const [name, call] of Object.entries(calls)) {
      const started = performance.now();
      await call();
      const took = performance.now() - started;
      if (round > 0) times.set(name, [...times.get(name) ?? [], took]);
    }
  }
  for (const [name, values] of times) {
    console.log(`${days} days, ${name}: ${median(values).toFixed(0)} ms`);
  }
}
await store.close();

// The fingerprint check alone: the statement the roll-up sends, its
// closed days before the newest call's.
const raw = await openSqliteDatabase(db, undefined, { readOnly: true });
const text = (ms: number) =>
  new Date(ms).toISOString().replace("T", " ").replace("Z", "");
for (const days of [7, 30]) {
  const params: string[] = [];
  const arms: string[] = [];
  for (let d = days; d >= 1; d--) {
    const start = until.getTime() - (d + 1) * DAY;
    params.push(
      new Date(start).toISOString().slice(0, 10),
      text(start),
      text(start + DAY),
    );
    arms.push(
      "SELECT ? AS day, COUNT(*) AS calls, MAX(id) AS max_id FROM agent_llm_usage INDEXED BY idx_usage_created_at WHERE created_at >= ? AND created_at < ?",
    );
  }
  const statement = raw.prepare(arms.join(" UNION ALL "));
  statement.all(...params);
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const started = performance.now();
    statement.all(...params);
    times.push(performance.now() - started);
  }
  console.log(
    `${days} days, fingerprint check: ${median(times).toFixed(1)} ms`,
  );
}
raw.close();
