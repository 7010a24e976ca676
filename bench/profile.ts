// What the profile scripts (`*_profile.ts`) share: their flags, the
// databases they compare (the store, the honest raw baseline on the
// specification's schema, the same SQL on the store's schema, and the
// store's layers on a database of their own), on SQLite files or, with
// `--postgres=URL`, in PostgreSQL schemas of their own; timing and the table
// of medians.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import postgres from "postgres";
import { createPersistence, type Persistence } from "../mod.ts";
import { runRecord } from "../src/core/records.ts";
import { SqlBackend } from "../src/sql/backend.ts";
import type { SqlConnection, SqlValue } from "../src/sql/connection.ts";
import type { Table } from "../src/sql/tables.ts";
import {
  PostgresConnection,
  TIMESTAMPS_AS_TEXT,
} from "../src/postgres/connection.ts";
import { postgresDialect } from "../src/postgres/dialect.ts";
import { SqliteConnection } from "../src/sqlite/connection.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import {
  openRawPostgres,
  openRawSqlite,
  plainInsert,
  type RawDatabase,
  SqlCapture,
} from "./raw.ts";

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

/**
 * `--postgres=URL`: the profiles run on that PostgreSQL server, each
 * database a schema of its own (dropped at the end), instead of SQLite files.
 */
export const POSTGRES = process.argv.find((a) => a.startsWith("--postgres="))
  ?.slice("--postgres=".length);

/** The `--before` checkout's store at `url`, or none without the flag. */
export async function openBefore(
  url: string,
): Promise<Persistence | undefined> {
  if (BEFORE === undefined) return undefined;
  const module = await import(join(BEFORE, "mod.ts")) as {
    createPersistence: typeof createPersistence;
  };
  return await module.createPersistence(url);
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

/** A plain INSERT of `rows` rows into `definition`'s table on `db`. */
export function insertInto(
  db: Pick<RawDatabase, "table">,
  definition: Table<unknown>,
  rows: number,
): string {
  return plainInsert(db.table(definition.name), definition, rows);
}

/**
 * The forms a lone autocommit write compares beside the store's and the
 * honest baseline's: the same SQL on the store's schema (with and without
 * `RETURNING id`), and, on SQLite, the files whose vacuum mode differs from
 * their counterpart's.
 */
export function loneWriteForms(
  { same, noVacuum, honestIncremental }: ProfileDatabases,
  definition: Table<unknown>,
  params: (i: number) => SqlValue[],
  write: (store: Persistence, i: number) => unknown,
): { raw: Form[]; files: Form[] } {
  const plain = insertInto(same, definition, 1);
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
    files: noVacuum && honestIncremental
      ? [
        ["store on a file without auto_vacuum", (i) => write(noVacuum, i)],
        [
          "raw: autocommit INSERT, spec schema, incremental",
          (i) =>
            honestIncremental.query(
              insertInto(honestIncremental, definition, 1),
              params(i),
            ),
        ],
      ]
      : [],
  };
}

/**
 * The databases a profile compares: SQLite files in a folder, or with
 * `--postgres` schemas on that server; `close` removes them.
 */
