/**
 * The side-by-side with Mastra's `@mastra/libsql` (issue 16): the same LLM
 * calls (~2 KB prompt, ~1 KB response) written and read through this module's
 * SQLite store and through Mastra's libSQL observability storage, where an
 * LLM call is a `model_generation` span (its own trace, the agent as its
 * entity, tokens in `attributes.usage`), on the same Node binary, each on a
 * fresh file. Run it with the task, which installs this folder's
 * dependencies and starts Node 24:
 *
 * ```sh
 * npx -y deno@2 task bench:peers                  # --calls=N (default 5000)
 * ```
 *
 * Not part of the tests or CI: it needs `npm install` here.
 *
 * @module
 */

import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createPersistence, type LlmUsageInput } from "../../mod.ts";
import { filler } from "../data.ts";
// @ts-ignore: installed in this folder by npm, not known to Deno
import { LibSQLStore } from "@mastra/libsql";

function flag(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(given?.slice(name.length + 3) ?? fallback);
}
const CALLS = flag("calls", 5000);
const AGENTS = 10;
const LOGGERS = 64;
const BATCH = 100;
const READS = 21;

const prompts = Array.from({ length: 16 }, (_, i) => filler(2048, i));
const responses = Array.from({ length: 16 }, (_, i) => filler(1024, i + 99));

interface Call {
  agentId: string;
  runId: string;
  prompt: string;
  response: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  at: Date;
}

function call(i: number): Call {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000);
  return {
    agentId: `agent-${i % AGENTS}`,
    runId: `run-${i % 100}`,
    prompt: prompts[i % 16]!,
    response: responses[i % 16]!,
    inputTokens: 100 + (i % 900),
    outputTokens: 20 + (i % 300),
    latencyMs: 200 + (i % 800),
    at,
  };
}

/** What each side must do; every method resolves once the work is stored. */
interface Side {
  name: string;
  write(c: Call): Promise<unknown>;
  writeBatch(calls: Call[]): Promise<unknown>;
  latest50(agentId: string): Promise<number>;
  tokenTotals(agentId: string): Promise<number>;
  close(): Promise<void>;
}

function filesBytes(folder: string): number {
  let total = 0;
  for (const name of readdirSync(folder)) {
    total += statSync(join(folder, name)).size;
  }
  return total;
}

async function ours(folder: string): Promise<Side> {
  const store = await createPersistence(`sqlite:${join(folder, "curio.db")}`);
  const input = (c: Call): LlmUsageInput => ({
    agentId: c.agentId,
    runId: c.runId,
    provider: "openai",
    model: "gpt-4o-mini",
    prompt: c.prompt,
    inputParams: { temperature: 0.2 },
    inputTokens: c.inputTokens,
    outputTokens: c.outputTokens,
    responseContent: c.response,
    latencyMs: c.latencyMs,
    createdAt: c.at,
  });
  return {
    name: "@curio/persistence (SQLite)",
    write: (c) => store.logLlmUsage(input(c)),
    writeBatch: (calls) => store.logLlmUsages(calls.map(input)),
    latest50: async (agentId) =>
      (await store.getLlmUsage({ agentId, limit: 50 })).length,
    tokenTotals: async (agentId) => {
      const rows = await store.getLlmUsageBreakdown({ agentId });
      return rows.reduce((n, r) => n + r.inputTokens + r.outputTokens, 0);
    },
    close: () => store.close(),
  };
}

