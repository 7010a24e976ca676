/**
 * Doctor: is the store reachable, is its schema current, what does it hold
 * and how large is it.
 *
 * @module
 */

import { SCHEMA_VERSION, VERSION_BENEFITS } from "../sql/schema.ts";
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
  const advice = schemaAdvice(info);
  if (advice !== undefined) diagnosis.problems.push(advice);
  const version = info.schemaVersion;
  if (version !== null && version > SCHEMA_VERSION) {
    diagnosis.problems.push(
      `The schema is at version ${version}, newer than ${SCHEMA_VERSION}, the newest this version of the module knows: upgrade it`,
    );
  }
  return diagnosis;
}
