// The figures read from an LLM call's `usageMetrics`: one rule for the
// public accessors and for the sums the memory backend computes (the SQL
// backends apply the same rule in SQL).

import type { JsonValue } from "../types.ts";

/** `value` when it is a JSON object (not an array), else `undefined`. */
export function asJsonObject(
  value: JsonValue,
): { [key: string]: JsonValue } | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value
    : undefined;
}

function finite(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value)
    ? value
    : undefined;
}

/** `cost_usd` of usage metrics when it is a finite number. */
export function costUsd(metrics: JsonValue): number | undefined {
  return finite(asJsonObject(metrics)?.cost_usd);
}

/** `total_tokens` of usage metrics when it is a finite number. */
export function totalTokens(metrics: JsonValue): number | undefined {
  return finite(asJsonObject(metrics)?.total_tokens);
}
