/**
 * The analytics workload: LLM calls spread over 90 days (20 models, 50
 * agents, ~2 KB prompt and ~1 KB response each), then the daily series by
 * model over 30 days and the hourly series of one agent over 7 days, each
 * beside a hand-written raw SQL query computing the same numbers on the same
 * database, alternated in every repetition.
 *
 * ```sh
 * npx -y deno@2 run -A bench/analytics.ts                 # 1M calls, SQLite
 * npx -y deno@2 run -A bench/analytics.ts --calls=200000 --repeat=5
 * TEST_POSTGRES_URL=postgres://… npx -y deno@2 run -A bench/analytics.ts --postgres
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createPersistence, type LlmUsageInput } from "../mod.ts";
import type { Persistence } from "../src/persistence.ts";
import { formatTimestamp } from "../src/sql/timestamps.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { filler } from "./data.ts";
import { median } from "./report.ts";

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value = "true"] = arg.replace(/^--/, "").split("=");
    return [key!, value];
  }),
);
const CALLS = Number(args.calls ?? 1_000_000);
const REPEAT = Number(args.repeat ?? 5);
const DAY = 86_400_000;
const END = Date.UTC(2025, 5, 1);
const START = END - 90 * DAY;
const MODELS = Array.from({ length: 20 }, (_, i) => ({
  provider: ["openai", "anthropic", "google", "mistral"][i % 4]!,
  model: `model-${i}`,
}));
const AGENTS = Array.from(
  { length: 50 },
  (_, i) => `agent-${String(i).padStart(2, "0")}`,
);
const PROMPT = filler(2048, 1);
const RESPONSE = filler(1024, 2);

function call(i: number): LlmUsageInput {
  const { provider, model } = MODELS[i % MODELS.length]!;
  return {
    agentId: AGENTS[(i * 7) % AGENTS.length]!,
    runId: `run-${Math.floor(i / 20)}`,
    provider,
    model,
    prompt: PROMPT,
    responseContent: RESPONSE,
    inputTokens: 500 + (i % 1500),
    outputTokens: 50 + (i % 400),
    costUsd: (500 + (i % 1500)) * 2.5e-6 + (50 + (i % 400)) * 1e-5,
    status: i % 40 === 0 ? "error" : "success",
    latencyMs: 200 + ((i * 7919) % 5000),
    // In time order, as a live store receives them.
    createdAt: new Date(START + Math.floor(i * (90 * DAY) / CALLS)),
  };
}

async function load(store: Persistence): Promise<number> {
  const started = performance.now();
  const batch = 2000;
  for (let i = 0; i < CALLS; i += batch) {
    const inputs: LlmUsageInput[] = [];
    for (let j = i; j < Math.min(CALLS, i + batch); j++) inputs.push(call(j));
    await store.logLlmUsages(inputs);
    if (i % 100_000 === 0) process.stderr.write(`loaded ${i}\n`);
  }
  return performance.now() - started;
}

/**
 * The raw query: what someone writing SQL by hand for UTC buckets would
 * send, the same sums, nano-dollar costs and nearest-rank percentiles.
 */
