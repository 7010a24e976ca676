/**
 * Where a lone awaited LLM-call write's time goes on a SQLite file with the
 * store's settings: `logLlmUsage` beside the honest raw autocommit insert,
 * alternating in rounds (medians), and each CPU part of the store's path
 * timed alone.
 *
 * ```sh
 * npx -y deno@2 run -A bench/usage_write_profile.ts --count=200 --blocks=60
 * npx -y node@24 bench/usage_write_profile.ts
 * ```
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createPersistence } from "../mod.ts";
import { toAgentLlmUsage, usageRecord } from "../src/core/records.ts";
import { Store } from "../src/core/store.ts";
import { SqlBackend } from "../src/sql/backend.ts";
import { SqliteConnection } from "../src/sqlite/connection.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { encodeRecord, USAGE } from "../src/sql/tables.ts";
import { filler, usageInput, usageParams } from "./data.ts";
import { openRawSqlite, plainInsert } from "./raw.ts";

function flag(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(given?.slice(name.length + 3) ?? fallback);
}
const COUNT = flag("count", 200);
const ROUNDS = flag("blocks", 60);
const TEXT_BYTES = flag("textBytes", 2048);

const texts = Array.from({ length: 16 }, (_, i) => filler(TEXT_BYTES, i));
const input = (i: number) =>
  usageInput(i, texts[i % texts.length]!, 10, 10, false);

/**
 * Wall-clock and CPU time (user and system, this process) per call of `fn`,
 * in µs. On a machine shared with other work the CPU time is the steadier
 * figure: it leaves out the time the process waits for a core.
 */
async function timed(
  fn: (i: number) => unknown,
): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const result = fn(i);
    if (result instanceof Promise) await result;
  }
  const wall = (performance.now() - started) * 1000 / COUNT;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / COUNT };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const folder = mkdtempSync(join(tmpdir(), "curio-usage-profile-"));
try {
  const store = await createPersistence(`sqlite:${join(folder, "store.db")}`);
  const honest = await openRawSqlite(join(folder, "honest.db"), {
    schema: "specification",
  });
  const same = await openRawSqlite(join(folder, "same.db"), {
    schema: "store",
  });
  const plain = plainInsert("agent_llm_usage", USAGE, 1);
  const returning = `${plain} RETURNING id`;
  const record = usageRecord(input(0), new Date());
  // The store's layers on a database of their own, with the store's pragmas.
  const layered = await createPersistence(
    `sqlite:${join(folder, "layers.db")}`,
  );
  await layered.close();
  const db = await openSqliteDatabase(join(folder, "layers.db"));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  const connection = new SqliteConnection(db);
  const backend = new SqlBackend(sqliteDialect, connection);
  const layeredStore = new Store(backend);
  const rowSql = plain;
  const forms: [string, (i: number) => unknown][] = [
    ["store.logLlmUsage (awaited)", (i) => store.logLlmUsage(input(i))],
    [
      "raw: autocommit INSERT, specification schema",
      (i) => honest.query(plain, usageParams(input(i))),
    ],
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
  const parts: [string, (i: number) => unknown][] = [
    [
      "part: usageRecord (validation, lengths, JSON)",
      (i) => usageRecord(input(i), new Date()),
    ],
    ["part: encodeRecord", () => encodeRecord(USAGE, record)],
    ["part: toAgentLlmUsage", (i) => toAgentLlmUsage(i, record)],
    ["part: bench input and params", (i) => usageParams(input(i))],
  ];
  const results = new Map<string, { wall: number; cpu: number }[]>();
  // Short blocks, each form's in turn and the order rotating, so that the
  // load of a shared machine falls on every form alike.
  for (let block = 0; block < ROUNDS; block++) {
    const order = [
      ...forms.slice(block % forms.length),
      ...forms.slice(0, block % forms.length),
    ];
    for (const [name, fn] of [...order, ...parts]) {
      const us = await timed(fn);
      results.set(name, [...results.get(name) ?? [], us]);
    }
  }
  const base = (key: "wall" | "cpu") =>
    median(results.get(forms[1]![0])!.map((r) => r[key]));
  console.log(
    `${ROUNDS} blocks of ${COUNT} writes per form, medians (µs per write)`,
  );
  console.log(
    `${"".padEnd(50)} ${"wall".padStart(8)}          ${"CPU".padStart(8)}`,
  );
  for (const [name, values] of results) {
    const cells = (["wall", "cpu"] as const).map((key) => {
      const us = median(values.map((r) => r[key]));
      const ratio = name.startsWith("part")
        ? ""
        : `${(us / base(key)).toFixed(2)}×`;
      return `${us.toFixed(2).padStart(8)} ${ratio.padStart(6)}`;
    });
    console.log(`${name.padEnd(50)} ${cells.join("   ")}`);
  }
  await store.close();
  await honest.close();
  await same.close();
  await connection.close();
} finally {
  rmSync(folder, { recursive: true, force: true });
}
