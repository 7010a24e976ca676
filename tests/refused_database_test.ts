// Opening never writes to a database it refuses: the schema version and the
// existing tables are read before anything is created, recorded or switched
// (SQLite's journal mode included). A table of the schema's name that lacks
// a column of the specification is another program's: SchemaMismatchError.
// Extra columns are fine.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { describe, it } from "node:test";
import postgres from "postgres";
import {
  createPersistence,
  PersistenceError,
  SchemaMismatchError,
  schemaSql,
  SchemaVersionError,
} from "../mod.ts";
import { REQUIRED_COLUMNS } from "../src/sql/existing_schema.ts";
import { MIGRATIONS_TABLE, SCHEMA_VERSION } from "../src/sql/schema.ts";
import { EVENTS, RUNS, USAGE } from "../src/sql/tables.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";

/** A database as another program sees it, `?` placeholders. */
interface Raw {
  run(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Everything that could change: for SQLite the file's bytes too. */
  snapshot(): Promise<unknown>;
  close(): Promise<void>;
  url: string;
  table(name: string): string;
  schema: string;
}

/** The SQLite file and its companions, by name, with a hash of each. */
function filesOf(path: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dirname(path)).sort()) {
    if (!name.startsWith(basename(path))) continue;
    const bytes = readFileSync(`${dirname(path)}/${name}`);
    files[name] = createHash("sha256").update(bytes).digest("hex");
  }
  return files;
}

function sqliteRaw(): Raw {
  const path = tempPath("refused.db");
  // The raw connection opens and closes around each use, so that its own
  // handle changes nothing while the store opens.
  const withDb = async <T>(
    use: (
      db: Awaited<
        ReturnType<typeof openSqliteDatabase>
      >,
    ) => T,
  ) => {
    const db = await openSqliteDatabase(path);
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    url: `sqlite:${path}`,
    table: (name) => name,
    schema: "main",
    run: (sql, params = []) =>
      withDb((db) =>
        db.prepare(sql).all(...params) as Record<string, unknown>[]
      ),
    snapshot: async () => ({
      files: filesOf(path),
      journal: existsSync(path)
        ? await withDb((db) => db.prepare("PRAGMA journal_mode").all())
        : null,
    }),
    close: () => Promise.resolve(),
  };
}

