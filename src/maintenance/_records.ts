// Helpers shared by export, import and prune: a run's records in export
// form, and counts of records.

import type { AgentRun, Persistence, RecordCounts } from "../types.ts";
import type { ExportRecord } from "./format.ts";

/** Counts of zero. */
export function noRecords(): RecordCounts {
  return { runs: 0, events: 0, llmUsage: 0 };
}

/** The sum of the counts. */
export function totalRecords(counts: RecordCounts): number {
  return counts.runs + counts.events + counts.llmUsage;
}

/**
 * A run, its events and its LLM calls as export records, counted in
 * `counts`. Shared with prune's archive.
 */
export async function* runRecords(
  store: Persistence,
  run: AgentRun,
  counts: RecordCounts,
  pageSize?: number,
): AsyncGenerator<ExportRecord, void, undefined> {
  const page = pageSize === undefined ? {} : { pageSize };
  counts.runs++;
  yield { type: "run", record: withoutId(run) };
  for await (const event of store.iterateAgentRunEvents(run.runId, page)) {
    counts.events++;
    yield { type: "event", record: withoutId(event) };
  }
  for await (
    const usage of store.iterateLlmUsage({ runId: run.runId, ...page })
  ) {
    counts.llmUsage++;
    yield { type: "llm_usage", record: withoutId(usage) };
  }
}

export function withoutId<T extends { id: number }>(record: T): Omit<T, "id"> {
  const { id: _, ...rest } = record;
  return rest;
}
