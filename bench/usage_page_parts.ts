/**
 * The five store calls of the web view's usage page (`src/web/usage_page.ts`)
 * timed one by one on an existing SQLite file, opened read-only: the run
 * statistics, the daily series (with percentiles), the daily series by model
 * and by agent (without), and the tool statistics. The range is the page's:
 * `--days` days up to the end of today (UTC), or of `--until` (a date).
 * Prints each call's median of `--repeat` runs, by the wall clock and by this
 * process's CPU time (user and system; steadier on a loaded machine, as
 * SQLite runs in the process), and a digest of each call's
 * result so that two versions of the SQL can be checked to return the same.
 * `--parts=stats,days` times only those calls (of stats, days, byModel,
 * byAgent, tools).
 *
 * ```sh
 * npx -y deno@2 run -A bench/usage_page_parts.ts --db=/tmp/web.db --days=30
 * npx -y node@24 bench/usage_page_parts.ts --db=/tmp/web.db --days=7 --repeat=9
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import process from "node:process";
import { createPersistence } from "../mod.ts";
import { median } from "./report.ts";

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value = "true"] = arg.replace(/^--/, "").split("=");
    return [key!, value];
  }),
);
if (args.db === undefined) {
  throw new Error("--db=FILE: a SQLite file seeded by bench/web.ts");
}
const DAY = 86_400_000;
const days = Number(args.days ?? 30);
const repeat = Number(args.repeat ?? 5);
const end = args.until === undefined ? Date.now() : Date.parse(args.until);
const until = new Date((Math.floor(end / DAY) + 1) * DAY);
const since = new Date(until.getTime() - days * DAY);

await using store = await createPersistence(`sqlite:${args.db}`, {
  readOnly: true,
});
const range = { since, until };
const series = { ...range, bucket: "day" as const };
const parts: Record<string, () => Promise<unknown>> = {
  stats: () => store.getAgentRunStats(range),
  days: () => store.getLlmUsageSeries(series),
  byModel: () =>
    store.getLlmUsageSeries({
      ...series,
      groupBy: "model",
      percentiles: false,
    }),
  byAgent: () =>
    store.getLlmUsageSeries({
      ...series,
      groupBy: "agentId",
      percentiles: false,
    }),
  tools: () => store.getToolStats(range),
};

const chosen = args.parts === undefined
  ? Object.keys(parts)
  : args.parts.split(",");
for (const name of chosen) {
  if (!(name in parts)) throw new Error(`--parts: no part ${name}`);
}

const times: Record<string, number[]> = {};
const cpuTimes: Record<string, number[]> = {};
const digests: Record<string, string> = {};
for (let i = 0; i < repeat; i++) {
  // Round-robin, so that the machine's load falls on every call alike.
  for (const name of chosen) {
    const part = parts[name]!;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await part();
    const used = process.cpuUsage(cpu);
    (times[name] ??= []).push(performance.now() - started);
    (cpuTimes[name] ??= []).push((used.user + used.system) / 1000);
    digests[name] ??= createHash("sha256").update(JSON.stringify(result))
      .digest("hex").slice(0, 12);
  }
}
const load = process.platform === "linux"
  ? (await import("node:fs")).readFileSync("/proc/loadavg", "utf8").trim()
  : "";
console.log(
  `${days} days up to ${until.toISOString()}, medians of ${repeat}; load ${load}`,
);
let total = 0;
let totalCpu = 0;
const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;
console.log("part       wall clock  CPU        result");
for (const [name, values] of Object.entries(times)) {
  total += median(values);
  totalCpu += median(cpuTimes[name]!);
  console.log(
    `${name.padEnd(8)} ${ms(median(values))}  ${ms(median(cpuTimes[name]!))}  ${
      digests[name]
    }`,
  );
}
console.log(`${"sum".padEnd(8)} ${ms(total)}  ${ms(totalCpu)}`);
