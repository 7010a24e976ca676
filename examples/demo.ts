/**
 * Simulates one agent run — events for each step and an LLM call per step —
 * into `./agent_sdk.db` (or the URL given as the first argument, or
 * `DATABASE_URL`), then prints the run, its events, its LLM usage and the
 * agent's statistics.
 *
 * ```sh
 * npx -y deno@2 task demo
 * ```
 *
 * @module
 */

import {
  createPersistence,
  getCostUsd,
  getEventData,
  getTotalTokens,
} from "../mod.ts";

const url = process.argv[2] ?? process.env.DATABASE_URL ??
  "sqlite:./agent_sdk.db";
await using store = await createPersistence(url);

const agentId = "research-agent";
const runId = `run-${new Date().toISOString().replace(/[:.]/g, "-")}`;
const objective = "Summarise this week's AI news in five bullet points";

await store.createAgentRun({
  agentId,
  runId,
  agentName: "Research Agent",
  objective,
  status: "running",
  startedAt: new Date(),
  additionalContext: { audience: "engineers", max_articles: 5 },
});
await store.logAgentRunEvent({
  agentId,
  runId,
  eventType: "run_started",
  data: { objective },
});

const steps = [
  { action: "fetch_articles", args: { topic: "AI", max_results: 5 } },
  { action: "rank_articles", args: { by: "relevance" } },
  { action: "summarise", args: { bullets: 5 } },
];
for (const [i, step] of steps.entries()) {
  const iteration = i + 1;
  await store.logAgentRunEvent({
    agentId,
    runId,
    eventType: "iteration_started",
    data: { iteration },
  });
  const prompt = `Iteration ${iteration}: plan how to ${step.action}`;
  const response = `Call ${step.action} with ${JSON.stringify(step.args)}`;
  const inputTokens = 120 + 40 * i;
  const outputTokens = 30 + 10 * i;
  await store.logLlmUsage({
    agentId,
    runId,
    provider: "openai",
    model: "gpt-4o-mini",
    prompt,
    responseContent: response,
    inputParams: { temperature: 0.2, max_tokens: 512 },
    inputTokens,
    outputTokens,
    usageMetrics: {
      prompt_tokens: inputTokens,
      completion_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
      cost_usd: (inputTokens * 0.15 + outputTokens * 0.6) / 1e6,
    },
    latencyMs: 400 + 150 * i,
  });
  await store.logAgentRunEvent({
    agentId,
    runId,
    eventType: "action_execution_completed",
    data: {
      ...step,
      result: { status: "ok" },
      duration_ms: 800 + 300 * i,
    },
  });
  await store.logAgentRunEvent({
    agentId,
    runId,
    eventType: "iteration_completed",
    data: { iteration },
  });
}
const summary = "- Five bullet points about this week's AI news";
await store.logAgentRunEvent({
  agentId,
  runId,
  eventType: "run_completed",
  data: { summary },
});
const run = await store.updateAgentRun(runId, {
  status: "completed",
  finishedAt: new Date(),
  totalIterations: steps.length,
  finalSynthesisOutput: summary,
});

console.log(`Stored in ${url}\n`);
console.log(
  `Run ${run.runId} (${run.agentName}): ${run.status}, ` +
    `${run.totalIterations} iterations`,
);
console.log(`  objective: ${run.objective}`);
console.log(`\nEvents:`);
for await (const event of store.iterateAgentRunEvents(runId)) {
  console.log(
    `  ${event.timestamp.toISOString()}  ${event.eventType.padEnd(28)} ${
      JSON.stringify(getEventData(event))
    }`,
  );
}
console.log(`\nLLM calls:`);
for (const usage of (await store.getLlmUsage({ runId })).reverse()) {
  console.log(
    `  ${usage.model}  ${
      getTotalTokens(usage)
    } tokens  ${usage.latencyMs} ms  $${getCostUsd(usage)?.toFixed(6)}`,
  );
}
const stats = await store.getAgentRunStats({ agentId });
console.log(`\nStatistics for ${agentId}:`);
console.log(
  `  runs: ${stats.totalRuns} (${stats.completedRuns} completed, ${stats.errorRuns} failed)`,
);
console.log(`  average iterations: ${stats.avgIterations}`);
console.log(
  `  LLM calls: ${stats.totalLlmCalls}, tokens in/out: ${stats.totalInputTokens}/${stats.totalOutputTokens}`,
);
console.log(`  total cost: $${stats.totalCostUsd.toFixed(6)}`);
console.log(`\nRUN_ID=${runId}`);
