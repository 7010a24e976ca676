// The cost of an LLM call logged without one: from the store's own prices
// when one matches, else from the bundled table. A call with a cost keeps it;
// a model no table knows stays unpriced (null), never 0.

import { InvalidInputError } from "../errors.ts";
import type { ModelPriceInput } from "../types.ts";
import {
  bundledCost,
  bundledPricesLoaded,
  loadBundledPrices,
  type Tokens,
} from "./bundled_prices.ts";
import type { UsageRecord } from "./records.ts";
import { nonEmptyText, nonNegative, object, timestamp } from "./validate.ts";

interface CustomPrice {
  provider: string;
  model: RegExp;
  since: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Prices one store's LLM calls. */
export class Pricing {
  readonly #custom: CustomPrice[];
  // Per (provider, model): the matching custom prices, latest `since` first.
  readonly #customMatches = new Map<string, CustomPrice[]>();

  constructor(prices: readonly ModelPriceInput[] = []) {
    if (!Array.isArray(prices as unknown)) {
      throw new InvalidInputError("prices", "expected an array");
    }
    this.#custom = prices.map((price, i) =>
      customPrice(`prices[${i}]`, price as unknown)
    );
  }

  /**
   * Fills in the cost of records logged without one. Awaits only while the
   * bundled table is first loaded; after that it settles at once.
   */
  price(records: UsageRecord[]): Promise<void> | undefined {
    let waiting: UsageRecord[] | undefined;
    for (const record of records) {
      if (!this.#priceFromCustom(record)) continue;
      if (bundledPricesLoaded()) priceFromTable(record);
      else (waiting ??= []).push(record);
    }
    if (!waiting) return undefined;
    const later = waiting;
    return loadBundledPrices().then(() => later.forEach(priceFromTable));
  }

  /** Prices `record` from the store's prices; `true` if the table must. */
  #priceFromCustom(record: UsageRecord): boolean {
    if (record.costSource !== null) return false;
    if (record.inputTokens === null || record.outputTokens === null) {
      return false;
    }
    if (this.#custom.length > 0) {
      const key = `${record.provider}\u0000${record.model}`;
      let candidates = this.#customMatches.get(key);
      if (!candidates) {
        candidates = this.#custom
          .filter((p) =>
            p.provider === record.provider.toLowerCase() &&
            p.model.test(record.model)
          )
          .sort((a, b) => b.since - a.since);
        if (this.#customMatches.size >= 10_000) this.#customMatches.clear();
        this.#customMatches.set(key, candidates);
      }
      const time = record.createdAt.getTime();
      const price = candidates.find((p) => p.since <= time);
      if (price) {
        setCost(record, customCost(price, tokensOf(record)));
        return false;
      }
    }
    return true;
  }
}

function priceFromTable(record: UsageRecord): void {
  setCost(
    record,
    bundledCost(
      record.provider,
      record.model,
      record.createdAt,
      tokensOf(record),
    ),
  );
}

function setCost(record: UsageRecord, cost: number | null): void {
  if (cost === null || !Number.isFinite(cost)) return;
  record.costUsd = cost === 0 ? 0 : cost;
  record.costSource = "computed";
}

function tokensOf(record: UsageRecord): Tokens {
  return {
    input: record.inputTokens ?? 0,
    output: record.outputTokens ?? 0,
    cacheRead: record.cacheReadTokens ?? 0,
    cacheWrite: record.cacheWriteTokens ?? 0,
    reasoning: record.reasoningTokens ?? 0,
  };
}

function customCost(price: CustomPrice, tokens: Tokens): number {
  const plainInput = tokens.input - tokens.cacheRead - tokens.cacheWrite;
  return (plainInput * price.input + tokens.cacheRead * price.cacheRead +
    tokens.cacheWrite * price.cacheWrite + tokens.output * price.output) /
    1e6;
}

function customPrice(field: string, value: unknown): CustomPrice {
  const given = object(field, value);
  const rate = (name: string, fallback?: number): number =>
    given[name] === undefined && fallback !== undefined
      ? fallback
      : nonNegative(`${field}.${name}`, given[name]);
  const input = rate("inputPerMillion");
  const model = nonEmptyText(`${field}.model`, given.model, 255);
  return {
    provider: nonEmptyText(`${field}.provider`, given.provider, 100)
      .toLowerCase(),
    model: wildcard(model),
    since: given.since === undefined
      ? -Infinity
      : timestamp(`${field}.since`, given.since).getTime(),
    input,
    output: rate("outputPerMillion"),
    cacheRead: rate("cacheReadPerMillion", input),
    cacheWrite: rate("cacheWritePerMillion", input),
  };
}

/** `*` stands for any characters; everything else is literal. */
function wildcard(pattern: string): RegExp {
  const parts = pattern.split("*").map((part) =>
    part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  );
  return new RegExp(`^${parts.join(".*")}$`, "is");
}
