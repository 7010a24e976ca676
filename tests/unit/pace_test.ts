// Maintenance writes are paced so that other writers keep their latency: a
// batch's size follows the time the last ones held the lock, and the pause
// after one outlasts the busy-handler sleep a waiting writer of another
// process is in.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BatchPace,
  busySleepAfter,
  pacingFor,
  TARGET_HOLD_MS,
} from "../../src/core/pace.ts";

describe("pacing maintenance writes", () => {
  it("knows the sleep SQLite's busy handler is in after a wait", () => {
    // Retries at 0, 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228 ms, then
    // every 100 ms.
    assert.equal(busySleepAfter(0), 1);
    assert.equal(busySleepAfter(2.5), 2);
    assert.equal(busySleepAfter(8), 10);
    assert.equal(busySleepAfter(40), 20);
    assert.equal(busySleepAfter(150), 50);
    assert.equal(busySleepAfter(10_000), 100);
  });

  it("leaves a SQLite file's lock free longer than any waiter sleeps", () => {
    const sqlite = pacingFor("sqlite");
    for (const held of [0, 1, 5, 9, 17, 30, 60, 120, 500, 5000]) {
      const pause = sqlite.pauseAfter(held);
      assert.ok(pause >= TARGET_HOLD_MS, `${held} ms: ${pause}`);
      // Every writer that began waiting during the hold wakes in the pause.
      for (let waited = 0; waited <= held; waited += 0.5) {
        assert.ok(busySleepAfter(waited) <= pause, `${held}/${waited}`);
      }
    }
    assert.equal(pacingFor("postgres").pauseAfter(500), 0);
    assert.equal(pacingFor("memory").pauseAfter(500), 0);
  });

  it("sizes batches to the target hold, between 1 and the most allowed", () => {
    const pace = new BatchPace(500, pacingFor("sqlite"));
    assert.ok(pace.size < 500, "starts small, before any batch was timed");
    const first = pace.size;
    pace.took(first, 0);
    assert.equal(pace.size, first * 2, "a fast batch: twice as many, no more");
    for (let i = 0; i < 20; i++) pace.took(pace.size, 0.1);
    assert.equal(pace.size, 500, "never above the policy's batchSize");
    pace.took(500, 100);
    assert.equal(pace.size, 500 * TARGET_HOLD_MS / 100, "shrinks at once");
    pace.took(50, 10_000);
    assert.equal(pace.size, 1, "never below one");
    pace.took(0, 10_000);
    assert.equal(pace.size, 1, "an empty batch says nothing of the rate");
  });

  it("keeps PostgreSQL's batches at the policy's size", () => {
    const pace = new BatchPace(500, pacingFor("postgres"));
    assert.equal(pace.size, 500);
    pace.took(500, 10_000);
    assert.equal(pace.size, 500);
  });
});
