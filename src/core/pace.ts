// Pacing maintenance writes (retention batches, incremental_vacuum steps) so
// that other writers keep their latency while a policy removes millions of
// rows. Two things bound a writer's wait: each transaction holds the write
// lock only for about `TARGET_HOLD_MS` (its size adapts to how long the last
// ones took), and after each one the lock stays free long enough for a
// writer that waited to get in. A writer of this process needs only a turn
// of the event loop (its SQLite calls are synchronous and queue on the
// connection); a writer of another process sleeps in SQLite's busy handler,
// whose sleeps grow the longer it has waited, so the pause must outlast the
// sleep it is in.

import type { BackendName } from "../types.ts";

/** About how long one maintenance transaction should hold the write lock. */
export const TARGET_HOLD_MS = 5;

/** The size a paced series of batches starts from, before any was timed. */
const FIRST_SIZE = 16;

/**
 * The sleeps of SQLite's default busy handler (`sqliteDefaultBusyCallback`),
 * in milliseconds: the n-th retry comes after the n-th sleep, the last one
 * repeating until the busy timeout.
 */
const BUSY_SLEEPS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/**
 * The longest sleep a writer that has waited at most `waitedMs` can be in:
 * after a lock held that long, the longest any waiter still sleeps before
 * trying again.
 */
export function busySleepAfter(waitedMs: number): number {
  let slept = 0;
  for (const sleep of BUSY_SLEEPS_MS) {
    slept += sleep;
    if (slept > waitedMs) return sleep;
  }
  return BUSY_SLEEPS_MS[BUSY_SLEEPS_MS.length - 1]!;
}

/** Resolves on a later turn of the event loop, after pending timers. */
export function yieldTurn(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How a backend's maintenance transactions must be paced. SQLite's write
 * transaction keeps every writer out, of this process (a synchronous call
 * holds the event loop) and of others (the file's write lock); the memory
 * store's keep this process's writers out. PostgreSQL's lock only the rows
 * they remove, so writers never wait for them: there, batches stay at the
 * policy's size, which costs fewer round trips.
 */
export function pacingFor(backend: BackendName): Pacing {
  return backend === "postgres" ? UNPACED : backend === "sqlite" ? FILE : LOOP;
}

/** What pacing a backend needs; see {@linkcode pacingFor}. */
export interface Pacing {
  /** Whether batch sizes adapt to `TARGET_HOLD_MS`. */
  readonly adapt: boolean;
  /** How long to leave writers the lock after a transaction held it `heldMs`. */
  pauseAfter(heldMs: number): number;
}

const UNPACED: Pacing = { adapt: false, pauseAfter: () => 0 };
const LOOP: Pacing = { adapt: true, pauseAfter: () => 0 };
const FILE: Pacing = {
  adapt: true,
  // A writer of another process that began waiting when the transaction
  // began is in a sleep of at most `busySleepAfter(heldMs)`: it wakes
  // within the pause. Never under TARGET_HOLD_MS, so that the lock is free
  // at least half the time while a policy runs.
  pauseAfter: (heldMs) => Math.max(TARGET_HOLD_MS, busySleepAfter(heldMs)),
};

/**
 * The sizes of a series of batches (runs, rows or pages per transaction),
 * from 1 up to `max`: each sized from the rate the last ones were done at,
 * to hold the lock about `TARGET_HOLD_MS`. Grows at most twofold a batch (a
 * fast batch may be luck) and shrinks at once.
 */
export class BatchPace {
  readonly #max: number;
  readonly #adapt: boolean;
  #size: number;

  constructor(max: number, pacing: Pacing) {
    this.#max = max;
    this.#adapt = pacing.adapt;
    this.#size = pacing.adapt ? Math.min(max, FIRST_SIZE) : max;
  }

  /** The size of the next batch. */
  get size(): number {
    return this.#size;
  }

  /** Records that a batch of `units` held the lock for `heldMs`. */
  took(units: number, heldMs: number): void {
    if (!this.#adapt || units <= 0) return;
    const fit = Math.floor(units * TARGET_HOLD_MS / Math.max(heldMs, 0.5));
    this.#size = Math.max(1, Math.min(this.#max, this.#size * 2, fit));
  }
}
