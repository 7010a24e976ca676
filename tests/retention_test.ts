import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import {
  type AgentLlmUsage,
  type AgentRunEvent,
  type ArchivedRecords,
  copyStore,
  createPersistence,
  exportArchive,
  importLines,
  InvalidInputError,
  type Persistence,
  pruneStore,
} from "../mod.ts";
import {
  openFreshPostgres,
  postgresUrl,
  postgresUrlWith,
  uniqueSchema,
} from "./_postgres.ts";
import { tempPath } from "./_temp.ts";
import { BACKENDS } from "./_backends.ts";

const OLD = new Date("2024-01-01T00:00:00.000Z");
const CUTOFF = new Date("2025-01-01T00:00:00.000Z");
const DAY = 86_400_000;

/** A record without its id, as text with its keys in order. */
function canonical(record: object): string {
  const { id: _, ...rest } = record as { id?: number };
  return JSON.stringify(
    rest,
    (_key, value) =>
      value && typeof value === "object" && !Array.isArray(value)
        ? Object.fromEntries(
          Object.entries(value).sort(([a], [b]) => a.localeCompare(b)),
        )
        : value,
  );
}

/** Every record of `store`, canonical, sorted, per table. */
async function contents(store: Persistence) {
  const runs: string[] = [];
  const events: string[] = [];
  const usage: string[] = [];
  for await (const run of store.iterateAgentRuns()) {
    runs.push(canonical(run));
    for await (const event of store.iterateAgentRunEvents(run.runId)) {
      events.push(canonical(event));
    }
  }
  for await (const call of store.iterateLlmUsage()) usage.push(canonical(call));
  return { runs: runs.sort(), events: events.sort(), usage: usage.sort() };
}

function minus(all: string[], some: string[]): string[] {
  const left = [...all];
  for (const item of some) {
    const at = left.indexOf(item);
    if (at >= 0) left.splice(at, 1);
  }
  return left.sort();
}

