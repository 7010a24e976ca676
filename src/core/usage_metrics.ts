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

/**
 * An LLM call's cost: its `costUsd` when known, else `cost_usd` of its usage
 * metrics (records of other programs carry it only there).
 */
export function callCostUsd(
  usage: { costUsd?: number | null; usageMetrics: JsonValue },
): number | undefined {
  return typeof usage.costUsd === "number" && Number.isFinite(usage.costUsd)
    ? usage.costUsd
    : costUsd(usage.usageMetrics);
}

/** `total_tokens` of usage metrics when it is a finite number. */
export function totalTokens(metrics: JsonValue): number | undefined {
  return finite(asJsonObject(metrics)?.total_tokens);
}

// 2^53: beyond it nano-dollars are no longer whole numbers in a double.
const MAX_NANOS = Number.MAX_SAFE_INTEGER;

/**
 * A cost in whole nano-dollars, rounded half away from zero; `undefined`
 * beyond ±2^53 nano-dollars (9 million dollars), which no call costs. Sums
 * add these integers and divide by 10^9 once, so that every backend (the
 * SQL ones compute the same in SQL) returns the same double.
 */
export function nanoDollars(cost: number): number | undefined {
  const scaled = cost * 1e9;
  if (!(Math.abs(scaled) <= MAX_NANOS)) return undefined;
  const whole = Math.trunc(scaled);
  const rounded = Math.abs(scaled - whole) >= 0.5
    ? whole + Math.sign(scaled)
    : whole;
  return rounded === 0 ? 0 : rounded;
}
