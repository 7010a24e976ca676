// Shared by the conformance files: the store under test, opened fresh for
// every test, and small builders of inputs.

import { afterEach, beforeEach } from "node:test";
import type { Persistence, StoreOptions } from "../../mod.ts";

/** Opens a fresh, empty store, with `options` when given. */
export type Open = (options?: StoreOptions) => Promise<Persistence>;

/**
 * Writes rows into the database a store reads, as another program would
 * (the Python SDK, a hand-written INSERT): rows the store itself never
 * writes, such as a run without a creation time. Absent for a backend no
 * other program can write to (memory, SQLite `:memory:`).
 */
export type WriteForeign = (
  store: Persistence,
  table: string,
  rows: Record<string, string | number | null>[],
) => Promise<void>;

/**
 * Runs one statement on the database a store reads, as another program
 * would: `sql` gets a function qualifying a table's name and uses `?`
 * for each of `params`. Absent where no other program can connect.
 */
export type ExecForeign = (
  store: Persistence,
  sql: (table: (name: string) => string) => string,
  params?: (string | number | null)[],
) => Promise<void>;

/** The store of the running test. */
export interface Context {
  readonly store: Persistence;
}

/** Opens a fresh store before each test of the enclosing suite, closes it after. */
export function freshStore(open: Open): Context {
  let current: Persistence | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get store(): Persistence {
      if (!current) throw new Error("No store is open outside a test");
      return current;
    },
  };
}

/** A Date `seconds` after a fixed instant, so orderings are known. */
export function at(seconds: number): Date {
  return new Date(Date.UTC(2025, 0, 15, 10, 0, 0) + seconds * 1000);
}

/** Every value an async iterator yields. */
export async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterator) values.push(value);
  return values;
}