for (const [name, open] of BACKENDS) {
  describe(`retention: ${name}`, () => {
    it("prunes only what it archived while writers keep writing, and the archive restores exactly what was removed", async () => {
      await using store = await open();
      const runIds = Array.from({ length: 30 }, (_, i) => `run-${i}`);
      for (const [i, runId] of runIds.entries()) {
        await store.createAgentRun({
          agentId: "a",
          runId,
          status: "completed",
          createdAt: new Date(OLD.getTime() + i * 1000),
        });
        await store.logAgentRunEvent({
          agentId: "a",
          runId,
          eventType: "run_started",
          data: { i },
        });
        await store.logLlmUsage({ agentId: "a", runId, prompt: `p${i}` });
      }
      const before = await contents(store);
      const written = { events: [] as string[], usage: [] as string[] };
      let stop = false;
      const writer = async (w: number) => {
        let n = 0;
        while (!stop) {
          const runId = runIds[(n * 7 + w) % runIds.length]!;
          n++;
          try {
            const event: AgentRunEvent = await store.logAgentRunEvent({
              agentId: "a",
              runId,
              eventType: "custom",
              data: { w, n },
            });
            written.events.push(canonical(event));
          } catch {
            // The run is gone: writing to it fails, as it should.
          }
          const call: AgentLlmUsage = await store.logLlmUsage({
            agentId: "a",
            runId,
            prompt: `w${w}-${n}`,
          });
          written.usage.push(canonical(call));
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      };
      let text = "";
      const writers = [writer(1), writer(2), writer(3)];
      // Let the writers get going before the prune starts.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const result = await pruneStore(store, {
        olderThan: CUTOFF,
        batchSize: 4,
        archive: {
          write: (chunk) => void (text += chunk),
          // Archiving takes a while, which is when writers slip in.
          flush: () => new Promise((resolve) => setTimeout(resolve, 5)),
        },
      });
      stop = true;
      await Promise.all(writers);
      const after = await contents(store);
      const all = {
        runs: before.runs,
        events: [...before.events, ...written.events],
        usage: [...before.usage, ...written.usage],
      };
      const removed = {
        runs: minus(all.runs, after.runs),
        events: minus(all.events, after.events),
        usage: minus(all.usage, after.usage),
      };
      assert.equal(result.deleted.runs, removed.runs.length);
      assert.equal(result.deleted.events, removed.events.length);
      assert.equal(result.deleted.llmUsage, removed.usage.length);
      assert.ok(written.usage.length > 0);

      await using restored = await createPersistence("memory:");
      await importLines(restored, text.split("\n"));
      const back = await contents(restored);
      assert.deepEqual(back.runs, removed.runs);
      assert.deepEqual(back.events, removed.events);
      assert.deepEqual(back.usage, removed.usage);
    });

    it("removes LLM calls without a run by their own age, archived first", async () => {
      await using store = await open();
      const now = new Date("2025-06-01T00:00:00.000Z");
      await store.createAgentRun({
        agentId: "a",
        runId: "kept",
        createdAt: now,
      });
      await store.logLlmUsages([
        {
          agentId: "a",
          prompt: "old",
          createdAt: new Date(now.getTime() - 10 * DAY),
        },
        {
          agentId: "a",
          runId: "gone",
          prompt: "old too",
          createdAt: new Date(now.getTime() - 9 * DAY),
        },
        {
          agentId: "a",
          prompt: "young",
          createdAt: new Date(now.getTime() - DAY),
        },
        {
          agentId: "a",
          runId: "kept",
          prompt: "of a run",
          createdAt: new Date(now.getTime() - 30 * DAY),
        },
      ]);
      const archived: ArchivedRecords[] = [];
      const dry = await store.applyRetention({ orphanLlmCalls: "7d" }, {
        now,
        dryRun: true,
      });
      assert.equal(dry.removed.llmUsage, 2);
      assert.equal((await store.getStoreInfo()).llmUsage, 4);
      const result = await store.applyRetention(
        {
          orphanLlmCalls: "7d",
          archive: { write: (r) => void archived.push(r) },
        },
        { now },
      );
      assert.equal(result.removed.llmUsage, 2);
      const left = await store.getLlmUsage();
      assert.deepEqual(left.map((u) => u.prompt).sort(), ["of a run", "young"]);
      assert.deepEqual(
        archived.flatMap((r) => r.llmUsage.map((u) => u.prompt)).sort(),
        ["old", "old too"],
      );
    });

    it("ages runs by status: pending and running runs stay unless named", async () => {
      await using store = await open();
      const now = new Date("2025-06-01T00:00:00.000Z");
      const at = (days: number) => new Date(now.getTime() - days * DAY);
      await store.createAgentRun({
        agentId: "a",
        runId: "done",
        status: "completed",
        createdAt: at(40),
      });
      await store.createAgentRun({
        agentId: "a",
        runId: "failed",
        status: "error",
        createdAt: at(40),
      });
      await store.createAgentRun({
        agentId: "a",
        runId: "old-failed",
        status: "error",
        createdAt: at(100),
      });
      await store.createAgentRun({
        agentId: "a",
        runId: "busy",
        status: "running",
        createdAt: at(400),
      });
      const result = await store.applyRetention(
        { runs: "30d", runsByStatus: { error: "90d" } },
        { now },
      );
      assert.equal(result.removed.runs, 2);
      const left = (await store.getAgentRuns()).map((r) => r.runId).sort();
      assert.deepEqual(left, ["busy", "failed"]);
      await store.applyRetention({ runsByStatus: { running: 365 * DAY } }, {
        now,
      });
      assert.equal(await store.getAgentRun("busy"), undefined);
    });

    it("clears content after its age without changing statistics", async () => {
      await using store = await open();
      const now = new Date("2025-06-01T00:00:00.000Z");
      const old = new Date(now.getTime() - 10 * DAY);
      await store.createAgentRun({
        agentId: "a",
        runId: "r",
        status: "completed",
        createdAt: now,
      });
      await store.logAgentRunEvent({
        agentId: "a",
        runId: "r",
        eventType: "custom",
        data: { secret: 1 },
        createdAt: old,
      });
      await store.logLlmUsage({
        agentId: "a",
        runId: "r",
        model: "gpt-4o",
        prompt: "a secret prompt",
        responseContent: "a secret answer",
        inputParams: { temperature: 0 },
        inputTokens: 10,
        outputTokens: 5,
        latencyMs: 120,
        usageMetrics: { cost_usd: 0.5 },
        createdAt: old,
      });
      const [call] = await store.getLlmUsage();
      const stats = await store.getAgentRunStats();
      const breakdown = await store.getLlmUsageBreakdown();
      let text = "";
      const archive = exportArchive({ write: (chunk) => void (text += chunk) });
      const result = await store.applyRetention({ content: "7d", archive }, {
        now,
      });
      await archive.finish();
      assert.deepEqual(result.cleared, { events: 1, llmUsage: 1 });
      const [cleared] = await store.getLlmUsage();
      assert.equal(cleared!.prompt, "");
      assert.equal(cleared!.responseContent, null);
      assert.equal(cleared!.inputParams, null);
      assert.equal(cleared!.promptLength, call!.promptLength);
      assert.equal(cleared!.responseLength, call!.responseLength);
      assert.deepEqual(cleared!.usageMetrics, call!.usageMetrics);
      assert.equal(cleared!.latencyMs, 120);
      const [event] = await store.getAgentRunEvents("r");
      assert.equal(event!.data, null);
      assert.deepEqual(await store.getAgentRunStats(), stats);
      assert.deepEqual(await store.getLlmUsageBreakdown(), breakdown);
      assert.match(text, /a secret prompt/);
      assert.match(text, /"secret"/);
      // Nothing is left to clear.
      const again = await store.applyRetention({ content: "7d" }, { now });
      assert.deepEqual(again.cleared, { events: 0, llmUsage: 0 });
      await assert.rejects(
        store.applyRetention({ content: "7d", contentAction: "redact" }, {
          now,
        }),
        InvalidInputError,
      );
    });

    it("refuses to copy a store into itself before reading anything", async () => {
      await using store = await open();
      await store.createAgentRun({ agentId: "a", runId: "r" });
      await assert.rejects(copyStore(store, store), InvalidInputError);
      assert.equal((await store.getStoreInfo()).runs, 1);
    });
  });
}

