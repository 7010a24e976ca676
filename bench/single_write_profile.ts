/**
 * Where a lone awaited event write's time goes, on a SQLite file with the
 * store's settings (or, with `--postgres=URL`, on PostgreSQL): `logAgentRunEvent` beside the honest raw autocommit
 * insert, alternating in short blocks (medians of wall-clock and CPU time),
 * the store's layers, and each CPU part of its path timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/single_write_profile.ts --count=200 --blocks=60
 * npx -y node@24 bench/single_write_profile.ts
 * npx -y deno@2 run -A bench/single_write_profile.ts --before=/tmp/before
 * npx -y deno@2 run -A bench/single_write_profile.ts --postgres=postgres://postgres@127.0.0.1/test
 * ```
 *
 * @module
 */

import { GroupCommit } from "../src/core/group_commit.ts";
import { eventRecord, toAgentRunEvent } from "../src/core/records.ts";
import { encodeRecord, EVENTS } from "../src/sql/tables.ts";
import { eventInput, eventParams } from "./data.ts";
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
const BLOCKS = flag("blocks", 60);
const HONEST = "raw: autocommit INSERT, specification schema";

const input = (i: number) => eventInput("r", i, false);

const databases = await openProfileDatabases("profile", { run: true });
const { store, before, honest, connection, layers, backend, close } = databases;
try {
  const plain = insertInto(honest, EVENTS, 1);
  const record = eventRecord(input(0), new Date());
  const noop = new GroupCommit<unknown>((records) =>
    Promise.resolve(records.map((_, i) => i))
  );
  const params = (i: number) => eventParams(input(i));
  const { raw, files } = loneWriteForms(
    databases,
    EVENTS,
    params,
    (written, i) => written.logAgentRunEvent(input(i)),
  );
  const forms = withBefore(
    [
      [
        "store.logAgentRunEvent (awaited)",
        (i) => store.logAgentRunEvent(input(i)),
      ],
      [HONEST, (i) => honest.query(plain, params(i))],
      ...raw,
      [
        "layer: SqlBackend.insertEvents([record])",
        () => backend.insertEvents([record]),
      ],
      [
        "layer: the connection's insert",
        () =>
          connection.insert(
            insertInto(layers, EVENTS, 1),
            encodeRecord(EVENTS, record),
            1,
          ),
      ],
      ...files,
    ],
    before,
    "store.logAgentRunEvent (awaited)",
    (older, i) => older.logAgentRunEvent(input(i)),
  );
  const parts: Form[] = [
    [
      "part: eventRecord (validation, timestamps)",
      (i) => eventRecord(input(i), new Date()),
    ],
    ["part: encodeRecord", () => encodeRecord(EVENTS, record)],
    ["part: toAgentRunEvent", (i) => toAgentRunEvent(i, record)],
    ["part: group-commit queue, no-op insert", () => noop.write(record)],
    ["part: bench input and params", (i) => params(i)],
  ];
  await profile(forms, parts, {
    blocks: BLOCKS,
    count: COUNT,
    title:
      `${BLOCKS} blocks of ${COUNT} writes per form, medians (µs per write)`,
    baseline: HONEST,
    width: 50,
    digits: 2,
  });
} finally {
  await close();
}
