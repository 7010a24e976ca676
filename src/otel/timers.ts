/**
 * Timers that do not keep the process alive: the exporter's and the
 * processor's wake-ups must not hold a finished program open.
 *
 * @module
 */

/** Lets the process exit while `timer` is pending, on every runtime. */
export function unref(timer: unknown): void {
  if (typeof timer === "object" && timer !== null && "unref" in timer) {
    (timer as { unref(): void }).unref();
  } else if (typeof timer === "number") {
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno
      ?.unrefTimer(timer);
  }
}
