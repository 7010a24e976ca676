// What the profile scripts (`*_profile.ts`) share: their flags, the
// databases they compare (the store, the honest raw baseline on the
// specification's schema, the same SQL on the store's schema, and the
// store's layers on a file of their own), timing and the table of medians.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createPersistence, type Persistence } from "../mod.ts";
import { SqlBackend } from "../src/sql/backend.ts";
import type { SqlValue } from "../src/sql/connection.ts";
import { SqliteConnection } from "../src/sqlite/connection.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { openRawSqlite, type RawDatabase } from "./raw.ts";

/** `--name=N` of the command line, or `fallback`. */
export function flag(name: string, fallback: number): number {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(given?.slice(name.length + 3) ?? fallback);
}

/** Wall-clock and CPU time per call, in µs. */
export interface Sample {
  wall: number;
  cpu: number;
}

/**
 * Times `count` calls of `fn`. On a machine shared with other work the CPU
 * time (user and system, this process) is the steadier figure: it leaves
 * out the time the process waits for a core.
 */
export async function timeCalls(
  fn: (i: number) => unknown,
  count: number,
): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const result = fn(i);
    if (result instanceof Promise) await result;
  }
  const wall = (performance.now() - started) * 1000 / count;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / count };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * `--before=FOLDER`: another checkout of this repository (say, `git worktree
 * add /tmp/before main`), whose store the profiles time beside this one's,
 * in the same process and the same rounds: before and after on one machine
 * state.
 */
export const BEFORE = process.argv.find((a) => a.startsWith("--before="))
  ?.slice("--before=".length);

/** The `--before` checkout's store on `file`, or none without the flag. */
export async function openBefore(
  file: string,
): Promise<Persistence | undefined> {
  if (BEFORE === undefined) return undefined;
  const module = await import(join(BEFORE, "mod.ts")) as {
    createPersistence: typeof createPersistence;
  };
  return await module.createPersistence(`sqlite:${file}`);
}

/** A form a profile times: its name and the call it repeats. */
export type Form = [string, (i: number) => unknown];

/**
 * `forms` with the `--before` store's version of the first one second,
 * next to it in the table.
 */
export function withBefore(
  forms: Form[],
  before: Persistence | undefined,
  name: string,
  fn: (before: Persistence, i: number) => unknown,
): Form[] {
  if (before === undefined) return forms;
  return [
    forms[0]!,
    [`before: ${name}`, (i) => fn(before, i)],
    ...forms.slice(1),
  ];
}

/**
 * The forms a lone autocommit write compares beside the store's and the
 * honest baseline's: the same SQL on the store's schema (with and without
 * `RETURNING id`), and the files whose vacuum mode differs from their
 * counterpart's.
 */
export function loneWriteForms(
  { same, noVacuum, honestIncremental }: ProfileDatabases,
  plain: string,
  params: (i: number) => SqlValue[],
  write: (store: Persistence, i: number) => unknown,
): { raw: Form[]; files: Form[] } {
  const returning = `${plain} RETURNING id`;
  return {
    raw: [
      [
        "raw: INSERT … RETURNING id, store schema",
        (i) => same.query(returning, params(i)),
      ],
      [
        "raw: autocommit INSERT, store schema",
        (i) => same.query(plain, params(i)),
      ],
    ],
    files: [
      ["store on a file without auto_vacuum", (i) => write(noVacuum, i)],
      [
        "raw: autocommit INSERT, spec schema, incremental",
        (i) => honestIncremental.query(plain, params(i)),
      ],
    ],
  };
}

/** The databases a profile compares, in a folder removed by `close`. */
export interface ProfileDatabases {
  store: Persistence;
  /** The store of the `--before` checkout, on a file of its own. */
  before: Persistence | undefined;
  /**
   * The store on a file created by `schemaSql()`, which leaves SQLite's
   * default `auto_vacuum=NONE`: a file the store creates itself is in
   * `INCREMENTAL` mode, whose pointer-map page every write that adds pages
   * changes too.
   */
  noVacuum: Persistence;
  /** The honest baseline's schema on a file in `INCREMENTAL` mode. */
  honestIncremental: RawDatabase;
  /** The honest baseline: the specification's schema. */
  honest: RawDatabase;
  /** The store's own schema, written to by hand. */
  same: RawDatabase;
  /** The store's layers on a file of their own, with the store's pragmas. */
  connection: SqliteConnection;
  backend: SqlBackend;
  close(): Promise<void>;
}

