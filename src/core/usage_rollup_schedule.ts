// When a writable store builds its daily roll-up of LLM calls: shortly
// after its schema is ready, then a minute after each UTC midnight, when a
// day has just closed. Off the write path: a timer that keeps no process
// alive, whose refresh runs as one tracked write (`close()` waits for it
// and cancels the timer).

const DAY_MS = 86_400_000;

/** The wait after the schema is ready before the first refresh. */
export const FIRST_REFRESH_MS = 10_000;

/** How long after midnight UTC a closed day is built: late writes land. */
const AFTER_MIDNIGHT_MS = 60_000;

/**
 * The store's internal entry that refreshes the roll-up now (resolving to
 * the days built): for maintenance and tests, which cannot wait for the
 * timer.
 */
export const REFRESH_USAGE_ROLLUP: unique symbol = Symbol(
  "curio.refreshUsageRollup",
);

/** A store that can refresh its roll-up now; see `REFRESH_USAGE_ROLLUP`. */
export interface RefreshesUsageRollup {
  [REFRESH_USAGE_ROLLUP](): Promise<number>;
}

/** `timer`, no longer keeping the process alive on Deno, Node and Bun. */
export function unrefTimer<T extends ReturnType<typeof setTimeout>>(
  timer: T,
): T {
  if (typeof timer === "object" && timer !== null && "unref" in timer) {
    (timer as { unref(): void }).unref();
  } else {
    const deno = (globalThis as {
      Deno?: { unrefTimer(id: number): void };
    }).Deno;
    deno?.unrefTimer(timer as number);
  }
  return timer;
}

/** The refreshes of one store: first after a delay, then daily. */
export class RollupSchedule {
  readonly #refresh: () => Promise<unknown>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** @param refresh One refresh; its failure waits for the next one. */
  constructor(refresh: () => Promise<unknown>) {
    this.#refresh = refresh;
  }

  /** Schedules the first refresh `delayMs` from now, unless stopped. */
  start(delayMs = FIRST_REFRESH_MS): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#at(delayMs);
  }

  /** Cancels what is scheduled; a refresh under way is the store's to wait for. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #at(delayMs: number): void {
    this.#timer = unrefTimer(setTimeout(() => {
      this.#refresh().catch(() => {}).finally(() => {
        if (this.#stopped) return;
        const now = Date.now();
        const next = (Math.floor(now / DAY_MS) + 1) * DAY_MS +
          AFTER_MIDNIGHT_MS;
        this.#at(next - now);
      });
    }, delayMs));
  }
}
