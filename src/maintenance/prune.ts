/**
 * Prune: delete old runs with their events and LLM calls, in batches each in
 * its own transaction, after writing them to an archive when asked, and give
 * the space back.
 *
 * @module
 */

import type { AgentRun, AgentRunStatus, RecordCounts } from "../types.ts";
import type { Persistence } from "../persistence.ts";
import { exportHeader } from "./export.ts";
import { type ExportRecord, formatExportLine } from "./export_format.ts";
import type { ProgressCallback } from "./progress_callback.ts";
import { noRecords, readRun, runRecords } from "./run_reader.ts";
import type { TextSink } from "./sink.ts";

/**
 * What {@linkcode pruneStore} deletes, and how.
 *
 * @example
 * ```ts
 * import type { PruneOptions } from "@curio/persistence";
 * const options: PruneOptions = {
 *   olderThan: new Date(Date.now() - 30 * 86_400_000),
 *   status: "completed",
 * };
 * ```
 */
export interface PruneOptions {
  /** Delete runs created before this time. */
  olderThan: Date;
  /** Only runs with this status. */
  status?: AgentRunStatus;
  /**
   * Write each batch here (in the export format, so it can be imported
   * again) and flush it before the batch is deleted.
   */
  archive?: TextSink;
  /** Only count what would be deleted; write and delete nothing. */
  dryRun?: boolean;
  /** Runs per batch (one transaction each); default 500. */
  batchSize?: number;
  /** Give the freed space back afterwards (`compact`); default `true`. */
  compact?: boolean;
  /** Called after each batch, with what was deleted so far. */
  onProgress?: ProgressCallback;
}

/**
 * What {@linkcode pruneStore} did.
 *
 * @example
 * ```ts
 * import type { PruneResult } from "@curio/persistence";
 * function report(result: PruneResult): string {
 *   return `${result.deleted.runs} runs deleted in ${result.batches} batches`;
 * }
 * ```
 */
export interface PruneResult {
  /** Records deleted, or with `dryRun` those that would be. */
  deleted: RecordCounts;
  /** Transactions used (or that would be). */
  batches: number;
  /** Size of the database before, in bytes; `null` in memory. */
  sizeBefore: number | null;
  /** Size of the database after, in bytes; `null` in memory. */
  sizeAfter: number | null;
}

/**
 * Deletes the runs created before `olderThan` (of one status, if given)
 * with their events and their LLM calls, `batchSize` runs per transaction,
 * newest first. With `archive`, each batch is written there and flushed
 * before it is deleted; with `dryRun`, only counts. Then, unless told
 * otherwise, compacts the database (SQLite's file shrinks).
 *
 * @param store The store.
 * @param options What to delete, the archive, batch size and progress.
 * @returns What was deleted, and the database size before and after.
 *
 * @example
 * ```ts
 * import { createPersistence, pruneStore } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("memory:");
 * const old = new Date("2024-01-01");
 * await store.createAgentRun({ agentId: "a", runId: "old", createdAt: old });
 * await store.createAgentRun({ agentId: "a", runId: "new" });
 * const result = await pruneStore(store, { olderThan: new Date("2025-01-01") });
 * assert.equal(result.deleted.runs, 1);
 * assert.equal(await store.getAgentRun("old"), undefined);
 * ```
 */
export async function pruneStore(
  store: Persistence,
  options: PruneOptions,
): Promise<PruneResult> {
  const { olderThan, status, archive, onProgress } = options;
  const dryRun = options.dryRun === true;
  const batchSize = options.batchSize ?? 500;
  const sizeBefore = (await store.getStoreInfo()).sizeBytes;
  const deleted = noRecords();
  const archived = noRecords();
  let batches = 0;
  const write = async (record: ExportRecord) => {
    if (archive && !dryRun) {
      await archive.write(formatExportLine(record) + "\n");
    }
  };
  await write(exportHeader());
  const prune = async (runs: AgentRun[]) => {
    if (archive && !dryRun) {
      for (const run of runs) {
        for await (const record of runRecords(readRun(store, run), archived)) {
          await write(record);
        }
      }
      await archive.flush?.();
    }
    const counts = await store.deleteAgentRuns(runs.map((run) => run.runId), {
      withLlmUsage: true,
      dryRun,
    });
    deleted.runs += counts.runs;
    deleted.events += counts.events;
    deleted.llmUsage += counts.llmUsage;
    batches++;
    onProgress?.(deleted);
  };
  // One iterator throughout: deleting what it has passed does not disturb
  // its keyset, and a dry run moves on the same way.
  let batch: AgentRun[] = [];
  for await (
    const run of store.iterateAgentRuns({
      createdBefore: olderThan,
      ...(status === undefined ? {} : { status }),
      pageSize: batchSize,
    })
  ) {
    batch.push(run);
    if (batch.length === batchSize) {
      await prune(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await prune(batch);
  await write({ type: "end", counts: archived });
  await archive?.flush?.();
  if (!dryRun && deleted.runs > 0 && options.compact !== false) {
    await store.compact();
  }
  const sizeAfter = dryRun
    ? sizeBefore
    : (await store.getStoreInfo()).sizeBytes;
  return { deleted, batches, sizeBefore, sizeAfter };
}
