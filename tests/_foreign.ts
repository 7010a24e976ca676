// How the conformance suite writes rows as another program would, into the
// database of a store under test: a second connection to the SQLite file,
// a second client to the PostgreSQL schema.

import postgres from "postgres";
import type { PostgresPersistence, SqlitePersistence } from "../mod.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import type { ExecForeign, WriteForeign } from "./conformance/mod.ts";
import { postgresUrl } from "./_postgres.ts";

function insertSql(table: string, columns: string[], marks: string[]): string {
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${
    marks.join(", ")
  })`;
}

/** Rows written through a connection of its own to the store's file. */
export const sqliteForeign: WriteForeign = async (store, table, rows) => {
  const db = await openSqliteDatabase((store as SqlitePersistence).path);
  try {
    for (const row of rows) {
      const columns = Object.keys(row);
      db.prepare(insertSql(table, columns, columns.map(() => "?")))
        .run(...Object.values(row));
    }
  } finally {
    db.close();
  }
};

/** Rows written by a client of its own into the store's schema. */
export const postgresForeign: WriteForeign = async (store, table, rows) => {
  const sql = postgres(postgresUrl!, { onnotice: () => {} });
  const schema = (store as PostgresPersistence).schema;
  try {
    for (const row of rows) {
      const columns = Object.keys(row);
      await sql.unsafe(
        insertSql(
          `"${schema}".${table}`,
          columns,
          columns.map((_, i) => `$${i + 1}`),
        ),
        Object.values(row),
      );
    }
  } finally {
    await sql.end();
  }
};

/** A statement run through a connection of its own to the store's file. */
export const sqliteExec: ExecForeign = async (store, sql, params = []) => {
  const db = await openSqliteDatabase((store as SqlitePersistence).path);
  try {
    db.prepare(sql((name) => name)).run(...params);
  } finally {
    db.close();
  }
};

/** A statement run by a client of its own in the store's schema. */
export const postgresExec: ExecForeign = async (store, sql, params = []) => {
  const client = postgres(postgresUrl!, { onnotice: () => {} });
  const schema = (store as PostgresPersistence).schema;
  let n = 0;
  try {
    await client.unsafe(
      sql((name) => `"${schema}".${name}`).replace(/\?/g, () => `$${++n}`),
      params,
    );
  } finally {
    await client.end();
  }
};
