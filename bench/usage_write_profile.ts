/**
 * Where a lone awaited LLM-call write's time goes on a SQLite file with the
 * store's settings: `logLlmUsage` beside the honest raw autocommit insert,
 * alternating in rounds (medians), and each CPU part of the store's path
 * timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/usage_write_profile.ts --count=200 --blocks=60
 * npx -y node@24 bench/usage_write_profile.ts
 * npx -y deno@2 run -A bench/usage_write_profile.ts --before=/tmp/before
 * ```
 *
 * @module
 */

import { toAgentLlmUsage, usageRecord } from "../src/core/records.ts";
import { Store } from "../src/core/store.ts";
import { encodeRecord, USAGE } from "../src/sql/tables.ts";
import { filler, usageInput, usageParams } from "./data.ts";
import {
  flag,
  openProfileDatabases,
  printMedians,
  timeInBlocks,
} from "./profile.ts";
import { plainInsert } from "./raw.ts";

const COUNT = flag("count", 200);
const ROUNDS = flag("blocks", 60);
const TEXT_BYTES = flag("textBytes", 2048);

const HONEST = "raw: autocommit INSERT, specification schema";
const texts = Array.from({ length: 16 }, (_, i) => filler(TEXT_BYTES, i));
const input = (i: number) =>
  usageInput(i, texts[i % texts.length]!, 10, 10, false);

const {
  store,
  before,
  noVacuum,
  honest,
  honestIncremental,
  same,
  connection,
  backend,
  close,
} = await openProfileDatabases("usage-profile", { run: false });
try {
  const plain = plainInsert("agent_llm_usage", USAGE, 1);
  const returning = `${plain} RETURNING id`;
  const record = usageRecord(input(0), new Date());
  const layeredStore = new Store(backend);
  const rowSql = plain;
  const forms: [string, (i: number) => unknown][] = [
    ["store.logLlmUsage (awaited)", (i) => store.logLlmUsage(input(i))],
    [HONEST, (i) => honest.query(plain, usageParams(input(i)))],
    [
      "raw: INSERT … RETURNING id, store schema",
      (i) => same.query(returning, usageParams(input(i))),
    ],
    [
      "raw: autocommit INSERT, store schema",
      (i) => same.query(plain, usageParams(input(i))),
    ],
    [
      "layer: SqlBackend.insertUsage([record])",
      () => backend.insertUsage([record]),
    ],
    [
      "layer: Store over SqlBackend",
      (i) => layeredStore.logLlmUsage(input(i)),
    ],
    [
      "layer: usageRecord, then SqlBackend.insertUsage",
      (i) => backend.insertUsage([usageRecord(input(i), new Date())]),
    ],
    [
      "layer: SqliteConnection.insert",
      () => connection.insert(rowSql, encodeRecord(USAGE, record), 1),
    ],
  ];
  forms.push(
    [
      "store on a file without auto_vacuum",
      (i) => noVacuum.logLlmUsage(input(i)),
    ],
    [
      "raw: autocommit INSERT, spec schema, incremental",
      (i) => honestIncremental.query(plain, usageParams(input(i))),
    ],
  );
  if (before) {
    forms.splice(1, 0, [
      "before: store.logLlmUsage (awaited)",
      (i) => before.logLlmUsage(input(i)),
    ]);
  }
  const parts: [string, (i: number) => unknown][] = [
    [
      "part: usageRecord (validation, lengths, JSON)",
      (i) => usageRecord(input(i), new Date()),
    ],
    ["part: encodeRecord", () => encodeRecord(USAGE, record)],
    ["part: toAgentLlmUsage", (i) => toAgentLlmUsage(i, record)],
    ["part: bench input and params", (i) => usageParams(input(i))],
  ];
  const results = await timeInBlocks(forms, parts, {
    blocks: ROUNDS,
    count: COUNT,
  });
  console.log(
    `${ROUNDS} blocks of ${COUNT} writes per form, medians (µs per write)`,
  );
  printMedians(results, HONEST, { width: 50, digits: 2 });
} finally {
  await close();
}
