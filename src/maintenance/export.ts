/**
 * Export: every run with its events and LLM calls as JSON Lines, streamed
 * page by page, so memory stays bounded for a store of any size.
 *
 * @module
 */

import type { RecordCounts } from "../types.ts";
import type { Persistence } from "../persistence.ts";
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportRecord,
  formatExportLine,
} from "./export_format.ts";
import type { ProgressCallback } from "./progress_callback.ts";
import {
  closeRun,
  noRecords,
  readRun,
  type RunReader,
  runRecords,
  withoutId,
} from "./run_reader.ts";

import type { TextSink } from "./sink.ts";

/** Runs whose records are read ahead of the one being written. */
const READ_AHEAD = 8;

/** The line that opens an export file or a prune archive, written now. */
export function exportHeader(): ExportRecord & { type: "header" } {
  return {
    type: "header",
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(),
  };
}

/**
 * Which records {@linkcode exportRecords} and {@linkcode exportStore} read.
 *
 * @example
 * ```ts
 * import type { ExportOptions } from "@curio/persistence";
 * const options: ExportOptions = {
 *   agentId: "researcher",
 *   since: new Date("2025-01-01"),
 * };
 * ```
 */
export interface ExportOptions {
  /** Only this agent's runs, and its LLM calls that belong to no run. */
  agentId?: string;
  /** Only runs (and run-less LLM calls) created at or after this time. */
  since?: Date;
  /** Records read per query; default 1000. */
  pageSize?: number;
  /** Called after each record. */
  onProgress?: ProgressCallback;
}

/**
 * The records of a store, in export file order: a header; each run, newest
 * first, followed by its events and its LLM calls; the LLM calls that belong
 * to no stored run; an end record with the counts. Read page by page.
 *
 * @param store The store to read.
 * @param options Filters and progress.
 * @returns The records, one at a time.
 *
 * @example
 * ```ts
 * import { createPersistence, exportRecords } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await store.createAgentRun({ agentId: "a", runId: "r" });
 * await store.logLlmUsage({ agentId: "a", runId: "r", model: "m" });
 * const types = [];
 * for await (const record of exportRecords(store)) types.push(record.type);
 * assert.deepEqual(types, ["header", "run", "llm_usage", "end"]);
 * ```
 */
export async function* exportRecords(
  store: Persistence,
  options: ExportOptions = {},
): AsyncGenerator<ExportRecord, void, undefined> {
  const { agentId, since, pageSize, onProgress } = options;
  const counts = noRecords();
  const filter = {
    ...(agentId === undefined ? {} : { agentId }),
    ...(pageSize === undefined ? {} : { pageSize }),
  };
  yield exportHeader();
  // The next few runs' events and LLM calls are read while one is written.
  const ahead: RunReader[] = [];
  const emit = async function* (reader: RunReader) {
    for await (const record of runRecords(reader, counts)) {
      yield record;
      onProgress?.(counts);
    }
  };
  try {
    for await (const run of store.iterateAgentRuns(filter)) {
      if (since && run.createdAt < since) break; // newest first: the rest are older
      ahead.push(readRun(store, run, pageSize));
      if (ahead.length > READ_AHEAD) yield* emit(ahead.shift()!);
    }
    while (ahead.length > 0) yield* emit(ahead.shift()!);
  } finally {
    await Promise.all(ahead.map(closeRun));
  }
  for await (
    const usage of store.iterateLlmUsage({ ...filter, withoutRun: true })
  ) {
    if (since && usage.createdAt < since) break;
    counts.llmUsage++;
    yield { type: "llm_usage", record: withoutId(usage) };
    onProgress?.(counts);
  }
  yield { type: "end", counts: { ...counts } };
}

/**
 * Writes a store to `sink` as JSON Lines (see {@linkcode exportRecords}),
 * and flushes it at the end.
 *
 * @param store The store to read.
 * @param sink Where the lines go, such as {@linkcode openFileSink}'s file.
 * @param options Filters and progress.
 * @returns How many runs, events and LLM calls were written.
 *
 * @example
 * ```ts
 * import { createPersistence, exportStore } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * await store.createAgentRun({ agentId: "a", runId: "r" });
 * let text = "";
 * const counts = await exportStore(store, { write: (t) => void (text += t) });
 * assert.deepEqual(counts, { runs: 1, events: 0, llmUsage: 0 });
 * assert.equal(text.trim().split("\n").length, 3);
 * ```
 */
export async function exportStore(
  store: Persistence,
  sink: TextSink,
  options: ExportOptions = {},
): Promise<RecordCounts> {
  let counts = noRecords();
  for await (const record of exportRecords(store, options)) {
    await sink.write(formatExportLine(record) + "\n");
    if (record.type === "end") counts = record.counts;
  }
  await sink.flush?.();
  return counts;
}
