// Which series SQL may bucket by arithmetic: those whose buckets all last
// as long. The boundaries themselves are checked on every backend by the
// conformance suite; here, that equal lengths are found exactly where a
// zone's offset stays the same and months do not come in.

import assert from "node:assert/strict";
import { test } from "node:test";
import { bucketBoundaries, equalStep } from "../../src/core/buckets.ts";

const HOUR = 3_600_000;
const DAY = 86_400_000;

test("buckets of one length: minutes, hours, and days or weeks without an offset change", () => {
  const cases: [Parameters<typeof bucketBoundaries>, number | undefined][] = [
    [[
      "minute",
      new Date("2025-11-02T05:10:30Z"),
      new Date("2025-11-02T07:00:00Z"),
      "America/New_York",
    ], 60_000],
    [[
      "hour",
      new Date("2025-11-01T10:30:00Z"),
      new Date("2025-11-03T02:00:00Z"),
      "UTC",
    ], HOUR],
    [[
      "day",
      new Date("2025-10-20T07:00:00Z"),
      new Date("2025-11-04T02:00:00Z"),
      "UTC",
    ], DAY],
    [[
      "week",
      new Date("2025-01-01T00:00:00Z"),
      new Date("2025-03-01T00:00:00Z"),
      "UTC",
    ], 7 * DAY],
    // A skipped hour leaves every hour an hour long.
    [[
      "hour",
      new Date("2025-03-08T20:10:00Z"),
      new Date("2025-03-10T04:00:00Z"),
      "America/New_York",
    ], HOUR],
    [[
      "day",
      new Date("2025-07-01T10:00:00Z"),
      new Date("2025-07-06T02:00:00Z"),
      "America/New_York",
    ], DAY],
    [[
      "hour",
      new Date("2025-11-01T10:00:00Z"),
      new Date("2025-11-02T20:45:00Z"),
      "Asia/Kolkata",
    ], HOUR],
    // The repeated hour of a change back makes a two-hour bucket.
    [[
      "hour",
      new Date("2025-11-01T10:00:00Z"),
      new Date("2025-11-04T02:00:00Z"),
      "America/New_York",
    ], undefined],
    [[
      "day",
      new Date("2025-03-29T12:00:00Z"),
      new Date("2025-03-31T12:00:00Z"),
      "Europe/Paris",
    ], undefined],
    [[
      "week",
      new Date("2025-10-22T12:00:00Z"),
      new Date("2025-11-04T00:00:00Z"),
      "Europe/Paris",
    ], undefined],
    [[
      "month",
      new Date("2025-01-15T00:00:00Z"),
      new Date("2025-04-01T00:00:00Z"),
      "UTC",
    ], undefined],
    // One bucket is its own length.
    [[
      "month",
      new Date("2025-02-15T00:00:00Z"),
      new Date("2025-02-16T00:00:00Z"),
      "UTC",
    ], 28 * DAY],
  ];
  for (const [args, step] of cases) {
    const boundaries = bucketBoundaries(...args);
    assert.equal(
      equalStep(boundaries),
      step,
      `${args[0]} ${args[3]} ${args[1].toISOString()}`,
    );
    if (step === undefined) continue;
    // The arithmetic the SQL backends do gives each boundary its own index.
    const first = boundaries[0]!.getTime();
    boundaries.forEach((boundary, i) => {
      assert.equal(Math.floor((boundary.getTime() - first) / step), i);
      assert.equal(Math.floor((boundary.getTime() - 1 - first) / step), i - 1);
    });
  }
});
