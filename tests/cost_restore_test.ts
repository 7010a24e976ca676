// Costs survive export and import: a version-2 file restores every cost and
// cost source as stored (a recomputed one over a provided one, an unpriced
// call, another program's row), whatever the target's prices; a version-1
// file's calls are priced as new writes, at their createdAt. On every
// backend.
//
// gpt-4o rates from @pydantic/genai-prices 0.1.8 (the pinned version), in US
// dollars per million tokens: input 2.5, cache read 1.25, output 10.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  EXPORT_FORMAT,
  type ExportRecord,
  exportRecords,
  importLines,
  importRecords,
  type ModelPriceInput,
  type Persistence,
} from "../mod.ts";
import { dump } from "./_fixture.ts";
import { BACKENDS } from "./_backends.ts";

const MARCH = new Date("2025-03-01T12:00:00Z");

const ACME: ModelPriceInput[] = [
  {
    provider: "acme",
    model: "acme-*",
    inputPerMillion: 1,
    outputPerMillion: 2,
  },
];

/** Prices the source never had: a restore must not apply them. */
const OTHER_PRICES: ModelPriceInput[] = [
  { provider: "acme", model: "*", inputPerMillion: 7, outputPerMillion: 7 },
  { provider: "openai", model: "*", inputPerMillion: 7, outputPerMillion: 7 },
  { provider: "mystery", model: "*", inputPerMillion: 7, outputPerMillion: 7 },
];

/** A call of every cost kind, with token details. */
async function fillCosts(store: Persistence): Promise<void> {
  const at = (second: number) => new Date(MARCH.getTime() + second * 1000);
  await store.createAgentRun({ agentId: "a", runId: "r", createdAt: MARCH });
  await store.logLlmUsages([
    {
      agentId: "a",
      runId: "r",
      provider: "openai",
      model: "gpt-4o",
      inputTokens: 1000,
      cacheReadTokens: 200,
      outputTokens: 500,
      reasoningTokens: 100,
      createdAt: at(1),
    },
    {
      agentId: "a",
      runId: "r",
      provider: "anthropic",
      model: "claude-sonnet-4",
      inputTokens: 300,
      cacheWriteTokens: 100,
      cacheReadTokens: 50,
      outputTokens: 20,
      usageMetrics: { cost_usd: 0.25 },
      createdAt: at(2),
    },
    {
      agentId: "a",
      runId: "r",
      provider: "acme",
      model: "acme-large",
      inputTokens: 1_000_000,
      outputTokens: 1_000_000,
      costUsd: 9,
      createdAt: at(3),
    },
    {
      agentId: "a",
      runId: null,
      provider: "mystery",
      model: "unknown-1",
      inputTokens: 10,
      outputTokens: 10,
      createdAt: at(4),
    },
    { agentId: "a", runId: "r", model: "no-tokens", createdAt: at(5) },
  ]);
  // The acme call's provided $9 becomes a computed $3.
  await store.recomputeCosts({ includeProvided: true, provider: "acme" });
}

/** The LLM calls of `store`, by model: cost and source. */
async function costs(
  store: Persistence,
): Promise<Record<string, [number | null, string | null]>> {
  const result: Record<string, [number | null, string | null]> = {};
  for await (const call of store.iterateLlmUsage()) {
    result[call.model] = [call.costUsd, call.costSource];
  }
  return result;
}

function header(version: number): ExportRecord {
  return { type: "header", format: EXPORT_FORMAT, version, exportedAt: MARCH };
}

for (const [name, open] of BACKENDS) {
  describe(`costs survive export and import: ${name}`, () => {
    it("a version-2 export restores every field, cost source included", async () => {
      await using source = await open({ prices: ACME });
      await fillCosts(source);
      const expected = {
        "gpt-4o": [(800 * 2.5 + 200 * 1.25 + 500 * 10) / 1e6, "computed"],
        "claude-sonnet-4": [0.25, "provided"],
        "acme-large": [3, "computed"],
        "unknown-1": [null, null],
        "no-tokens": [null, null],
      };
      assert.deepEqual(await costs(source), expected);

      const records: ExportRecord[] = [];
      for await (const record of exportRecords(source)) records.push(record);
      const lines = records.map((record) => JSON.stringify(record));
      await using target = await open({ prices: OTHER_PRICES });
      const result = await importLines(target, lines);
      assert.deepEqual(result.added, { runs: 1, events: 0, llmUsage: 5 });
      assert.deepEqual(await dump(target), await dump(source));
      assert.deepEqual(await costs(target), expected);
      assert.deepEqual(
        await target.getAgentRunStats(),
        await source.getAgentRunStats(),
      );

      // Recomputed in the target, the costs differ: importing again still
      // recognises every call.
      await target.recomputeCosts({ includeProvided: true });
      const again = await importLines(target, lines);
      assert.deepEqual(again.added, { runs: 0, events: 0, llmUsage: 0 });
    });

    it("keeps another program's row as it was: its cost only in usageMetrics", async () => {
      await using target = await open({ prices: OTHER_PRICES });
      const record: ExportRecord = {
        type: "llm_usage",
        record: {
          agentId: null,
          runId: null,
          provider: "openai",
          model: "gpt-4o",
          prompt: "",
          promptLength: 0,
          inputParams: null,
          inputTokens: 10,
          outputTokens: 10,
          responseContent: null,
          responseLength: null,
          cacheReadTokens: null,
          cacheWriteTokens: null,
          reasoningTokens: null,
          usageMetrics: { cost_usd: 0.5 },
          status: "success",
          errorMessage: null,
          latencyMs: null,
          createdAt: MARCH,
          costUsd: null,
          costSource: null,
        },
      };
      await importRecords(target, [
        header(2),
        record,
        { type: "end", counts: { runs: 0, events: 0, llmUsage: 1 } },
      ]);
      const [call] = await target.getLlmUsage();
      assert.deepEqual([call!.costUsd, call!.costSource], [null, null]);
      assert.equal((await target.getAgentRunStats()).totalCostUsd, 0.5);
    });

    it("a version-1 export is priced as new writes, at each call's time", async () => {
      await using target = await open({ prices: ACME });
      const call = (model: string, extra: Record<string, unknown>) =>
        ({
          type: "llm_usage",
          record: {
            agentId: "a",
            runId: null,
            provider: model === "gpt-4o" ? "openai" : "acme",
            model,
            prompt: "",
            promptLength: 0,
            inputParams: null,
            inputTokens: 1000,
            outputTokens: 500,
            responseContent: null,
            responseLength: null,
            usageMetrics: null,
            status: "success",
            errorMessage: null,
            latencyMs: null,
            createdAt: MARCH,
            ...extra,
          },
        }) as ExportRecord;
      const records = [
        header(1),
        call("gpt-4o", {}),
        call("acme-small", { usageMetrics: { cost_usd: 0.125 } }),
        // Version 1 had no cost fields: one found there is not the file's.
        call("acme-tiny", { costUsd: 42, costSource: "provided" }),
        { type: "end", counts: { runs: 0, events: 0, llmUsage: 3 } },
      ] as ExportRecord[];
      const result = await importRecords(target, records);
      assert.equal(result.added.llmUsage, 3);
      assert.deepEqual(await costs(target), {
        "gpt-4o": [(1000 * 2.5 + 500 * 10) / 1e6, "computed"],
        "acme-small": [0.125, "provided"],
        "acme-tiny": [(1000 * 1 + 500 * 2) / 1e6, "computed"],
      });
      const again = await importRecords(target, records);
      assert.equal(again.added.llmUsage, 0);
    });
  });
}
