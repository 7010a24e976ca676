// The stores the web view's tests look at: a dozen runs of two agents with
// events and priced LLM calls, a run of hostile text, and a run with more
// events than one page holds. The expected figures are computed from the
// same description, so a test compares the page with them.

import type { Persistence } from "../../mod.ts";

/** Text that would run as script if a page parsed it as HTML. */
export const HOSTILE = {
  runId: "r-hostile",
  objective: "<img src=x onerror=alert(1)>",
  agentName: "<script>alert(2)</script>",
  eventType: "<i>custom</i>",
  prompt: "<script>alert(4)</script>",
  response: "<img src=x onerror=alert(5)>",
  model: "<b>m</b>",
};

/** The run with many events, and how many. */
export const BIG_RUN = { runId: "r-big", events: 10_000 };

/** A run's figures as the runs list shows them. */
export interface ExpectedRun {
  runId: string;
  agentId: string;
  status: string;
  objective: string;
  totalIterations: number;
  durationMs: number | null;
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  events: string[];
  createdAt: Date;
}

const STATUSES = ["completed", "error", "running", "completed"] as const;

/** The seeded runs, newest first, as the runs list should show them. */
export function expectedRuns(base: Date): ExpectedRun[] {
  const runs: ExpectedRun[] = [];
  for (let i = 0; i < 12; i++) {
    const calls = i % 3 + 1;
    const status = STATUSES[i % 4]!;
    let inputTokens = 0, outputTokens = 0, costUsd = 0;
    for (let k = 0; k < calls; k++) {
      inputTokens += 100 * (k + 1);
      outputTokens += 10 * (k + 1);
      costUsd += 0.001 * (k + 1);
    }
    runs.push({
      runId: `r-${String(i).padStart(2, "0")}`,
      agentId: i % 3 === 0 ? "writer" : "researcher",
      status,
      objective: `Objective number ${i}`,
      totalIterations: i % 4 + 1,
      durationMs: status === "running" ? null : (10 + i) * 1000,
      llmCalls: calls,
      inputTokens,
      outputTokens,
      costUsd,
      events: ["run_started", "planning_started", "run_completed"],
      createdAt: new Date(base.getTime() + i * 60_000),
    });
  }
  return runs.reverse();
}

const at = (date: Date, ms: number) => new Date(date.getTime() + ms);

/** Writes the seed into `store`; its runs start at `base`. */
export async function seed(store: Persistence, base: Date): Promise<void> {
  for (const run of [...expectedRuns(base)].reverse()) {
    const i = Number(run.runId.slice(2));
    await store.createAgentRun({
      agentId: run.agentId,
      runId: run.runId,
      agentName: run.agentId === "writer" ? "Writer" : "Research Agent",
      objective: run.objective,
      status: run.status as "completed",
      startedAt: run.createdAt,
      finishedAt: run.durationMs === null
        ? null
        : at(run.createdAt, run.durationMs),
      totalIterations: run.totalIterations,
      metadata: { index: i },
      createdAt: run.createdAt,
    });
    await store.logAgentRunEvents(
      run.events.map((eventType, e) => ({
        agentId: run.agentId,
        runId: run.runId,
        eventType,
        timestamp: at(run.createdAt, e === 2 ? (9 + i) * 1000 : e * 1000),
        data: { step: e, note: `event ${e} of ${run.runId}` },
      })),
    );
    await store.logLlmUsages(
      Array.from({ length: run.llmCalls }, (_, k) => ({
        agentId: run.agentId,
        runId: run.runId,
        provider: k % 2 ? "anthropic" : "openai",
        model: k % 2 ? "claude-sonnet" : "gpt-4o-mini",
        prompt: `Prompt ${k} of ${run.runId}`,
        responseContent: JSON.stringify({ answer: k, run: run.runId }),
        inputTokens: 100 * (k + 1),
        outputTokens: 10 * (k + 1),
        // None reported for the first call, then 40% and 80% of the input.
        cacheReadTokens: k ? 40 * k * (k + 1) : null,
        usageMetrics: { cost_usd: 0.001 * (k + 1) },
        latencyMs: 500 * (k + 1),
        createdAt: at(run.createdAt, 2000 + k * 1500),
      })),
    );
  }
  const hostileAt = at(base, -3_600_000);
  await store.createAgentRun({
    agentId: "hostile",
    runId: HOSTILE.runId,
    agentName: HOSTILE.agentName,
    objective: HOSTILE.objective,
    status: "error",
    errorMessage: HOSTILE.objective,
    startedAt: hostileAt,
    finishedAt: at(hostileAt, 5000),
    metadata: { html: HOSTILE.objective },
    createdAt: hostileAt,
  });
  await store.logAgentRunEvent({
    agentId: "hostile",
    runId: HOSTILE.runId,
    eventType: HOSTILE.eventType,
    timestamp: at(hostileAt, 1000),
    data: { html: HOSTILE.objective, script: HOSTILE.agentName },
  });
  await store.logLlmUsage({
    agentId: "hostile",
    runId: HOSTILE.runId,
    provider: "openai",
    model: HOSTILE.model,
    prompt: HOSTILE.prompt,
    responseContent: HOSTILE.response,
    inputTokens: 1,
    outputTokens: 1,
    status: "error",
    errorMessage: HOSTILE.prompt,
    latencyMs: 100,
    createdAt: at(hostileAt, 2000),
  });
  const bigAt = at(base, -7_200_000);
  await store.createAgentRun({
    agentId: "bulk",
    runId: BIG_RUN.runId,
    objective: "Many events",
    status: "completed",
    startedAt: bigAt,
    finishedAt: at(bigAt, BIG_RUN.events * 100),
    createdAt: bigAt,
  });
  await store.logAgentRunEvents(
    Array.from({ length: BIG_RUN.events }, (_, e) => ({
      agentId: "bulk",
      runId: BIG_RUN.runId,
      eventType: e % 2
        ? "action_execution_completed"
        : "action_execution_started",
      timestamp: at(bigAt, e * 100),
      data: { index: e },
    })),
  );
}
