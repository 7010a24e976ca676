/**
 * The analytics workload: LLM calls spread over 90 days (20 models, 50
 * agents, ~2 KB prompt and ~1 KB response each), then the daily series by
 * model over 30 days and the hourly series of one agent over 7 days, each
 * beside a hand-written raw SQL query computing the same numbers on the same
 * database, alternated in every repetition.
 *
 * The same script runs on Deno, Node 24 and Bun. Seeding a million calls
 * takes minutes and gigabytes: `--db=PATH` keeps the SQLite file (seeded when
 * it holds no calls yet) so that the other runtimes reuse it, and
 * `--postgres` seeds the schema `--schema` (default `analytics_bench`) only
 * while its table is empty.
 *
 * ```sh
 * npx -y deno@2 run -A bench/analytics.ts --db=/tmp/analytics.db   # 1M calls
 * npx -y node@24 bench/analytics.ts --db=/tmp/analytics.db
 * npx -y bun@1 bench/analytics.ts --db=/tmp/analytics.db
 * npx -y deno@2 run -A bench/analytics.ts --calls=200000 --repeat=5  # temp file
 * TEST_POSTGRES_URL=postgres://… npx -y deno@2 run -A bench/analytics.ts --postgres
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import postgres from "postgres";
import {
  createPersistence,
  type LlmUsageInput,
  type LlmUsageSeriesRow,
} from "../mod.ts";
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
const REPEAT = Number(args.repeat ?? 7);
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

/** Writes the calls through the store, in batches; the time it took. */
async function seed(store: Persistence): Promise<number> {
  const started = performance.now();
  const batch = 2000;
  for (let i = 0; i < CALLS; i += batch) {
    const inputs: LlmUsageInput[] = [];
    for (let j = i; j < Math.min(CALLS, i + batch); j++) inputs.push(call(j));
    await store.logLlmUsages(inputs);
    if (i % 100_000 === 0) process.stderr.write(`seeded ${i}\n`);
  }
  return performance.now() - started;
}

/** A row of a raw query, as the drivers return it. */
type RawRow = Record<string, unknown>;

