/**
 * Where a lone awaited LLM-call write's time goes on a SQLite file with the
 * store's settings (or, with `--postgres=URL`, on PostgreSQL): `logLlmUsage` beside the honest raw autocommit insert,
 * alternating in rounds (medians), and each CPU part of the store's path
 * timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/usage_write_profile.ts --count=200 --blocks=60
 * npx -y node@24 bench/usage_write_profile.ts
 * npx -y deno@2 run -A bench/usage_write_profile.ts --before=/tmp/before
 * npx -y deno@2 run -A bench/usage_write_profile.ts --postgres=postgres://postgres@127.0.0.1/test
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
  type Form,
  insertInto,
  loneWriteForms,
  openProfileDatabases,
  profile,
  withBefore,
} from "./profile.ts";

const COUNT = flag("count", 200);
const ROUNDS = flag("blocks", 60);
const TEXT_BYTES = flag("textBytes", 2048);

const HONEST = "raw: autocommit INSERT, specification schema";
const texts = Array.from({ length: 16 }, (_, i) => filler(TEXT_BYTES, i));
const input = (i: number) =>
  usageInput(i, texts[i % texts.length]!, 10, 10, false);

const databases = await openProfileDatabases("usage-profile", { run: false });
const { store, before, honest, connection, layers, backend, close } = databases;
try {
  const plain = insertInto(honest, USAGE, 1);
  const record = usageRecord(input(0), new Date());
  const layeredStore = new Store(backend);
  const params = (i: number) => usageParams(input(i));
  const { raw, files } = loneWriteForms(
    databases,
    USAGE,
    params,
    (written, i) => written.logLlmUsage(input(i)),
  );
  const forms = withBefore(
    [
      ["store.logLlmUsage (awaited)", (i) => store.logLlmUsage(input(i))],
      [HONEST, (i) => honest.query(plain, params(i))],
      ...raw,
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
        "layer: the connection's insert",
        () =>
          connection.insert(
            insertInto(layers, USAGE, 1),
            encodeRecord(USAGE, record),
            1,
          ),
      ],
      ...files,
    ],
    before,
    "store.logLlmUsage (awaited)",
    (older, i) => older.logLlmUsage(input(i)),
  );
  const parts: Form[] = [
    [
      "part: usageRecord (validation, lengths, JSON)",
      (i) => usageRecord(input(i), new Date()),
    ],
    ["part: encodeRecord", () => encodeRecord(USAGE, record)],
    ["part: toAgentLlmUsage", (i) => toAgentLlmUsage(i, record)],
    ["part: bench input and params", (i) => params(i)],
  ];
  await profile(forms, parts, {
    blocks: ROUNDS,
    count: COUNT,
    title:
      `${ROUNDS} blocks of ${COUNT} writes per form, medians (µs per write)`,
    baseline: HONEST,
    width: 50,
    digits: 2,
  });
} finally {
  await close();
}
