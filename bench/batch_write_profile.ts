/**
 * Where a batch of 1,000 events' (or, with `--table=usage`, LLM calls')
 * time goes on a SQLite file with the store's settings (or, with
 * `--postgres=URL`, on PostgreSQL):
 * `logAgentRunEvents` (`logLlmUsages`) beside the honest raw baseline (one
 * multi-row INSERT in one transaction, on the specification's schema),
 * alternating in short blocks (medians of wall-clock and CPU time), and
 * each part of the store's path timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/batch_write_profile.ts --blocks=40
 * npx -y node@24 bench/batch_write_profile.ts
 * npx -y deno@2 run -A bench/batch_write_profile.ts --before=/tmp/before
 * npx -y deno@2 run -A bench/batch_write_profile.ts --table=usage --per=2
 * npx -y deno@2 run -A bench/batch_write_profile.ts --postgres=postgres://postgres@127.0.0.1/test
 * ```
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import type { AgentRunEventInput, LlmUsageInput, Persistence } from "../mod.ts";
import {
  type EventRecord,
  eventRecord,
  toAgentLlmUsage,
  toAgentRunEvent,
  type UsageRecord,
  usageRecord,
} from "../src/core/records.ts";
import * as recordsModule from "../src/core/records.ts";
import type { SqlBackend } from "../src/sql/backend.ts";
import type { SqlValue } from "../src/sql/connection.ts";
import { encodeRecord, EVENTS, type Table, USAGE } from "../src/sql/tables.ts";
import * as tablesModule from "../src/sql/tables.ts";
import {
  eventInput,
  eventParams,
  filler,
  usageInput,
  usageParams,
} from "./data.ts";
import {
  BEFORE,
  flag,
  type Form,
  insertInto,
  median,
  openProfileDatabases,
  printMedians,
  timeInBlocks,
  withBefore,
} from "./profile.ts";

const HONEST = "raw: one INSERT in BEGIN/COMMIT, specification schema";
const BATCH = flag("batch", 1000);
const BLOCKS = flag("blocks", 40);
// Batches per block: each block writes PER × BATCH rows per form.
const PER = flag("per", 5);
const TEXT_BYTES = flag("textBytes", 2048);
const USAGE_TABLE = process.argv.includes("--table=usage");

/** What differs between a batch of events and one of LLM calls. */
interface Workload<I, R> {
  noun: string;
  definition: Table<R>;
  inputs(): I[];
  params(input: I): SqlValue[];
  record(input: I, now: Date): R;
  convert(id: number, record: R): unknown;
  log(store: Persistence, inputs: I[]): Promise<unknown>;
  insert(backend: SqlBackend, records: R[]): Promise<unknown>;
}

const texts = Array.from({ length: 16 }, (_, i) => filler(TEXT_BYTES, i));
let next = 0;

/** `w`, its types erased for the forms below, which only pass values on. */
function erased<I, R>(w: Workload<I, R>): Workload<unknown, unknown> {
  return w as unknown as Workload<unknown, unknown>;
}

const workload = USAGE_TABLE
  ? erased<LlmUsageInput, UsageRecord>({
    noun: "LLM calls",
    definition: USAGE,
    // Every call its own agent, run and text, as usage_batch_profile.ts.
    inputs: () =>
      Array.from(
        { length: BATCH },
        () => usageInput(next, texts[next++ % texts.length]!, 50, 1000, false),
      ),
    params: usageParams,
    record: (input, now) => usageRecord(input, now),
    convert: toAgentLlmUsage,
    log: (store, inputs) => store.logLlmUsages(inputs),
    insert: (backend, records) => backend.insertUsage(records),
  })
  : erased<AgentRunEventInput, EventRecord>({
    noun: "events",
    definition: EVENTS,
    inputs: () =>
      Array.from({ length: BATCH }, (_, i) => eventInput("r", i, false)),
    params: eventParams,
    record: (input, now) => eventRecord(input, now),
    convert: toAgentRunEvent,
    log: (store, inputs) => store.logAgentRunEvents(inputs),
    insert: (backend, records) => backend.insertEvents(records),
  });

/** The modules whose parts the profile times, this tree's or `--before`'s. */
interface PartModules {
  records: typeof recordsModule;
  tables: typeof tablesModule;
}

