/**
 * Where a batch of 1,000 events' time goes on a SQLite file with the
 * store's settings: `logAgentRunEvents` beside the honest raw baseline (one
 * multi-row INSERT in one transaction, on the specification's schema),
 * alternating in short blocks (medians of wall-clock and CPU time), and each
 * part of the store's path timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/batch_write_profile.ts --blocks=40
 * npx -y node@24 bench/batch_write_profile.ts
 * ```
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type AgentRunEventInput, createPersistence } from "../mod.ts";
import { eventRecord, toAgentRunEvent } from "../src/core/records.ts";
import { SqlBackend } from "../src/sql/backend.ts";
import { encodeRecord, EVENTS } from "../src/sql/tables.ts";
import { SqliteConnection } from "../src/sqlite/connection.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { eventInput, eventParams } from "./data.ts";
import { openRawSqlite, plainInsert } from "./raw.ts";

function flag(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(given?.slice(name.length + 3) ?? fallback);
}
const BATCH = flag("batch", 1000);
const BLOCKS = flag("blocks", 40);
// Batches per block: each block writes PER × BATCH events per form.
const PER = flag("per", 5);

interface Sample {
  wall: number;
  cpu: number;
}

/** Wall-clock and CPU time (this process) per batch of `fn`, in µs. */
async function timed(fn: (i: number) => unknown): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < PER; i++) {
    const result = fn(i);
    if (result instanceof Promise) await result;
  }
  const wall = (performance.now() - started) * 1000 / PER;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / PER };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const inputs = (): AgentRunEventInput[] =>
  Array.from({ length: BATCH }, (_, i) => eventInput("r", i, false));

const folder = mkdtempSync(join(tmpdir(), "curio-batch-profile-"));
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
  const layered = await createPersistence(
    `sqlite:${join(folder, "layers.db")}`,
  );
  await layered.createAgentRun({ agentId: "a", runId: "r" });
  await layered.close();
  const db = await openSqliteDatabase(join(folder, "layers.db"));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  const connection = new SqliteConnection(db);
  const backend = new SqlBackend(sqliteDialect, connection);

  const plain = plainInsert("agent_run_events", EVENTS, BATCH);
  const returning = `${plain} RETURNING id`;
  const now = new Date();
  const records = inputs().map((input) => eventRecord(input, now));
  const params = records.flatMap((record) => encodeRecord(EVENTS, record));
  const ids = records.map((_, i) => i + 1);

  const forms: [string, () => unknown][] = [
    ["store.logAgentRunEvents", () => store.logAgentRunEvents(inputs())],
    [
      "raw: one INSERT in BEGIN/COMMIT, specification schema",
      () =>
        honest.transaction(() =>
          honest.query(plain, inputs().flatMap(eventParams))
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
  ];
  const parts: [string, () => unknown][] = [
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
  const results = new Map<string, Sample[]>();
  for (let block = 0; block < BLOCKS; block++) {
    const shift = block % forms.length;
    const order = [...forms.slice(shift), ...forms.slice(0, shift)];
    for (const [name, fn] of [...order, ...parts]) {
      const sample = await timed(fn);
      results.set(name, [...results.get(name) ?? [], sample]);
    }
  }
  const base = (key: keyof Sample) =>
    median(results.get(forms[1]![0])!.map((r) => r[key]));
  console.log(
    `${BLOCKS} blocks of ${PER} batches of ${BATCH} events per form, ` +
      "medians (µs per batch)",
  );
  console.log(
    `${"".padEnd(54)} ${"wall".padStart(9)}        ${"CPU".padStart(9)}`,
  );
  for (const [name, samples] of results) {
    const cells = (["wall", "cpu"] as const).map((key) => {
      const us = median(samples.map((r) => r[key]));
      const ratio = name.startsWith("part")
        ? ""
        : `${(us / base(key)).toFixed(2)}×`;
      return `${us.toFixed(0).padStart(9)} ${ratio.padStart(6)}`;
    });
    console.log(`${name.padEnd(54)} ${cells.join("   ")}`);
  }
  await store.close();
  await honest.close();
  await same.close();
  await connection.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}
