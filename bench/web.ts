/// <reference lib="dom" />
/**
 * The web view's speed (issue 14): a SQLite file of 100k runs, 1M events
 * and 1M LLM calls over 90 days, served by the real web server (the code
 * path of `cli ui`: `openForViewing`, read-only, then `startWebServer`),
 * timed over HTTP (the runs list's data, first and next page, unfiltered,
 * by agent and by status; the usage page's data for 7 and 30 days) and in
 * headless Chromium through playwright-core (a run of 10,000 events, from
 * `page.goto` until its first 100 timeline rows are in and a clicked
 * event's detail is open).
 *
 * ```sh
 * npx -y deno@2 run -A bench/web.ts                    # full size, ~10 min to seed
 * npx -y deno@2 run -A bench/web.ts --db=/tmp/web.db   # seed once, keep, reuse
 * npx -y deno@2 run -A bench/web.ts --scale=0.01 --repeat=5
 * ```
 *
 * Without `--db` the file goes to a temporary folder removed at the end.
 * Without `/usr/bin/chromium` the browser row is left out with a notice.
 *
 * @module
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  type AgentRunEventInput,
  type AgentRunInput,
  createPersistence,
  type LlmUsageInput,
  type Persistence,
} from "../mod.ts";
import { openForViewing, startWebServer } from "../web.ts";
import { agentName, eventInput, filler, runInput, usageInput } from "./data.ts";

const DAY = 86_400_000;
const CHROMIUM = "/usr/bin/chromium";

/** What the benchmark writes and reads, at a scale. */
export interface WebBenchConfig {
  runs: number;
  events: number;
  calls: number;
  /** Events of the one big run the browser opens. */
  bigRunEvents: number;
  /** Samples per HTTP request; p95 of these. */
  repeat: number;
  /** Page loads in the browser; median of these. */
  loads: number;
  /** A database file to reuse (seeded when missing, then kept). */
  db?: string | undefined;
  /** Whether to time the browser row (needs Chromium). */
  browser: boolean;
}

/** The configuration of a command line such as `--scale=0.01 --repeat=5`. */
export function webBenchConfig(argv: string[]): WebBenchConfig {
  const args = Object.fromEntries(argv.map((arg) => {
    const [key, value = "true"] = arg.replace(/^--/, "").split("=");
    return [key!, value];
  }));
  const scale = Number(args.scale ?? 1);
  const events = Math.round(1_000_000 * scale);
  return {
    runs: Math.max(10, Math.round(100_000 * scale)),
    events,
    calls: Math.round(1_000_000 * scale),
    bigRunEvents: Math.min(10_000, Math.floor(events / 2)),
    repeat: Number(args.repeat ?? 40),
    loads: Number(args.loads ?? 5),
    db: args.db,
    browser: args.browser !== "false",
  };
}

/** One row of the result table. */
export interface WebBenchRow {
  name: string;
  samples: number;
  medianMs: number;
  p95Ms: number;
  /** The figure the target applies to: p95, or the median for the browser. */
  measure: "p95" | "median";
  targetMs: number;
}

/** What a run of the benchmark found. */
export interface WebBenchResult {
  runtime: string;
  load: string;
  seedMs: number | undefined;
  counts: { runs: number; events: number; calls: number };
  rows: WebBenchRow[];
}

const MODELS = [
  ["openai", "gpt-4o-mini"],
  ["openai", "gpt-4o"],
  ["anthropic", "claude-3-5-haiku"],
  ["anthropic", "claude-sonnet-4"],
  ["google", "gemini-2.0-flash"],
  ["mistral", "mistral-large"],
] as const;
const TOOLS = ["search", "fetch_articles", "summarise", "translate", "email"];
const BIG_RUN = "run-big";
const AGENTS = 50;

/** When run `i` of `runs` starts: spread evenly over the 90 days to `end`. */
function runTime(i: number, runs: number, end: number): number {
  return end - 90 * DAY + Math.floor(i * (90 * DAY) / runs);
}

function run(i: number, config: WebBenchConfig, end: number): AgentRunInput {
  const input = runInput(i, 0, AGENTS);
  const created = new Date(runTime(i, config.runs, end));
  const done = input.status === "completed" || input.status === "error";
  return {
    ...input,
    objective: `${input.objective} #${i}`,
    createdAt: created,
    updatedAt: created,
    startedAt: created,
    ...(done
      ? { finishedAt: new Date(created.getTime() + (5 + i % 300) * 1000) }
      : {}),
  };
}

