// Schema versions: a database the Python SDK created (the specification's
// tables and indexes, no version table) is upgraded in place without losing
// a row; one written by a newer version of this module is refused before
// anything is written to it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import postgres from "postgres";
import {
  createPersistence,
  type Persistence,
  SchemaVersionError,
} from "../mod.ts";
import {
  migrations,
  MIGRATIONS_TABLE,
  SCHEMA_VERSION,
} from "../src/sql/schema.ts";
import { postgresDialect } from "../src/postgres/dialect.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "./_postgres.ts";
import { SPEC_INDEXES } from "./_spec.ts";
import { tempPath } from "./_temp.ts";

/** Plain SQL on one database, `?` placeholders, as another program sends it. */
interface Raw {
  run(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** The names of the tables and indexes, sorted. */
  catalogue(): Promise<string[]>;
  close(): Promise<void>;
  /** The URL a store opens it by. */
  url: string;
  /** How a table is named in SQL. */
  table(name: string): string;
  /** The PostgreSQL schema; for SQLite, unused. */
  schema: string;
}

/** Every version up to the current one, as the migrations record them. */
const EVERY_VERSION = Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1);

const TABLES = ["agent_runs", "agent_run_events", "agent_llm_usage"];

async function sqliteRaw(): Promise<Raw> {
  const path = tempPath("versions.db");
  const db = await openSqliteDatabase(path);
  return {
    url: `sqlite:${path}`,
    table: (name) => name,
    schema: "main",
    run: (sql, params = []) =>
      Promise.resolve(
        db.prepare(sql).all(...params) as Record<string, unknown>[],
      ),
    catalogue: () =>
      Promise.resolve(
        (db.prepare(
          "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        ).all() as { name: string }[]).map((r) => r.name),
      ),
    close: () => Promise.resolve(db.close()),
  };
}

async function postgresRaw(): Promise<Raw> {
  const schema = uniqueSchema("versions");
  const sql = postgres(postgresUrl!, { onnotice: () => {}, max: 1 });
  await sql.unsafe(`CREATE SCHEMA "${schema}"`);
  return {
    url: postgresUrlWith({ schema }),
    table: (name) => `"${schema}".${name}`,
    schema,
    run: (text, params = []) => {
      let n = 0;
      return sql.unsafe(
        text.replace(/\?/g, () => `$${++n}`),
        params as never[],
      ) as Promise<Record<string, unknown>[]>;
    },
    catalogue: async () =>
      (await sql.unsafe(
        `SELECT relname AS name FROM pg_class c JOIN pg_namespace n
         ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'i')
         ORDER BY relname`,
        [schema],
      )).map((r) => String(r.name)),
    close: async () => {
      await sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
      await sql.end();
    },
  };
}

/**
 * The specification's schema as the Python SDK creates it: its three tables
 * and four indexes, by plain SQL, with no version table.
 */
async function createLikePython(raw: Raw, dialect: "sqlite" | "postgres") {
  // Version 1's statements are the specification's tables and indexes;
  // later versions change them under the same names.
  const [version1] = migrations(
    dialect === "sqlite" ? sqliteDialect : postgresDialect(raw.schema),
  );
  const statements = version1!.filter((s) =>
    /^CREATE TABLE/.test(s) ||
    SPEC_INDEXES.some((name) => s.includes(` ${name} `))
  );
  assert.equal(statements.length, 3 + SPEC_INDEXES.length);
  for (const statement of statements) await raw.run(statement);
}

/**
 * Tool events' data as another program may write it: SQLite's tool index
 * computes its expressions over each one, which must not refuse the
 * upgrade (invalid JSON, JSON5, the least 64-bit integer, whose abs()
 * raises).
 */
const PY_TOOL_DATA = [
  "plain text",
  "{action:'py'}",
  '{"action":"py","duration_ms":-9223372036854775808,"error":"x"}',
];

/** Rows as another program writes them: naive timestamps, text not JSON. */
async function fillLikePython(raw: Raw, runs: number): Promise<void> {
  for (let i = 0; i < runs; i++) {
    const at = i % 2 === 0
      ? `2024-01-15 10:30:${String(i % 60).padStart(2, "0")}.123456`
      : `2024-01-15T10:31:${String(i % 60).padStart(2, "0")}`;
    await raw.run(
      `INSERT INTO ${raw.table("agent_runs")} (agent_id, run_id, objective,
        additional_context, metadata, status, started_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'completed', ?, ?, ?)`,
      ["py", `py-${i}`, `objective ${i}`, "not json", '{"i": 1}', at, at, at],
    );
    await raw.run(
      `INSERT INTO ${raw.table("agent_run_events")} (agent_id, run_id,
        timestamp, event_type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      i % 2 === 0 ? ["py", `py-${i}`, at, "custom", "plain text", at] : [
        "py",
        `py-${i}`,
        at,
        "action_execution_completed",
        PY_TOOL_DATA[
          Math.floor(i / 2) % PY_TOOL_DATA.length
        ],
        at,
      ],
    );
    await raw.run(
      `INSERT INTO ${raw.table("agent_llm_usage")} (agent_id, run_id, model,
        prompt, prompt_length, input_tokens, usage_metrics, created_at)
       VALUES (?, ?, 'gpt', 'hi', 2, 5, 'garbage {', ?)`,
      ["py", `py-${i}`, at],
    );
  }
}

async function counts(raw: Raw): Promise<number[]> {
  return await Promise.all(TABLES.map(async (table) => {
    const [row] = await raw.run(
      `SELECT COUNT(*) AS n FROM ${raw.table(table)}`,
    );
    return Number(row!.n);
  }));
}

async function versions(raw: Raw): Promise<number[]> {
  return (await raw.run(
    `SELECT version FROM ${raw.table(MIGRATIONS_TABLE)} ORDER BY version`,
  )).map((r) => Number(r.version));
}

const BACKENDS: [
  "sqlite" | "postgres",
  () => Promise<Raw>,
  { skip: string | false },
][] = [
  ["sqlite", sqliteRaw, { skip: false }],
  ["postgres", postgresRaw, {
    skip: postgresUrl ? false : "no PostgreSQL",
  }],
];

for (const [dialect, openRaw, skip] of BACKENDS) {
  describe(`schema versions on ${dialect}`, skip, () => {
    it("upgrades a database the Python SDK created, keeping every row", async () => {
      const raw = await openRaw();
      try {
        await createLikePython(raw, dialect);
        await fillLikePython(raw, 50);
        const before = await counts(raw);
        const catalogueBefore = await raw.catalogue();
        assert.ok(!catalogueBefore.includes(MIGRATIONS_TABLE));

        let store: Persistence = await createPersistence(raw.url);
        // Read through the module: every row, with its values.
        let runs = 0;
        for await (const run of store.iterateAgentRuns({ pageSize: 7 })) {
          assert.equal(run.additionalContext, "not json");
          assert.deepEqual(run.metadata, { i: 1 });
          runs++;
        }
        assert.equal(runs, 50);
        // Of the 25 tool events, every third has valid JSON.
        assert.deepEqual(
          (await store.getToolStats()).map((tool) => [
            tool.action,
            tool.calls,
            tool.failures,
            tool.p50DurationMs,
          ]),
          [["py", 8, 8, -9223372036854775808]],
        );
        const [usage] = await store.getLlmUsage({ runId: "py-0" });
        assert.equal(usage?.usageMetrics, "garbage {");
        assert.deepEqual(
          (await store.getAgentRun("py-1"))?.createdAt,
          new Date("2024-01-15T10:31:01Z"),
        );
        assert.deepEqual(
          (await store.getAgentRun("py-0"))?.startedAt,
          new Date("2024-01-15T10:30:00.123Z"),
        );
        await store.close();

        assert.deepEqual(await counts(raw), before);
        assert.deepEqual(await versions(raw), EVERY_VERSION);
        const added = (await raw.catalogue()).filter((name) =>
          !catalogueBefore.includes(name)
        );
        assert.ok(added.includes(MIGRATIONS_TABLE), String(added));
        // Opening again applies nothing twice.
        store = await createPersistence(raw.url);
        await store.createAgentRun({ agentId: "ts", runId: "ts-1" });
        await store.close();
        assert.deepEqual(await versions(raw), EVERY_VERSION);
        assert.deepEqual(await counts(raw), [
          before[0]! + 1,
          ...before.slice(1),
        ]);
        console.log(
          `${dialect}: a Python-SDK database of ${
            before.join("/")
          } runs/events/usage rows upgraded from no version to ${SCHEMA_VERSION} ` +
            `(added ${added.join(", ")}); every row kept and readable`,
        );
      } finally {
        await raw.close();
      }
    });

    it("refuses a database of a newer version, writing nothing", async () => {
      const raw = await openRaw();
      try {
        const store = await createPersistence(raw.url);
        await store.createAgentRun({ agentId: "a", runId: "r" });
        await store.close();
        const newer = SCHEMA_VERSION + 1;
        await raw.run(
          `INSERT INTO ${raw.table(MIGRATIONS_TABLE)} (version) VALUES (?)`,
          [newer],
        );
        const before = [await counts(raw), await raw.catalogue()];
        await assert.rejects(
          createPersistence(raw.url),
          (error: unknown) => {
            assert.ok(error instanceof SchemaVersionError, String(error));
            assert.match(error.message, new RegExp(`version ${newer}`));
            assert.match(error.message, new RegExp(`${SCHEMA_VERSION}`));
            return true;
          },
        );
        assert.deepEqual([await counts(raw), await raw.catalogue()], before);
        assert.deepEqual(await versions(raw), [...EVERY_VERSION, newer]);
        console.log(
          `${dialect}: version ${newer} refused with SchemaVersionError; ` +
            `tables, indexes and rows unchanged`,
        );
      } finally {
        await raw.close();
      }
    });
  });
}
