/**
 * Store writes made on the SDK's behalf, off its path: a hook returns at once
 * and the write runs later, so the user's call never waits for the database
 * and never sees its errors.
 *
 * The writes of one run go one after another, because an event needs its run
 * to exist first and events of the same millisecond keep their order by id.
 * Different runs write concurrently, which lets the store merge their single
 * writes into one transaction (group commit).
 *
 * @module
 */

/** What was being written when a store write failed. */
export interface WriteContext {
  /** The store operation: `createAgentRun`, `logLlmUsage`, … */
  operation: string;
  /** The run the write belongs to, or `null`. */
  runId: string | null;
}

/** Called with every failed write. */
export type WriteErrorHandler = (error: unknown, context: WriteContext) => void;

const WARNING_INTERVAL_MS = 60_000;

/**
 * The default handler: a console warning, at most once a minute, so that a
 * store that went away does not flood the log of a busy agent.
 */
export function throttledWarning(): WriteErrorHandler {
  let lastWarning = -Infinity;
  let suppressed = 0;
  return (error, context) => {
    const now = Date.now();
    if (now - lastWarning < WARNING_INTERVAL_MS) {
      suppressed++;
      return;
    }
    lastWarning = now;
    const more = suppressed
      ? ` (${suppressed} more since the last warning)`
      : "";
    suppressed = 0;
    const message = error instanceof Error ? error.message : String(error);
    console.warn(
      `@curio/persistence: ${context.operation} failed for run ` +
        `${context.runId ?? "(none)"}: ${message}${more}`,
    );
  };
}

/** Per-run chains of writes, and a way to wait for all of them. */
export class WriteQueue {
  readonly #chains = new Map<string, Promise<void>>();
  readonly #pending = new Set<Promise<void>>();
  readonly #onError: WriteErrorHandler;

  constructor(onError: WriteErrorHandler) {
    this.#onError = onError;
  }

  /**
   * Runs `write` after the earlier writes of `chain` (a run id, or `null`
   * for a write of no run). A failure goes to the error handler; a handler
   * that throws is ignored.
   */
  enqueue(
    chain: string | null,
    context: WriteContext,
    write: () => Promise<unknown>,
  ): void {
    const previous = chain === null ? undefined : this.#chains.get(chain);
    const next = (previous ?? Promise.resolve()).then(write).then(
      () => {},
      (error) => {
        try {
          this.#onError(error, context);
        } catch {
          // The handler is the user's; its failure must not reach the SDK.
        }
      },
    );
    this.#pending.add(next);
    if (chain !== null) this.#chains.set(chain, next);
    void next.finally(() => {
      this.#pending.delete(next);
      if (chain !== null && this.#chains.get(chain) === next) {
        this.#chains.delete(chain);
      }
    });
  }

  /** Resolves when every write enqueued so far has settled. */
  async flush(): Promise<void> {
    while (this.#pending.size) {
      await Promise.all([...this.#pending]);
    }
  }
}
