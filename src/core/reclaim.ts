// Giving free space back in bounded steps: each step is one short write, and
// the lock is left free between steps (see pace.ts), so that writers of this
// process (whose SQLite calls are synchronous) and of others get in.

import { InvalidInputError } from "../errors.ts";
import type { ReclaimSpaceOptions, ReclaimSpaceResult } from "../types.ts";
import { BatchPace, pacingFor, yieldTurn } from "./pace.ts";

/** Most pages per step: 8 MiB with 4 KiB pages. */
export const RECLAIM_STEP_PAGES = 2048;

/**
 * Runs `step` (one bounded reclaim, returning the bytes it gave back) until
 * it gives nothing back or `maxSteps` ran, pausing between steps. Each step
 * gives back `stepPages` when given, else as many pages (up to
 * `RECLAIM_STEP_PAGES`) as fit in a short hold of the write lock. Only
 * SQLite has pages to give back, so steps are paced as its writes are.
 */
export async function reclaimInSteps(
  step: (maxPages: number) => Promise<number>,
  options: ReclaimSpaceOptions = {},
): Promise<ReclaimSpaceResult> {
  const given = options.stepPages;
  const stepPages = given ?? RECLAIM_STEP_PAGES;
  if (!Number.isSafeInteger(stepPages) || stepPages < 1) {
    throw new InvalidInputError(
      "stepPages",
      `expected a whole number of pages from 1, got ${String(stepPages)}`,
    );
  }
  const maxSteps = options.maxSteps ?? Infinity;
  if (
    maxSteps !== Infinity && (!Number.isSafeInteger(maxSteps) || maxSteps < 0)
  ) {
    throw new InvalidInputError(
      "maxSteps",
      `expected a whole number of steps from 0, got ${String(maxSteps)}`,
    );
  }
  const pacing = pacingFor("sqlite");
  const pace = new BatchPace(
    stepPages,
    given === undefined ? pacing : {
      ...pacing,
      adapt: false,
    },
  );
  const result = { steps: 0, bytes: 0 };
  while (result.steps < maxSteps) {
    const pages = pace.size;
    const started = performance.now();
    const bytes = await step(pages);
    if (bytes === 0) break;
    const held = performance.now() - started;
    pace.took(pages, held);
    result.steps++;
    result.bytes += bytes;
    await yieldTurn(pacing.pauseAfter(held));
  }
  return result;
}
