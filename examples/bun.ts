/**
 * Bun: log events from many concurrent tasks; the store merges them into
 * few transactions.
 *
 * ```sh
 * bun examples/bun.ts ./bun-agent.db
 * ```
 *
 * In your own project: `bunx jsr add @curio/persistence` and import from
 * `"@curio/persistence"`.
 *
 * @module
 */

import { createPersistence } from "../mod.ts";

const path = process.argv[2] ?? "./bun-agent.db";
await using store = await createPersistence(`sqlite:${path}`);

const runId = `bun-${crypto.randomUUID()}`;
await store.createAgentRun({ agentId: "bun-agent", runId, status: "running" });
await Promise.all(
  Array.from({ length: 10 }, async (_, task) => {
    for (let step = 0; step < 10; step++) {
      await store.logAgentRunEvent({
        agentId: "bun-agent",
        runId,
        eventType: "action_execution_completed",
        data: { task, step },
      });
    }
  }),
);
const events = await store.getAgentRunEvents(runId);
console.log(
  `bun ${process.versions.bun}: run ${runId} logged ${events.length} events`,
);
