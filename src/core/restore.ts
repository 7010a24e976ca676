// How import writes LLM calls exactly as they were exported. A write through
// `logLlmUsages` settles each cost afresh, as for a new call; a restore must
// not: a cost recomputed over a provided one differs from the
// `usageMetrics.cost_usd` it replaced, and a call unpriced in the exported
// store would be priced by the target's table. The store offers this under a
// symbol, so that it stays out of the public interface.

import type { AgentLlmUsage, LlmUsageInput } from "../types.ts";
import type { Persistence } from "../persistence.ts";

/** The key of a store's method writing LLM calls with their costs as given. */
export const RESTORE_LLM_USAGES: unique symbol = Symbol("restoreLlmUsages");

/** A store that can restore LLM calls as they were exported. */
export interface RestoresLlmUsage {
  /**
   * Writes `inputs` in one transaction as `logLlmUsages` does, but with
   * `costUsd` and `costSource` as given (both null, or both set).
   */
  [RESTORE_LLM_USAGES](inputs: LlmUsageInput[]): Promise<AgentLlmUsage[]>;
}

/** Whether `store` can restore LLM calls with their costs as given. */
export function restoresLlmUsage(
  store: Persistence,
): store is Persistence & RestoresLlmUsage {
  return typeof (store as Partial<RestoresLlmUsage>)[RESTORE_LLM_USAGES] ===
    "function";
}