export interface ProfileDatabases {
  readonly name: "sqlite" | "postgres";
  store: Persistence;
  /** The store of the `--before` checkout, on a database of its own. */
  before: Persistence | undefined;
  /**
   * SQLite only: the store on a file created by `schemaSql()`, which leaves
   * SQLite's default `auto_vacuum=NONE`: a file the store creates itself is
   * in `INCREMENTAL` mode, whose pointer-map page every write that adds
   * pages changes too.
   */
  noVacuum: Persistence | undefined;
  /** SQLite only: the honest baseline's schema on an `INCREMENTAL` file. */
  honestIncremental: RawDatabase | undefined;
  /** The honest baseline: the specification's schema. */
  honest: RawDatabase;
  /** The store's own schema, written to by hand. */
  same: RawDatabase;
  /** The SQL the store sends, as it would on `same`'s database. */
  sameSql: SqlCapture;
  /** The store's layers on a database of their own, with the store's settings. */
  connection: SqlConnection;
  /** How the layers' database names a table in SQL. */
  layers: Pick<RawDatabase, "table">;
  /** The SQL the store sends, as it would on the layers' database. */
  layersSql: SqlCapture;
  backend: SqlBackend;
  /**
   * Brings PostgreSQL's planner statistics up to date on every database
   * after a bulk load, as autovacuum would a little later; nothing on SQLite.
   */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the databases; with `run`, each holds run "r" of agent "a". */
export async function openProfileDatabases(
  prefix: string,
  { run }: { run: boolean },
): Promise<ProfileDatabases> {
  const databases = POSTGRES === undefined
    ? await openSqliteDatabases(prefix)
    : await openPostgresDatabases(POSTGRES, prefix);
  if (run) {
    const { store, before, noVacuum } = databases;
    for (const created of [store, noVacuum, before]) {
      await created?.createAgentRun({ agentId: "a", runId: "r" });
    }
    await databases.backend.insertRun(
      runRecord({ agentId: "a", runId: "r" }, new Date()),
    );
    const raws = [databases.honest, databases.same];
    if (databases.honestIncremental) raws.push(databases.honestIncremental);
    for (const raw of raws) {
      await raw.query(
        `INSERT INTO ${
          raw.table("agent_runs")
        } (agent_id, run_id) VALUES ('a', 'r')`,
      );
    }
  }
  return databases;
}

async function openSqliteDatabases(prefix: string): Promise<ProfileDatabases> {
  const folder = mkdtempSync(join(tmpdir(), `curio-${prefix}-`));
  const store = await createPersistence(`sqlite:${join(folder, "store.db")}`);
  const before = await openBefore(`sqlite:${join(folder, "before.db")}`);
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
  // The store creates the layers' file and its schema, then lets go of it.
  await (await createPersistence(`sqlite:${join(folder, "layers.db")}`))
    .close();
  const db = await openSqliteDatabase(join(folder, "layers.db"));
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  const connection = new SqliteConnection(db);
  const capture = new SqlCapture("sqlite", "");
  return {
    name: "sqlite",
    store,
    before,
    noVacuum,
    honestIncremental,
    honest,
    same,
    sameSql: capture,
    connection,
    layers: { table: (name) => name },
    layersSql: capture,
    backend: new SqlBackend(sqliteDialect, connection),
    analyze: () => Promise.resolve(),
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

async function openPostgresDatabases(
  url: string,
  prefix: string,
): Promise<ProfileDatabases> {
  const server = new URL(url);
  server.search = "";
  const base = server.toString();
  const stamp = `${prefix.replace(/\W/g, "_")}_${process.pid}`;
  const schema = (name: string) => `${stamp}_${name}`;
  const at = (name: string) => {
    const located = new URL(base);
    located.searchParams.set("schema", schema(name));
    return located.toString();
  };
  const store = await createPersistence(at("store"));
  const before = await openBefore(at("before"));
  const honest = await openRawPostgres(base, schema("honest"), {
    schema: "specification",
  });
  const same = await openRawPostgres(base, schema("same"), {
    schema: "store",
  });
  // The store creates the layers' schema, then lets go of it.
  await (await createPersistence(at("layers"))).close();
  const connection = new PostgresConnection(
    () =>
      postgres(base, {
        max: 10,
        onnotice: () => {},
        connection: {
          application_name: `curio-profile/${schema("layers")}`,
          TimeZone: "UTC",
        },
        types: TIMESTAMPS_AS_TEXT,
      }),
    10_000,
  );
  const names = ["store", "before", "same", "layers", "honest"];
  const tables = ["agent_runs", "agent_run_events", "agent_llm_usage"];
  return {
    name: "postgres",
    store,
    before,
    noVacuum: undefined,
    honestIncremental: undefined,
    honest,
    same,
    sameSql: new SqlCapture("postgres", schema("same")),
    connection,
    layers: { table: (name) => `"${schema("layers")}".${name}` },
    layersSql: new SqlCapture("postgres", schema("layers")),
    backend: new SqlBackend(postgresDialect(schema("layers")), connection),
    async analyze() {
      const present = before ? names : names.filter((n) => n !== "before");
      await same.query(
        `ANALYZE ${
          present.flatMap((n) => tables.map((t) => `"${schema(n)}".${t}`))
            .join(", ")
        }`,
      );
    },
    async close() {
      await store.close();
      await before?.close();
      await honest.close();
      await connection.close();
      for (const name of names) {
        await same.query(`DROP SCHEMA IF EXISTS "${schema(name)}" CASCADE`);
      }
      await same.close();
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
