/**
 * The specification's record helpers: event data as an object, and a usage
 * record's total tokens and cost.
 *
 * @module
 */

import {
  asJsonObject,
  callCostUsd,
  totalTokens,
} from "./core/usage_metrics.ts";
import type { AgentLlmUsage, AgentRunEvent, JsonValue } from "./types.ts";

/**
 * A JSON object: what {@linkcode getEventData} returns.
 *
 * @example
 * ```ts
 * import type { JsonObject } from "@curio/persistence";
 * const data: JsonObject = { action: "search", ok: true };
 * ```
 */
export type JsonObject = { [key: string]: JsonValue };

/**
 * An event's data as an object: `{}` when it has none or when it is not an
 * object (a string written by another program, say).
 *
 * @param event The event.
 * @returns Its data as an object.
 *
 * @example
 * ```ts
 * import { getEventData } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const data = getEventData({ data: { action: "search", duration_ms: 12 } });
 * assert.equal(data.action, "search");
 * assert.deepEqual(getEventData({ data: null }), {});
 * ```
 */
export function getEventData(
  event: Pick<AgentRunEvent, "data">,
): JsonObject {
  return asJsonObject(event.data) ?? {};
}

/**
 * Total tokens of an LLM call: input plus output tokens when either is known,
 * else `usageMetrics.total_tokens`, else `undefined`.
 *
 * @param usage The LLM call.
 * @returns Its total tokens, if known.
 *
 * @example
 * ```ts
 * import { getTotalTokens } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * const usage = { inputTokens: 150, outputTokens: 50, usageMetrics: null };
 * assert.equal(getTotalTokens(usage), 200);
 * ```
 */
export function getTotalTokens(
  usage: Pick<AgentLlmUsage, "inputTokens" | "outputTokens" | "usageMetrics">,
): number | undefined {
  if (usage.inputTokens !== null || usage.outputTokens !== null) {
    return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  }
  return totalTokens(usage.usageMetrics);
}

/**
 * Cost in US dollars of an LLM call: its `costUsd` (given, or computed from
 * its tokens), else `usageMetrics.cost_usd` when it is a number (records of
 * other programs), else `undefined`.
 *
 * @param usage The LLM call.
 * @returns Its cost, if known.
 *
 * @example
 * ```ts
 * import { getCostUsd } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getCostUsd({ usageMetrics: { cost_usd: 0.0003 } }), 0.0003);
 * assert.equal(getCostUsd({ costUsd: 0.0025, usageMetrics: null }), 0.0025);
 * assert.equal(getCostUsd({ usageMetrics: null }), undefined);
 * ```
 */
export function getCostUsd(
  usage:
    & Pick<AgentLlmUsage, "usageMetrics">
    & Partial<Pick<AgentLlmUsage, "costUsd">>,
): number | undefined {
  return callCostUsd(usage);
}
