/**
 * Where a batch of 1,000 events' time goes on a SQLite file with the
 * store's settings (or, with `--postgres=URL`, on PostgreSQL): `logAgentRunEvents` beside the honest raw baseline (one
 * multi-row INSERT in one transaction, on the specification's schema),
 * alternating in short blocks (medians of wall-clock and CPU time), and each
 * part of the store's path timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/batch_write_profile.ts --blocks=40
 * npx -y node@24 bench/batch_write_profile.ts
 * npx -y deno@2 run -A bench/batch_write_profile.ts --before=/tmp/before
 * npx -y deno@2 run -A bench/batch_write_profile.ts --postgres=postgres://postgres@127.0.0.1/test
 * ```
 *
 * @module
 */

import type { AgentRunEventInput } from "../mod.ts";
import { eventRecord, toAgentRunEvent } from "../src/core/records.ts";
import { encodeRecord, EVENTS } from "../src/sql/tables.ts";
import { eventInput, eventParams } from "./data.ts";
import {
  flag,
  type Form,
  insertInto,
  openProfileDatabases,
  profile,
  withBefore,
} from "./profile.ts";

const HONEST = "raw: one INSERT in BEGIN/COMMIT, specification schema";
const BATCH = flag("batch", 1000);
const BLOCKS = flag("blocks", 40);
// Batches per block: each block writes PER × BATCH events per form.
const PER = flag("per", 5);

const inputs = (): AgentRunEventInput[] =>
  Array.from({ length: BATCH }, (_, i) => eventInput("r", i, false));

const { store, before, honest, same, backend, close } =
  await openProfileDatabases(
    "batch-profile",
    { run: true },
  );
try {
  const plain = insertInto(same, EVENTS, BATCH);
  const honestPlain = insertInto(honest, EVENTS, BATCH);
  const returning = `${plain} RETURNING id`;
  const now = new Date();
  const records = inputs().map((input) => eventRecord(input, now));
  const params = records.flatMap((record) => encodeRecord(EVENTS, record));
  const ids = records.map((_, i) => i + 1);

  const forms = withBefore(
    [
      ["store.logAgentRunEvents", () => store.logAgentRunEvents(inputs())],
      [
        HONEST,
        () =>
          honest.transaction(() =>
            honest.query(honestPlain, inputs().flatMap(eventParams))
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
        "layer: SqlBackend.insertEvents(records)",
        () => backend.insertEvents(records),
      ],
    ],
    before,
    "store.logAgentRunEvents",
    (older) => older.logAgentRunEvents(inputs()),
  );
  const parts: Form[] = [
    [
      "part: eventRecord × batch (validation, timestamps)",
      () => {
        const at = new Date();
        return inputs().map((input) => eventRecord(input, at));
      },
    ],
    [
      "part: encodeRecord × batch",
      () => records.flatMap((record) => encodeRecord(EVENTS, record)),
    ],
    [
      "part: toAgentRunEvent × batch",
      () => records.map((record, i) => toAgentRunEvent(ids[i]!, record)),
    ],
    ["part: bench inputs and params", () => inputs().flatMap(eventParams)],
  ];
  await profile(forms, parts, {
    blocks: BLOCKS,
    count: PER,
    title: `${BLOCKS} blocks of ${PER} batches of ${BATCH} events per form, ` +
      "medians (µs per batch)",
    baseline: HONEST,
    width: 54,
    digits: 0,
  });
} finally {
  await close();
}
