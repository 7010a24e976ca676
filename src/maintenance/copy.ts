/**
 * Copy: move a whole store into another, for example from a development
 * SQLite file to PostgreSQL, and check that the counts match.
 *
 * @module
 */

import { PersistenceError } from "../errors.ts";
import type { RecordCounts } from "../types.ts";
import type { Persistence } from "../persistence.ts";
import { exportRecords } from "./export.ts";
import { importRecords, type ImportResult } from "./import.ts";
import type { ProgressCallback } from "./progress_callback.ts";

/**
 * Options of {@linkcode copyStore}.
 *
 * @example
 * ```ts
 * import type { CopyOptions } from "@curio/persistence";
 * const options: CopyOptions = { batchSize: 1000 };
 * ```
 */
export interface CopyOptions {
  /** Events and LLM calls written per transaction; default 500. */
  batchSize?: number;
  /** Called after each record copied. */
  onProgress?: ProgressCallback;
}

/**
 * What {@linkcode copyStore} did, and the counts it checked.
 *
 * @example
 * ```ts
 * import type { CopyResult } from "@curio/persistence";
 * function report(result: CopyResult): string {
 *   return `${result.added.runs} runs copied, ${result.target.runs} in the target`;
 * }
 * ```
 */
export interface CopyResult extends ImportResult {
  /** What the source holds. */
  source: RecordCounts;
  /** What the target holds afterwards. */
  target: RecordCounts;
}

/**
 * Copies every run, event and LLM call of `from` into `to`, streaming, in
 * batches. Records the target holds already are skipped, so a copy that was
 * interrupted can be run again. At the end every record of the source must
 * be in the target, and the target must have grown by exactly what was
 * added.
 *
 * @param from The source store.
 * @param to The target store.
 * @param options Batch size and progress.
 * @returns What was copied, and both stores' counts.
 * @throws {PersistenceError} When the counts do not match, for instance
 * because something wrote to either store during the copy.
 *
 * @example
 * ```ts
 * import { copyStore, createPersistence } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using from = await createPersistence("memory:");
 * await using to = await createPersistence("sqlite::memory:");
 * await from.createAgentRun({ agentId: "a", runId: "r" });
 * await from.logLlmUsage({ agentId: "a", model: "gpt-4o" });
 * const result = await copyStore(from, to);
 * assert.deepEqual(result.target, result.source);
 * ```
 */
export async function copyStore(
  from: Persistence,
  to: Persistence,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const source = counts(await from.getStoreInfo());
  const before = counts(await to.getStoreInfo());
  const result = await importRecords(to, exportRecords(from), options);
  const target = counts(await to.getStoreInfo());
  for (const key of ["runs", "events", "llmUsage"] as const) {
    const problem = result.read[key] !== source[key]
      ? `the source holds ${source[key]} ${key} but ${
        result.read[key]
      } were read`
      : target[key] !== before[key] + result.added[key]
      ? `the target held ${before[key]} ${key} and ${
        result.added[key]
      } were added, but it holds ${target[key]}`
      : undefined;
    if (problem) {
      throw new PersistenceError(
        `The counts do not match after the copy: ${problem}; did something write to either store meanwhile?`,
      );
    }
  }
  return { ...result, source, target };
}

function counts(info: RecordCounts): RecordCounts {
  return { runs: info.runs, events: info.events, llmUsage: info.llmUsage };
}
