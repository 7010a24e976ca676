import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { describe, it } from "node:test";
import {
  ConnectionError,
  createPersistence,
  schemaSql,
  SqlitePersistence,
} from "../mod.ts";
import { openSqliteDatabase } from "../src/sqlite/runtime.ts";
import { assertSpecIndexes } from "./_spec.ts";
import { tempPath } from "./_temp.ts";
import { conformance } from "./conformance/mod.ts";
import { sqliteExec, sqliteForeign } from "./_foreign.ts";

conformance(
  "sqlite :memory:",
  (options) => SqlitePersistence.open(":memory:", options),
);
conformance(
  "sqlite file",
  (options) => createPersistence(`sqlite:${tempPath()}`, options),
  sqliteForeign,
  sqliteExec,
);

describe("SQLite file", () => {
  it("keeps the data when the file is opened again", async () => {
    const path = tempPath();
    {
      await using store = await SqlitePersistence.open(path);
      await store.createAgentRun({
        agentId: "a",
        runId: "r",
        metadata: { n: 1 },
      });
      await store.logAgentRunEvent({
        agentId: "a",
        runId: "r",
        eventType: "run_started",
      });
      await store.logLlmUsage({ agentId: "a", runId: "r", inputTokens: 7 });
    }
    await using store = await SqlitePersistence.open(path);
    assert.deepEqual((await store.getAgentRun("r"))?.metadata, { n: 1 });
    assert.equal((await store.getAgentRunEvents("r")).length, 1);
    assert.equal((await store.getAgentRunStats()).totalInputTokens, 7);
  });

  it("creates parent folders and a file only its owner can read", async () => {
    const path = tempPath("nested/deeper/agent.db");
    await using store = await createPersistence(`sqlite:${path}`);
    await store.createAgentRun({ agentId: "a", runId: "r" });
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
    }
  });

  it("runs in WAL mode with foreign keys and a busy timeout", async () => {
    const path = tempPath();
    (await SqlitePersistence.open(path, { busyTimeoutMs: 1234 })).close();
    const db = await openSqliteDatabase(path);
    try {
      const [mode] = db.prepare("PRAGMA journal_mode").all() as {
        journal_mode: string;
      }[];
      assert.equal(mode?.journal_mode, "wal");
    } finally {
      db.close();
    }
  });

  it("has the specification's tables, columns and indexes", async () => {
    const path = tempPath();
    await (await SqlitePersistence.open(path)).close();
    const db = await openSqliteDatabase(path);
    try {
      const columns = (table: string) =>
        (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[])
          .map((c) => c.name);
      assert.deepEqual(columns("agent_runs"), [
        "id",
        "agent_id",
        "run_id",
        "agent_name",
        "objective",
        "additional_context",
        "started_at",
        "finished_at",
        "total_iterations",
        "final_synthesis_output",
        "execution_history",
        "status",
        "error_message",
        "metadata",
        "created_at",
        "updated_at",
      ]);
      assert.deepEqual(columns("agent_run_events"), [
        "id",
        "agent_id",
        "run_id",
        "agent_name",
        "timestamp",
        "event_type",
        "data",
        "created_at",
      ]);
      assert.deepEqual(columns("agent_llm_usage"), [
        "id",
        "agent_id",
        "run_id",
        "provider",
        "model",
        "prompt",
        "prompt_length",
        "input_params",
        "input_tokens",
        "output_tokens",
        "response_content",
        "response_length",
        "usage_metrics",
        "status",
        "error_message",
        "latency_ms",
        "created_at",
        "cache_read_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
        "cost_usd",
        "cost_source",
      ]);
      const indexes = (db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index'",
      ).all() as { name: string }[]).map((i) => i.name);
      assertSpecIndexes(indexes);
      const [fk] = db.prepare("PRAGMA foreign_key_list(agent_run_events)")
        .all() as { table: string; from: string; to: string }[];
      assert.deepEqual({ ...fk }.table, "agent_runs");
      assert.equal(fk?.from, "run_id");
      assert.equal(fk?.to, "run_id");
    } finally {
      db.close();
    }
  });
});

describe("SQLite driver", () => {
  it("names the runtimes that have one when this runtime has none", async () => {
    await assert.rejects(
      openSqliteDatabase(":memory:", () => {
        throw new Error("No such built-in module: node:sqlite");
      }),
      (error: unknown) =>
        error instanceof ConnectionError &&
        /Deno 2\.2\+, Node 22\.13\+ .* or Bun 1\.1\+/.test(error.message) &&
        error.cause instanceof Error,
    );
  });
});

describe("SQLite schema by hand", () => {
  it("runs the exported DDL twice, then opens on it", async () => {
    const path = tempPath("manual.db");
    const db = await openSqliteDatabase(path);
    try {
      for (let pass = 0; pass < 2; pass++) {
        for (const statement of schemaSql("sqlite")) db.exec(statement);
      }
    } finally {
      db.close();
    }
    await using store = await SqlitePersistence.open(path);
    await store.createAgentRun({ agentId: "a", runId: "r" });
    assert.equal((await store.getAgentRuns()).length, 1);
  });
});
