/**
 * Doctor: is the store reachable, is its schema current, what does it hold
 * and how large is it.
 *
 * @module
 */

import { SCHEMA_VERSION } from "../sql/schema.ts";
import type { StoreInfo } from "../types.ts";
import type { Persistence } from "../persistence.ts";

/**
 * What {@linkcode diagnoseStore} found.
 *
 * @example
 * ```ts
 * import type { Diagnosis } from "@curio/persistence";
 * function ok(diagnosis: Diagnosis): boolean {
 *   return diagnosis.problems.length === 0;
 * }
 * ```
 */
export interface Diagnosis {
  /** Whether the store answered a trivial query. */
  healthy: boolean;
  /** How long that query took, in milliseconds. */
  latencyMs: number;
  /** The schema version this version of the module writes. */
  expectedSchemaVersion: number;
  /** Schema version, counts and size; absent when the store did not answer. */
  info?: StoreInfo;
  /** What is wrong, one sentence each; empty when all is well. */
  problems: string[];
  /** Advice that is not a problem, one sentence each; absent when none. */
  notes?: string[];
}

/**
 * Checks a store: health, schema version against this module's, record
 * counts and size.
 *
 * @param store The store.
 * @returns What was found; `problems` lists what is wrong.
 *
 * @example
 * ```ts
 * import { createPersistence, diagnoseStore } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("sqlite::memory:");
 * const diagnosis = await diagnoseStore(store);
 * assert.ok(diagnosis.healthy);
 * assert.deepEqual(diagnosis.problems, []);
 * ```
 */
export async function diagnoseStore(store: Persistence): Promise<Diagnosis> {
  const started = performance.now();
  const healthy = await store.healthCheck();
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  const diagnosis: Diagnosis = {
    healthy,
    latencyMs,
    expectedSchemaVersion: SCHEMA_VERSION,
    problems: [],
  };
  if (!healthy) {
    diagnosis.problems.push("The database does not answer");
    return diagnosis;
  }
  const info = await store.getStoreInfo();
  diagnosis.info = info;
  const version = info.schemaVersion;
  if (version !== null && version < SCHEMA_VERSION) {
    diagnosis.problems.push(
      `The schema is at version ${version}, older than ${SCHEMA_VERSION}: run migrate`,
    );
  } else if (version !== null && version > SCHEMA_VERSION) {
    diagnosis.problems.push(
      `The schema is at version ${version}, newer than ${SCHEMA_VERSION}, the newest this version of the module knows: upgrade it`,
    );
  }
  const partitioned = (store as { partitionBy?: string }).partitionBy;
  if (info.backend === "postgres" && partitioned === undefined) {
    diagnosis.notes = [PARTITION_ADVICE];
  }
  return diagnosis;
}

/** How a PostgreSQL store comes to have partitioned tables: by a copy. */
const PARTITION_ADVICE =
  'Events and LLM calls are not partitioned, so retention deletes rows; to let it drop whole days or months, copy the store into a new schema: curio-persistence copy --from <this URL> --to "<URL with schema=<new>&partition=day>" (existing tables are never converted)';