function rawSeries(bucketChars: number, byModel: boolean, agent: boolean) {
  const bucket = `substr(created_at, 1, ${bucketChars})`;
  const group = byModel ? `${bucket}, provider, model` : bucket;
  const rank = (p: number) =>
    `MAX(CASE WHEN rk = (${p} * cnt + 99) / 100 THEN latency_ms END)`;
  return `SELECT b, ${byModel ? "provider, model," : ""} COUNT(*) AS calls,
  SUM(status = 'error') AS failed, SUM(input_tokens) AS input_tokens,
  SUM(output_tokens) AS output_tokens, SUM(cache_read_tokens) AS cr,
  SUM(cache_write_tokens) AS cw, SUM(reasoning_tokens) AS rt,
  SUM(nanos) AS nanos, ${rank(50)} AS p50, ${rank(95)} AS p95,
  ${rank(99)} AS p99, MAX(latency_ms) AS max_ms
FROM (
  SELECT ${bucket} AS b, provider, model, status, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, reasoning_tokens, latency_ms,
    CAST(round(cost_usd * 1e9) AS INTEGER) AS nanos,
    ROW_NUMBER() OVER (PARTITION BY ${group}, latency_ms IS NULL ORDER BY latency_ms) AS rk,
    COUNT(latency_ms) OVER (PARTITION BY ${group}) AS cnt
  FROM agent_llm_usage
  WHERE created_at >= ? AND created_at < ?${agent ? " AND agent_id = ?" : ""}
) GROUP BY b${byModel ? ", provider, model" : ""}`;
}

async function main() {
  const folder = mkdtempSync(join(tmpdir(), "curio-analytics-"));
  const path = join(folder, "bench.db");
  try {
    const store = await createPersistence(`sqlite:${path}`);
    const loadMs = await load(store);
    process.stderr.write(`loaded ${CALLS} calls in ${loadMs.toFixed(0)} ms\n`);
    const raw = await openSqliteDatabase(path);
    raw.exec("ANALYZE");
    const forms = [
      {
        name: "daily series by model, 30 days",
        store: () =>
          store.getLlmUsageSeries({
            bucket: "day",
            since: new Date(END - 30 * DAY),
            until: new Date(END),
            groupBy: "model",
          }),
        raw: () =>
          raw.prepare(rawSeries(10, true, false)).all(
            formatTimestamp(new Date(END - 30 * DAY)),
            formatTimestamp(new Date(END)),
          ),
      },
      {
        name: "hourly series of one agent, 7 days",
        store: () =>
          store.getLlmUsageSeries({
            bucket: "hour",
            since: new Date(END - 7 * DAY),
            until: new Date(END),
            agentId: AGENTS[3]!,
          }),
        raw: () =>
          raw.prepare(rawSeries(13, false, true)).all(
            formatTimestamp(new Date(END - 7 * DAY)),
            formatTimestamp(new Date(END)),
            AGENTS[3]!,
          ),
      },
    ];
    const results = [];
    for (const form of forms) {
      const storeMs: number[] = [];
      const rawMs: number[] = [];
      let storeRows: Awaited<ReturnType<typeof form.store>> = [];
      let rawRows: Record<string, unknown>[] = [];
      for (let i = 0; i < REPEAT; i++) {
        let t = performance.now();
        storeRows = await form.store();
        storeMs.push(performance.now() - t);
        t = performance.now();
        rawRows = form.raw() as Record<string, unknown>[];
        rawMs.push(performance.now() - t);
      }
      // The same numbers: calls, costs and percentiles.
      const storeCalls = storeRows.reduce((n, r) => n + r.calls, 0);
      const rawCalls = rawRows.reduce((n, r) => n + Number(r.calls), 0);
      assert.equal(storeCalls, rawCalls);
      const storeNanos = storeRows.reduce(
        (n, r) => n + Math.round(r.costUsd * 1e9),
        0,
      );
      const rawNanos = rawRows.reduce((n, r) => n + Number(r.nanos), 0);
      assert.equal(storeNanos, rawNanos);
      assert.deepEqual(
        storeRows.filter((r) => r.calls > 0).map((r) => r.p95Ms).sort(),
        rawRows.map((r) => Number(r.p95)).sort(),
      );
      results.push({
        name: form.name,
        rows: storeRows.length,
        calls: storeCalls,
        storeMs: median(storeMs),
        rawMs: median(rawMs),
        ratio: median(storeMs) / median(rawMs),
      });
    }
    console.log(JSON.stringify(
      { runtime: navigator.userAgent, calls: CALLS, loadMs, results },
      null,
      2,
    ));
    raw.close();
    await store.close();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await main();
