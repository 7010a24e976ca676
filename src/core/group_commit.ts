// Group commit: writes that arrive while another write is being committed are
// merged into the next transaction. Each caller's promise settles only once
// its own record is committed, so nothing is acknowledged before it is stored.

import { RunNotFoundError } from "../errors.ts";

interface Pending<R> {
  record: R;
  resolve: (id: number) => void;
  reject: (error: unknown) => void;
}

/** Merges concurrent single-record writes into batched transactions. */
export class GroupCommit<R> {
  readonly #insert: (records: readonly R[]) => Promise<number[]>;
  readonly #maxBatch: number;
  #pending: Pending<R>[] = [];
  #draining: Promise<void> | undefined;

  constructor(
    insert: (records: readonly R[]) => Promise<number[]>,
    maxBatch = 1000,
  ) {
    this.#insert = insert;
    this.#maxBatch = maxBatch;
  }

  /** Stores one record; resolves with its id once it is committed. */
  write(record: R): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  /**
   * Fails the writes still queued, which no transaction has taken yet, with
   * `error`; the batch being committed, if any, runs to its end.
   */
  abandon(error: unknown): void {
    for (const pending of this.#pending.splice(0)) pending.reject(error);
  }

  async #drain(): Promise<void> {
    // Let the writes issued in this same turn join the first batch.
    await Promise.resolve();
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, this.#maxBatch);
        await this.#commit(batch);
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #commit(batch: Pending<R>[]): Promise<void> {
    try {
      const ids = await this.#insert(batch.map((p) => p.record));
      batch.forEach((p, i) => p.resolve(ids[i]!));
    } catch (error) {
      // Records are validated before they are queued, so the one failure a
      // single record can cause is naming a run that does not exist. Then
      // the bad record must not fail the writes merged with it: each gets
      // its own transaction and its own outcome. Any other failure (the
      // database unreachable, another process holding the lock past the
      // busy timeout) would only repeat once per record: all fail at once.
      if (batch.length === 1 || !(error instanceof RunNotFoundError)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      for (const pending of batch) await this.#commit([pending]);
    }
  }
}