async function mastra(folder: string): Promise<Side> {
  const storage = new LibSQLStore({
    id: "bench",
    url: `file:${join(folder, "mastra.db")}`,
  });
  await storage.init();
  const spans = await storage.getStore("observability");
  let n = 0;
  const span = (c: Call) => {
    const id = `${process.pid}-${++n}`;
    return {
      traceId: `t${id}`,
      spanId: `s${id}`,
      name: "llm: gpt-4o-mini",
      spanType: "model_generation",
      isEvent: false,
      startedAt: c.at,
      endedAt: new Date(c.at.getTime() + c.latencyMs),
      entityType: "agent",
      entityId: c.agentId,
      entityName: c.agentId,
      runId: c.runId,
      attributes: {
        model: "gpt-4o-mini",
        provider: "openai",
        parameters: { temperature: 0.2 },
        usage: { inputTokens: c.inputTokens, outputTokens: c.outputTokens },
      },
      input: c.prompt,
      output: c.response,
    };
  };
  const filters = (agentId: string) => ({
    entityType: "agent",
    entityId: agentId,
  });
  return {
    name: "@mastra/libsql (observability spans)",
    write: (c) => spans.createSpan({ span: span(c) }),
    writeBatch: (calls) => spans.batchCreateSpans({ records: calls.map(span) }),
    latest50: async (agentId) =>
      (await spans.listTraces({
        filters: filters(agentId),
        pagination: { page: 0, perPage: 50 },
        orderBy: { field: "startedAt", direction: "DESC" },
      })).spans.length,
    // libSQL implements no metric aggregates: a user pages through the
    // agent's spans and adds their usage up.
    tokenTotals: async (agentId) => {
      let total = 0;
      for (let page = 0;; page++) {
        const result = await spans.listTraces({
          filters: filters(agentId),
          pagination: { page, perPage: 100 },
        });
        for (const s of result.spans) {
          const usage = s.attributes?.usage ?? {};
          total += (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
        }
        if (!result.pagination?.hasMore) return total;
      }
    },
    close: async () => {
      await (storage as { close?: () => Promise<void> }).close?.();
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

type Row = { what: string; values: Record<string, number>; unit: string };

async function measure(open: (folder: string) => Promise<Side>) {
  const results: Record<string, number> = {};
  const fresh = async <T>(use: (side: Side) => Promise<T>) => {
    const folder = mkdtempSync(join(tmpdir(), "curio-peers-"));
    const side = await open(folder);
    try {
      return await use(side);
    } finally {
      await side.close();
      // After closing, which moves SQLite's write-ahead log into the file.
      results.bytesPer100k = filesBytes(folder) * 100_000 / CALLS;
      rmSync(folder, { recursive: true, force: true });
    }
  };
  results.single = await fresh((side) =>
    time(async () => {
      for (let i = 0; i < CALLS; i++) await side.write(call(i));
    })
  );
  results.concurrent = await fresh((side) =>
    time(() =>
      Promise.all(
        Array.from({ length: LOGGERS }, async (_, logger) => {
          for (let i = logger; i < CALLS; i += LOGGERS) {
            await side.write(call(i));
          }
        }),
      )
    )
  );
  await fresh(async (side) => {
    results.batches = await time(async () => {
      for (let i = 0; i < CALLS; i += BATCH) {
        await side.writeBatch(
          Array.from({ length: Math.min(BATCH, CALLS - i) }, (_, k) =>
            call(i + k)),
        );
      }
    });
    const latest: number[] = [];
    const totals: number[] = [];
    for (let r = 0; r < READS; r++) {
      latest.push(await time(() => side.latest50("agent-1")));
      totals.push(await time(() => side.tokenTotals("agent-1")));
    }
    const expected = await side.latest50("agent-1");
    if (expected !== Math.min(50, CALLS / AGENTS)) {
      throw new Error(`${side.name}: latest 50 returned ${expected} calls`);
    }
    results.latest50 = median(latest);
    results.tokenTotals = median(totals);
    results.checkTokens = await side.tokenTotals("agent-1");
  });
  return results;
}

const sides = [ours, mastra];
const measured = [];
for (const open of sides) {
  const probe = mkdtempSync(join(tmpdir(), "curio-peers-"));
  const side = await open(probe);
  const name = side.name;
  await side.close();
  rmSync(probe, { recursive: true, force: true });
  console.error(`measuring ${name} …`);
  measured.push({ name, results: await measure(open) });
}
const [a, b] = measured as [typeof measured[0], typeof measured[0]];
if (a.results.checkTokens !== b.results.checkTokens) {
  throw new Error(
    `token totals differ: ${a.results.checkTokens} ≠ ${b.results.checkTokens}`,
  );
}
const rows: Row[] = [
  { what: `${CALLS} single awaited writes`, unit: "ms", values: {} },
  { what: `${CALLS} writes, ${LOGGERS} concurrent loggers`, unit: "ms", values: {} },
  { what: `${CALLS} writes in batches of ${BATCH}`, unit: "ms", values: {} },
  { what: "latest 50 calls of one agent", unit: "ms", values: {} },
  { what: "token totals of one agent", unit: "ms", values: {} },
  { what: "bytes on disk per 100k calls", unit: "MB", values: {} },
];
const keys = [
  "single",
  "concurrent",
  "batches",
  "latest50",
  "tokenTotals",
  "bytesPer100k",
] as const;
keys.forEach((key, i) => {
  rows[i]!.values = { a: a.results[key]!, b: b.results[key]! };
});
const format = (v: number, unit: string) =>
  unit === "MB"
    ? `${(v / 1024 / 1024).toFixed(1)} MB`
    : `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
console.log(
  `Node ${process.versions.node}, ${CALLS} calls over ${AGENTS} agents, ` +
    "2 KB prompts, 1 KB responses",
);
console.log(`| measurement | ${a.name} | ${b.name} | Mastra ÷ ours |`);
console.log("| --- | ---: | ---: | ---: |");
for (const row of rows) {
  const { a: x, b: y } = row.values as { a: number; b: number };
  console.log(
    `| ${row.what} | ${format(x, row.unit)} | ${format(y, row.unit)} | ${
      (y / x).toFixed(2)
    }× |`,
  );
}
