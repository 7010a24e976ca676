// Timestamps are stored as naive UTC text. Reading has a fast path for the
// text this module and PostgreSQL write and a general one for everything else
// (SQLite's CURRENT_TIMESTAMP, ISO text with a zone, the Python SDK's
// microseconds); both must agree to the millisecond.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatTimestamp, parseTimestamp } from "../../src/sql/timestamps.ts";

const at = (iso: string) => new Date(iso).getTime();

describe("formatTimestamp", () => {
  it("writes naive UTC text with milliseconds", () => {
    assert.equal(
      formatTimestamp(new Date("2024-03-01T10:02:03.004Z")),
      "2024-03-01 10:02:03.004",
    );
    assert.equal(
      formatTimestamp(new Date("2024-03-01T12:00:00+02:00")),
      "2024-03-01 10:00:00.000",
    );
  });

  it("gives each date its own text, also right after another", () => {
    const first = new Date("2024-01-01T00:00:00.000Z");
    const second = new Date("2024-01-01T00:00:00.001Z");
    assert.equal(formatTimestamp(first), "2024-01-01 00:00:00.000");
    assert.equal(formatTimestamp(second), "2024-01-01 00:00:00.001");
    assert.equal(formatTimestamp(first), "2024-01-01 00:00:00.000");
  });

  it("sorts as text the way the dates sort", () => {
    const dates = [
      "1999-12-31T23:59:59.999Z",
      "2000-01-01T00:00:00.000Z",
      "2000-01-01T00:00:00.010Z",
      "2000-01-01T00:00:00.100Z",
      "2000-01-01T00:00:01.000Z",
      "2024-10-05T09:00:00.000Z",
    ].map((iso) => new Date(iso));
    const texts = dates.map(formatTimestamp);
    assert.deepEqual([...texts].sort(), texts);
  });

  it("round-trips through parseTimestamp", () => {
    for (
      const iso of [
        "0001-01-01T00:00:00.000Z",
        "1970-01-01T00:00:00.000Z",
        "2024-02-29T23:59:59.999Z",
        "9999-12-31T23:59:59.999Z",
      ]
    ) {
      const date = new Date(iso);
      assert.equal(parseTimestamp(formatTimestamp(date)).getTime(), +date, iso);
    }
  });
});

describe("parseTimestamp", () => {
  it("reads naive text as UTC, with or without a fraction", () => {
    assert.equal(
      parseTimestamp("2024-03-01 10:02:03").getTime(),
      at("2024-03-01T10:02:03Z"),
    );
    assert.equal(
      parseTimestamp("2024-03-01 10:02:03.5").getTime(),
      at("2024-03-01T10:02:03.500Z"),
    );
    assert.equal(
      parseTimestamp("2024-03-01 10:02:03.45").getTime(),
      at("2024-03-01T10:02:03.450Z"),
    );
    assert.equal(
      parseTimestamp("2024-03-01T10:02:03").getTime(),
      at("2024-03-01T10:02:03Z"),
    );
    assert.equal(
      parseTimestamp("2024-03-01").getTime(),
      at("2024-03-01T00:00:00Z"),
    );
    assert.equal(
      parseTimestamp("2024-03-01 10:02").getTime(),
      at("2024-03-01T10:02:00Z"),
    );
  });

  it("keeps milliseconds of microseconds and nanoseconds, truncating", () => {
    // The Python SDK writes str(datetime): six digits. PostgreSQL prints
    // up to six; the fast path accepts up to nine.
    for (
      const text of [
        "2024-03-01 10:02:03.123456",
        "2024-03-01 10:02:03.123999",
        "2024-03-01 10:02:03.123999999",
        "2024-03-01T10:02:03.1239",
        "2024-03-01 10:02:03.123456Z",
        "2024-03-01 10:02:03,123456",
      ]
    ) {
      assert.equal(
        parseTimestamp(text).getTime(),
        at("2024-03-01T10:02:03.123Z"),
        text,
      );
    }
  });

  it("applies an offset in every form", () => {
    const expected = at("2024-03-01T08:02:03.250Z");
    for (
      const text of [
        "2024-03-01 10:02:03.25+02:00",
        "2024-03-01 10:02:03.25+0200",
        "2024-03-01 10:02:03.25+02",
        "2024-03-01T10:02:03.250+02:00",
        "2024-03-01 10:02:03.250000 +02:00",
        "2024-03-01 06:02:03.25-02:00",
        "2024-03-01 08:02:03.25Z",
        "2024-03-01 08:02:03.25z",
      ]
    ) {
      assert.equal(parseTimestamp(text).getTime(), expected, text);
    }
  });

  it("passes Dates through and reads epoch milliseconds", () => {
    const date = new Date("2024-03-01T10:02:03.004Z");
    assert.equal(parseTimestamp(date), date);
    assert.equal(parseTimestamp(+date).getTime(), +date);
  });

  it("gives an invalid Date for text that is not a timestamp", () => {
    // Impossible days are the date parser's call (V8 rolls 02-30 over to
    // March), so only text no engine reads is asserted here.
    for (const text of ["not a time", "2024-13-01 00:00:00", ""]) {
      assert.ok(Number.isNaN(parseTimestamp(text).getTime()), text);
    }
  });

  it("agrees with the general parser on the fast path's text", () => {
    // The fast path is taken for exactly these forms; the same text with a
    // "T" goes the general way.
    for (
      const text of [
        "2024-03-01 10:02:03",
        "2024-03-01 10:02:03.1",
        "2024-03-01 10:02:03.12",
        "2024-03-01 10:02:03.123",
        "2024-03-01 10:02:03.123456789",
        "2000-02-29 23:59:59.999",
        "0100-01-01 00:00:00",
        "0001-01-01 00:00:00.000",
        "0004-02-29 12:00:00.5",
        "0099-12-31 23:59:59.999",
      ]
    ) {
      assert.equal(
        parseTimestamp(text).getTime(),
        parseTimestamp(text.replace(" ", "T")).getTime(),
        text,
      );
    }
  });

  it("reads each row's own day, one after another", () => {
    // The fast path remembers the day it read last: text of that day, of
    // another, and an invalid day or time right after a valid one must
    // each read as on their own.
    const texts = [
      "2024-03-01 10:02:03.004",
      "2024-03-01 23:59:59.999",
      "2024-03-02 00:00:00.000",
      "2024-03-01 00:00:00",
      "2023-03-01 10:02:03.004",
      "0050-06-15 12:00:00",
      "2050-06-15 12:00:00",
      "0050-06-15 12:00:00.5",
      "2024-02-29 08:00:00",
      "2023-02-29 08:00:00",
      "2024-02-29 24:00:00",
      "2024-02-29 08:60:00",
      "2024-02-29x08:00:00",
      "2024-02-29 08:00:00.12a",
    ];
    for (const text of texts) {
      // With a "T" the text goes the general way.
      const alone = parseTimestamp(text.replace(/^(.{10}) /, "$1T"));
      for (const previous of texts) {
        parseTimestamp(previous);
        assert.equal(
          parseTimestamp(text).getTime(),
          alone.getTime(),
          `${text} after ${previous}`,
        );
      }
    }
    assert.equal(
      parseTimestamp("2024-03-02 00:00:00.000").getTime(),
      at("2024-03-02T00:00:00.000Z"),
    );
  });

  it("reads years below 100 as written, not as 19xx", () => {
    assert.equal(
      parseTimestamp("0050-06-15 12:00:00").getUTCFullYear(),
      50,
    );
  });
});
