// Statement texts built from a table definition, and the slicing of long
// lists into statements that bind no more parameters than a dialect allows.

import { LruCache } from "./lru_cache.ts";
import type { Table } from "./tables.ts";

// Every single write would build its INSERT again: keep the texts, which a
// table name and a row count determine.
const insertTexts = new LruCache<string>(1000);

/**
 * An INSERT of `rows` records into `table`, returning nothing: the
 * connection's `insert` gets their ids.
 */
export function insertSql(
  table: string,
  definition: Table<unknown>,
  rows: number,
): string {
  return insertTexts.get(`${table} ${rows}`, () => {
    const columns = definition.columns.map((c) => c.name).join(", ");
    const tuple = placeholders(definition.columns);
    return `INSERT INTO ${table} (${columns}) VALUES ${
      Array(rows).fill(tuple).join(", ")
    }`;
  });
}

/** `values` in slices of at most `size`, one statement's worth each. */
export function* chunks<T>(values: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < values.length; i += size) {
    yield values.slice(i, i + size);
  }
}

/** `(?, ?, …)`, a placeholder for each value. */
export function placeholders(values: readonly unknown[]): string {
  return `(${values.map(() => "?").join(", ")})`;
}
