// Events and LLM calls have their own builders, converters and encoders,
// each naming its fields in code for speed (a batch runs them a thousand
// times). What they make must be exactly what the table-driven reference
// makes from the field tables: the same record with its fields in the same
// order, the same first error for an invalid input, the same public record
// and the same parameters. And the count of code points, which Bun
// takes by another route than the other runtimes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidInputError } from "../../src/errors.ts";
import {
  EVENT_FIELDS,
  type Field,
  RUN_FIELDS,
  USAGE_FIELDS,
} from "../../src/core/fields.ts";
import {
  build,
  check,
  checker,
  eventRecord,
  toAgentLlmUsage,
  toAgentRunEvent,
  toPublic,
  usageRecord,
} from "../../src/core/records.ts";
import {
  columnPositions,
  decodeOwnedRow,
  decodeOwnedValues,
  decodeRow,
  decodeValues,
  encodeColumns,
  encodeRecord,
  EVENTS,
  ownedBlank,
  USAGE,
} from "../../src/sql/tables.ts";
import { codePointLength } from "../../src/core/validate.ts";

const NOW = new Date("2026-03-04T05:06:07.089Z");

/** Values of every kind a field may be given, valid for some fields. */
const VALUES: unknown[] = [
  undefined,
  null,
  "",
  "text",
  "x".repeat(101),
  "y".repeat(256),
  "nul\u0000",
  "lone \ud800",
  "😀".repeat(255),
  "success",
  "error",
  "provided",
  0,
  -0,
  7,
  -1,
  1.5,
  NaN,
  2 ** 31,
  new Date("2025-01-02T03:04:05.678Z"),
  new Date(NaN),
  new Date("+010000-01-01T00:00:00.000Z"),
  { nested: [1, "two", null] },
  [1, 2],
  true,
  10n,
];

/** The outcome of `fn`: its value, or the field and message of its error. */
function outcome(fn: () => unknown): unknown {
  try {
    const value = fn() as Record<string, unknown>;
    // The key order as well as the values.
    return { keys: Object.keys(value), value };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { field: error.field, message: error.message };
  }
}

/**
 * Inputs that give each field each value in turn, over a valid base (each
 * value tried on every field), and inputs where two fields go wrong at once
 * (the first in column order must be the one reported).
 */
