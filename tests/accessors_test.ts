import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AGENT_RUN_STATUSES,
  EVENT_TYPES,
  getCostUsd,
  getEventData,
  getTotalTokens,
  LLM_USAGE_STATUSES,
} from "../mod.ts";

describe("record helpers", () => {
  it("give event data as an object", () => {
    assert.deepEqual(getEventData({ data: { a: 1 } }), { a: 1 });
    for (const data of [null, "text", 3, [1, 2], true]) {
      assert.deepEqual(getEventData({ data }), {});
    }
  });

  it("add up total tokens, falling back to usage metrics", () => {
    const none = { inputTokens: null, outputTokens: null, usageMetrics: null };
    assert.equal(
      getTotalTokens({ ...none, inputTokens: 150, outputTokens: 50 }),
      200,
    );
    assert.equal(getTotalTokens({ ...none, inputTokens: 150 }), 150);
    assert.equal(
      getTotalTokens({ ...none, usageMetrics: { total_tokens: 99 } }),
      99,
    );
    assert.equal(
      getTotalTokens({ ...none, usageMetrics: { total_tokens: "99" } }),
      undefined,
    );
    assert.equal(getTotalTokens(none), undefined);
  });

  it("read the cost in USD when it is a number", () => {
    assert.equal(getCostUsd({ usageMetrics: { cost_usd: 0.25 } }), 0.25);
    assert.equal(getCostUsd({ usageMetrics: { cost_usd: "0.25" } }), undefined);
    assert.equal(getCostUsd({ usageMetrics: "not json" }), undefined);
    assert.equal(getCostUsd({ usageMetrics: null }), undefined);
  });

  it("list the specification's statuses and event types", () => {
    assert.deepEqual([...AGENT_RUN_STATUSES], [
      "pending",
      "running",
      "completed",
      "error",
      "cancelled",
    ]);
    assert.deepEqual([...LLM_USAGE_STATUSES], ["success", "error"]);
    assert.equal(EVENT_TYPES.length, 21);
    assert.equal(new Set(EVENT_TYPES).size, 21);
  });
});
