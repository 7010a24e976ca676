// Issue 17's retention figures on SQLite: a policy removing half of a store
// (runs with their events and LLM calls) while a logger writes one event
// every millisecond, once in the same process and once from another; and
// the content rule over every LLM call, the statistics compared before and
// after. Not a timed test: it prints a table and the JSON of the figures.
//
//   deno run -A bench/retention.ts [--scale=0.1] [--runs=100000]
//     [--events=10] [--calls=10] [--batch=500] [--dir=FOLDER]
//
// `--runs` runs, each with `--events` events and `--calls` LLM calls (full
// size: 100,000 runs, 1M events, 1M calls); `--scale` multiplies `--runs`.
// With `--dir`, the files stay in FOLDER and a `source.db` built there by an
// earlier run with the same settings is used again (the build takes long).

import { spawn } from "node:child_process";
import {
  copyFile,
  mkdir,
  mkdtemp,
  open,
  rename,
  rm,
  stat,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createPersistence, type Persistence } from "../mod.ts";

const DAY = 86_400_000;

interface Settings {
  runs: number;
  events: number;
  calls: number;
  batch: number;
}

function settings(args: string[]): Settings {
  const value = (name: string, fallback: number) => {
    const arg = args.find((a) => a.startsWith(`--${name}=`));
    return arg ? Number(arg.slice(name.length + 3)) : fallback;
  };
  const scale = value("scale", 1);
  return {
    runs: Math.round(value("runs", 100_000) * scale),
    events: value("events", 10),
    calls: value("calls", 10),
    batch: value("batch", 500),
  };
}

/**
 * Fills `path` in time order, as a store fills: the first half of the runs
 * 60 days old, the second half of yesterday.
 */
