/**
 * Node.js (24 runs TypeScript and `await using` itself): record LLM calls and add up what
 * they cost.
 *
 * ```sh
 * node examples/node.ts ./node-agent.db
 * ```
 *
 * In your own project: `npx jsr add @curio/persistence` and import from
 * `"@curio/persistence"`.
 *
 * @module
 */

import { createPersistence, getCostUsd } from "../mod.ts";

const path = process.argv[2] ?? "./node-agent.db";
await using store = await createPersistence(`sqlite:${path}`);

const runId = `node-${crypto.randomUUID()}`;
await store.createAgentRun({ agentId: "node-agent", runId, status: "running" });
await store.logLlmUsages([
  {
    agentId: "node-agent",
    runId,
    model: "gpt-4o-mini",
    usageMetrics: { cost_usd: 0.0012 },
  },
  {
    agentId: "node-agent",
    runId,
    model: "gpt-4o",
    usageMetrics: { cost_usd: 0.0150 },
  },
]);
let cost = 0;
for await (const usage of store.iterateLlmUsage({ runId })) {
  cost += getCostUsd(usage) ?? 0;
}
console.log(`node ${process.version}: run ${runId} cost $${cost.toFixed(4)}`);
