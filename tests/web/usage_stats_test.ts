// The usage page shows the analytics API's figures, so they equal what
// `stats --json` prints for the same range: the totals and the per-model
// breakdown, the days, the days by model, the agents (the days by agent
// summed) and the tools. Compared exactly, as JSON, over the web view's own
// API and the CLI on one seeded store, on SQLite and PostgreSQL.

import assert from "node:assert/strict";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import {
  createPersistence,
  type LlmUsageInput,
  type Persistence,
} from "../../mod.ts";
import { main } from "../../src/cli/main.ts";
import { openForViewing, startWebServer, type WebServer } from "../../web.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "../_postgres.ts";
import { tempPath } from "../_temp.ts";
import { raw } from "./_http.ts";

const DAY = 86_400_000;
/** The end of the seeded span: a fixed midnight, so the days are known. */
const END = Date.UTC(2025, 2, 1);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * 40 days of runs, tool events and LLM calls: three models, three agents,
 * failures, unpriced calls, cached tokens, latencies that make p50 and p95
 * differ, and costs whose float sums would drift.
 */
async function seed(store: Persistence): Promise<void> {
  const models = [
    ["openai", "gpt-4o"],
    ["anthropic", "claude"],
    ["x", "y"],
  ] as const;
  for (let d = 0; d < 40; d++) {
    const runId = `r-${d}`;
    const agentId = `agent-${d % 3}`;
    const start = END - (40 - d) * DAY + (d % 7) * 3_600_000;
    await store.createAgentRun({
      agentId,
      runId,
      status: d % 5 === 0 ? "error" : "completed",
      totalIterations: d % 4,
      createdAt: new Date(start),
    });
    await store.logAgentRunEvents(
      Array.from({ length: 4 }, (_, k) => ({
        agentId,
        runId,
        eventType: "action_execution_completed",
        data: {
          action: ["search", "fetch", "email"][(d + k) % 3]!,
          success: (d + k) % 6 !== 0,
          duration_ms: 100 + ((d * 31 + k * 17) % 900),
        },
        timestamp: new Date(start + k * 1000),
      })),
    );
    const calls: LlmUsageInput[] = [];
    for (let c = 0; c < 1 + (d % 5); c++) {
      const [provider, model] = models[(d + c) % 3]!;
      calls.push({
        agentId,
        runId,
        provider,
        model,
        inputTokens: 100 + d * 10 + c,
        outputTokens: 10 + c,
        cacheReadTokens: c % 2 ? 50 : null,
        ...(model === "y" ? {} : { costUsd: 0.1 + c * 0.2 + d * 1e-9 }),
        status: (d + c) % 7 === 0 ? "error" : "success",
        latencyMs: 100 + ((d * 97 + c * 389) % 2000),
        createdAt: new Date(start + c * 60_000),
      });
    }
    if (d % 4 === 0) {
      // A call of neither provider nor model, as other programs log them.
      calls.push({
        agentId,
        runId,
        inputTokens: 5,
        costUsd: 0.01,
        createdAt: new Date(start + 5000),
      });
    }
    await store.logLlmUsages(calls);
  }
}

/** What `args` print, as JSON, from the CLI run in this process. */
async function stats(args: string[]): Promise<unknown> {
  let out = "";
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  try {
    code = await main(["stats", "--json", ...args], { env: {} });
  } finally {
    process.stdout.write = write;
  }
  assert.equal(code, 0, out);
  return JSON.parse(out);
}

interface Row {
  agentId: string | null;
  calls: number;
  failedCalls: number;
  costUsd: number;
}

const backends: [string, () => string][] = [
  ["sqlite", () => `sqlite:${tempPath("usage-stats.db")}`],
  ...(postgresUrl
    ? [[
      "postgres",
      () => postgresUrlWith({ schema: uniqueSchema("usage_stats") }),
    ] as [string, () => string]]
    : []),
];

for (const [name, newUrl] of backends) {
  describe(`usage page equals stats --json on ${name}`, () => {
    const url = newUrl();
    let viewed: Persistence;
    let server: WebServer;
    before(async () => {
      {
        await using store = await createPersistence(url);
        await seed(store);
      }
      viewed = await openForViewing(url);
      server = await startWebServer({ store: viewed, port: 0 });
    });
    after(async () => {
      await server?.close();
      await viewed?.close();
    });

    for (
      const [label, days, agent] of [
        ["7 days", 7, undefined],
        ["30 days", 30, undefined],
        ["30 days of one agent", 30, "agent-1"],
      ] as const
    ) {
      it(label, async () => {
        const since = day(END - days * DAY);
        const until = day(END);
        const reply = await raw(
          server.url,
          `/api/usage?since=${since}&until=${until}${
            agent ? `&agent=${agent}` : ""
          }`,
        );
        assert.equal(reply.status, 200, reply.body);
        const page = JSON.parse(reply.body);
        const range = ["--db", url, "--since", since, "--until", until];
        if (agent) range.push("--agent", agent);
        const totals = await stats(range) as Record<string, unknown>;
        const { byModel, ...figures } = totals;
        assert.deepEqual(page.stats, figures);
        assert.deepEqual(page.models, byModel);
        const series = await stats([...range, "--by", "day"]) as Row[];
        assert.deepEqual(page.days, series);
        assert.equal(series.length, days, "one row per day of the range");
        // Per model the page asks for no percentiles: the same rows, null.
        assert.deepEqual(
          page.byModel,
          (await stats([...range, "--by", "day", "--group", "model"]) as Row[])
            .map((row) => ({
              ...row,
              p50Ms: null,
              p95Ms: null,
              p99Ms: null,
              maxMs: null,
            })),
        );
        // The top agents: each one's figures are what stats says of it
        // alone, the costliest first, and they are the agents with calls.
        const byAgent = await stats([
          ...range,
          "--by",
          "day",
          "--group",
          "agent",
        ]) as Row[];
        const withCalls = new Set(
          byAgent.filter((row) => row.calls > 0).map((row) => row.agentId),
        );
        assert.deepEqual(
          new Set(page.agents.map((a: Row) => a.agentId)),
          withCalls,
        );
        for (const shown of page.agents as Row[]) {
          const own = await stats([
            "--db",
            url,
            "--since",
            since,
            "--until",
            until,
            "--agent",
            shown.agentId!,
          ]) as Record<string, number>;
          assert.deepEqual(shown, {
            agentId: shown.agentId,
            calls: own.totalLlmCalls,
            failedCalls: own.failedLlmCalls,
            costUsd: own.totalCostUsd,
          });
        }
        const costs = page.agents.map((a: Row) => a.costUsd);
        assert.deepEqual(costs, [...costs].sort((a, b) => b - a));
        assert.deepEqual(page.tools, await stats([...range, "--tools"]));
        // Something was compared: each part holds figures.
        assert.ok((figures.totalLlmCalls as number) > 0);
        assert.ok((figures.totalCostUsd as number) > 0);
        assert.ok(page.models.length >= 2);
        assert.ok(page.tools.length >= 2);
        assert.ok(page.byModel.length >= days);
      });
    }
  });
}