/** Writes the dataset in batches; the runs first, as foreign keys ask. */
async function seed(
  store: Persistence,
  config: WebBenchConfig,
  end: number,
): Promise<void> {
  const note = (what: string) => process.stderr.write(`seeding ${what}\n`);
  const batch = 2000;
  // One run is the big one, the newest but for an hour.
  const small = config.runs - 1;
  for (let i = 0; i < small; i += batch) {
    const writes = [];
    for (let j = i; j < Math.min(small, i + batch); j++) {
      writes.push(store.createAgentRun(run(j, config, end)));
    }
    await Promise.all(writes);
    if (i % 20_000 === 0) note(`runs ${i}`);
  }
  const bigStart = new Date(end - 3_600_000);
  await store.createAgentRun({
    agentId: agentName(1),
    runId: BIG_RUN,
    objective: "A run of many events",
    status: "completed",
    startedAt: bigStart,
    finishedAt: new Date(bigStart.getTime() + config.bigRunEvents * 100),
    createdAt: bigStart,
  });
  const spread = config.events - config.bigRunEvents;
  const eventOf = (k: number): AgentRunEventInput => {
    const big = k < config.bigRunEvents;
    const r = big ? -1 : Math.floor((k - config.bigRunEvents) * small / spread);
    const runId = big ? BIG_RUN : `run-${r}`;
    const base = big ? bigStart.getTime() : runTime(r, config.runs, end);
    const input = eventInput(runId, k, false);
    const time = new Date(base + (k % 1000) * 100);
    const tool = TOOLS[k % TOOLS.length]!;
    return {
      ...input,
      agentId: big ? agentName(1) : agentName(1 + (r % (AGENTS - 1))),
      eventType: k % 4 === 0 ? "planning_started" : input.eventType,
      data: { step: k, action: tool, duration_ms: 50 + (k * 7919) % 3000 },
      timestamp: time,
      createdAt: time,
    };
  };
  for (let k = 0; k < config.events; k += batch) {
    const inputs = [];
    for (let j = k; j < Math.min(config.events, k + batch); j++) {
      inputs.push(eventOf(j));
    }
    await store.logAgentRunEvents(inputs);
    if (k % 100_000 === 0) note(`events ${k}`);
  }
  const text = filler(256, 1);
  for (let j = 0; j < config.calls; j += batch) {
    const inputs: LlmUsageInput[] = [];
    for (let c = j; c < Math.min(config.calls, j + batch); c++) {
      const r = Math.floor(c * small / config.calls);
      const [provider, model] = MODELS[c % MODELS.length]!;
      inputs.push({
        ...usageInput(c, text, AGENTS, small, false),
        agentId: agentName(1 + (r % (AGENTS - 1))),
        runId: `run-${r}`,
        provider,
        model,
        createdAt: new Date(
          end - 90 * DAY + Math.floor(c * (90 * DAY) / config.calls),
        ),
      });
    }
    await store.logLlmUsages(inputs);
    if (j % 100_000 === 0) note(`calls ${j}`);
  }
}

function quantile(sorted: number[], q: number): number {
  // Nearest rank, as the store's percentiles.
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** Milliseconds of one GET of `url`, its body read whole; fails on non-200. */
async function timeGet(url: string): Promise<[number, unknown]> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) {
    throw new Error(`${url}: ${response.status} ${body.slice(0, 200)}`);
  }
  return [ms, JSON.parse(body)];
}

/** The start of the UTC day after `ms`, as `YYYY-MM-DD`. */
function dayAfter(ms: number): string {
  return new Date((Math.floor(ms / DAY) + 1) * DAY).toISOString().slice(0, 10);
}

/** Runs the benchmark; the caller prints the result. */
export async function runWebBenchmark(
  config: WebBenchConfig,
): Promise<WebBenchResult> {
  const folder = config.db === undefined
    ? mkdtempSync(join(tmpdir(), "curio-web-bench-"))
    : undefined;
  const path = config.db ?? join(folder!, "web.db");
  try {
    let seedMs: number | undefined;
    if (!existsSync(path)) {
      const started = performance.now();
      await using writer = await createPersistence(`sqlite:${path}`);
      await seed(writer, config, Date.now());
      seedMs = performance.now() - started;
    }
    // The code path of `cli ui`: opened read-only, then served.
    const store = await openForViewing(`sqlite:${path}`);
    const server = await startWebServer({ store, port: 0 });
    try {
      const before = loadAverage();
      const measured = await measure(store, server.url, config);
      return {
        runtime: navigator.userAgent,
        load: `${before} before, ${loadAverage()} after`,
        seedMs,
        ...measured,
      };
    } finally {
      await server.close();
      await store.close();
    }
  } finally {
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
}

function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3)
      .join(" ");
  } catch {
    return "unknown";
  }
}

