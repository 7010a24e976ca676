/**
 * Progress reports of the maintenance operations.
 *
 * @module
 */

import type { RecordCounts } from "../types.ts";

/**
 * Called as an operation goes, with the records it has handled so far.
 *
 * @example
 * ```ts
 * import type { ProgressCallback } from "@curio/persistence";
 * const log: ProgressCallback = (done) =>
 *   console.error(`${done.runs} runs, ${done.events} events`);
 * ```
 */
export type ProgressCallback = (done: Readonly<RecordCounts>) => void;