describe("retention policies", () => {
  it("refuses invalid policies", async () => {
    await using store = await createPersistence("memory:");
    for (
      const policy of [
        { runs: "30x" },
        { runs: -1 },
        { runs: 1.5 },
        { runsByStatus: { finished: "1d" } },
        { contentAction: "erase" },
        { everyMs: 0 },
        { batchSize: 0 },
        { keepRuns: "1d" },
        { archive: {} },
      ]
    ) {
      await assert.rejects(
        // deno-lint-ignore no-explicit-any
        store.applyRetention(policy as any),
        InvalidInputError,
        JSON.stringify(policy),
      );
    }
    await assert.rejects(
      createPersistence("memory:", { retention: { runs: "soon" } }),
      InvalidInputError,
    );
  });

  it("runs by itself every everyMs, and close() stops it", async () => {
    const store = await createPersistence("memory:", {
      retention: { runs: "1d", everyMs: 10 },
    });
    await store.createAgentRun({
      agentId: "a",
      runId: "old",
      status: "completed",
      createdAt: OLD,
    });
    for (let i = 0; i < 100 && await store.getAgentRun("old"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(await store.getAgentRun("old"), undefined);
    await store.close();
  });

  it("refuses copying one SQLite file into itself, reached by another path", async () => {
    const path = tempPath("same.db");
    const folder = join(dirname(path), `links-${Date.now()}`);
    mkdirSync(folder);
    const link = join(folder, "link.db");
    symlinkSync(path, link);
    await using a = await createPersistence(`sqlite:${path}`);
    await using b = await createPersistence(`sqlite:${link}`);
    const name = path.split("/").pop()!;
    await using c = await createPersistence(
      `sqlite:${join(dirname(path), ".", name)}`,
    );
    await a.createAgentRun({ agentId: "a", runId: "r" });
    await assert.rejects(copyStore(a, b), InvalidInputError);
    await assert.rejects(copyStore(b, c), InvalidInputError);
    await using other = await createPersistence(`sqlite:${tempPath()}`);
    await copyStore(a, other);
    assert.equal((await other.getStoreInfo()).runs, 1);
  });

  it(
    "refuses copying one PostgreSQL schema into itself, whatever the host is called",
    {
      skip: postgresUrl ? false : "no PostgreSQL",
    },
    async () => {
      const schema = uniqueSchema();
      const url = new URL(postgresUrlWith({ schema }));
      const other = new URL(url);
      other.hostname = url.hostname === "localhost" ? "127.0.0.1" : "localhost";
      await using a = await createPersistence(url.toString());
      await using b = await createPersistence(other.toString());
      await assert.rejects(copyStore(a, b), InvalidInputError);
      await using c = await openFreshPostgres();
      await copyStore(a, c);
    },
  );
});
