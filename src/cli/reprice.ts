// `reprice`: recompute the stored costs of LLM calls, after prices changed
// or with prices of one's own from a file.

import { readFile } from "node:fs/promises";
import { Pricing } from "../core/prices.ts";
import { InvalidInputError } from "../errors.ts";
import type { ModelPriceInput, RecomputeCostsOptions } from "../types.ts";
import { parseCount, parseId, parseTime, UsageError } from "./args.ts";
import type { Command } from "./commands.ts";
import { type Context, openStore, output } from "./context.ts";
import { formatCount, plural } from "./display.ts";
import { progressBar } from "./progress_bar.ts";

const text = { type: "string" } as const;
const flag = { type: "boolean" } as const;

/** The `reprice` command, for the command table. */
export const repriceCommand: Command = {
  usage:
    "[--prices FILE.json] [--since DATE|AGE] [--until DATE|AGE] [--provider P] [--model M] [--include-provided] [--dry-run] [--batch-size N]",
  summary: "Recompute the costs of LLM calls, with prices from a file too",
  options: {
    prices: text,
    since: text,
    until: text,
    provider: text,
    model: text,
    "include-provided": flag,
    "dry-run": flag,
    "batch-size": text,
  },
  arguments: [],
  json: true,
  run: reprice,
};

/**
 * `reprice [--prices FILE.json] [--since T] [--until T] [--provider P]
 * [--model M] [--include-provided] [--dry-run] [--batch-size N]`.
 */
async function reprice(ctx: Context): Promise<void> {
  const values = ctx.values;
  const now = new Date();
  const text = (name: string) =>
    typeof values[name] === "string" ? values[name] as string : undefined;
  const since = text("since");
  const until = text("until");
  const provider = text("provider");
  const model = text("model");
  const batchSize = text("batch-size");
  const dryRun = values["dry-run"] === true;
  const options: RecomputeCostsOptions = {
    ...(since === undefined ? {} : { since: parseTime("since", since, now) }),
    ...(until === undefined ? {} : { until: parseTime("until", until, now) }),
    ...(provider === undefined
      ? {}
      : { provider: parseId("--provider", provider) }),
    ...(model === undefined ? {} : { model: parseId("--model", model) }),
    ...(batchSize === undefined
      ? {}
      : { batchSize: parseCount("batch-size", batchSize) }),
    includeProvided: values["include-provided"] === true,
    dryRun,
  };
  const pricesPath = text("prices");
  const prices = pricesPath === undefined
    ? undefined
    : await readPrices(pricesPath);
  await using store = await openStore(ctx, values.db as string, {
    mustExist: true,
    ...(prices ? { prices } : {}),
  });
  const total = (await store.getStoreInfo()).llmUsage;
  const bar = progressBar(dryRun ? "Checking" : "Repricing", total);
  let result;
  try {
    result = await store.recomputeCosts({
      ...options,
      onProgress: (read) => bar.update(read),
    });
  } finally {
    bar.done();
  }
  await output(ctx, { ...result, dryRun }, () => {
    const delta = result.deltaUsd;
    const sign = delta < 0 ? "-" : "+";
    return `${dryRun ? "Would change" : "Changed"} the cost of ${
      formatCount(result.changed)
    } of ${plural(result.examined, "LLM call")} examined (${sign}$${
      Math.abs(delta).toFixed(6)
    }); ${formatCount(result.unpriced)} left unpriced\n`;
  });
}

/**
 * The prices of a JSON file: an array of {@linkcode ModelPriceInput}, each
 * `since` an ISO time. Bad content is a usage error naming the file.
 */
async function readPrices(path: string): Promise<ModelPriceInput[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UsageError(
      `--prices ${path}: ${
        error instanceof SyntaxError ? "not JSON" : (error as Error).message
      }`,
    );
  }
  if (!Array.isArray(value)) {
    throw new UsageError(
      `--prices ${path}: expected an array of prices, such as [{"provider": "openai", "model": "gpt-4o", "inputPerMillion": 2.5, "outputPerMillion": 10}]`,
    );
  }
  const prices = value.map((entry, i) => {
    const since = (entry as { since?: unknown } | null)?.since;
    if (typeof since !== "string") return entry as ModelPriceInput;
    const date = new Date(since);
    if (Number.isNaN(date.getTime())) {
      throw new UsageError(
        `--prices ${path}: [${i}].since is not an ISO time: ${
          JSON.stringify(since).slice(0, 40)
        }`,
      );
    }
    return { ...entry, since: date } as ModelPriceInput;
  });
  try {
    // Checked before the store opens, so that a bad file writes nothing.
    new Pricing(prices);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new UsageError(`--prices ${path}: ${error.message}`);
  }
  return prices;
}
