// Fingerprints of records, without their ids: two records with the same
// fingerprint hold the same data, which is how import recognises what a store
// holds already. A multiset, because identical records may legitimately
// repeat.

import { createHash } from "node:crypto";

/** A digest of a record's fields but `id`, with times as ISO text. */
export function fingerprint(record: object): string {
  const fields = Object.entries(record)
    .filter(([key]) => key !== "id")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => [
      key,
      value instanceof Date ? value.toISOString() : value,
    ]);
  return createHash("sha256").update(JSON.stringify(fields)).digest("base64");
}

/** How many times each fingerprint occurs. */
export class Fingerprints {
  readonly #counts = new Map<string, number>();

  /** Collects the fingerprints of `records`, those `keep` accepts. */
  static async of<T extends object>(
    records: AsyncIterable<T>,
    keep: (record: T) => boolean = () => true,
  ): Promise<Fingerprints> {
    const prints = new Fingerprints();
    for await (const record of records) {
      if (!keep(record)) continue;
      const print = fingerprint(record);
      prints.#counts.set(print, (prints.#counts.get(print) ?? 0) + 1);
    }
    return prints;
  }

  /** Takes one occurrence of `record`'s fingerprint: `true` if there was one. */
  take(record: object): boolean {
    const print = fingerprint(record);
    const count = this.#counts.get(print);
    if (!count) return false;
    if (count === 1) this.#counts.delete(print);
    else this.#counts.set(print, count - 1);
    return true;
  }
}
