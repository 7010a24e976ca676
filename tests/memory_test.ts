import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InMemoryPersistence, StoreClosedError } from "../mod.ts";
import { conformance } from "./conformance/mod.ts";

conformance(
  "memory",
  (options) => Promise.resolve(new InMemoryPersistence(options)),
);

describe("InMemoryPersistence", () => {
  it("exports all data and clears it", async () => {
    await using store = new InMemoryPersistence();
    const run = await store.createAgentRun({ agentId: "a", runId: "r" });
    const event = await store.logAgentRunEvent({
      agentId: "a",
      runId: "r",
      eventType: "custom",
    });
    const usage = await store.logLlmUsage({ agentId: "a", model: "m" });
    assert.deepEqual(store.getAllData(), {
      agentRuns: [run],
      agentRunEvents: [event],
      agentLlmUsage: [usage],
    });
    // The export is a copy: changing it changes nothing stored.
    store.getAllData().agentRuns[0]!.objective = "changed";
    assert.equal((await store.getAgentRun("r"))?.objective, "");
    store.clearAll();
    assert.deepEqual(store.getAllData(), {
      agentRuns: [],
      agentRunEvents: [],
      agentLlmUsage: [],
    });
    assert.equal((await store.getAgentRunStats()).totalRuns, 0);
  });

  it("refuses clearAll and getAllData once closed", async () => {
    const store = new InMemoryPersistence();
    await store.close();
    assert.throws(() => store.clearAll(), StoreClosedError);
    assert.throws(() => store.getAllData(), StoreClosedError);
  });
});
