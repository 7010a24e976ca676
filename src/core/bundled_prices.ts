// Prices from the bundled table of `@pydantic/genai-prices`, loaded on the
// first call that needs it, never updated from the network (`updatePrices`
// is never called). A bare `calcPrice` spends 25-100 µs per call matching
// the provider and model and checking the price data; a logging loop cannot
// afford that, so the model matched is cached per (provider, model) and the
// common token prices are computed here from its price schedule, by the
// library's rules. Prices this file does not handle go to `calcPrice`.

import type * as GenaiPrices from "@pydantic/genai-prices";
import { PersistenceError } from "../errors.ts";

type Library = typeof GenaiPrices;
type ModelPrice = GenaiPrices.ModelPrice;

/** The token counts of one call; `input` and `output` include the details. */
export interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

let library: Library | undefined;
let loading: Promise<Library> | undefined;

/** Whether the table is loaded, so that pricing needs no await. */
export function bundledPricesLoaded(): boolean {
  return library !== undefined;
}

/** Loads the table once per process. */
export function loadBundledPrices(): Promise<unknown> {
  // A literal specifier, so that bundlers and `deno publish` see it.
  loading ??= import("@pydantic/genai-prices").then((loaded) => {
    library = loaded;
    return loaded;
  }, (error) => {
    loading = undefined;
    throw new PersistenceError(
      `The price table (@pydantic/genai-prices) could not be loaded: ${
        (error as Error)?.message
      }`,
      { cause: error },
    );
  });
  return loading;
}

/** A rate in dollars per million tokens, or tiers by total input. */
type Rate = number | {
  base: number;
  tiers: { start: number; price: number }[];
};

/** The token rates of one price, compiled once. */
interface TokenRates {
  input?: Rate;
  output?: Rate;
  cacheRead?: Rate;
  cacheWrite?: Rate;
  reasoning?: Rate;
}

/** One dated price of a model: in force from `since` (ms) on. */
interface Period {
  since: number;
  /** `undefined` when the price has a part only `calcPrice` handles. */
  rates: TokenRates | undefined;
}

interface Match {
  provider: GenaiPrices.Provider;
  model: GenaiPrices.ModelInfo;
  /** Oldest first; `undefined` when a price depends on the time of day. */
  periods: Period[] | undefined;
}

const TOKEN_KEYS: Record<string, keyof TokenRates> = {
  input_mtok: "input",
  output_mtok: "output",
  cache_read_mtok: "cacheRead",
  cache_write_mtok: "cacheWrite",
  output_reasoning_mtok: "reasoning",
};

/**
 * The rates of `prices`. Prices of units a call never reports here (audio,
 * images, searches, one-hour cache writes) apply to zero of them and are
 * left out; a price per request is not, so it goes to `calcPrice`.
 */
function tokenRates(prices: ModelPrice): TokenRates | undefined {
  const rates: TokenRates = {};
  for (const [key, value] of Object.entries(prices)) {
    if (value === undefined) continue;
    const name = TOKEN_KEYS[key];
    if (name === undefined) {
      if (key.startsWith("requests")) return undefined;
      continue;
    }
    rates[name] = typeof value === "number" ? value : {
      base: value.base,
      tiers: [...value.tiers].sort((a, b) => a.start - b.start),
    };
  }
  return rates;
}

// Distinct (provider, model) pairs seen; bounded so odd input cannot grow it.
const MAX_MATCHES = 10_000;
const matches = new Map<string, Match | null>();

/**
 * The cost in US dollars of `tokens` of `model` by `provider` at `at`, from
 * the bundled table; `null` when the table does not know the model. Call it
 * only once {@linkcode bundledPricesLoaded}.
 */
