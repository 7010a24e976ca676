// Keyset paging resumes after the last row's (sort key, id). Rows that other
// programs wrote with a NULL sort key do not compare with `(key, id) > (?, ?)`
// at all, so the SQL backend pages them by id and switches between the NULL
// and the non-NULL part by hand. Every page size must still return each row
// exactly once, in the order of one unpaged read.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Cursor, Stored } from "../../src/core/backend.ts";
import { SqlBackend } from "../../src/sql/backend.ts";
import { SqliteConnection } from "../../src/sqlite/connection.ts";
import { sqliteDialect } from "../../src/sqlite/dialect.ts";
import { openSqliteDatabase } from "../../src/sqlite/runtime.ts";

// NULLs between, before and after values, and equal values, so that both the
// NULL switch and the id tie-break fall on page boundaries.
const KEYS = [
  null,
  "2024-03-01 10:00:00",
  null,
  "2024-03-01 09:00:00",
  "2024-03-01 10:00:00",
  null,
  "2024-03-01 09:00:00",
  "2024-03-01 11:00:00",
  null,
];

interface Row {
  id: number;
  key: string | null;
}

/** SQLite's order: NULL below every value, then by id, in `direction`. */
function sqliteOrder(rows: Row[], direction: "asc" | "desc"): number[] {
  const rank = (row: Row) => row.key ?? "";
  const sign = direction === "asc" ? 1 : -1;
  return [...rows]
    .sort((a, b) =>
      sign * (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : a.id - b.id)
    )
    .map((row) => row.id);
}

/** Every id, read `size` rows at a time the way the store pages. */
async function pageThrough<R>(
  read: (after: Cursor | undefined, limit: number) => Promise<Stored<R>[]>,
  size: number,
  most: number,
): Promise<number[]> {
  const ids: number[] = [];
  let after: Cursor | undefined;
  for (let pages = 0; pages <= most; pages++) {
    const page = await read(after, size);
    ids.push(...page.map((row) => row.id));
    if (page.length < size) return ids;
    after = page[page.length - 1]!.cursor;
  }
  throw new Error(`still paging after ${most} pages of ${size}: ${ids}`);
}

async function openBackend(): Promise<{
  backend: SqlBackend;
  connection: SqliteConnection;
}> {
  const connection = new SqliteConnection(
    await openSqliteDatabase(":memory:"),
  );
  const backend = new SqlBackend(sqliteDialect, connection);
  await backend.initializeSchema();
  return { backend, connection };
}

/**
 * Inserts one row per key for `owner` and, interleaved, rows of another
 * owner that a filter must keep out; returns the owner's rows.
 */
async function insertRows(
  connection: SqliteConnection,
  insert: (owner: string, key: string | null, n: number) => [string, unknown[]],
  owner: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [n, key] of KEYS.entries()) {
    for (const who of [owner, "someone-else"]) {
      const [sql, params] = insert(who, key, n);
      const [row] = await connection.query(`${sql} RETURNING id`, params as []);
      if (who === owner) rows.push({ id: Number(row!.id), key });
    }
  }
  return rows;
}

describe("keyset paging across NULL sort keys (SQLite)", () => {
  it("events, oldest first: NULLs come first", async () => {
    const { backend, connection } = await openBackend();
    try {
      for (const runId of ["run-1", "someone-else"]) {
        await connection.query(
          "INSERT INTO agent_runs (agent_id, run_id) VALUES (?, ?)",
          ["agent", runId],
        );
      }
      const rows = await insertRows(connection, (runId, key, n) => [
        `INSERT INTO agent_run_events (agent_id, run_id, timestamp, event_type, data) VALUES (?, ?, ?, ?, ?)`,
        ["agent", runId, key, "custom", String(n)],
      ], "run-1");
      const expected = sqliteOrder(rows, "asc");
      const read = (after: Cursor | undefined, limit: number) =>
        backend.listEvents({
          runId: "run-1",
          eventType: undefined,
          after,
          limit,
        });
      const unpaged = await read(undefined, 100);
      assert.deepEqual(unpaged.map((row) => row.id), expected);
      for (const size of [1, 2, 3]) {
        assert.deepEqual(
          await pageThrough(read, size, rows.length + 1),
          expected,
          `page size ${size}`,
        );
      }
    } finally {
      await backend.close();
    }
  });

  it("runs, newest first: NULLs come last", async () => {
    const { backend, connection } = await openBackend();
    try {
      const rows = await insertRows(connection, (agentId, key, n) => [
        `INSERT INTO agent_runs (agent_id, run_id, created_at, updated_at) VALUES (?, ?, ?, ?)`,
        [agentId, `${agentId}-${n}`, key, key],
      ], "agent-1");
      const expected = sqliteOrder(rows, "desc");
      const read = (after: Cursor | undefined, limit: number) =>
        backend.listRuns({
          agentId: "agent-1",
          status: undefined,
          after,
          limit,
          offset: 0,
        });
      const unpaged = await read(undefined, 100);
      assert.deepEqual(unpaged.map((row) => row.id), expected);
      for (const size of [1, 2, 3]) {
        assert.deepEqual(
          await pageThrough(read, size, rows.length + 1),
          expected,
          `page size ${size}`,
        );
      }
    } finally {
      await backend.close();
    }
  });

  it("LLM calls, newest first: NULLs come last", async () => {
    const { backend, connection } = await openBackend();
    try {
      const rows = await insertRows(connection, (agentId, key, n) => [
        `INSERT INTO agent_llm_usage (agent_id, model, created_at) VALUES (?, ?, ?)`,
        [agentId, `model-${n}`, key],
      ], "agent-1");
      const expected = sqliteOrder(rows, "desc");
      const read = (after: Cursor | undefined, limit: number) =>
        backend.listUsage({
          agentId: "agent-1",
          runId: undefined,
          after,
          limit,
        });
      const unpaged = await read(undefined, 100);
      assert.deepEqual(unpaged.map((row) => row.id), expected);
      for (const size of [1, 2, 3]) {
        assert.deepEqual(
          await pageThrough(read, size, rows.length + 1),
          expected,
          `page size ${size}`,
        );
      }
    } finally {
      await backend.close();
    }
  });
});
