/**
 * Prune: delete old runs with their events and LLM calls, in batches each in
 * its own transaction, after writing them to an archive when asked, and give
 * the space back in bounded steps.
 *
 * @module
 */

import { InvalidInputError } from "../errors.ts";
import {
  AGENT_RUN_STATUSES,
  type AgentRunStatus,
  type RecordCounts,
  type RetentionPolicy,
  type RetentionResult,
  type RetentionRuleResult,
} from "../types.ts";
import type { Persistence } from "../persistence.ts";
import type { ProgressCallback } from "./progress_callback.ts";
import { exportArchive } from "./retention.ts";
import { noRecords } from "./run_reader.ts";
import type { TextSink } from "./sink.ts";

/**
 * The rules of a {@linkcode RetentionPolicy}, without how it is run.
 *
 * @example
 * ```ts
 * import type { PruneRules } from "@curio/persistence";
 * const rules: PruneRules = { runs: "30d", runsByStatus: { error: "90d" } };
 * ```
 */
export type PruneRules = Omit<
  RetentionPolicy,
  "archive" | "everyMs" | "batchSize"
>;

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
  /** Delete runs created before this time, of any status. */
  olderThan?: Date;
  /** With `olderThan`: only runs with this status. */
  status?: AgentRunStatus;
  /**
   * Rules by age, as in a {@linkcode RetentionPolicy} (`runs`,
   * `runsByStatus`, `orphanLlmCalls`, `content`), counted back from `now`.
   */
  rules?: PruneRules;
  /** The time the rules' ages are counted back from; default now. */
  now?: Date;
  /**
   * Write each batch here (in the export format, so it can be imported
   * again) and flush it before the batch is deleted.
   */
  archive?: TextSink;
  /** Only count what would be deleted; write and delete nothing. */
  dryRun?: boolean;
  /** Runs per batch (one transaction each); default 500. */
  batchSize?: number;
  /**
   * Give the freed space back afterwards; default `true`. On SQLite files in
   * `auto_vacuum=INCREMENTAL` mode (every file this module creates) that is
   * bounded `incremental_vacuum` steps, each a short write that lets other
   * writers in ({@linkcode Persistence.reclaimSpace}); `false` leaves the
   * free pages in the file, for new rows to reuse.
   */
  compact?: boolean;
  /**
   * Rewrite the whole database afterwards (`compact()`: SQLite's `VACUUM`),
   * which gives back every free byte even on files not in incremental mode,
   * but blocks every writer of every process while it runs and needs free
   * disk as large as the file; default `false`.
   */
  vacuum?: boolean;
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
  /** Events and LLM calls whose content was cleared (or would be). */
  cleared: Omit<RecordCounts, "runs">;
  /** What each rule removed (or would), `olderThan`'s first. */
  rules: RetentionRuleResult[];
}

/**
 * Deletes the runs created before `olderThan` (of one status, if given)
 * with their events and their LLM calls, `batchSize` runs per transaction,
 * newest first. With `archive`, each batch is written there and flushed
 * before it is deleted; with `dryRun`, only counts. Then, unless told
 * otherwise, gives the freed space back in bounded steps (a SQLite file in
 * incremental mode shrinks; writers are never held up by more than a step),
 * or with `vacuum` by one whole-file `VACUUM`.
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
  const { olderThan, status, rules, onProgress } = options;
  if (olderThan === undefined && rules === undefined) {
    throw new InvalidInputError(
      "olderThan",
      "prune needs olderThan or rules: nothing says what is old",
    );
  }
  const dryRun = options.dryRun === true;
  const sizeBefore = (await store.getStoreInfo()).sizeBytes;
  const archive = options.archive && !dryRun
    ? exportArchive(options.archive)
    : undefined;
  const shared = {
    ...(options.batchSize === undefined
      ? {}
      : { batchSize: options.batchSize }),
    ...(archive ? { archive } : {}),
  };
  const results: RetentionResult[] = [];
  const done = noRecords();
  const progress = (removed: RecordCounts) => {
    onProgress?.({
      runs: done.runs + removed.runs,
      events: done.events + removed.events,
      llmUsage: done.llmUsage + removed.llmUsage,
    });
  };
  const apply = async (policy: RetentionPolicy, now: Date) => {
    const result = await store.applyRetention(policy, {
      dryRun,
      now,
      onProgress: progress,
      // A whole-file VACUUM follows; or nothing is to be given back.
      reclaimSpace: options.vacuum !== true && options.compact !== false,
    });
    results.push(result);
    done.runs += result.removed.runs;
    done.events += result.removed.events;
    done.llmUsage += result.removed.llmUsage;
  };
  if (olderThan !== undefined) {
    // Every run created before `olderThan` is due: an age of 0 at that time.
    const statuses = status === undefined ? AGENT_RUN_STATUSES : [status];
    await apply({
      ...shared,
      runsByStatus: Object.fromEntries(statuses.map((s) => [s, 0])),
    }, olderThan);
  }
  if (rules !== undefined) {
    await apply({ ...rules, ...shared }, options.now ?? new Date());
  }
  await archive?.finish();
  if (!dryRun && options.vacuum === true) {
    await store.compact();
  } else if (!dryRun && options.compact !== false) {
    await store.reclaimSpace();
  }
  const sizeAfter = dryRun
    ? sizeBefore
    : (await store.getStoreInfo()).sizeBytes;
  return {
    deleted: done,
    batches: results.reduce((sum, result) => sum + result.batches, 0),
    sizeBefore,
    sizeAfter,
    cleared: {
      events: results.reduce((sum, r) => sum + r.cleared.events, 0),
      llmUsage: results.reduce((sum, r) => sum + r.cleared.llmUsage, 0),
    },
    rules: results.flatMap((result) => result.rules),
  };
}
