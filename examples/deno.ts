/**
 * Deno: record a failed run and find out why it failed.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-env examples/deno.ts ./deno-agent.db
 * ```
 *
 * In your own project: `deno add jsr:@curio/persistence` and import from
 * `"@curio/persistence"`.
 *
 * @module
 */

import { createPersistence } from "../mod.ts";

const path = Deno.args[0] ?? "./deno-agent.db";
await using store = await createPersistence(`sqlite:${path}`);

const runId = `deno-${crypto.randomUUID()}`;
await store.createAgentRun({ agentId: "deno-agent", runId, status: "running" });
await store.logAgentRunEvent({
  agentId: "deno-agent",
  runId,
  eventType: "run_error",
  data: { tool: "web_search", error: "HTTP 429" },
});
await store.updateAgentRun(runId, {
  status: "error",
  errorMessage: "web_search was rate limited",
  finishedAt: new Date(),
});

for (const run of await store.getAgentRuns({ status: "error", limit: 5 })) {
  console.log(
    `${Deno.build.os} deno ${Deno.version.deno}: ${run.runId} failed: ${run.errorMessage}`,
  );
}
