// Statement texts and prepared statements live in a bounded cache: when full,
// the entry used least recently makes room, and a hit counts as a use.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LruCache } from "../../src/sql/lru_cache.ts";

/** A cache of `size` whose `make` records each key it is asked to make. */
function counting(size: number) {
  const cache = new LruCache<string>(size);
  const made: string[] = [];
  const get = (key: string) =>
    cache.get(key, () => {
      made.push(key);
      return `value of ${key}`;
    });
  return { cache, made, get };
}

describe("LruCache", () => {
  it("makes each entry once and returns it on a hit", () => {
    const { made, get } = counting(3);
    assert.equal(get("a"), "value of a");
    assert.equal(get("a"), "value of a");
    assert.equal(get("b"), "value of b");
    assert.deepEqual(made, ["a", "b"]);
  });

  it("evicts the least recently used entry when full", () => {
    const { made, get } = counting(2);
    get("a");
    get("b");
    get("c"); // evicts a
    get("b");
    get("c");
    assert.deepEqual(made, ["a", "b", "c"]);
    get("a"); // made again; evicts b
    assert.deepEqual(made, ["a", "b", "c", "a"]);
    get("c");
    get("b");
    assert.deepEqual(made, ["a", "b", "c", "a", "b"]);
  });

  it("counts a hit as a use", () => {
    const { made, get } = counting(2);
    get("a");
    get("b");
    get("a"); // a is now the most recent: b goes next
    get("c");
    get("a");
    assert.deepEqual(made, ["a", "b", "c"]);
    get("b");
    assert.deepEqual(made, ["a", "b", "c", "b"]);
  });

  it("never holds more than its size", () => {
    const { made, get } = counting(3);
    for (let i = 0; i < 10; i++) get(`k${i}`);
    // The last three are held, the others were evicted.
    for (const key of ["k7", "k8", "k9"]) get(key);
    assert.equal(made.length, 10);
    get("k6");
    assert.equal(made.length, 11);
  });

  it("forgets everything on clear()", () => {
    const { cache, made, get } = counting(2);
    get("a");
    cache.clear();
    get("a");
    assert.deepEqual(made, ["a", "a"]);
  });
});