function inputs(
  base: Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown>[] {
  const all: Record<string, unknown>[] = [base, {}];
  for (const name of names) {
    for (const value of VALUES) {
      all.push({ ...base, [name]: value });
      all.push({ ...base, [name]: value, [names.at(-1)!]: "bad" });
    }
  }
  return all;
}

describe("the builders of events and LLM calls", () => {
  it("check each field as the field table's check does", () => {
    for (const fields of [RUN_FIELDS, EVENT_FIELDS, USAGE_FIELDS]) {
      for (const [name, field] of Object.entries(fields)) {
        const fast = checker(name, field as Field<unknown>);
        for (const value of VALUES) {
          assert.deepStrictEqual(
            outcome(() => ({ value: fast(value) })),
            outcome(() => ({ value: check(name, field as never, value) })),
            `${name}: ${String(value).slice(0, 20)}`,
          );
        }
      }
    }
  });

  it("an event's builder matches the reference exactly, value by value", () => {
    for (
      const input of inputs(
        { agentId: "a", runId: "r", eventType: "custom", data: { i: 1 } },
        Object.keys(EVENT_FIELDS),
      )
    ) {
      assert.deepStrictEqual(
        outcome(() => eventRecord(input as never, NOW)),
        outcome(() => build(EVENT_FIELDS, "event", input, NOW, undefined)),
        JSON.stringify(input, (_, v) => typeof v === "bigint" ? "10n" : v),
      );
    }
  });

  it("an LLM call's builder matches the reference up to the cost it settles", () => {
    for (
      const input of inputs(
        { agentId: "a", runId: "r", prompt: "hi", inputTokens: 10 },
        Object.keys(USAGE_FIELDS),
      )
    ) {
      const expected = outcome(() =>
        build(USAGE_FIELDS, "usage", input, NOW, undefined)
      ) as { keys?: string[]; value?: Record<string, unknown> };
      const got = outcome(() => usageRecord(input as never, NOW)) as {
        keys?: string[];
        value?: Record<string, unknown>;
      };
      if (expected.value === undefined) {
        // Invalid for the builder: usageRecord reports the same error.
        assert.deepStrictEqual(got, expected);
      } else if (got.value !== undefined) {
        assert.deepStrictEqual(got.keys, expected.keys);
        // usageRecord settles costUsd and costSource from the metrics.
        const { costUsd: _a, costSource: _b, ...rest } = got.value;
        const { costUsd: _c, costSource: _d, ...same } = expected.value;
        assert.deepStrictEqual(rest, same);
      }
    }
  });
});

describe("the converters and encoders of events and LLM calls", () => {
  const event = eventRecord({
    agentId: "a",
    runId: "r",
    agentName: "n",
    eventType: "custom",
    data: { list: [1, "two", null], text: "\u0000 and \ud800" },
    timestamp: new Date("2025-01-02T03:04:05.678Z"),
  }, NOW);
  const call = usageRecord({
    agentId: "a",
    runId: "r",
    provider: "openai",
    model: "m",
    prompt: "p😀",
    inputParams: { temperature: 0.2 },
    inputTokens: 100,
    outputTokens: 20,
    responseContent: "r",
    usageMetrics: { cost_usd: 0.5 },
    status: "error",
    errorMessage: "e",
    latencyMs: 3,
    cacheReadTokens: 10,
    cacheWriteTokens: 5,
    reasoningTokens: 2,
  }, NOW);
  const nulls = usageRecord({}, NOW);

  it("convert as the reference does, field order included, times copied", () => {
    for (
      const [fast, reference] of [
        [toAgentRunEvent(7, event), toPublic(EVENT_FIELDS, 7, event)],
        [toAgentLlmUsage(8, call), toPublic(USAGE_FIELDS, 8, call)],
        [toAgentLlmUsage(9, nulls), toPublic(USAGE_FIELDS, 9, nulls)],
      ] as const
    ) {
      assert.deepStrictEqual(fast, reference);
      assert.deepStrictEqual(Object.keys(fast), Object.keys(reference));
    }
    // In place (`Stored.owned`): records in the public layout, `id` first.
    for (const record of [call, nulls]) {
      const owned = () => ({ id: 0, ...record });
      const fast = toAgentLlmUsage(8, owned(), true);
      const reference = toPublic(USAGE_FIELDS, 8, owned(), true);
      assert.deepStrictEqual(fast, reference);
      assert.deepStrictEqual(Object.keys(fast), Object.keys(reference));
      assert.deepStrictEqual(fast, toAgentLlmUsage(8, record));
    }
    const converted = toAgentRunEvent(1, event);
    assert.notEqual(converted.timestamp, event.timestamp);
    assert.notEqual(converted.createdAt, event.createdAt);
  });

  it("encode as the column list does", () => {
    assert.deepStrictEqual(
      encodeRecord(EVENTS, event),
      encodeColumns(EVENTS, event),
    );
    for (const record of [call, nulls]) {
      assert.deepStrictEqual(
        encodeRecord(USAGE, record),
        encodeColumns(USAGE, record),
      );
    }
    const into = ["before"];
    encodeRecord(EVENTS, event, into as never);
    assert.equal(into.length, 1 + EVENTS.columns.length);
  });
});

describe("decoding listed LLM calls", () => {
  // What drivers hand back, of every type, and what other programs may
  // have stored; timestamps only valid ones (an invalid Date equals no
  // other).
  const cells: unknown[] = [
    null,
    undefined,
    "",
    "text",
    "12",
    "😀",
    0,
    -0,
    7,
    1.5,
    NaN,
    2 ** 53 + 2,
    10n,
    true,
  ];
  const times: unknown[] = [
    null,
    undefined,
    "2024-03-01 10:02:03.004",
    "2024-03-01 10:02:03",
    "2024-03-01T10:02:03.123456+02:00",
    1709287323004,
    new Date("2025-01-02T03:04:05.678Z"),
  ];
  const created = USAGE.columns.findIndex((c) => c.field === "createdAt");

  it("decode arrays and objects as the column list does, in its order", () => {
    const names = ["id", ...USAGE.columns.map((c) => c.name)];
    const layouts = [
      names,
      [...names].reverse(),
      // An older schema's result, and a column twice (the last one wins).
      names.filter((name) => !name.startsWith("cache_")),
      [...names, "agent_id", "extra"],
    ];
    let checked = 0;
    for (const columns of layouts) {
      const at = columnPositions(USAGE, columns);
      for (let n = 0; n < cells.length * times.length; n++) {
        const values = columns.map((_, i) =>
          at[created] === i
            ? times[n % times.length]
            : cells[(n + 3 * i) % cells.length]
        );
        const reference = decodeValues(USAGE, at, values, ownedBlank(USAGE));
        // The same row as an object (a later column of a name wins, as in
        // the drivers' objects).
        const row = Object.fromEntries(columns.map((c, i) => [c, values[i]]));
        for (
          const decoded of [
            decodeOwnedValues(USAGE, at, values),
            decodeOwnedRow(USAGE, row),
            decodeRow(USAGE, row, ownedBlank(USAGE)),
          ]
        ) {
          assert.deepStrictEqual(decoded, reference);
          assert.deepStrictEqual(Object.keys(decoded), Object.keys(reference));
        }
        checked++;
      }
    }
    assert.equal(checked, layouts.length * cells.length * times.length);
  });
});

describe("codePointLength", () => {
  it("counts code points as Python's len, whichever way it scans", () => {
    // Around the lengths where Bun's ASCII check by encoding applies (256
    // to 16,384 characters), with and without characters past ASCII.
    const cases: string[] = ["", "a", "é", "😀", "a😀b", "\ud800", "\udc00x"];
    for (const length of [255, 256, 257, 2048, 16_383, 16_384, 16_385]) {
      const ascii = "x".repeat(length);
      cases.push(
        ascii,
        ascii.slice(1) + "é",
        ascii.slice(2) + "😀",
        "😀" + ascii.slice(2),
        ascii.slice(1) + "\ud800",
        ascii.slice(1) + "\u0000",
      );
    }
    for (const text of cases) {
      assert.equal(codePointLength(text), [...text].length, text.slice(-4));
    }
  });
});