function postgresRaw(): Raw {
  const schema = uniqueSchema("refused");
  const sql = postgres(postgresUrl!, { onnotice: () => {}, max: 1 });
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
    snapshot: async () => ({
      schemas: (await sql.unsafe(
        "SELECT nspname FROM pg_namespace WHERE nspname = $1",
        [schema],
      )).map((r) => r.nspname),
      relations: (await sql.unsafe(
        `SELECT relname, relkind FROM pg_class c JOIN pg_namespace n
         ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY relname`,
        [schema],
      )).map((r) => `${r.relname}:${r.relkind}`),
      functions: (await sql.unsafe(
        `SELECT proname FROM pg_proc p JOIN pg_namespace n
         ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY proname`,
        [schema],
      )).map((r) => r.proname),
      columns: (await sql.unsafe(
        `SELECT table_name, column_name FROM information_schema.columns
         WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
        [schema],
      )).map((r) => `${r.table_name}.${r.column_name}`),
    }),
    close: async () => {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.end();
    },
  };
}

/** The current schema by plain SQL: tables, indexes, version table. */
async function createSchema(raw: Raw, dialect: "sqlite" | "postgres") {
  for (const statement of schemaSql(dialect, { schema: raw.schema })) {
    await raw.run(statement);
  }
}

const BACKENDS: [
  "sqlite" | "postgres",
  () => Raw,
  { skip: string | false },
][] = [
  ["sqlite", sqliteRaw, { skip: false }],
  ["postgres", postgresRaw, { skip: postgresUrl ? false : "no PostgreSQL" }],
];

for (const [dialect, openRaw, skip] of BACKENDS) {
  describe(`a database refused on ${dialect}`, skip, () => {
    it("of a newer schema version is left exactly as it was", async () => {
      const raw = openRaw();
      try {
        await createSchema(raw, dialect);
        await raw.run(
          `INSERT INTO ${raw.table(MIGRATIONS_TABLE)} (version) VALUES (?)`,
          [SCHEMA_VERSION + 1],
        );
        const before = await raw.snapshot();
        await assert.rejects(
          createPersistence(raw.url),
          SchemaVersionError,
        );
        // For SQLite: the same bytes, no -wal file, the old journal mode.
        assert.deepEqual(await raw.snapshot(), before);
      } finally {
        await raw.close();
      }
    });

    it("with another program's agent_runs is refused, naming the missing columns", async () => {
      const raw = openRaw();
      try {
        if (dialect === "postgres") {
          await raw.run(`CREATE SCHEMA "${raw.schema}"`);
        }
        await raw.run(
          `CREATE TABLE ${raw.table("agent_runs")} ` +
            "(id INTEGER PRIMARY KEY, agent_id TEXT, title TEXT, created_at TEXT)",
        );
        await raw.run(
          `INSERT INTO ${raw.table("agent_runs")} (id, agent_id, title) ` +
            "VALUES (1, 'a', 'theirs')",
        );
        const before = await raw.snapshot();
        await assert.rejects(createPersistence(raw.url), (error: unknown) => {
          assert.ok(error instanceof SchemaMismatchError, String(error));
          assert.ok(error instanceof PersistenceError);
          assert.equal(error.table, "agent_runs");
          assert.deepEqual(
            error.missingColumns,
            RUNS.columns.map((c) => c.name).filter((name) =>
              !["agent_id", "created_at"].includes(name)
            ),
          );
          assert.match(error.message, /agent_runs/);
          assert.match(error.message, /run_id, agent_name/);
          return true;
        });
        // Nothing created: no version table, no other tables, no WAL.
        assert.deepEqual(await raw.snapshot(), before);

        // Refused opens leave nothing behind: once the table is out of the
        // way, the database opens.
        await raw.run(`DROP TABLE ${raw.table("agent_runs")}`);
        await using store = await createPersistence(raw.url);
        await store.createAgentRun({ agentId: "a", runId: "r" });
      } finally {
        await raw.close();
      }
    });

    it("is refused for a foreign table of every name the schema uses", async () => {
      for (const table of Object.keys(REQUIRED_COLUMNS)) {
        const raw = openRaw();
        try {
          if (dialect === "postgres") {
            await raw.run(`CREATE SCHEMA "${raw.schema}"`);
          }
          await raw.run(`CREATE TABLE ${raw.table(table)} (other TEXT)`);
          const before = await raw.snapshot();
          await assert.rejects(createPersistence(raw.url), (error: unknown) => {
            assert.ok(error instanceof SchemaMismatchError, String(error));
            assert.equal(error.table, table);
            assert.deepEqual(error.missingColumns, REQUIRED_COLUMNS[table]);
            return true;
          });
          assert.deepEqual(await raw.snapshot(), before, table);
        } finally {
          await raw.close();
        }
      }
    });

    it("accepts tables with extra columns", async () => {
      const raw = openRaw();
      try {
        await createSchema(raw, dialect);
        for (const table of [RUNS, EVENTS, USAGE]) {
          await raw.run(
            `ALTER TABLE ${raw.table(table.name)} ADD COLUMN their_note TEXT`,
          );
        }
        await using store = await createPersistence(raw.url);
        await store.createAgentRun({ agentId: "a", runId: "r" });
        await store.logAgentRunEvent({
          agentId: "a",
          runId: "r",
          eventType: "step",
        });
        await store.logLlmUsage({ agentId: "a", runId: "r", inputTokens: 3 });
        assert.equal((await store.getAgentRunEvents("r")).length, 1);
        assert.equal((await store.getAgentRunStats()).totalInputTokens, 3);
      } finally {
        await raw.close();
      }
    });
  });
}

describe("the columns a table must have", () => {
  it("are the specification's, each a column of the current schema", () => {
    for (const table of [RUNS, EVENTS, USAGE]) {
      const current = ["id", ...table.columns.map((c) => c.name)];
      const required = REQUIRED_COLUMNS[table.name]!;
      assert.ok(required.includes("run_id"), table.name);
      for (const name of required) assert.ok(current.includes(name), name);
    }
  });
});
