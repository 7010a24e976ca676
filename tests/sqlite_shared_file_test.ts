// Two stores on one SQLite file in one process, as when two libraries each
// open the default ./agent_sdk.db, or the CLI's functions run beside an app.
// SQLite's busy handler sleeps synchronously, so a second connection that
// meets the first one's open transaction would block the whole thread (and
// the transaction it waits for) until the busy timeout: stores on one file
// share one connection instead.

import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, it } from "node:test";
import {
  createPersistence,
  InvalidInputError,
  type Persistence,
  SqlitePersistence,
} from "../mod.ts";
import { USAGE } from "../src/sql/tables.ts";
import { sqliteDialect } from "../src/sqlite/dialect.ts";
import { tempPath } from "./_temp.ts";

/** Just more LLM calls than one INSERT holds: a transaction of two. */
const USAGE_BATCH =
  Math.floor(sqliteDialect.maxParameters / USAGE.columns.length) + 30;
/** Events in one INSERT. */
const EVENT_BATCH = 2000;

/** Runs `write`, failing when it takes longer than `limitMs`. */
async function timed<T>(
  label: string,
  limitMs: number,
  write: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const result = await write();
  const took = performance.now() - started;
  assert.ok(took < limitMs, `${label} took ${took.toFixed(0)} ms`);
  return result;
}

/** Writes of every kind, batches of thousands and deletes among them. */
async function workload(store: Persistence, name: string, rounds: number) {
  for (let round = 0; round < rounds; round++) {
    // A blocked event loop would show as a write waiting out the 10 s busy
    // timeout. The bounds sit far below that and far above what a loaded
    // 2-core CI machine takes (writes of 200–400 ms were seen there): the
    // first round also prepares each statement (a batch's INSERT binds some
    // 32,000 parameters).
    const limitMs = round === 0 ? 2_000 : 1_000;
    const runId = `${name}-${round}`;
    await timed(
      `${runId} create`,
      limitMs,
      () => store.createAgentRun({ agentId: name, runId }),
    );
    await timed(`${runId} events`, limitMs, () =>
      store.logAgentRunEvents(
        Array.from({ length: EVENT_BATCH }, () => ({
          agentId: name,
          runId,
          eventType: "step",
        })),
      ));
    await timed(`${runId} usage`, limitMs, () =>
      store.logLlmUsages(
        Array.from({ length: USAGE_BATCH }, () => ({
          agentId: name,
          runId,
          model: "m",
          inputTokens: 1,
        })),
      ));
    await timed(
      `${runId} event`,
      limitMs,
      () => store.logAgentRunEvent({ agentId: name, runId, eventType: "one" }),
    );
    await timed(
      `${runId} update`,
      limitMs,
      () => store.updateAgentRun(runId, { status: "completed" }),
    );
    if (round % 2 === 1) {
      await timed(
        `${runId} delete`,
        limitMs,
        () => store.deleteAgentRun(runId),
      );
      await timed(
        `${runId} delete usage`,
        limitMs,
        () => store.deleteAgentRuns([runId], { withLlmUsage: true }),
      );
    }
  }
}

describe("two stores on one SQLite file in one process", () => {
  it("interleave writes without blocking each other", async () => {
    const started = performance.now();
    const path = tempPath("shared.db");
    const options = { busyTimeoutMs: 10_000 };
    const first = await SqlitePersistence.open(path, options);
    const second = await createPersistence(`sqlite:${path}`, options);
    try {
      await Promise.all([
        workload(first, "first", 4),
        workload(second, "second", 4),
      ]);
      for (const store of [first, second]) {
        const runs = await store.getAgentRuns({ limit: 100 });
        assert.deepEqual(
          runs.map((run) => run.runId).sort(),
          ["first-0", "first-2", "second-0", "second-2"],
        );
        assert.equal(
          (await store.getAgentRunEvents("second-2")).length,
          EVENT_BATCH + 1,
        );
      }
    } finally {
      await first.close();
      await second.close();
    }
    const took = performance.now() - started;
    assert.ok(took < 5000, `the test took ${took.toFixed(0)} ms`);
  });

  it("closing one store leaves the other working", async () => {
    const path = tempPath("shared.db");
    const first = await SqlitePersistence.open(path);
    const second = await SqlitePersistence.open(path);
    await first.createAgentRun({ agentId: "a", runId: "r1" });
    await first.close();
    await second.createAgentRun({ agentId: "a", runId: "r2" });
    await second.logAgentRunEvents(
      Array.from({ length: 5000 }, () => ({
        agentId: "a",
        runId: "r2",
        eventType: "step",
      })),
    );
    assert.equal((await second.getAgentRuns()).length, 2);
    assert.ok(await second.healthCheck());
    await second.close();
    // Opened afresh after both closed: the data is on disk.
    await using again = await SqlitePersistence.open(path);
    assert.equal((await again.getAgentRunEvents("r2")).length, 5000);
  });

  it("shares the file also through a symbolic link", async () => {
    const path = tempPath("target.db");
    const link = join(dirname(path), `link-${basename(path)}`);
    await using first = await SqlitePersistence.open(path);
    symlinkSync(path, link);
    await using second = await SqlitePersistence.open(link);
    await timed("the stores' writes, interleaved", 2000, () =>
      Promise.all([
        workload(first, "first", 2),
        workload(second, "second", 2),
      ]));
    assert.equal(
      (await second.getAgentRunEvents("first-0")).length,
      EVENT_BATCH + 1,
    );
  });

  it("refuses a second store with other connection settings", async () => {
    const path = tempPath("shared.db");
    await using first = await SqlitePersistence.open(path, {
      synchronous: "full",
    });
    await assert.rejects(
      SqlitePersistence.open(path),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError, String(error));
        assert.equal(error.field, "synchronous");
        assert.match(error.message, /full/);
        return true;
      },
    );
    await assert.rejects(
      SqlitePersistence.open(path, {
        synchronous: "full",
        busyTimeoutMs: 5,
      }),
      (error: unknown) =>
        error instanceof InvalidInputError && error.field === "busyTimeoutMs",
    );
    // The refused opens took nothing from the first store.
    await first.createAgentRun({ agentId: "a", runId: "r" });
    await using second = await SqlitePersistence.open(path, {
      synchronous: "full",
    });
    assert.equal((await second.getAgentRun("r"))?.agentId, "a");
  });

  it("never shares :memory: stores", async () => {
    await using first = await SqlitePersistence.open(":memory:");
    await using second = await SqlitePersistence.open(":memory:", {
      synchronous: "full",
    });
    await first.createAgentRun({ agentId: "a", runId: "r" });
    assert.equal(await second.getAgentRun("r"), undefined);
    await first.close();
    await second.createAgentRun({ agentId: "a", runId: "r" });
    assert.equal((await second.getAgentRuns()).length, 1);
  });
});
