// Statement texts and prepared statements are kept per SQL text. Group
// commit alone makes one per batch size, so every cache is bounded: when
// full, the entry used least recently makes room.

/** A map of at most `size` entries, each made once by `make`. */
export class LruCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
  }

  /** The entry for `key`, made by `make` when missing. */
  get(key: string, make: () => V): V {
    let value = this.#entries.get(key);
    if (value === undefined) {
      value = make();
      if (this.#entries.size >= this.#size) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
    } else {
      // Maps keep insertion order: moving a hit to the end keeps the
      // least recently used entry first.
      this.#entries.delete(key);
    }
    this.#entries.set(key, value);
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