/** Opens the databases; with `run`, each holds run "r" of agent "a". */
export async function openProfileDatabases(
  prefix: string,
  { run }: { run: boolean },
): Promise<ProfileDatabases> {
  const folder = mkdtempSync(join(tmpdir(), `curio-${prefix}-`));
  const store = await createPersistence(`sqlite:${join(folder, "store.db")}`);
  const before = await openBefore(join(folder, "before.db"));
  const honest = await openRawSqlite(join(folder, "honest.db"), {
    schema: "specification",
  });
  const same = await openRawSqlite(join(folder, "same.db"), {
    schema: "store",
  });
  const honestIncremental = await openRawSqlite(
    join(folder, "honest-incremental.db"),
    { schema: "specification", incremental: true },
  );
  await (await openRawSqlite(join(folder, "no-vacuum.db"), {
    schema: "store",
  })).close();
  const noVacuum = await createPersistence(
    `sqlite:${join(folder, "no-vacuum.db")}`,
  );
  const layered = await createPersistence(
    `sqlite:${join(folder, "layers.db")}`,
  );
  if (run) {
    const stores = [store, layered, noVacuum, ...before ? [before] : []];
    for (const created of stores) {
      await created.createAgentRun({ agentId: "a", runId: "r" });
    }
    for (const raw of [honest, same, honestIncremental]) {
      await raw.query(
        "INSERT INTO agent_runs (agent_id, run_id) VALUES ('a', 'r')",
      );
    }
  }
  await layered.close();
  const db = await openSqliteDatabase(join(folder, "layers.db"));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  const connection = new SqliteConnection(db);
  return {
    store,
    before,
    noVacuum,
    honestIncremental,
    honest,
    same,
    connection,
    backend: new SqlBackend(sqliteDialect, connection),
    async close() {
      await store.close();
      await before?.close();
      await noVacuum.close();
      await honestIncremental.close();
      await honest.close();
      await same.close();
      await connection.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * Times each form and part in `blocks` short blocks, the forms' order
 * rotating, so that the load of a shared machine falls on every form alike.
 */
export async function timeInBlocks(
  forms: [string, (i: number) => unknown][],
  parts: [string, (i: number) => unknown][],
  { blocks, count }: { blocks: number; count: number },
): Promise<Map<string, Sample[]>> {
  const results = new Map<string, Sample[]>();
  for (let block = 0; block < blocks; block++) {
    const shift = block % forms.length;
    const order = [...forms.slice(shift), ...forms.slice(0, shift)];
    for (const [name, fn] of [...order, ...parts]) {
      const sample = await timeCalls(fn, count);
      results.set(name, [...results.get(name) ?? [], sample]);
    }
  }
  return results;
}

/**
 * The medians of every form and part, wall-clock and CPU; each form also as
 * a ratio to `baseline`'s.
 */
export function printMedians(
  results: Map<string, Sample[]>,
  baseline: string,
  { width, digits }: { width: number; digits: number },
): void {
  const base = (key: keyof Sample) =>
    median(results.get(baseline)!.map((r) => r[key]));
  console.log(
    `${"".padEnd(width)} ${"wall".padStart(9)}        ${"CPU".padStart(9)}`,
  );
  for (const [name, samples] of results) {
    const cells = (["wall", "cpu"] as const).map((key) => {
      const us = median(samples.map((r) => r[key]));
      const ratio = name.startsWith("part")
        ? ""
        : `${(us / base(key)).toFixed(2)}×`;
      return `${us.toFixed(digits).padStart(9)} ${ratio.padStart(6)}`;
    });
    console.log(`${name.padEnd(width)} ${cells.join("   ")}`);
  }
}

/**
 * Times `forms` and `parts` in blocks (`timeInBlocks`), then prints
 * `title` and the medians, forms as ratios to `baseline`'s.
 */
export async function profile(
  forms: Form[],
  parts: Form[],
  { blocks, count, title, baseline, width, digits }: {
    blocks: number;
    count: number;
    title: string;
    baseline: string;
    width: number;
    digits: number;
  },
): Promise<void> {
  const results = await timeInBlocks(forms, parts, { blocks, count });
  console.log(title);
  printMedians(results, baseline, { width, digits });
}