async function measure(
  store: Persistence,
  base: string,
  config: WebBenchConfig,
): Promise<Omit<WebBenchResult, "runtime" | "load" | "seedMs">> {
  const info = await store.getStoreInfo();
  const counts = {
    runs: info.runs,
    events: info.events,
    calls: info.llmUsage,
  };
  const [newest] = await store.getLlmUsage({ limit: 1 });
  if (!newest) throw new Error("the database holds no LLM calls");
  const until = dayAfter(newest.createdAt.getTime());
  const sinceDays = (days: number) =>
    new Date(Date.parse(until) - days * DAY).toISOString().slice(0, 10);
  // The page's 50, or fewer at small scales, so that a next page exists.
  const limit = Math.max(2, Math.min(50, Math.floor(counts.runs / 200)));
  const firstPages = {
    unfiltered: `limit=${limit}`,
    "by agent": `limit=${limit}&agent=${agentName(1)}`,
    "by status": `limit=${limit}&status=error`,
  };
  const requests: { name: string; url: string; targetMs: number }[] = [];
  for (const [filter, query] of Object.entries(firstPages)) {
    const [, first] = await timeGet(`${base}api/runs?${query}`);
    const next = (first as { next?: string }).next;
    if (next === undefined) throw new Error(`${filter}: one page only`);
    requests.push(...[
      { name: `runs, ${filter}, first page`, url: `api/runs?${query}` },
      {
        name: `runs, ${filter}, next page`,
        url: `api/runs?${query}&after=${encodeURIComponent(next)}`,
      },
    ].map((r) => ({ ...r, targetMs: 100 })));
  }
  requests.push(
    {
      name: "usage, 7 days",
      url: `api/usage?since=${sinceDays(7)}&until=${until}`,
      targetMs: 500,
    },
    {
      name: "usage, 30 days",
      url: `api/usage?since=${sinceDays(30)}&until=${until}`,
      targetMs: 1500,
    },
  );
  const samples = new Map(requests.map((r) => [r.name, [] as number[]]));
  // Every round asks each request once, the order rotating, so that the
  // load of a shared machine falls on each alike.
  for (let round = 0; round < config.repeat; round++) {
    const shift = round % requests.length;
    for (
      const request of [
        ...requests.slice(shift),
        ...requests.slice(0, shift),
      ]
    ) {
      const [ms] = await timeGet(base + request.url);
      samples.get(request.name)!.push(ms);
    }
  }
  const rows: WebBenchRow[] = requests.map((request) => {
    const sorted = samples.get(request.name)!.sort((a, b) => a - b);
    return {
      name: request.name,
      samples: sorted.length,
      medianMs: quantile(sorted, 0.5),
      p95Ms: quantile(sorted, 0.95),
      measure: "p95",
      targetMs: request.targetMs,
    };
  });
  if (config.browser) {
    const row = await measureBrowser(base, config);
    if (row) rows.push(row);
  }
  return { counts, rows };
}

/**
 * The big run's page in headless Chromium, `loads` times: from `goto` until
 * the timeline holds its first 100 rows (it draws only those in view) and
 * a clicked event's detail is open.
 */
async function measureBrowser(
  base: string,
  config: WebBenchConfig,
): Promise<WebBenchRow | undefined> {
  if (!existsSync(CHROMIUM)) {
    console.warn(`${CHROMIUM} is missing: the browser row is left out`);
    return undefined;
  }
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "curio-bench-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 860 },
  });
  context.setDefaultTimeout(60_000);
  const wanted = Math.min(100, config.bigRunEvents);
  const times: number[] = [];
  try {
    // One load first, not counted: Chromium's own start-up is not the page's.
    for (let i = 0; i <= config.loads; i++) {
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${base}runs/${BIG_RUN}`);
      await page.waitForFunction((n) => {
        const status = document.querySelector(".tl-status")?.textContent ?? "";
        const held = Number(status.split(" ")[0]!.replace(/,/g, ""));
        return held >= n && document.querySelector(".tl-row.event") !== null;
      }, wanted);
      await page.click(".tl-row.event");
      await page.waitForSelector(".detail h3");
      const ms = performance.now() - started;
      await page.close();
      if (i > 0) times.push(ms);
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return {
    name: `run page, ${config.bigRunEvents} events, to a clicked detail`,
    samples: times.length,
    medianMs: quantile(times, 0.5),
    p95Ms: quantile(times, 0.95),
    measure: "median",
    targetMs: 1000,
  };
}

/** The result as a Markdown table. */
export function webBenchTable(result: WebBenchResult): string {
  const lines = [
    "| request | samples | median | p95 | target | holds |",
    "| --- | ---: | ---: | ---: | ---: | :---: |",
  ];
  for (const row of result.rows) {
    const figure = row.measure === "p95" ? row.p95Ms : row.medianMs;
    lines.push(
      `| ${row.name} | ${row.samples} | ${row.medianMs.toFixed(1)} ms | ${
        row.p95Ms.toFixed(1)
      } ms | ${row.measure} ≤ ${row.targetMs} ms | ${
        figure <= row.targetMs ? "yes" : "**no**"
      } |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const config = webBenchConfig(process.argv.slice(2));
  const result = await runWebBenchmark(config);
  console.log(
    `${result.runtime}; load ${result.load}; ` +
      `${result.counts.runs} runs, ${result.counts.events} events, ` +
      `${result.counts.calls} LLM calls` +
      (result.seedMs === undefined
        ? " (reused)"
        : `; seeded in ${(result.seedMs / 1000).toFixed(0)} s`),
  );
  console.log(webBenchTable(result));
}
