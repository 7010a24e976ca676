/**
 * Copy: move a whole store into another, for example from a development
 * SQLite file to PostgreSQL, and check that every record arrived.
 *
 * @module
 */

import { InvalidInputError, PersistenceError } from "../errors.ts";
import type { RecordCounts } from "../types.ts";
import type { Persistence } from "../persistence.ts";
import { exportRecords } from "./export.ts";
import { importRecords, type ImportResult } from "./import.ts";
import { identity, StoredIdentities } from "./fingerprint.ts";
import type { ProgressCallback } from "./progress_callback.ts";
import { noRecords } from "./run_reader.ts";

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
 * batches. Records the target holds already are skipped (see
 * {@linkcode importRecords}), so a copy that was interrupted can be run
 * again. Then it checks, reading both stores again, that for each table the
 * target grew by exactly what was added, and that every record of the
 * source is in the target: each identity (every field but `id` and those a
 * redactor or a cost recomputation can rewrite) at least as many times as in
 * the source.
 *
 * @param from The source store.
 * @param to The target store.
 * @param options Batch size and progress.
 * @returns What was copied, and both stores' counts.
 * @throws {InvalidInputError} When `from` and `to` are the same store: the
 * same memory store, the same SQLite file (however reached) or the same
 * PostgreSQL cluster, database and schema.
 * @throws {PersistenceError} When a check fails, saying which records are
 * off, for instance because something wrote to either store during the copy.
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
  // Copying a store into itself would read what it writes: refused before
  // anything is read.
  const [fromIdentity, toIdentity] = await Promise.all([
    from.getStoreIdentity(),
    to.getStoreIdentity(),
  ]);
  if (from === to || fromIdentity.key === toIdentity.key) {
    throw new InvalidInputError(
      "to",
      `the source and the target are the same store (${fromIdentity.description})`,
    );
  }
  const source = recordCountsOf(await from.getStoreInfo());
  const before = recordCountsOf(await to.getStoreInfo());
  const result = await importRecords(to, exportRecords(from), options);
  const target = recordCountsOf(await to.getStoreInfo());
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
  const missing = await missingRecords(from, to);
  if (missing) {
    throw new PersistenceError(
      `The copy is incomplete: the target lacks ${missing}; did something write to either store meanwhile?`,
    );
  }
  return { ...result, source, target };
}

function recordCountsOf(info: RecordCounts): RecordCounts {
  return { runs: info.runs, events: info.events, llmUsage: info.llmUsage };
}

/**
 * What of `from` is not in `to`, described, or `undefined`: a run of the
 * same `runId` and identity for each run, and for each identity of events
 * and LLM calls at least as many records as `from` holds.
 */
async function missingRecords(
  from: Persistence,
  to: Persistence,
): Promise<string | undefined> {
  const stored = new StoredIdentities(to);
  const missing = noRecords();
  const first: Partial<Record<keyof RecordCounts, string>> = {};
  for await (const record of exportRecords(from)) {
    switch (record.type) {
      case "run": {
        const run = record.record;
        const there = await to.getAgentRun(run.runId);
        if (there && identity("run", there) === identity("run", run)) break;
        missing.runs++;
        first.runs ??= `run ${JSON.stringify(run.runId)}${
          there ? " (the target's differs)" : ""
        }`;
        break;
      }
      case "event": {
        const event = record.record;
        if (await stored.take("event", event)) break;
        missing.events++;
        first.events ??= `a ${JSON.stringify(event.eventType)} event of run ${
          JSON.stringify(event.runId)
        } at ${event.timestamp.toISOString()}`;
        break;
      }
      case "llm_usage": {
        const usage = record.record;
        if (await stored.take("llm_usage", usage)) break;
        missing.llmUsage++;
        first.llmUsage ??= `an LLM call of ${
          usage.runId === null ? "no run" : `run ${JSON.stringify(usage.runId)}`
        } at ${usage.createdAt.toISOString()}`;
        break;
      }
    }
  }
  const parts = (["runs", "events", "llmUsage"] as const)
    .filter((key) => missing[key] > 0)
    .map((key) =>
      `${missing[key]} ${key} of the source (first: ${first[key]})`
    );
  return parts.length > 0 ? parts.join(", ") : undefined;
}
