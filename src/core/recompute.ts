// Recomputing stored costs after prices change: page through the LLM calls,
// price each selected one afresh, write the changes batch by batch.

import type { Backend, Cursor, UsageCost } from "./backend.ts";
import type { Pricing } from "./prices.ts";
import { parseJson, type UsageRecord } from "./records.ts";
import { costUsd, nanoDollars } from "./usage_metrics.ts";
import { object, text, timestamp, wholeNumberOr } from "./validate.ts";
import { InvalidInputError } from "../errors.ts";
import type { RecomputeCostsOptions, RecomputeCostsResult } from "../types.ts";

/** The cost a call counts with: its own, or another program's in metrics. */
function currentCost(record: UsageRecord): number | null {
  if (record.costSource !== null) return record.costUsd;
  return costUsd(parseJson(record.usageMetrics)) ?? null;
}

function nanos(cost: number | null): number {
  return cost === null ? 0 : nanoDollars(cost) ?? 0;
}

/** Recomputes the costs `options` select; see `Persistence.recomputeCosts`. */
export async function recomputeCosts(
  backend: () => Backend,
  pricing: Pricing,
  options: RecomputeCostsOptions,
): Promise<RecomputeCostsResult> {
  const given = object("options", options);
  const since = given.since === undefined
    ? undefined
    : timestamp("since", given.since).getTime();
  const until = given.until === undefined
    ? undefined
    : timestamp("until", given.until).getTime();
  const provider = given.provider === undefined
    ? undefined
    : text("provider", given.provider);
  const model = given.model === undefined
    ? undefined
    : text("model", given.model);
  const batchSize = wholeNumberOr("batchSize", given.batchSize, 1000);
  if (batchSize === 0) {
    throw new InvalidInputError("batchSize", "must be at least 1");
  }
  const includeProvided = given.includeProvided === true;
  const dryRun = given.dryRun === true;
  const onProgress = given.onProgress === undefined
    ? undefined
    : callback("onProgress", given.onProgress);

  const result = { examined: 0, changed: 0, unpriced: 0, deltaUsd: 0 };
  let deltaNanos = 0;
  let after: Cursor | undefined;
  let read = 0;
  while (true) {
    const page = await backend().listUsage({
      agentId: undefined,
      runId: undefined,
      after,
      limit: batchSize,
    });
    const selected: {
      id: number;
      old: UsageRecord;
      fresh: UsageRecord;
      provided: boolean;
    }[] = [];
    for (const { id, record } of page) {
      const time = record.createdAt.getTime();
      if (since !== undefined && time < since) continue;
      if (until !== undefined && time >= until) continue;
      if (provider !== undefined && record.provider !== provider) continue;
      if (model !== undefined && record.model !== model) continue;
      const provided = record.costSource === "provided" ||
        (record.costSource === null && currentCost(record) !== null);
      if (provided && !includeProvided) continue;
      selected.push({
        id,
        old: record,
        fresh: { ...record, costUsd: null, costSource: null },
        provided,
      });
    }
    const pending = pricing.price(selected.map(({ fresh }) => fresh));
    if (pending) await pending;
    const changes: UsageCost[] = [];
    for (const { id, old, fresh, provided } of selected) {
      result.examined++;
      if (fresh.costUsd === null) {
        // A provided cost stays when no price is known.
        if (provided) continue;
        // Counted as the statistics count unpriced calls: with a token count.
        if (old.inputTokens !== null || old.outputTokens !== null) {
          result.unpriced++;
        }
      }
      if (
        fresh.costUsd === old.costUsd && fresh.costSource === old.costSource
      ) continue;
      result.changed++;
      const before = currentCost(old);
      deltaNanos += nanos(fresh.costUsd) - nanos(before);
      changes.push({
        id,
        costUsd: fresh.costUsd,
        costSource: fresh.costSource,
      });
    }
    if (!dryRun && changes.length > 0) {
      await backend().updateUsageCosts(changes);
    }
    read += page.length;
    onProgress?.(read);
    if (page.length < batchSize) break;
    after = page[page.length - 1]!.cursor;
  }
  result.deltaUsd = deltaNanos / 1e9;
  return result;
}

function callback(name: string, value: unknown): (read: number) => void {
  if (typeof value !== "function") {
    throw new InvalidInputError(name, "expected a function");
  }
  return value as (read: number) => void;
}
