/**
 * Where a lone awaited event write's time goes, on a SQLite file with the
 * store's settings: `logAgentRunEvent` beside the honest raw autocommit
 * insert, alternating in short blocks (medians of wall-clock and CPU time),
 * the store's layers, and each CPU part of its path timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/single_write_profile.ts --count=200 --blocks=60
 * npx -y node@24 bench/single_write_profile.ts
 * npx -y deno@2 run -A bench/single_write_profile.ts --before=/tmp/before
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
  openProfileDatabases,
  printMedians,
  timeInBlocks,
} from "./profile.ts";
import { plainInsert } from "./raw.ts";

const COUNT = flag("count", 200);
const BLOCKS = flag("blocks", 60);
const HONEST = "raw: autocommit INSERT, specification schema";

const input = (i: number) => eventInput("r", i, false);

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
} = await openProfileDatabases("profile", { run: true });
try {
  const plain = plainInsert("agent_run_events", EVENTS, 1);
  const returning = `${plain} RETURNING id`;
  const record = eventRecord(input(0), new Date());
  const noop = new GroupCommit<unknown>((records) =>
    Promise.resolve(records.map((_, i) => i))
  );
  const forms: [string, (i: number) => unknown][] = [
    [
      "store.logAgentRunEvent (awaited)",
      (i) => store.logAgentRunEvent(input(i)),
    ],
    [HONEST, (i) => honest.query(plain, eventParams(input(i)))],
    [
      "raw: INSERT … RETURNING id, store schema",
      (i) => same.query(returning, eventParams(input(i))),
    ],
    [
      "raw: autocommit INSERT, store schema",
      (i) => same.query(plain, eventParams(input(i))),
    ],
    [
      "layer: SqlBackend.insertEvents([record])",
      () => backend.insertEvents([record]),
    ],
    [
      "layer: SqliteConnection.insert",
      () => connection.insert(plain, encodeRecord(EVENTS, record), 1),
    ],
  ];
  forms.push(
    [
      "store on a file without auto_vacuum",
      (i) => noVacuum.logAgentRunEvent(input(i)),
    ],
    [
      "raw: autocommit INSERT, spec schema, incremental",
      (i) => honestIncremental.query(plain, eventParams(input(i))),
    ],
  );
  if (before) {
    forms.splice(1, 0, [
      "before: store.logAgentRunEvent (awaited)",
      (i) => before.logAgentRunEvent(input(i)),
    ]);
  }
  const parts: [string, (i: number) => unknown][] = [
    [
      "part: eventRecord (validation, timestamps)",
      (i) => eventRecord(input(i), new Date()),
    ],
    ["part: encodeRecord", () => encodeRecord(EVENTS, record)],
    ["part: toAgentRunEvent", (i) => toAgentRunEvent(i, record)],
    ["part: group-commit queue, no-op insert", () => noop.write(record)],
    ["part: bench input and params", (i) => eventParams(input(i))],
  ];
  const results = await timeInBlocks(forms, parts, {
    blocks: BLOCKS,
    count: COUNT,
  });
  console.log(
    `${BLOCKS} blocks of ${COUNT} writes per form, medians (µs per write)`,
  );
  printMedians(results, HONEST, { width: 50, digits: 2 });
} finally {
  await close();
}
