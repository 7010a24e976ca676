/**
 * Where the latest 50 LLM calls of one agent (and of one run) spend their
 * time on a SQLite file with the store's settings (or, with
 * `--postgres=URL`, on PostgreSQL): `getLlmUsage` beside the
 * raw driver sending the same indexed query (the baseline, its rows
 * unconverted) and the same query converting its rows by hand, alternating
 * in short blocks (medians of wall-clock and CPU time), and each part of
 * the store's path timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/latest_calls_profile.ts --calls=100000 --blocks=40
 * npx -y node@24 bench/latest_calls_profile.ts
 * npx -y deno@2 run -A bench/latest_calls_profile.ts --before=/tmp/before
 * npx -y deno@2 run -A bench/latest_calls_profile.ts --postgres=postgres://postgres@127.0.0.1/test
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";
import type { LlmUsageInput } from "../mod.ts";
import { toAgentLlmUsage } from "../src/core/records.ts";
import type { Backend } from "../src/core/backend.ts";
import { Store } from "../src/core/store.ts";
import type { SqlRow } from "../src/sql/connection.ts";
import { storedRow } from "../src/sql/paging.ts";
import { USAGE } from "../src/sql/tables.ts";
import { parseTimestamp } from "../src/sql/timestamps.ts";
import { agentName, usageInput, usageParams } from "./data.ts";
import {
  flag,
  type Form,
  insertInto,
  openProfileDatabases,
  profile,
  withBefore,
} from "./profile.ts";

const CALLS = flag("calls", 100_000);
const AGENTS = flag("agents", 100);
const RUNS = flag("runs", 1000);
const BLOCKS = flag("blocks", 40);
const PER = flag("per", 20);
const BATCH = 1000;
const RAW = "raw: the same query, rows unconverted";

/** An LLM call row as the store returns it, converted by hand. */
function toCall(row: SqlRow) {
  const json = (value: unknown) =>
    value === null ? null : JSON.parse(String(value));
  const integer = (value: unknown) => value === null ? null : Number(value);
  return {
    id: Number(row.id),
    agentId: row.agent_id as string | null,
    runId: row.run_id as string | null,
    provider: String(row.provider),
    model: String(row.model),
    prompt: String(row.prompt),
    promptLength: Number(row.prompt_length),
    inputParams: json(row.input_params),
    inputTokens: integer(row.input_tokens),
    outputTokens: integer(row.output_tokens),
    responseContent: row.response_content as string | null,
    responseLength: integer(row.response_length),
    usageMetrics: json(row.usage_metrics),
    status: String(row.status),
    errorMessage: row.error_message as string | null,
    latencyMs: integer(row.latency_ms),
    createdAt: parseTimestamp(row.created_at),
    cacheReadTokens: integer(row.cache_read_tokens),
    cacheWriteTokens: integer(row.cache_write_tokens),
    reasoningTokens: integer(row.reasoning_tokens),
    costUsd: integer(row.cost_usd),
    costSource: row.cost_source as string | null,
  };
}

const databases = await openProfileDatabases("latest-profile", {
  run: false,
});
const { store, before, same, connection, layers, backend, close } = databases;
try {
  const input = (i: number): LlmUsageInput =>
    usageInput(i, "Summarise the news", AGENTS, RUNS, true);
  const insert = insertInto(same, USAGE, BATCH);
  const layersInsert = insertInto(layers, USAGE, BATCH);
  for (let start = 0; start < CALLS; start += BATCH) {
    const inputs = Array.from({ length: BATCH }, (_, k) => input(start + k));
    await store.logLlmUsages(inputs);
    await before?.logLlmUsages(inputs);
    const params = inputs.flatMap(usageParams);
    await same.transaction(() => same.query(insert, params));
    await connection.transaction((tx) =>
      tx.insert(layersInsert, params, BATCH)
    );
  }
  await databases.analyze();
  // The store's code over the layers' own connection to their file.
  const layered = new Store(backend);
  const filters = [
    ["one agent", { agentId: agentName(1) }],
    ["one run", { runId: "run-1" }],
  ] as const;
  for (const [label, filter] of filters) {
    const query = { agentId: undefined, runId: undefined, ...filter };
    const listed = (b: Backend) =>
      b.listUsage({ ...query, after: undefined, limit: 50 });
    const { sql, params } = (await databases.sameSql.capture(listed))
      .statements[0]!;
    const layersSql = (await databases.layersSql.capture(listed))
      .statements[0]!.sql;
    // The rows as the store's connection reads them.
    const rows = await connection.query(layersSql, params);
    assert.equal(rows.length, 50);
    assert.equal(
      (await store.getLlmUsage({ ...filter, limit: 50 })).length,
      50,
    );
    const forms = withBefore(
      [
        [
          `store.getLlmUsage, ${label}`,
          () => store.getLlmUsage({ ...filter, limit: 50 }),
        ],
        [RAW, () => same.query(sql, params)],
        [
          "raw: the same query, rows converted by hand",
          async () => (await same.query(sql, params)).map(toCall),
        ],
        [
          "layer: the connection's query",
          () => connection.query(layersSql, params),
        ],
        [
          "layer: Store over SqlBackend",
          () => layered.getLlmUsage({ ...filter, limit: 50 }),
        ],
        [
          "layer: SqlBackend.listUsage",
          () => backend.listUsage({ ...query, after: undefined, limit: 50 }),
        ],
      ],
      before,
      `store.getLlmUsage, ${label}`,
      (older) => older.getLlmUsage({ ...filter, limit: 50 }),
    );
    const parts: Form[] = [
      [
        "part: 50 rows to records (storedRow)",
        () => rows.map((row) => storedRow(USAGE, row, "created_at")),
      ],
      [
        "part: 50 rows to public records (storedRow, toAgentLlmUsage)",
        () =>
          rows.map((row) => {
            const stored = storedRow(USAGE, row, "created_at");
            return toAgentLlmUsage(stored.id, stored.record);
          }),
      ],
      [
        "part: 50 rows to public records in place (owned)",
        () =>
          rows.map((row) => {
            const stored = storedRow(USAGE, row, "created_at", true);
            return toAgentLlmUsage(stored.id, stored.record, true);
          }),
      ],
      ["part: 50 rows converted by hand", () => rows.map(toCall)],
    ];
    await profile(forms, parts, {
      blocks: BLOCKS,
      count: PER,
      title: `${label}: ${BLOCKS} blocks of ${PER} queries per form over ` +
        `${CALLS} calls, medians (µs per query)`,
      baseline: RAW,
      width: 62,
      digits: 1,
    });
  }
} finally {
  await close();
}