async function build(path: string, s: Settings): Promise<void> {
  await using store = await createPersistence(`sqlite:${path}`);
  const chunk = 500;
  const now = Date.now();
  for (let first = 0; first < s.runs; first += chunk) {
    const events = [];
    const calls = [];
    for (let i = first; i < Math.min(s.runs, first + chunk); i++) {
      const old = i < s.runs / 2;
      const createdAt = new Date(now - (old ? 60 * DAY : DAY) + i);
      const runId = `run-${i}`;
      await store.createAgentRun({
        agentId: `agent-${i % 50}`,
        runId,
        status: i % 10 === 0 ? "error" : "completed",
        createdAt,
      });
      for (let e = 0; e < s.events; e++) {
        events.push({
          agentId: `agent-${i % 50}`,
          runId,
          eventType: "step",
          data: { step: e, note: "x".repeat(80) },
          createdAt,
        });
      }
      for (let c = 0; c < s.calls; c++) {
        calls.push({
          agentId: `agent-${i % 50}`,
          runId,
          provider: c % 2 ? "openai" : "anthropic",
          model: c % 2 ? "gpt-4o-mini" : "claude-3-5-haiku",
          prompt: "p".repeat(200),
          responseContent: "r".repeat(100),
          inputTokens: 100 + c,
          outputTokens: 20 + c,
          latencyMs: 300 + c,
          success: c !== 3,
          createdAt,
        });
      }
    }
    await store.logAgentRunEvents(events);
    await store.logLlmUsages(calls);
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * Writes a fresh copy to disk: else the first checkpoint's fsync, timed
 * with the policy, would write the whole copy, which a store's file never
 * has waiting.
 */
async function syncFile(path: string): Promise<void> {
  const file = await open(path, "r+");
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/** The file's bytes on disk, with its WAL. */
async function diskBytes(path: string): Promise<number> {
  const size = (file: string) => stat(file).then((s) => s.size, () => 0);
  return await size(path) + await size(`${path}-wal`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)
  ] ??
    NaN;
}

/**
 * Logs one event every millisecond until `stop()`, each sent when due
 * without waiting for the one before (as events happen); each latency counts
 * from when the event was due, so an event loop held up counts too.
 */
function startLogger(store: Persistence): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let stopped = false;
  const done = (async () => {
    const runId = `live-${crypto.randomUUID()}`;
    await store.createAgentRun({ agentId: "live", runId });
    const start = performance.now();
    let n = 0;
    while (!stopped) {
      for (; start + n <= performance.now(); n++) {
        const due = start + n;
        const write = store.logAgentRunEvent({
          agentId: "live",
          runId,
          eventType: "tick",
          data: { n },
        }).then(() => void latencies.push(performance.now() - due));
        pending.add(write);
        void write.finally(() => pending.delete(write));
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return latencies;
    },
  };
}

interface Figures {
  where: string;
  seconds: number;
  removed: { runs: number; events: number; llmUsage: number };
  sizeBefore: number;
  sizeAfter: number;
  diskBefore: number;
  diskAfter: number;
  loggerEvents: number;
  p50: number;
  p99: number;
  max: number;
}

async function applyHalf(
  path: string,
  where: "same process" | "another process",
  s: Settings,
): Promise<Figures> {
  await using store = await createPersistence(`sqlite:${path}`, {
    retention: { runs: "30d", batchSize: s.batch },
  });
  const sizeBefore = (await store.getStoreInfo()).sizeBytes!;
  const diskBefore = await diskBytes(path);
  const logger = where === "same process"
    ? startLogger(store)
    : childLogger(path);
  if ("started" in logger) await logger.started;
  await new Promise((r) => setTimeout(r, 500));
  const started = performance.now();
  // The store's own policy, as its `everyMs` timer applies it.
  const result = await store.applyRetention();
  const seconds = (performance.now() - started) / 1000;
  const latencies = await logger.stop();
  const sizeAfter = (await store.getStoreInfo()).sizeBytes!;
  return {
    where,
    seconds,
    removed: result.removed,
    sizeBefore,
    sizeAfter,
    diskBefore,
    diskAfter: await diskBytes(path),
    loggerEvents: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}

/** The logger in a child process of the same runtime; see `loggerMain`. */
function childLogger(
  path: string,
): { started: Promise<void>; stop(): Promise<number[]> } {
  const runtime = process.execPath;
  const args = typeof Deno === "undefined"
    ? [new URL(import.meta.url).pathname, "--logger", path]
    : ["run", "-A", new URL(import.meta.url).pathname, "--logger", path];
  const child = spawn(runtime, args, { stdio: ["pipe", "pipe", "inherit"] });
  let output = "";
  let ready: () => void;
  const started = new Promise<void>((resolve) => ready = resolve);
  child.stdout!.on("data", (chunk) => {
    output += String(chunk);
    if (output.startsWith("ready\n")) ready();
  });
  const exited = new Promise<void>((resolve) => child.on("exit", resolve));
  return {
    started,
    async stop() {
      child.stdin!.end();
      await exited;
      return JSON.parse(output.trim().split("\n").at(-1)!) as number[];
    },
  };
}

/** The child: logs until its standard input closes, then prints latencies. */
async function loggerMain(path: string): Promise<void> {
  await using store = await createPersistence(`sqlite:${path}`);
  const logger = startLogger(store);
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => {
    process.stdin.on("end", resolve);
    process.stdin.resume();
  });
  process.stdout.write(JSON.stringify(await logger.stop()) + "\n");
}

/** The content rule over every LLM call: statistics before and after. */
async function contentRule(path: string, s: Settings) {
  await using store = await createPersistence(`sqlite:${path}`);
  const before = {
    stats: await store.getAgentRunStats(),
    breakdown: await store.getLlmUsageBreakdown(),
  };
  const started = performance.now();
  const result = await store.applyRetention({
    content: "0s",
    batchSize: s.batch * 10,
  });
  const seconds = (performance.now() - started) / 1000;
  const after = {
    stats: await store.getAgentRunStats(),
    breakdown: await store.getLlmUsageBreakdown(),
  };
  return {
    seconds,
    cleared: result.cleared,
    identical: JSON.stringify(before) === JSON.stringify(after),
  };
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

async function benchMain(args: string[]): Promise<void> {
  const s = settings(args);
  const dir = args.find((a) => a.startsWith("--dir="))?.slice(6);
  if (dir) await mkdir(dir, { recursive: true });
  const folder = dir ?? await mkdtemp(join(tmpdir(), "curio-retention-"));
  try {
    const source = join(folder, `source-${s.runs}-${s.events}-${s.calls}.db`);
    let started = performance.now();
    if (dir === undefined || !await exists(source)) {
      await build(`${source}.part`, s);
      await rename(`${source}.part`, source);
      console.log(
        `built ${s.runs} runs, ${s.runs * s.events} events, ${
          s.runs * s.calls
        } LLM calls in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    const figures: Figures[] = [];
    for (const where of ["same process", "another process"] as const) {
      const copy = join(folder, `${where.replace(" ", "-")}.db`);
      await copyFile(source, copy);
      await syncFile(copy);
      figures.push(await applyHalf(copy, where, s));
      await rm(copy, { force: true });
    }
    started = performance.now();
    const cleared = join(folder, "content.db");
    await copyFile(source, cleared);
    const content = await contentRule(cleared, s);
    await rm(cleared, { force: true });
    console.log(
      "| logger | removed runs / events / LLM calls | time | size before → after (pages) | on disk before → after | logger events | p50 | p99 | max |",
    );
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const f of figures) {
      console.log(
        `| ${f.where} | ${f.removed.runs} / ${f.removed.events} / ${f.removed.llmUsage} | ${
          f.seconds.toFixed(1)
        } s | ${mib(f.sizeBefore)} → ${mib(f.sizeAfter)} | ${
          mib(f.diskBefore)
        } → ${mib(f.diskAfter)} | ${f.loggerEvents} | ${
          f.p50.toFixed(1)
        } ms | ${f.p99.toFixed(1)} ms | ${f.max.toFixed(1)} ms |`,
      );
    }
    console.log(
      `content rule: cleared ${content.cleared.llmUsage} LLM calls and ${content.cleared.events} events in ${
        content.seconds.toFixed(1)
      } s; statistics and breakdown identical: ${content.identical}`,
    );
    console.log(JSON.stringify({ settings: s, figures, content }));
  } finally {
    if (dir === undefined) await rm(folder, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
const loggerAt = args.indexOf("--logger");
if (loggerAt >= 0) await loggerMain(args[loggerAt + 1]!);
else await benchMain(args);
