// A JSON field is redacted on the value the caller gave, string by string,
// and serialised once: the result must be what JSON.stringify makes of that
// value with the same strings rewritten, whatever the value holds.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EVENT_FIELDS } from "../../src/core/fields.ts";
import { Redaction } from "../../src/core/redaction.ts";
import { jsonText } from "../../src/core/validate.ts";

const VALUES: unknown[] = [
  "plain",
  42,
  [1, "two", null, undefined, () => 3, Symbol("s"), NaN, -0, Infinity],
  { a: "x", b: undefined, c: () => 1, d: [{ e: "deep" }], f: true },
  { when: new Date("2025-01-02T03:04:05.678Z"), boxed: new String("boxed") },
  { n: new Number(7), b: new Boolean(false), custom: { toJSON: () => "mine" } },
  { withKey: { toJSON: (key: string) => `key ${key}` } },
  JSON.parse('{"__proto__": "kept as a key", "x": ["\\u0000", "\\ud800"]}'),
  { nested: [[["a", ["b", { c: "d" }]]]] },
];

const upper = (text: string) => text.toUpperCase();

describe("redaction of JSON fields", () => {
  it("equals JSON.stringify with every string rewritten", () => {
    const redaction = new Redaction({ redact: upper });
    for (const value of VALUES) {
      const record = { data: jsonText("data", value) };
      const redacted = redaction.apply(EVENT_FIELDS, record, { data: value });
      // What JSON.stringify reads of the value (toJSON called, boxed
      // values unboxed), with every string rewritten.
      const expected = JSON.stringify(
        JSON.parse(JSON.stringify(value)),
        (_key, item) => typeof item === "string" ? upper(item) : item,
      );
      assert.equal(redacted.data, expected, String(expected));
    }
  });

  it("reads stored text the same way when no value is given", () => {
    const redaction = new Redaction({ redact: upper });
    for (const value of VALUES) {
      const stored = jsonText("data", value);
      const fromValue = redaction.apply(EVENT_FIELDS, { data: stored }, {
        data: value,
      });
      const fromText = redaction.apply(EVENT_FIELDS, { data: stored });
      assert.equal(fromText.data, fromValue.data);
    }
  });

  it("sees the strings in document order", () => {
    const seen: string[] = [];
    const redaction = new Redaction({
      redact: (text) => {
        seen.push(text);
        return text;
      },
    });
    const value = { a: "1", b: ["2", { c: "3" }, "4"], d: "5" };
    redaction.apply(EVENT_FIELDS, { data: jsonText("data", value) }, {
      data: value,
    });
    assert.deepEqual(seen, ["1", "2", "3", "4", "5"]);
  });

  it("takes values as deep as JSON.stringify does", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 3_000; i++) deep = [deep];
    const redaction = new Redaction({ redact: upper });
    const redacted = redaction.apply(EVENT_FIELDS, {
      data: jsonText("data", deep),
    }, { data: deep });
    assert.ok(redacted.data!.includes('"BOTTOM"'));
  });
});
