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

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createPersistence } from "../mod.ts";
import { GroupCommit } from "../src/core/group_commit.ts";
import { eventRecord, toAgentRunEvent } from "../src/core/records.ts";
import { SqlBackend } from "../src/sql/backend.ts";
import { SqliteConnection } from "../src/sqlite/connection.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { encodeRecord, EVENTS } from "../src/sql/tables.ts";
import { eventInput, eventParams } from "./data.ts";
import { openRawSqlite, plainInsert } from "./raw.ts";

const flag = process.argv.find((a) => a.startsWith("--count="));
const COUNT = Number(flag?.slice("--count=".length) ?? 20_000);

async function timed(name: string, fn: (i: number) => unknown) {
  const started = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const result = fn(i);
    if (result instanceof Promise) await result;
  }
  const us = (performance.now() - started) * 1000 / COUNT;
  console.log(`${name.padEnd(58)} ${us.toFixed(2).padStart(7)} µs/write`);
  return us;
}

const folder = mkdtempSync(join(tmpdir(), "curio-profile-"));
try {
  const store = await createPersistence(`sqlite:${join(folder, "store.db")}`);
  await store.createAgentRun({ agentId: "a", runId: "r" });
  const honest = await openRawSqlite(join(folder, "honest.db"), {
    schema: "specification",
  });
  const same = await openRawSqlite(join(folder, "same.db"), {
    schema: "store",
  });
  for (const raw of [honest, same]) {
    await raw.query(
      "INSERT INTO agent_runs (agent_id, run_id) VALUES ('a', 'r')",
    );
  }
  // The store's layers on a database of their own, with the store's pragmas.
  const layered = await createPersistence(
    `sqlite:${join(folder, "layers.db")}`,
  );
  await layered.createAgentRun({ agentId: "a", runId: "r" });
  await layered.close();
  const db = await openSqliteDatabase(join(folder, "layers.db"));
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  const connection = new SqliteConnection(db);
  const backend = new SqlBackend(sqliteDialect, connection);
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
  await store.close();
  await connection.close();
  await honest.close();
  await same.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}