/**
 * Each CPU part of a batch alone, in a tree's modules: validating the
 * inputs (one fixed list), encoding the records and converting them.
 */
function partsOf(
  tag: string,
  records: unknown[],
  { records: r, tables: t }: PartModules,
): Form[] {
  const inputs = workload.inputs();
  const at = new Date();
  const table = USAGE_TABLE ? t.USAGE : t.EVENTS;
  const build: (input: unknown) => unknown = USAGE_TABLE
    ? (input: unknown) => r.usageRecord(input as LlmUsageInput, at)
    : (input: unknown) => r.eventRecord(input as AgentRunEventInput, at);
  const convert = USAGE_TABLE
    ? (id: number, record: unknown) =>
      r.toAgentLlmUsage(id, record as UsageRecord)
    : (id: number, record: unknown) =>
      r.toAgentRunEvent(id, record as EventRecord);
  return [
    [
      `part: ${tag}${USAGE_TABLE ? "usageRecord" : "eventRecord"} × batch`,
      () => inputs.map((input) => build(input)),
    ],
    [
      `part: ${tag}encodeRecord × batch`,
      () => {
        const params: SqlValue[] = [];
        for (const record of records) {
          t.encodeRecord(table as Table<unknown>, record, params);
        }
        return params;
      },
    ],
    [
      `part: ${tag}${
        USAGE_TABLE ? "toAgentLlmUsage" : "toAgentRunEvent"
      } × batch`,
      () => records.map((record, i) => convert(i + 1, record)),
    ],
  ];
}

const { store, before, honest, same, backend, close } =
  await openProfileDatabases(
    "batch-profile",
    { run: true },
  );
try {
  const w = workload;
  const plain = insertInto(same, w.definition, BATCH);
  const honestPlain = insertInto(honest, w.definition, BATCH);
  const returning = `${plain} RETURNING id`;
  const now = new Date();
  const records = w.inputs().map((input) => w.record(input, now));
  const params = records.flatMap((record) =>
    encodeRecord(w.definition, record)
  );
  const storeForm = `store.${
    USAGE_TABLE ? "logLlmUsages" : "logAgentRunEvents"
  }`;

  const forms = withBefore(
    [
      [storeForm, () => w.log(store, w.inputs())],
      [
        HONEST,
        () =>
          honest.transaction(() =>
            honest.query(honestPlain, w.inputs().flatMap(w.params))
          ),
      ],
      [
        "raw: one INSERT in BEGIN/COMMIT, store schema",
        () => same.transaction(() => same.query(plain, params)),
      ],
      [
        "raw: INSERT … RETURNING id alone, store schema",
        () => same.query(returning, params),
      ],
      [
        `layer: SqlBackend.insert${USAGE_TABLE ? "Usage" : "Events"}(records)`,
        () => w.insert(backend, records),
      ],
    ],
    before,
    storeForm,
    (older) => w.log(older, w.inputs()),
  );
  const parts: Form[] = [
    ...partsOf("", records, { records: recordsModule, tables: tablesModule }),
    ...BEFORE === undefined ? [] : partsOf(
      "before: ",
      records,
      {
        records: await import(join(BEFORE, "src/core/records.ts")),
        tables: await import(join(BEFORE, "src/sql/tables.ts")),
      },
    ),
    ["part: bench inputs and params", () => w.inputs().flatMap(w.params)],
  ];
  const results = await timeInBlocks(forms, parts, {
    blocks: BLOCKS,
    count: PER,
  });
  console.log(
    `${BLOCKS} blocks of ${PER} batches of ${BATCH} ${w.noun} per form, ` +
      "medians (µs per batch)",
  );
  printMedians(results, HONEST, { width: 54, digits: 0 });
  // The same ratios paired within each block, then the median: steadier
  // when the machine's load drifts between blocks.
  console.log("\nmedian of the ratios within each block (CPU, wall)");
  for (const [name, samples] of results) {
    if (name === HONEST || name.startsWith("part")) continue;
    const paired = (key: "cpu" | "wall") =>
      median(samples.map((s, i) => s[key] / results.get(HONEST)![i]![key]))
        .toFixed(2);
    console.log(`${name.padEnd(54)} ${paired("cpu")}× ${paired("wall")}×`);
  }
} finally {
  await close();
}
