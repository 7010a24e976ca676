// Giving free space back in bounded steps: each step is one short write, and
// the event loop gets a turn between steps, so that writers of this process
// (whose SQLite calls are synchronous) and of others get in.

import { InvalidInputError } from "../errors.ts";
import type { ReclaimSpaceOptions, ReclaimSpaceResult } from "../types.ts";

/** Pages per step: 8 MiB with 4 KiB pages, a few milliseconds of writing. */
export const RECLAIM_STEP_PAGES = 2048;

/** Resolves on a later turn of the event loop, after pending timers. */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs `step` (one bounded reclaim, returning the bytes it gave back) until
 * it gives nothing back or `maxSteps` ran, yielding between steps.
 */
export async function reclaimInSteps(
  step: (maxPages: number) => Promise<number>,
  options: ReclaimSpaceOptions = {},
): Promise<ReclaimSpaceResult> {
  const stepPages = options.stepPages ?? RECLAIM_STEP_PAGES;
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
  const result = { steps: 0, bytes: 0 };
  while (result.steps < maxSteps) {
    const bytes = await step(stepPages);
    if (bytes === 0) break;
    result.steps++;
    result.bytes += bytes;
    await yieldTurn();
  }
  return result;
}
