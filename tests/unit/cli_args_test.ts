// The command line's times and how stored text is shown on a terminal.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseTime, UsageError } from "../../src/cli/args.ts";
import { printable, table } from "../../src/cli/display.ts";

const NOW = new Date("2025-06-01T00:00:00.000Z");

describe("parseTime", () => {
  it("reads ages, dates and ISO times", () => {
    for (
      const [text, expected] of [
        ["30d", "2025-05-02T00:00:00.000Z"],
        ["1.5h", "2025-05-31T22:30:00.000Z"],
        ["2w", "2025-05-18T00:00:00.000Z"],
        ["2025-01-31", "2025-01-31T00:00:00.000Z"],
        ["2024-02-29", "2024-02-29T00:00:00.000Z"],
        ["2000-02-29", "2000-02-29T00:00:00.000Z"],
        ["2025-01-31T10:00:00Z", "2025-01-31T10:00:00.000Z"],
        ["2025-01-31T10:00:00.25+02:00", "2025-01-31T08:00:00.250Z"],
        ["2025-01-31T10:00-0130", "2025-01-31T11:30:00.000Z"],
        ["9999-12-31", "9999-12-31T00:00:00.000Z"],
      ] as const
    ) {
      assert.equal(
        parseTime("older-than", text, NOW).toISOString(),
        expected,
        text,
      );
    }
    // Without an offset a time is local, as ECMAScript reads it.
    assert.equal(
      +parseTime("since", "2025-01-31 10:00", NOW),
      +new Date(2025, 0, 31, 10, 0),
    );
  });

  it("refuses days and times that do not exist, never rolling over", () => {
    for (
      const text of [
        "2025-02-29",
        "2025-02-30",
        "1900-02-29",
        "2025-04-31",
        "2025-00-10",
        "2025-13-01",
        "2025-01-00",
        "2025-01-31T24:00",
        "2025-01-31T10:60",
        "2025-01-31T10:00:60Z",
        "2025-01-31T10:00+24:00",
      ]
    ) {
      assert.throws(
        () => parseTime("older-than", text, NOW),
        (error: unknown) =>
          error instanceof UsageError &&
          /does not exist/.test(error.message) &&
          error.message.includes(JSON.stringify(text)),
        text,
      );
    }
  });

  it("refuses times outside the years a store holds, and other text", () => {
    for (
      const text of [
        "99999999d",
        "9999999w",
        `${"9".repeat(400)}d`,
        "10000-01-01",
        "1e3d",
        "soon",
        "2025-01-31x",
        "",
      ]
    ) {
      assert.throws(
        () => parseTime("older-than", text, NOW),
        UsageError,
        text,
      );
    }
  });
});

describe("printable", () => {
  it("shows what a terminal would act on as escapes, and nothing else", () => {
    assert.equal(
      printable("a\x1b]0;title\x07b\x9b2J\r\t\n\u202e\u2066\u2028\x7f\0"),
      "a\\x1b]0;title\\x07b\\x9b2J\\r\\t\\n\\u202e\\u2066\\u2028\\x7f\\x00",
    );
    assert.equal(
      printable("l1\nl2\x1b", { keepLineEnds: true }),
      "l1\nl2\\x1b",
    );
    const plain = "résumé ✓ 😀 日本 \\x1b";
    assert.equal(printable(plain), plain);
    assert.equal(printable(printable("\x1b\u202e")), printable("\x1b\u202e"));
  });

  it("escapes table cells before measuring them", () => {
    const lines = table(["A", "B"], [["\x1b[2J", "x"], ["long text", "y"]])
      .split("\n");
    assert.equal(lines[2], "\\x1b[2J    x");
    assert.equal(lines[3]!.indexOf("y"), lines[0]!.indexOf("B"));
  });
});
