/**
 * Doctor: is the store reachable, is its schema current, what does it hold,
 * how large is it, where does its disk go and how fast does it grow.
 *
 * @module
 */

import { SCHEMA_VERSION, VERSION_BENEFITS } from "../sql/schema.ts";
import type { SpaceReport, StoreInfo } from "../types.ts";
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
  /**
   * Size and growth per table, WAL and reclaimable space; absent when the
   * store did not answer.
   */
  space?: SpaceReport;
  /**
   * What deserves a look without being wrong, one sentence each: a SQLite
   * WAL that stays large (a reader holding back checkpoints), a file that
   * gives space back only by a whole-file VACUUM.
   */
  warnings: string[];
  /** Advice that is not a problem, one sentence each; absent when none. */
  notes?: string[];
}

/** The WAL size above which a checkpoint is being held back: 64 MiB at least. */
const WAL_WARNING_FLOOR = 64 * 1024 * 1024;

/**
 * Warnings from a space report: see {@linkcode Diagnosis.warnings}.
 *
 * @param space What {@linkcode Persistence.getSpaceReport} said.
 * @returns One sentence per warning.
 */
export function spaceWarnings(space: SpaceReport): string[] {
  const warnings: string[] = [];
  const limit = Math.max(WAL_WARNING_FLOOR, (space.sizeBytes ?? 0) / 10);
  if (space.walBytes !== null && space.walBytes > limit) {
    warnings.push(
      `The write-ahead log is ${mib(space.walBytes)}, above ${
        mib(limit)
      } (the larger of 64 MiB and 10% of the database): a process holding a read transaction open keeps checkpoints from emptying it`,
    );
  }
  if (space.autoVacuum === "none" || space.autoVacuum === "full") {
    warnings.push(
      `The file is in auto_vacuum=${space.autoVacuum.toUpperCase()} mode, so prune and retention cannot give space back in short steps: run compact --incremental once (a blocking VACUUM)`,
    );
  }
  return warnings;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * What to do about a database whose schema is missing or older than this
 * module's, as a read-only store finds it: `"no schema; run migrate to
 * create it"`, or `"schema 0; run migrate for …"` naming what the versions
 * it lacks bring. `undefined` when the schema is current, newer, or there
 * is none to have (memory).
 *
 * @param info What {@linkcode Persistence.getStoreInfo} reported.
 * @returns The advice, or `undefined`.
 *
 * @example
 * ```ts
 * import { createPersistence, schemaAdvice } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using store = await createPersistence("sqlite::memory:");
 * assert.equal(schemaAdvice(await store.getStoreInfo()), undefined);
 * ```
 */
export function schemaAdvice(
  info: Pick<StoreInfo, "backend" | "schemaVersion">,
): string | undefined {
  if (info.backend === "memory") return undefined;
  const version = info.schemaVersion;
  if (version === null) return "no schema; run migrate to create it";
  if (version >= SCHEMA_VERSION) return undefined;
  const missing = VERSION_BENEFITS.slice(version, SCHEMA_VERSION);
  return `schema ${version}; run migrate for ${missing.join("; ")}`;
}

/**
 * Checks a store: health, schema version against this module's, record
 * counts and size, size and growth per table, WAL and reclaimable space.
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
    warnings: [],
  };
  if (!healthy) {
    diagnosis.problems.push("The database does not answer");
    return diagnosis;
  }
  const info = await store.getStoreInfo();
  diagnosis.info = info;
  const advice = schemaAdvice(info);
  if (advice !== undefined) diagnosis.problems.push(advice);
  diagnosis.space = await store.getSpaceReport();
  diagnosis.warnings.push(...spaceWarnings(diagnosis.space));
  const version = info.schemaVersion;
  if (version !== null && version > SCHEMA_VERSION) {
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
