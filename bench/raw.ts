// The raw-driver baselines, with the store's pragmas and connection settings:
// the fastest correct way a user does the same work with the driver, on the
// specification's schema alone (the honest baseline), and the same SQL the
// store runs, captured from its own SQL backend, on a schema created with
// `schemaSql()` (the same-SQL baseline).

import postgres from "postgres";
import { schemaSql } from "../mod.ts";
import { MIGRATIONS_TABLE } from "../src/sql/schema.ts";
import type { Table } from "../src/sql/tables.ts";
import type { Backend } from "../src/core/backend.ts";
import { TIMESTAMPS_AS_TEXT } from "../src/postgres/connection.ts";
import { postgresDialect } from "../src/postgres/dialect.ts";
import { SqlBackend } from "../src/sql/backend.ts";
import type { SqlDialect } from "../src/sql/dialect.ts";
import type {
  SqlConnection,
  SqlRow,
  SqlSession,
  SqlValue,
} from "../src/sql/connection.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import {
  openSqliteDatabase,
  type SqliteStatement,
} from "../src/sqlite/runtime.ts";

/** What one call to a backend primitive sent to the database. */
export interface Captured {
  /** The statements, in order. */
  statements: { sql: string; params: readonly SqlValue[] }[];
  /** Whether they ran inside an explicit transaction. */
  transaction: boolean;
}

/** A driver that runs nothing and records what it is asked to run. */
class Recorder implements SqlConnection {
  captured: Captured = { statements: [], transaction: false };
  readonly #dialect: SqlDialect["name"];

  constructor(dialect: SqlDialect["name"]) {
    this.#dialect = dialect;
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    this.captured.statements.push({ sql, params });
    return Promise.resolve([{ id: 0 }]);
  }

  insert(
    sql: string,
    params: readonly SqlValue[],
    rows: number,
  ): Promise<number[]> {
    // As each connection sends it: PostgreSQL asks for the ids.
    const sent = this.#dialect === "postgres" ? `${sql} RETURNING id` : sql;
    this.captured.statements.push({ sql: sent, params });
    return Promise.resolve(Array.from({ length: rows }, (_, i) => i));
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    this.captured.transaction = true;
    return fn(this);
  }

