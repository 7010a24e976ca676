// Workload 8: pricing must not slow logging, and what recomputing costs
// takes. The baseline of the first measurement is the store itself, logging
// the same calls with their cost given, so that the ratio is what computing
// the cost adds to a write.

import assert from "node:assert/strict";
import type { LlmUsageInput } from "../mod.ts";
import type { BenchConfig } from "./config.ts";
import type { Measurement, Sink, Target, Workload } from "./workloads.ts";

/** Eight models of the bundled table, of three providers. */
const MODELS: readonly [string, string][] = [
  ["openai", "gpt-4o"],
  ["openai", "gpt-4o-mini"],
  ["openai", "gpt-4.1"],
  ["openai", "gpt-4.1-mini"],
  ["openai", "o3-mini"],
  ["anthropic", "claude-3-5-sonnet-20241022"],
  ["anthropic", "claude-3-5-haiku-20241022"],
  ["google", "gemini-2.0-flash"],
];

/** A fixed time, so that every backend prices the same calls alike. */
const EPOCH = Date.UTC(2026, 0, 1);

/** Call `i`: tokens with cache reads, no cost unless `withCost`. */
function pricedInput(i: number, withCost: boolean): LlmUsageInput {
  const [provider, model] = MODELS[i % MODELS.length]!;
  const input: LlmUsageInput = {
    agentId: "pricing",
    runId: `run-${i % 100}`,
    provider,
    model,
    prompt: "Summarise the news",
    inputTokens: 1000 + (i % 900),
    cacheReadTokens: i % 500,
    outputTokens: 100 + (i % 300),
    responseContent: "The news, in short",
    latencyMs: 200 + (i % 800),
    createdAt: new Date(EPOCH + i),
  };
  if (withCost) input.usageMetrics = { cost_usd: 0.0001 * (1 + (i % 7)) };
  return input;
}

const now = () => performance.now();

/** Logs `count` calls one at a time, each awaited; the time it took. */
async function logEach(
  target: Target,
  count: number,
  withCost: boolean,
): Promise<number> {
  await target.clear();
  const start = now();
  for (let i = 0; i < count; i++) {
    await target.store.logLlmUsage(pricedInput(i, withCost));
  }
  return now() - start;
}

async function writes(target: Target, config: BenchConfig, sink: Sink) {
  const measurement: Measurement = {
    workload: 8,
    name: "tokens only, vs cost given",
    backend: target.backend,
    unit: "ms",
    store: [],
    raw: [],
  };
  // The table loads on the first call that needs it, before any timing.
  await target.clear();
  const first = await target.store.logLlmUsage(pricedInput(0, false));
  assert.equal(first.costSource, "computed");
  for (let i = 0; i < config.repeat; i++) {
    // Which goes first alternates, so that noise hits both alike.
    const order = i % 2 === 0 ? [false, true] : [true, false];
    for (const withCost of order) {
      const ms = await logEach(target, config.pricedUsage, withCost);
      (withCost ? measurement.raw! : measurement.store).push(ms);
    }
  }
  sink.measurements.push(measurement);
}

async function recompute(target: Target, config: BenchConfig, sink: Sink) {
  const count = config.repriceUsage;
  sink.progress(`loading ${count} calls with their cost given`);
  await target.clear();
  const batch = 1000;
  for (let start = 0; start < count; start += batch) {
    const inputs: LlmUsageInput[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      inputs.push(pricedInput(i, true));
    }
    await target.store.logLlmUsages(inputs);
  }
  await target.analyze();
  // Once: every provided cost is replaced by a computed one, every row
  // written. Then, repeated: every cost computed again, none changed.
  let start = now();
  const all = await target.store.recomputeCosts({ includeProvided: true });
  const changed = now() - start;
  assert.equal(all.changed, count);
  sink.measurements.push({
    workload: 8,
    name: "recomputeCosts, every cost changes",
    backend: target.backend,
    unit: "ms",
    store: [changed],
    raw: undefined,
  });
  const same: number[] = [];
  for (let i = 0; i < config.repeat; i++) {
    start = now();
    const none = await target.store.recomputeCosts();
    same.push(now() - start);
    assert.deepEqual([none.examined, none.changed], [count, 0]);
  }
  sink.measurements.push({
    workload: 8,
    name: "recomputeCosts, no cost changes",
    backend: target.backend,
    unit: "ms",
    store: same,
    raw: undefined,
  });
  await target.clear();
}

/** Workload 8. */
export const w8: Workload = {
  id: 8,
  title: (c) =>
    `${c.pricedUsage} LLM calls across ${MODELS.length} models, each awaited, ` +
    `priced from their tokens vs their cost given (the baseline); ` +
    `recomputeCosts over ${c.repriceUsage} calls`,
  async run(target, config, sink) {
    await writes(target, config, sink);
    await recompute(target, config, sink);
  },
};
