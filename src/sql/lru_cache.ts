// Statement texts and prepared statements are kept per SQL text. Group
// commit alone makes one per batch size, so every cache is bounded: when
// full, the entry used least recently makes room.

interface Entry<V> {
  value: V;
  /** When it was last used, on the cache's own clock. */
  used: number;
}

/** A map of at most `size` entries, each made once by `make`. */
export class LruCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #size: number;
  #clock = 0;

  constructor(size: number) {
    this.#size = size;
  }

  /** The entry for `key`, made by `make` when missing. */
  get(key: string, make: () => V): V {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      // A hit, on every statement a store runs, only stamps the entry:
      // moving it to the end of the map (delete, then set) cost two hash
      // updates and, now and then, a rebuild of the whole table.
      entry.used = ++this.#clock;
      return entry.value;
    }
    const value = make();
    if (this.#entries.size >= this.#size) this.#evict();
    this.#entries.set(key, { value, used: ++this.#clock });
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Drops the entry used least recently: a scan, on a miss when full. */
  #evict(): void {
    let oldest: string | undefined;
    let oldestUse = Infinity;
    for (const [key, { used }] of this.#entries) {
      if (used < oldestUse) {
        oldest = key;
        oldestUse = used;
      }
    }
    if (oldest !== undefined) this.#entries.delete(oldest);
  }
}