/** Where the benchmark runs: the store and the raw driver on one database. */
interface Target {
  name: "sqlite" | "postgres";
  store: Persistence;
  /** The driver's name and the database's version. */
  versions: string;
  /** Calls held before seeding. */
  held: number;
  raw(sql: string, params: string[]): Promise<RawRow[]>;
  /** Whether a per-bucket hand-written baseline is timed too (SQLite). */
  perBucket: boolean;
  /** The hand-written query of a series (UTC buckets). */
  rawSeries(unit: "day" | "hour", byModel: boolean, agent: boolean): string;
  /** Analyses the tables after seeding. */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite's hand-written query: what someone writing SQL by hand for UTC
 * buckets would send, the fastest way we know: the bucket a prefix of the
 * timestamp text, the same sums and nano-dollar costs, and nearest-rank
 * percentiles picked from each group's latencies sorted by an ordered
 * aggregate (SQLite has no percentile function, and window functions take
 * several times as long).
 */
function sqliteSeries(
  unit: "day" | "hour",
  byModel: boolean,
  agent: boolean,
): string {
  const bucket = `substr(created_at, 1, ${unit === "day" ? 10 : 13})`;
  const pick = (p: number) =>
    `json_extract(sorted, '$[' || ((${p} * n + 99) / 100 - 1) || ']')`;
  return `SELECT b, ${byModel ? "provider, model," : ""} calls, failed,
  input_tokens, output_tokens, cr, cw, rt, nanos,
  ${pick(50)} AS p50, ${pick(95)} AS p95, ${pick(99)} AS p99, max_ms
FROM (
  SELECT ${bucket} AS b, ${byModel ? "provider, model," : ""}
    COUNT(*) AS calls, SUM(status = 'error') AS failed,
    SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
    SUM(cache_read_tokens) AS cr, SUM(cache_write_tokens) AS cw,
    SUM(reasoning_tokens) AS rt,
    SUM(CAST(round(cost_usd * 1e9) AS INTEGER)) AS nanos,
    COUNT(latency_ms) AS n, MAX(latency_ms) AS max_ms,
    json_group_array(latency_ms ORDER BY latency_ms)
      FILTER (WHERE latency_ms IS NOT NULL) AS sorted
  FROM agent_llm_usage
  WHERE created_at >= ? AND created_at < ?${agent ? " AND agent_id = ?" : ""}
  GROUP BY 1${byModel ? ", provider, model" : ""}
) AS grouped`;
}

/**
 * PostgreSQL's hand-written query: `date_trunc` buckets and the ordered-set
 * aggregate `percentile_disc`, which is nearest rank.
 */
function postgresSeries(
  unit: "day" | "hour",
  byModel: boolean,
  agent: boolean,
): string {
  const disc = (p: number) =>
    `percentile_disc(${p / 100}) WITHIN GROUP (ORDER BY latency_ms)`;
  return `SELECT date_trunc('${unit}', created_at) AS b,
  ${byModel ? "provider, model," : ""} COUNT(*) AS calls,
  COUNT(*) FILTER (WHERE status = 'error') AS failed,
  SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
  SUM(cache_read_tokens) AS cr, SUM(cache_write_tokens) AS cw,
  SUM(reasoning_tokens) AS rt,
  SUM(round(CAST(cost_usd AS NUMERIC) * 1000000000)) AS nanos,
  ${disc(50)} AS p50, ${disc(95)} AS p95, ${disc(99)} AS p99,
  MAX(latency_ms) AS max_ms
FROM agent_llm_usage
WHERE created_at >= CAST($1 AS TIMESTAMP) AND created_at < CAST($2 AS TIMESTAMP)${
    agent ? " AND agent_id = $3" : ""
  }
GROUP BY 1${byModel ? ", provider, model" : ""}`;
}

async function sqliteTarget(path: string): Promise<Target> {
  const store = await createPersistence(`sqlite:${path}`);
  const db = await openSqliteDatabase(path);
  const [version] = db.prepare("SELECT sqlite_version() AS v").all() as {
    v: string;
  }[];
  const [count] = db.prepare("SELECT COUNT(*) AS n FROM agent_llm_usage")
    .all() as { n: number }[];
  return {
    name: "sqlite",
    store,
    versions: `SQLite ${version!.v}`,
    held: Number(count!.n),
    raw: (sql, params) =>
      Promise.resolve(db.prepare(sql).all(...params) as RawRow[]),
    perBucket: true,
    rawSeries: sqliteSeries,
    analyze: () => Promise.resolve(db.exec("ANALYZE")),
    async close() {
      db.close();
      await store.close();
    },
  };
}

async function postgresTarget(url: string, schema: string): Promise<Target> {
  const address = new URL(url);
  address.searchParams.set("schema", schema);
  const store = await createPersistence(address.toString());
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql.unsafe(`SET search_path TO ${schema}`);
  const [version] = await sql.unsafe("SHOW server_version");
  const [count] = await sql.unsafe(
    "SELECT COUNT(*) AS n FROM agent_llm_usage",
  );
  return {
    name: "postgres",
    store,
    versions: `PostgreSQL ${version!.server_version}`,
    held: Number(count!.n),
    raw: async (text, params) => [...await sql.unsafe(text, params)],
    perBucket: false,
    rawSeries: postgresSeries,
    analyze: async () => {
      await sql.unsafe("VACUUM ANALYZE agent_llm_usage");
    },
    async close() {
      await sql.end();
      await store.close();
    },
  };
}

interface Form {
  name: string;
  store(): Promise<LlmUsageSeriesRow[]>;
  raw(): Promise<RawRow[]>;
}

function forms(target: Target): Form[] {
  const since30 = new Date(END - 30 * DAY);
  const since7 = new Date(END - 7 * DAY);
  const agent = AGENTS[3]!;
  // Both baselines of the daily series by model time the same store call.
  const dailyByModel = () =>
    target.store.getLlmUsageSeries({
      bucket: "day",
      since: since30,
      until: new Date(END),
      groupBy: "model",
    });
  return [
    {
      name: "daily series by model, 30 days",
      store: dailyByModel,
      raw: () =>
        target.raw(target.rawSeries("day", true, false), [
          formatTimestamp(since30),
          formatTimestamp(new Date(END)),
        ]),
    },
    ...target.perBucket
      ? [{
        // The same hand-written query sent once per day: SQLite sorts each
        // day's rows alone rather than all of them (issue 14).
        name: "daily series by model, 30 days, raw per day",
        store: dailyByModel,
        raw: async () => {
          const rows: RawRow[] = [];
          for (let day = 0; day < 30; day++) {
            const start = since30.getTime() + day * DAY;
            rows.push(
              ...await target.raw(target.rawSeries("day", true, false), [
                formatTimestamp(new Date(start)),
                formatTimestamp(new Date(start + DAY)),
              ]),
            );
          }
          return rows;
        },
      }]
      : [],
    {
      name: "hourly series of one agent, 7 days",
      store: () =>
        target.store.getLlmUsageSeries({
          bucket: "hour",
          since: since7,
          until: new Date(END),
          agentId: agent,
        }),
      raw: () =>
        target.raw(target.rawSeries("hour", false, true), [
          formatTimestamp(since7),
          formatTimestamp(new Date(END)),
          agent,
        ]),
    },
  ];
}

/** Checks that both answered the same numbers: calls, costs, percentiles. */
function assertSame(rows: LlmUsageSeriesRow[], raw: RawRow[]): number {
  const calls = rows.reduce((n, r) => n + r.calls, 0);
  assert.equal(calls, raw.reduce((n, r) => n + Number(r.calls), 0));
  assert.equal(
    rows.reduce((n, r) => n + Math.round(r.costUsd * 1e9), 0),
    raw.reduce((n, r) => n + Number(r.nanos), 0),
  );
  for (const p of ["p50", "p95", "p99"] as const) {
    assert.deepEqual(
      rows.filter((r) => r.calls > 0).map((r) => r[`${p}Ms`]).sort(),
      raw.map((r) => Number(r[p])).sort(),
      p,
    );
  }
  return calls;
}

async function main() {
  const postgresUrl = process.env.TEST_POSTGRES_URL;
  let folder: string | undefined;
  let target: Target;
  if (args.postgres) {
    assert.ok(postgresUrl, "--postgres needs TEST_POSTGRES_URL");
    target = await postgresTarget(
      postgresUrl,
      args.schema ?? "analytics_bench",
    );
  } else {
    let path = args.db;
    if (path === undefined) {
      folder = mkdtempSync(join(tmpdir(), "curio-analytics-"));
      path = join(folder, "bench.db");
    }
    if (existsSync(path)) process.stderr.write(`reusing ${path}\n`);
    target = await sqliteTarget(path);
  }
  try {
    let seedMs: number | undefined;
    if (target.held === 0) {
      seedMs = await seed(target.store);
      process.stderr.write(
        `seeded ${CALLS} calls in ${seedMs.toFixed(0)} ms\n`,
      );
      await target.analyze();
    } else {
      assert.equal(target.held, CALLS, "the database holds another --calls");
    }
    const results = [];
    for (const form of forms(target)) {
      const storeMs: number[] = [];
      const rawMs: number[] = [];
      // CPU time (user and system, this process) is the steadier figure on
      // a shared machine: it leaves out the time spent waiting for a core.
      const storeCpu: number[] = [];
      const rawCpu: number[] = [];
      let rows: LlmUsageSeriesRow[] = [];
      let raw: RawRow[] = [];
      // One untimed round each, so that both start on a warm cache.
      await form.store();
      await form.raw();
      for (let i = 0; i < REPEAT; i++) {
        // Which goes first alternates, so that neither always follows the
        // other's cache traffic.
        const order = i % 2 === 0 ? ["store", "raw"] : ["raw", "store"];
        for (const which of order) {
          const cpu = process.cpuUsage();
          const t = performance.now();
          if (which === "store") rows = await form.store();
          else raw = await form.raw();
          (which === "store" ? storeMs : rawMs).push(performance.now() - t);
          const used = process.cpuUsage(cpu);
          (which === "store" ? storeCpu : rawCpu).push(
            (used.user + used.system) / 1000,
          );
        }
      }
      const calls = assertSame(rows, raw);
      results.push({
        name: form.name,
        rows: rows.length,
        calls,
        storeMs: median(storeMs),
        rawMs: median(rawMs),
        ratio: median(storeMs) / median(rawMs),
        storeCpuMs: median(storeCpu),
        rawCpuMs: median(rawCpu),
        cpuRatio: median(storeCpu) / median(rawCpu),
        storeRuns: storeMs.map((ms) => Math.round(ms * 10) / 10),
        rawRuns: rawMs.map((ms) => Math.round(ms * 10) / 10),
      });
    }
    const runtime = navigator.userAgent;
    console.log(
      `${runtime}, ${target.versions}, ${CALLS} calls, ${REPEAT} runs`,
    );
    console.log(
      "| series | rows | calls | store ms | raw ms | ratio | store CPU ms | raw CPU ms | CPU ratio |",
    );
    console.log(
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    const ms = (value: number) => value.toFixed(value < 100 ? 1 : 0);
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.rows} | ${r.calls} | ${ms(r.storeMs)} | ${
          ms(r.rawMs)
        } | ${r.ratio.toFixed(2)}× | ${ms(r.storeCpuMs)} | ${
          ms(r.rawCpuMs)
        } | ${r.cpuRatio.toFixed(2)}× |`,
      );
    }
    console.log(JSON.stringify({
      runtime,
      database: target.versions,
      calls: CALLS,
      seedMs,
      results,
    }));
  } finally {
    await target.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
}

await main();
