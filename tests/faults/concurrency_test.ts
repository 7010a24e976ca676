// Several processes on one SQLite file, and on one PostgreSQL schema.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { createPersistence, SqlitePersistence } from "../../mod.ts";
import { SCHEMA_VERSION } from "../../src/sql/schema.ts";
import { openSqliteDatabase } from "../../src/sqlite/runtime.ts";
import { postgresUrl, postgresUrlWith, uniqueSchema } from "../_postgres.ts";
import { tempPath } from "../_temp.ts";
import { type Child, startChild } from "./_child.ts";

const WRITERS = 4;
const EVENTS = 5000;
const USAGE = 500;

/** Starts children, lets them go at once, and returns their last lines. */
async function together(children: Child[], goFile: string): Promise<string[]> {
  await Promise.all(children.map((c) => c.waitFor((l) => l === "ready")));
  writeFileSync(goFile, "");
  return await Promise.all(children.map(async (child) => {
    const code = await child.exited;
    assert.equal(code, 0, `a child failed: ${child.stderr()}`);
    return child.lines.at(-1)!;
  }));
}

async function integrity(path: string): Promise<string> {
  const db = await openSqliteDatabase(path);
  try {
    const [row] = db.prepare("PRAGMA integrity_check").all() as {
      integrity_check: string;
    }[];
    return row!.integrity_check;
  } finally {
    db.close();
  }
}

describe("SQLite shared by processes", () => {
  it(`${WRITERS} writers and a reader: no error, every row, integrity ok`, {
    timeout: 120_000,
  }, async () => {
    const path = tempPath();
    const url = `sqlite:${path}`;
    const go = `${path}.go`;
    const stop = `${path}.stop`;
    const started = performance.now();
    const reader = startChild("_worker.ts", ["read", url, go, stop]);
    const writers = Array.from(
      { length: WRITERS },
      (_, i) =>
        startChild("_worker.ts", [
          "write",
          url,
          `writer-${i}`,
          String(EVENTS),
          String(USAGE),
          go,
        ]),
    );
    const readerDone = together([reader], go);
    const results = (await together(writers, go)).map((l) => JSON.parse(l));
    writeFileSync(stop, "");
    const read = JSON.parse((await readerDone)[0]!);
    const ms = Math.round(performance.now() - started);

    await using store = await SqlitePersistence.open(path);
    for (let i = 0; i < WRITERS; i++) {
      let count = 0;
      for await (const _ of store.iterateAgentRunEvents(`writer-${i}`)) count++;
      assert.equal(count, EVENTS);
    }
    const stats = await store.getAgentRunStats();
    assert.equal(stats.totalRuns, WRITERS);
    assert.equal(stats.completedRuns, WRITERS);
    assert.equal(stats.totalLlmCalls, WRITERS * USAGE);
    assert.equal(await integrity(path), "ok");
    console.log(
      `sqlite: ${WRITERS} processes x (${EVENTS} events + ${USAGE} usage) in ${ms} ms ` +
        `(writers ${results.map((r) => r.ms).join(", ")} ms); reader made ` +
        `${read.passes} passes over ${read.rows} rows; integrity_check ok`,
    );
  });

  it("4 processes open one fresh file at once, 5 times: schema created once", {
    timeout: 120_000,
  }, async () => {
    const ROUNDS = 5;
    for (let round = 0; round < ROUNDS; round++) {
      const path = tempPath();
      const go = `${path}.go`;
      const children = Array.from(
        { length: 4 },
        () => startChild("_worker.ts", ["open", `sqlite:${path}`, go]),
      );
      const lines = await together(children, go);
      assert.deepEqual(lines, ["opened", "opened", "opened", "opened"]);
      const db = await openSqliteDatabase(path);
      try {
        const rows = db.prepare("SELECT version FROM curio_schema_migrations")
          .all();
        assert.equal(rows.length, SCHEMA_VERSION);
        const [mode] = db.prepare("PRAGMA journal_mode").all() as {
          journal_mode: string;
        }[];
        assert.equal(mode?.journal_mode, "wal");
      } finally {
        db.close();
      }
    }
    console.log(
      `sqlite: ${ROUNDS} rounds of 4 processes opening one fresh file at once; ` +
        `each file in WAL mode with 1 migration row`,
    );
  });
});

describe("PostgreSQL shared by processes", { skip: !postgresUrl }, () => {
  it("4 processes open one fresh schema at once: schema created once", async () => {
    const schema = uniqueSchema("open");
    const url = postgresUrlWith({ schema });
    const go = tempPath("pg.go");
    const children = Array.from(
      { length: 4 },
      () => startChild("_worker.ts", ["open", url, go]),
    );
    const lines = await together(children, go);
    assert.deepEqual(lines, ["opened", "opened", "opened", "opened"]);
    const { default: postgres } = await import("postgres");
    const sql = postgres(postgresUrl!, { onnotice: () => {} });
    try {
      const rows = await sql.unsafe(
        `SELECT version FROM "${schema}".curio_schema_migrations`,
      );
      assert.equal(rows.length, SCHEMA_VERSION);
    } finally {
      await sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
      await sql.end();
    }
    console.log(
      "postgres: 4 processes opened one fresh schema, 1 migration row",
    );
  });

  it("200 concurrent operations through a pool of 5 all complete", async () => {
    const schema = uniqueSchema("pool");
    await using store = await createPersistence(
      postgresUrlWith({ schema, max: "5" }),
    );
    await store.createAgentRun({ agentId: "a", runId: "r" });
    const started = performance.now();
    const operations = Array.from({ length: 200 }, (_, i) => {
      switch (i % 5) {
        case 0:
          return store.logAgentRunEvent({
            agentId: "a",
            runId: "r",
            eventType: "custom",
            data: { i },
          });
        case 1:
          return store.logLlmUsage({
            agentId: "a",
            runId: "r",
            inputTokens: i,
          });
        case 2:
          return store.getAgentRunStats({ agentId: "a" });
        case 3:
          return store.updateAgentRun("r", { totalIterations: i });
        default:
          return store.logAgentRunEvents([
            { agentId: "a", runId: "r", eventType: "custom", data: { i } },
            { agentId: "a", runId: "r", eventType: "custom", data: { i } },
          ]);
      }
    });
    const results = await Promise.allSettled(operations);
    const failed = results.filter((r) => r.status === "rejected");
    assert.deepEqual(failed, []);
    assert.equal((await store.getAgentRunEvents("r")).length, 40 + 80);
    assert.equal(
      (await store.getLlmUsage({ runId: "r", limit: 1000 })).length,
      40,
    );
    console.log(
      `postgres: 200 concurrent operations with max=5 in ${
        Math.round(performance.now() - started)
      } ms, 0 failed`,
    );
  });
});