export function bundledCost(
  provider: string,
  model: string,
  at: Date,
  tokens: Tokens,
): number | null {
  const lib = library!;
  const key = `${provider}\u0000${model}`;
  let match = matches.get(key);
  if (match === undefined) {
    match = findMatch(lib, provider, model, at);
    if (matches.size >= MAX_MATCHES) matches.clear();
    matches.set(key, match);
  }
  if (match === null) return null;
  const period = match.periods && periodAt(match.periods, at.getTime());
  if (period?.rates) return tokenCost(period.rates, tokens);
  // Rare prices (audio, searches, per request, time of day): the library's
  // own calculation, over the matched model only.
  try {
    const result = lib.calcPrice(usageOf(tokens), model, {
      provider: { ...match.provider, models: [match.model] },
      timestamp: at,
    });
    return result === null ? null : result.total_price;
  } catch {
    return null;
  }
}

function findMatch(
  lib: Library,
  provider: string,
  model: string,
  at: Date,
): Match | null {
  let result: GenaiPrices.PriceCalculationResult;
  try {
    result = lib.calcPrice(
      { input_tokens: 0, output_tokens: 0 },
      model,
      provider === ""
        ? { timestamp: at }
        : { providerId: provider, timestamp: at },
    );
  } catch {
    return null;
  }
  if (result === null) return null;
  return {
    provider: result.provider,
    model: result.model,
    periods: schedule(result.model),
  };
}

/** The model's prices by start date; `undefined` if any needs the time of day. */
function schedule(model: GenaiPrices.ModelInfo): Period[] | undefined {
  const period = (since: number, prices: ModelPrice): Period => ({
    since,
    rates: tokenRates(prices),
  });
  if (!Array.isArray(model.prices)) {
    return [period(-Infinity, model.prices)];
  }
  const periods: Period[] = [];
  for (const [i, { constraint, prices }] of model.prices.entries()) {
    if (constraint === undefined) {
      periods.push(period(-Infinity, prices));
    } else if ("start_date" in constraint) {
      periods.push(
        period(Date.parse(`${constraint.start_date}T00:00:00Z`), prices),
      );
    } else {
      return undefined;
    }
    // The library falls back to the first price before every start date.
    if (i === 0 && periods[0]!.since !== -Infinity) {
      periods.unshift(period(-Infinity, prices));
    }
  }
  return periods;
}

/** The price in force at `time`, as the library picks it: the last that applies. */
function periodAt(periods: Period[], time: number): Period {
  for (let i = periods.length - 1; i > 0; i--) {
    if (time >= periods[i]!.since) return periods[i]!;
  }
  return periods[0]!;
}

/**
 * The library's rule for token prices: each price applies to the tokens of
 * its kind not counted by a more specific priced kind (cache reads and
 * writes out of the input, reasoning out of the output), and a tiered price
 * takes the rate of the highest tier whose start the whole input exceeds.
 */
function tokenCost(rates: TokenRates, tokens: Tokens): number {
  const rate = (price: Rate | undefined): number | undefined => {
    if (price === undefined || typeof price === "number") return price;
    let chosen = price.base;
    for (const tier of price.tiers) {
      if (tokens.input > tier.start) chosen = tier.price;
    }
    return chosen;
  };
  const cacheRead = rate(rates.cacheRead);
  const cacheWrite = rate(rates.cacheWrite);
  const reasoning = rate(rates.reasoning);
  const plainInput = tokens.input -
    (cacheRead === undefined ? 0 : tokens.cacheRead) -
    (cacheWrite === undefined ? 0 : tokens.cacheWrite);
  const plainOutput = tokens.output -
    (reasoning === undefined ? 0 : tokens.reasoning);
  const part = (rate: number | undefined, count: number) =>
    rate === undefined || count <= 0 ? 0 : rate * count / 1e6;
  const input = part(rate(rates.input), plainInput) +
    part(cacheRead, tokens.cacheRead) + part(cacheWrite, tokens.cacheWrite);
  const output = part(rate(rates.output), plainOutput) +
    part(reasoning, tokens.reasoning);
  return input + output;
}

/** The library's usage keys of `tokens`. */
export function usageOf(tokens: Tokens): GenaiPrices.Usage {
  return {
    input_tokens: tokens.input,
    output_tokens: tokens.output,
    cache_read_tokens: tokens.cacheRead,
    cache_write_tokens: tokens.cacheWrite,
    output_reasoning_tokens: tokens.reasoning,
  };
}