  classify(): undefined {
    return undefined;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The SQL a store's backend primitive sends, for the raw baseline to send. */
export class SqlCapture {
  readonly #dialect: SqlDialect;

  constructor(dialect: "sqlite" | "postgres", schema: string) {
    this.#dialect = dialect === "sqlite"
      ? sqliteDialect
      : postgresDialect(schema);
  }

  /** What `call` sends to the database. */
  async capture(
    call: (backend: Backend) => Promise<unknown>,
  ): Promise<Captured> {
    const recorder = new Recorder(this.#dialect.name);
    await call(new SqlBackend(this.#dialect, recorder));
    return recorder.captured;
  }

  /** The one statement `call` sends; throws when it sends several. */
  async statement(
    call: (backend: Backend) => Promise<unknown>,
  ): Promise<string> {
    const { statements } = await this.capture(call);
    if (statements.length !== 1) {
      throw new Error(`Expected one statement, got ${statements.length}`);
    }
    return statements[0]!.sql;
  }
}

/** Which schema a raw database is given when it is opened. */
export type RawSchema = "store" | "specification" | "none";

/** The specification's indexes, the only ones the Python SDK creates. */
const SPEC_INDEXES = [
  "idx_runs_agent_id",
  "idx_events_run_id",
  "idx_usage_agent_id",
  "idx_usage_run_id",
];

/**
 * The specification's schema alone, as a user of the bare driver creates it:
 * its three tables and four single-column indexes, nothing for this module.
 */
export function specificationSchema(
  dialect: "sqlite" | "postgres",
  schema: string,
): string[] {
  const all = schemaSql(dialect, { schema });
  return [
    ...all.filter((s) =>
      /^CREATE SCHEMA/.test(s) ||
      (/^CREATE TABLE/.test(s) && !s.includes(MIGRATIONS_TABLE))
    ),
    ...SPEC_INDEXES.map((name) =>
      all.find((s) => /^CREATE INDEX/.test(s) && s.includes(` ${name} `))!
    ),
  ];
}

function schemaStatements(
  dialect: "sqlite" | "postgres",
  kind: RawSchema,
  schema = "",
): string[] {
  if (kind === "none") return [];
  return kind === "store"
    ? schemaSql(dialect, { schema })
    : specificationSchema(dialect, schema);
}

/** A plain INSERT of `rows` rows, returning nothing: what a driver user writes. */
export function plainInsert(
  table: string,
  definition: Table<unknown>,
  rows: number,
): string {
  const tuple = `(${definition.columns.map(() => "?").join(", ")})`;
  return `INSERT INTO ${table} (${
    definition.columns.map((c) => c.name).join(", ")
  }) VALUES ${Array(rows).fill(tuple).join(", ")}`;
}

/** A raw connection: statements run as the driver runs them. */
export interface RawDatabase {
  readonly name: "sqlite" | "postgres";
  /** How a table is named in SQL on this database. */
  table(name: string): string;
  /** Runs one statement; synchronous on SQLite, as its drivers are. */
  query(
    sql: string,
    params?: readonly SqlValue[],
  ): SqlRow[] | Promise<SqlRow[]>;
  /** Runs `fn` in one write transaction. */
  transaction<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Deletes every row of the three tables. */
  clear(): Promise<void>;
  /**
   * Brings PostgreSQL's planner statistics up to date after a bulk load, as
   * autovacuum would a little later; nothing on SQLite, whose store never
   * runs ANALYZE.
   */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

const TABLES = ["agent_run_events", "agent_llm_usage", "agent_runs"];

/** node:sqlite or bun:sqlite, with the store's pragmas and a statement cache. */
export async function openRawSqlite(
  path: string,
  options: {
    schema: RawSchema;
    /** A new file in `auto_vacuum=INCREMENTAL` mode, as the store makes. */
    incremental?: boolean;
  },
): Promise<RawDatabase> {
  const db = await openSqliteDatabase(path);
  if (options.incremental) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
  db.exec("PRAGMA busy_timeout = 10000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  for (const statement of schemaStatements("sqlite", options.schema)) {
    db.exec(statement);
  }
  const statements = new Map<string, SqliteStatement>();
  const query = (sql: string, params: readonly SqlValue[] = []) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, statement = db.prepare(sql));
    return statement.all(...params) as SqlRow[];
  };
  return {
    name: "sqlite",
    table: (name) => name,
    query,
    async transaction(fn) {
      db.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn();
        db.exec("COMMIT");
        return result;
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    clear() {
      for (const table of TABLES) db.exec(`DELETE FROM ${table}`);
      return Promise.resolve();
    },
    analyze: () => Promise.resolve(),
    close() {
      statements.clear();
      db.close();
      return Promise.resolve();
    },
  };
}

/**
 * postgres.js with the store's pool size and settings (timestamps as text),
 * `?` numbered to `$n` once per statement and prepared, as the store does.
 */
export async function openRawPostgres(
  url: string,
  schema: string,
  options: { schema: RawSchema },
): Promise<RawDatabase> {
  const sql = postgres(url, {
    max: 10,
    onnotice: () => {},
    connection: { application_name: "curio-bench-raw", TimeZone: "UTC" },
    types: TIMESTAMPS_AS_TEXT,
  });
  for (
    const statement of schemaStatements("postgres", options.schema, schema)
  ) {
    await sql.unsafe(statement);
  }
  const qualified = TABLES.map((t) => `"${schema}".${t}`).join(", ");
  const texts = new Map<string, string>();
  // deno-lint-ignore no-explicit-any
  let session: postgres.Sql<any> | postgres.TransactionSql<any> = sql;
  const query = (text: string, params: readonly SqlValue[] = []) => {
    let numbered = texts.get(text);
    if (numbered === undefined) {
      let n = 0;
      numbered = text.replace(/\?/g, () => `$${++n}`);
      texts.set(text, numbered);
    }
    return session.unsafe(numbered, params as SqlValue[], { prepare: true });
  };
  return {
    name: "postgres",
    table: (name) => `"${schema}".${name}`,
    query,
    transaction(fn) {
      return sql.begin(async (tx) => {
        session = tx;
        try {
          return await fn();
        } finally {
          session = sql;
        }
      }) as Promise<never>;
    },
    async clear() {
      await sql.unsafe(`TRUNCATE ${qualified}`);
    },
    async analyze() {
      await sql.unsafe(`ANALYZE ${qualified}`);
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
