// Helpers shared by export, import and prune: a run's records in export
// form, and counts of records.

import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  RecordCounts,
} from "../types.ts";
import type { Persistence } from "../persistence.ts";
import type { ExportRecord } from "./export_format.ts";

/** Counts of zero. */
export function noRecords(): RecordCounts {
  return { runs: 0, events: 0, llmUsage: 0 };
}

/** The sum of the counts. */
export function totalRecords(counts: RecordCounts): number {
  return counts.runs + counts.events + counts.llmUsage;
}

/** A run whose events and LLM calls are already being read. */
export interface RunReader {
  run: AgentRun;
  events: AsyncIterator<AgentRunEvent>;
  usage: AsyncIterator<AgentLlmUsage>;
}

/**
 * Starts reading a run's events and LLM calls, so that the queries of the
 * next runs are under way while this one is written: on PostgreSQL they go
 * over several pooled connections at once. Only the first page of each is
 * read ahead, so memory stays bounded.
 */
export function readRun(
  store: Persistence,
  run: AgentRun,
  pageSize?: number,
): RunReader {
  const page = pageSize === undefined ? {} : { pageSize };
  return {
    run,
    events: eager(store.iterateAgentRunEvents(run.runId, page)),
    usage: eager(store.iterateLlmUsage({ runId: run.runId, ...page })),
  };
}

/** Stops reading ahead, for a reader that will not be used. */
export async function closeRun(reader: RunReader): Promise<void> {
  await Promise.all([
    reader.events.return?.().catch(() => {}),
    reader.usage.return?.().catch(() => {}),
  ]);
}

/**
 * A run, its events and its LLM calls as export records, counted in
 * `counts`. Shared with prune's archive.
 */
export async function* runRecords(
  reader: RunReader,
  counts: RecordCounts,
): AsyncGenerator<ExportRecord, void, undefined> {
  counts.runs++;
  yield { type: "run", record: withoutId(reader.run) };
  for await (const event of iterable(reader.events)) {
    counts.events++;
    yield { type: "event", record: withoutId(event) };
  }
  for await (const usage of iterable(reader.usage)) {
    counts.llmUsage++;
    yield { type: "llm_usage", record: withoutId(usage) };
  }
}

/** `iterator`, its first record already asked for. */
function eager<T>(iterator: AsyncIterator<T>): AsyncIterator<T> {
  let first: Promise<IteratorResult<T>> | undefined = iterator.next();
  // Awaited later; this only keeps an early failure from being unhandled.
  first.catch(() => {});
  return {
    next() {
      const result = first ?? iterator.next();
      first = undefined;
      return result;
    },
    return: () =>
      iterator.return?.() ?? Promise.resolve({ done: true, value: undefined }),
  };
}

function iterable<T>(iterator: AsyncIterator<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => iterator };
}

/** The record without its `id`. */
export function withoutId<T extends { id: number }>(record: T): Omit<T, "id"> {
  const { id: _, ...rest } = record;
  return rest;
}
