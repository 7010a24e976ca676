// The backends every integration test runs on, and a view of stored records
// without what differs from run to run (ids and clock readings).

import assert from "node:assert/strict";

export { BACKENDS, type Open } from "../_backends.ts";

const CLOCK_FIELDS = [
  "createdAt",
  "updatedAt",
  "startedAt",
  "finishedAt",
  "timestamp",
];

/**
 * The record without `id`, with each clock reading replaced by `"<date>"`
 * after checking it is a date (or by `null` when it is null).
 */
export function withoutClock<T extends object>(
  record: T,
  { keepLatency = false } = {},
): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record } as Record<
    string,
    unknown
  >;
  delete copy.id;
  for (const field of CLOCK_FIELDS) {
    if (!(field in copy)) continue;
    const value = copy[field];
    if (value === null) continue;
    assert.ok(value instanceof Date, `${field} is a Date`);
    copy[field] = "<date>";
  }
  if (!keepLatency && "latencyMs" in copy && copy.latencyMs !== null) {
    assert.ok(Number.isSafeInteger(copy.latencyMs), "latencyMs is whole");
    copy.latencyMs = "<ms>";
  }
  return copy;
}
