// What makes a SQL store the one it is: for SQLite the file (device and
// inode, so two paths or a symlink to one file match), for PostgreSQL the
// cluster's system identifier, the database and the schema.

import type { StoreIdentity } from "../types.ts";
import type { SqlSession } from "./connection.ts";
import type { SqlDialect } from "./dialect.ts";

/** The identity of a SQLite database, or of PostgreSQL tables `table`. */
export async function sqlIdentity(
  session: SqlSession,
  dialect: SqlDialect["name"],
  table: string,
): Promise<StoreIdentity> {
  return dialect === "sqlite"
    ? await sqliteIdentity(session)
    : await postgresIdentity(session, table);
}

async function sqliteIdentity(session: SqlSession): Promise<StoreIdentity> {
  const rows = await session.query("PRAGMA database_list");
  const file = String(rows.find((row) => row.name === "main")?.file ?? "");
  // An in-memory database is only ever itself.
  if (file === "") {
    return {
      key: `sqlite-memory:${crypto.randomUUID()}`,
      description: "an in-memory SQLite database",
    };
  }
  const { stat } = await import("node:fs/promises");
  const found = await stat(file, { bigint: true });
  return {
    key: `sqlite:${found.dev}:${found.ino}`,
    description: `the SQLite file ${file}`,
  };
}

async function postgresIdentity(
  session: SqlSession,
  table: string,
): Promise<StoreIdentity> {
  const [row] = await session.query(
    "SELECT (SELECT system_identifier FROM pg_control_system())::text " +
      "AS cluster, current_database() AS database",
  );
  return {
    key: `postgres:${row!.cluster}:${row!.database}:${table}`,
    description: `the PostgreSQL database ${row!.database} (tables ${table})`,
  };
}
