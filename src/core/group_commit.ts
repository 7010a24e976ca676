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
  /** The batch being committed, whose callers wait for it. */
  #committing: Pending<R>[] | undefined;
  /** Whether a batch is scheduled or being committed. */
  #active = false;
  /**
   * Settles once nothing is queued or being committed; made only when
   * asked for (by `idle`), so that a lone write pays for no extra promise.
   */
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

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
      if (!this.#active) {
        this.#active = true;
        // Let the writes issued in this same turn join the first batch.
        queueMicrotask(this.#next);
      }
    });
  }

  /**
   * Resolves once every write queued so far (and any queued meanwhile) is
   * committed or has failed.
   */
  idle(): Promise<void> {
    if (!this.#active) return Promise.resolve();
    if (this.#idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => resolve = settle);
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  /**
   * Fails the writes still queued, which no transaction has taken yet, with
   * `error`; the batch being committed, if any, runs to its end, and with
   * `committing` its callers are failed at once too (it may still be
   * stored: the caller is told it was not confirmed).
   */
  abandon(error: unknown, { committing = false } = {}): void {
    for (const pending of this.#pending.splice(0)) pending.reject(error);
    if (committing) {
      // A promise settles once: the commit's outcome, when it comes, is
      // ignored for these callers.
      for (const pending of this.#committing ?? []) pending.reject(error);
    }
  }

  /** Commits the next batch, or ends the drain when none is queued. */
  readonly #next = (): void => {
    if (this.#pending.length === 0) {
      this.#active = false;
      this.#committing = undefined;
      const idle = this.#idle;
      this.#idle = undefined;
      idle?.resolve();
      return;
    }
    let batch: Pending<R>[];
    if (this.#pending.length <= this.#maxBatch) {
      batch = this.#pending;
      this.#pending = [];
    } else {
      batch = this.#pending.splice(0, this.#maxBatch);
    }
    this.#committing = batch;
    this.#commit(batch).then(this.#next);
  };

  /** Commits `batch`; settles every caller's promise, and never rejects. */
  async #commit(batch: Pending<R>[]): Promise<void> {
    try {
      const ids = await this.#insert(
        batch.length === 1 ? [batch[0]!.record] : batch.map((p) => p.record),
      );
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(ids[i]!);
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
