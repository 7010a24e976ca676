// What the specification fixes about the SQL schema, checked against both
// SQL backends' catalogues.

import assert from "node:assert/strict";

/** The specification's index names, which databases shared with the Python SDK rely on. */
export const SPEC_INDEXES = [
  "idx_runs_agent_id",
  "idx_events_run_id",
  "idx_usage_agent_id",
  "idx_usage_run_id",
] as const;

/** Asserts that every index of the specification is among `names`. */
export function assertSpecIndexes(names: readonly string[]): void {
  for (const name of SPEC_INDEXES) assert.ok(names.includes(name), name);
}
