// A small store with something of everything, for the maintenance and CLI
// tests, and a dump of a store that ignores ids, to compare two stores.

import type { Persistence } from "../mod.ts";

/** When the fixture's runs were created: two old, two recent. */
export const OLD = new Date("2024-03-01T10:00:00.000Z");
/** The cut-off between the fixture's old and recent runs. */
export const CUTOFF = new Date("2025-01-01T00:00:00.000Z");
const RECENT = new Date("2025-06-01T12:00:00.000Z");

const plus = (date: Date, seconds: number) =>
  new Date(date.getTime() + seconds * 1000);

/**
 * Fills `store`: runs old-ok (completed, old), old-bad (error, old), new-ok
 * (completed, recent), new-run (running, recent, agent "writer"); events and
 * LLM calls for each; and run-less LLM calls (one without run id, one of a
 * run that does not exist).
 */
export async function fill(store: Persistence): Promise<void> {
  const runs = [
    { runId: "old-ok", agentId: "researcher", status: "completed", at: OLD },
    {
      runId: "old-bad",
      agentId: "researcher",
      status: "error",
      at: plus(OLD, 60),
    },
    { runId: "new-ok", agentId: "researcher", status: "completed", at: RECENT },
    {
      runId: "new-run",
      agentId: "writer",
      status: "running",
      at: plus(RECENT, 60),
    },
  ] as const;
  for (const [i, run] of runs.entries()) {
    await store.createAgentRun({
      agentId: run.agentId,
      runId: run.runId,
      agentName: run.agentId === "writer" ? "Writer" : "Research Agent",
      objective: `Objective ${i}: résumé ✓ "quoted"`,
      status: run.status,
      startedAt: run.at,
      ...(run.status === "running" ? {} : { finishedAt: plus(run.at, 42) }),
      totalIterations: i + 1,
      additionalContext: { index: i, tags: ["a", "b"] },
      metadata: i === 0 ? null : { nested: { deep: [1, 2.5, null] } },
      ...(run.status === "error" ? { errorMessage: "Tool timed out" } : {}),
      createdAt: run.at,
      updatedAt: plus(run.at, 42),
    });
    await store.logAgentRunEvents([
      {
        agentId: run.agentId,
        runId: run.runId,
        eventType: "run_started",
        timestamp: plus(run.at, 1),
        data: { objective: "go" },
        createdAt: plus(run.at, 1),
      },
      {
        agentId: run.agentId,
        runId: run.runId,
        eventType: "action_execution_completed",
        timestamp: plus(run.at, 5),
        data: { action: "search", duration_ms: 1234 },
        createdAt: plus(run.at, 5),
      },
      {
        agentId: run.agentId,
        runId: run.runId,
        eventType: "custom",
        timestamp: plus(run.at, 5),
        data: "plain text",
        createdAt: plus(run.at, 5),
      },
    ]);
    await store.logLlmUsages([
      {
        agentId: run.agentId,
        runId: run.runId,
        provider: "openai",
        model: "gpt-4o-mini",
        prompt: `Plan ${i}`,
        responseContent: "Search",
        inputTokens: 100,
        outputTokens: 20,
        usageMetrics: { cost_usd: 0.001 },
        latencyMs: 300,
        createdAt: plus(run.at, 2),
      },
      {
        agentId: run.agentId,
        runId: run.runId,
        provider: "anthropic",
        model: "claude-sonnet",
        prompt: `Write ${i}`,
        inputTokens: 50,
        outputTokens: 10,
        status: "error",
        errorMessage: "overloaded",
        createdAt: plus(run.at, 3),
      },
    ]);
  }
  await store.logLlmUsage({
    agentId: "researcher",
    provider: "openai",
    model: "gpt-4o",
    prompt: "no run",
    inputTokens: 7,
    createdAt: plus(OLD, 10),
  });
  await store.logLlmUsage({
    agentId: "researcher",
    runId: "deleted-run",
    provider: "openai",
    model: "gpt-4o",
    prompt: "gone",
    createdAt: plus(RECENT, 10),
  });
}

/** What the fixture holds. */
export const FILLED = { runs: 4, events: 12, llmUsage: 10 };

/** Everything a store holds, ids left out, in a fixed order. */
export async function dump(store: Persistence): Promise<unknown> {
  const strip = <T extends { id: number }>({ id: _, ...rest }: T) => rest;
  const runs = [];
  const events = [];
  for await (const run of store.iterateAgentRuns()) {
    runs.push(strip(run));
    for await (const event of store.iterateAgentRunEvents(run.runId)) {
      events.push(strip(event));
    }
  }
  const usage = [];
  for await (const call of store.iterateLlmUsage()) usage.push(strip(call));
  const key = (value: unknown) => JSON.stringify(value);
  const sorted = <T>(list: T[]) =>
    list.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return { runs: sorted(runs), events: sorted(events), usage: sorted(usage) };
}
