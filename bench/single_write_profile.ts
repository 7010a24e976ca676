/**
 * Where a lone awaited write's time goes, on a SQLite file with the store's
 * settings: the whole `logAgentRunEvent` beside the raw autocommit insert,
 * and each part of the store's path timed alone over the same count.
 *
 * ```sh
 * npx -y deno@2 run -A bench/single_write_profile.ts --count=20000
 * npx -y node@24 bench/single_write_profile.ts
 * ```
 *
 * @module
 */

import { GroupCommit } from "../src/core/group_commit.ts";
import { eventRecord, toAgentRunEvent } from "../src/core/records.ts";
import { encodeRecord, EVENTS } from "../src/sql/tables.ts";
import { eventInput, eventParams } from "./data.ts";
import { flag, openProfileDatabases, timeCalls } from "./profile.ts";
import { plainInsert } from "./raw.ts";

const COUNT = flag("count", 20_000);

async function timed(name: string, fn: (i: number) => unknown) {
  const { wall } = await timeCalls(fn, COUNT);
  console.log(`${name.padEnd(58)} ${wall.toFixed(2).padStart(7)} µs/write`);
  return wall;
}

const { store, honest, same, connection, backend, close } =
  await openProfileDatabases("profile", { run: true });
try {
  const plain = plainInsert("agent_run_events", EVENTS, 1);
  const returning = `${
    plainInsert("agent_run_events", EVENTS, 1)
  } RETURNING id`;
  const rowSql = plainInsert("agent_run_events", EVENTS, 1);
  const now = new Date();
  const record = eventRecord(eventInput("r", 0, false), now);
  const noop = new GroupCommit<unknown>((records) =>
    Promise.resolve(records.map((_, i) => i))
  );
  for (let round = 0; round < 2; round++) {
    console.log(`round ${round + 1} (${COUNT} writes each)`);
    await timed(
      "store.logAgentRunEvent (awaited)",
      (i) => store.logAgentRunEvent(eventInput("r", i, false)),
    );
    await timed(
      "raw: autocommit INSERT, specification schema",
      (i) => honest.query(plain, eventParams(eventInput("r", i, false))),
    );
    await timed(
      "raw: INSERT … RETURNING id, store schema",
      (i) => same.query(returning, eventParams(eventInput("r", i, false))),
    );
    await timed(
      "raw: autocommit INSERT, store schema",
      (i) => same.query(plain, eventParams(eventInput("r", i, false))),
    );
    await timed(
      "layer: SqlBackend.insertEvents([record])",
      () => backend.insertEvents([record]),
    );
    await timed(
      "layer: SqliteConnection.insert (the store's path)",
      () => connection.insert(rowSql, encodeRecord(EVENTS, record), 1),
    );
    await timed(
      "part: eventRecord (validation, timestamps)",
      (i) => eventRecord(eventInput("r", i, false), new Date()),
    );
    await timed("part: encodeRecord", () => encodeRecord(EVENTS, record));
    await timed("part: toAgentRunEvent", (i) => toAgentRunEvent(i, record));
    await timed(
      "part: group-commit queue, no-op insert",
      () => noop.write(record),
    );
    await timed(
      "part: bench input and params",
      (i) => eventParams(eventInput("r", i, false)),
    );
  }
} finally {
  await close();
}
