// The fast path of bundled pricing computes token prices from the cached
// model's schedule instead of calling `calcPrice` per call: it must give
// what `calcPrice` gives, for every model, date and tier of the table.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { calcPrice, findProvider } from "@pydantic/genai-prices";
import {
  bundledCost,
  loadBundledPrices,
  type Tokens,
  usageOf,
} from "../../src/core/bundled_prices.ts";

const PROVIDERS = [
  "openai",
  "anthropic",
  "google",
  "aws",
  "azure",
  "deepseek",
  "groq",
  "mistral",
  "x-ai",
  "openrouter",
  "together",
  "fireworks",
  "cohere",
  "perplexity",
];

const DATES = [
  new Date("2024-01-01T12:00:00Z"),
  new Date("2025-06-10T00:00:00Z"),
  new Date("2026-09-01T03:30:00Z"),
];

const TOKENS: Tokens[] = [
  { input: 1000, output: 500, cacheRead: 200, cacheWrite: 100, reasoning: 50 },
  {
    input: 300_000,
    output: 5000,
    cacheRead: 1000,
    cacheWrite: 0,
    reasoning: 0,
  },
  { input: 10, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
];

describe("bundled prices", () => {
  it("equal calcPrice for every model, date and tier", async () => {
    await loadBundledPrices();
    let compared = 0;
    for (const providerId of PROVIDERS) {
      const provider = findProvider({ providerId });
      assert.ok(provider, providerId);
      for (const model of provider.models) {
        for (const at of DATES) {
          for (const tokens of TOKENS) {
            const expected = calcPrice(usageOf(tokens), model.id, {
              providerId,
              timestamp: at,
            })?.total_price ?? null;
            const actual = bundledCost(providerId, model.id, at, tokens);
            const what = `${providerId} ${model.id} ${at.toISOString()}`;
            if (expected === null) assert.equal(actual, null, what);
            else {
              assert.ok(
                actual !== null &&
                  Math.abs(actual - expected) <= 1e-12 * Math.max(1, expected),
                `${what}: ${actual} != ${expected}`,
              );
            }
            compared++;
          }
        }
      }
    }
    assert.ok(compared > 5000, `only ${compared} prices compared`);
  });

  it("leaves a model the table does not know unpriced", async () => {
    await loadBundledPrices();
    const tokens = TOKENS[0]!;
    assert.equal(
      bundledCost("openai", "no-such-model", DATES[0]!, tokens),
      null,
    );
    assert.equal(
      bundledCost("no-such-provider", "gpt-4o", DATES[0]!, tokens),
      null,
    );
  });
});
