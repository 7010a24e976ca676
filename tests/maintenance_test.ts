import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import {
  copyStore,
  createPersistence,
  diagnoseStore,
  exportRecords,
  exportStore,
  importLines,
  importRecords,
  openFileSink,
  type Persistence,
  PersistenceError,
  pruneStore,
} from "../mod.ts";
import { CUTOFF, dump, fill, FILLED, OLD } from "./_fixture.ts";
import { openFreshPostgres, postgresUrl } from "./_postgres.ts";
import { tempPath } from "./_temp.ts";
import { BACKENDS } from "./_backends.ts";

/** The export of `store` as text. */
async function exported(store: Persistence): Promise<string> {
  let text = "";
  await exportStore(store, { write: (chunk) => void (text += chunk) });
  return text;
}

for (const [name, open] of BACKENDS) {
  describe(`maintenance primitives: ${name}`, () => {
    it("finds runs created before a time and LLM calls without a stored run", async () => {
      await using store = await open();
      await fill(store);
      const old = await store.getAgentRuns({ createdBefore: CUTOFF });
      assert.deepEqual(old.map((run) => run.runId), ["old-bad", "old-ok"]);
      const errors = await store.getAgentRuns({
        createdBefore: CUTOFF,
        status: "error",
      });
      assert.deepEqual(errors.map((run) => run.runId), ["old-bad"]);
      const orphans = await store.getLlmUsage({ withoutRun: true });
      assert.deepEqual(orphans.map((u) => u.prompt), ["gone", "no run"]);
    });

    it("deletes runs with events and LLM calls in one call, or counts them", async () => {
      await using store = await open();
      await fill(store);
      const ids = ["old-ok", "old-bad", "not-there"];
      const counted = await store.deleteAgentRuns(ids, {
        withLlmUsage: true,
        dryRun: true,
      });
      assert.deepEqual(counted, { runs: 2, events: 6, llmUsage: 4 });
      assert.equal((await store.getStoreInfo()).runs, FILLED.runs);
      const deleted = await store.deleteAgentRuns(ids, { withLlmUsage: true });
      assert.deepEqual(deleted, counted);
      const info = await store.getStoreInfo();
      assert.deepEqual(
        { runs: info.runs, events: info.events, llmUsage: info.llmUsage },
        { runs: 2, events: 6, llmUsage: 6 },
      );
      // Without withLlmUsage, the LLM calls stay, as with deleteAgentRun.
      const kept = await store.deleteAgentRuns(["new-ok"]);
      assert.deepEqual(kept, { runs: 1, events: 3, llmUsage: 0 });
      assert.equal((await store.getLlmUsage({ runId: "new-ok" })).length, 2);
    });

    it("sums LLM usage per provider and model", async () => {
      await using store = await open();
      await fill(store);
      const rows = await store.getLlmUsageBreakdown({ agentId: "researcher" });
      assert.deepEqual(rows.map((r) => [r.provider, r.model, r.calls]), [
        ["openai", "gpt-4o-mini", 3],
        ["anthropic", "claude-sonnet", 3],
        ["openai", "gpt-4o", 2],
      ]);
      assert.equal(rows[0]!.inputTokens, 300);
      assert.ok(Math.abs(rows[0]!.costUsd - 0.003) < 1e-12);
      assert.equal(rows[1]!.failedCalls, 3);
    });

    it("reports counts, schema version and size; doctor finds no problem", async () => {
      await using store = await open();
      await fill(store);
      const diagnosis = await diagnoseStore(store);
      assert.ok(diagnosis.healthy);
      assert.deepEqual(diagnosis.problems, []);
      const info = diagnosis.info!;
      assert.equal(info.backend, name);
      assert.deepEqual(
        { runs: info.runs, events: info.events, llmUsage: info.llmUsage },
        FILLED,
      );
      if (name === "memory") {
        assert.equal(info.schemaVersion, null);
        assert.equal(info.sizeBytes, null);
      } else {
        assert.equal(info.schemaVersion, diagnosis.expectedSchemaVersion);
        assert.ok(info.sizeBytes! > 0);
      }
    });

    it("export then import into a fresh store reproduces every record", async () => {
      await using source = await open();
      await fill(source);
      const text = await exported(source);
      const lines = text.trim().split("\n");
      assert.equal(
        lines.length,
        1 + FILLED.runs + FILLED.events + FILLED.llmUsage + 1,
      );
      await using target = await createPersistence(`sqlite:${tempPath()}`);
      const first = await importLines(target, text.split("\n"));
      assert.deepEqual(first.added, FILLED);
      assert.deepEqual(await dump(target), await dump(source));
      const second = await importLines(target, text.split("\n"));
      assert.deepEqual(second.added, { runs: 0, events: 0, llmUsage: 0 });
      assert.deepEqual(second.skipped, FILLED);
      assert.deepEqual(await dump(target), await dump(source));
    });

    it("prunes exactly the old runs, with their events and LLM calls, into an archive", async () => {
      await using store = await open();
      await fill(store);
      const before = await dump(store) as { usage: { runId: string | null }[] };
      const dry = await pruneStore(store, { olderThan: CUTOFF, dryRun: true });
      assert.deepEqual(dry.deleted, { runs: 2, events: 6, llmUsage: 4 });
      assert.deepEqual(await dump(store), before);

      const path = tempPath("archive.jsonl");
      const archive = await openFileSink(path, { exclusive: true });
      const result = await pruneStore(store, {
        olderThan: CUTOFF,
        archive,
        batchSize: 1,
      });
      await archive.close();
      assert.deepEqual(result.deleted, { runs: 2, events: 6, llmUsage: 4 });
      assert.equal(result.batches, 2);
      const left = await store.getAgentRuns();
      assert.deepEqual(left.map((r) => r.runId), ["new-run", "new-ok"]);
      // Run-less LLM calls are no run's: prune keeps them.
      assert.equal((await store.getLlmUsage({ withoutRun: true })).length, 2);

      // The archive holds exactly what went: store + archive = before.
      await using restored = await open();
      await importLines(restored, (await readFile(path, "utf8")).split("\n"));
      assert.deepEqual((await restored.getStoreInfo()).runs, 2);
      await importRecords(restored, exportRecords(store));
      assert.deepEqual(await dump(restored), before);
    });

    it("stops reading when the reader of an export stops early", async () => {
      await using store = await open();
      await fill(store);
      const seen: string[] = [];
      for await (const record of exportRecords(store)) {
        seen.push(record.type);
        if (seen.length === 3) break;
      }
      assert.deepEqual(seen, ["header", "run", "event"]);
      assert.equal((await store.getStoreInfo()).runs, FILLED.runs);
    });

    it("prunes only runs of the status given", async () => {
      await using store = await open();
      await fill(store);
      const result = await pruneStore(store, {
        olderThan: CUTOFF,
        status: "error",
      });
      assert.deepEqual(result.deleted, { runs: 1, events: 3, llmUsage: 2 });
      assert.ok(await store.getAgentRun("old-ok"));
      assert.equal(await store.getAgentRun("old-bad"), undefined);
    });
  });
}

describe("maintenance", () => {
  it("copies SQLite to PostgreSQL and back, record for record", {
    skip: postgresUrl ? false : "no PostgreSQL",
  }, async () => {
    await using sqlite = await createPersistence(`sqlite:${tempPath()}`);
    await fill(sqlite);
    await using pg = await openFreshPostgres();
    const there = await copyStore(sqlite, pg);
    assert.deepEqual(there.source, FILLED);
    assert.deepEqual(there.target, FILLED);
    await using back = await createPersistence(`sqlite:${tempPath()}`);
    const again = await copyStore(pg, back);
    assert.deepEqual(again.target, FILLED);
    assert.deepEqual(await dump(back), await dump(sqlite));
    // A second copy finds everything there and adds nothing.
    const twice = await copyStore(pg, back);
    assert.deepEqual(twice.added, { runs: 0, events: 0, llmUsage: 0 });
    assert.deepEqual(twice.target, FILLED);
  });

  it("copies SQLite into memory", async () => {
    await using a = await createPersistence(`sqlite:${tempPath()}`);
    await fill(a);
    await using b = await createPersistence("memory:");
    const result = await copyStore(a, b);
    assert.deepEqual(result.target, result.source);
    assert.deepEqual(await dump(b), await dump(a));
  });

  it("filters an export by agent and by time", async () => {
    await using store = await createPersistence("memory:");
    await fill(store);
    const types = async (options: Parameters<typeof exportRecords>[1]) => {
      const runs: string[] = [];
      let end;
      for await (const record of exportRecords(store, options)) {
        if (record.type === "run") runs.push(record.record.runId);
        if (record.type === "end") end = record.counts;
      }
      return { runs, end };
    };
    assert.deepEqual(await types({ agentId: "writer" }), {
      runs: ["new-run"],
      end: { runs: 1, events: 3, llmUsage: 2 },
    });
    assert.deepEqual(await types({ since: CUTOFF }), {
      runs: ["new-run", "new-ok"],
      end: { runs: 2, events: 6, llmUsage: 5 },
    });
  });

  it("resumes a cut-off import and refuses lines that are not records", async () => {
    await using source = await createPersistence("memory:");
    await fill(source);
    const lines = (await exported(source)).trim().split("\n");
    await using target = await createPersistence(`sqlite:${tempPath()}`);
    // Cut in the middle of the second run's events.
    await assert.rejects(
      importLines(target, lines.slice(0, 9)),
      /cut off/,
    );
    const rest = await importLines(target, lines);
    assert.equal(rest.added.runs + rest.skipped.runs, FILLED.runs);
    assert.deepEqual(await dump(target), await dump(source));
    await assert.rejects(
      importLines(target, [lines[0]!, "{not json"]),
      (error: Error) =>
        error instanceof PersistenceError &&
        /Line 2 is not JSON/.test(error.message),
    );
    // Two exports one after the other (as `cat a b`) are two sections.
    await using both = await createPersistence("memory:");
    const twice = await importLines(both, [...lines, ...lines]);
    assert.deepEqual(twice.added, FILLED);
    await assert.rejects(
      importLines(target, ['{"type":"table"}']),
      /Line 1 is not a record of an export file/,
    );
  });

  it("imports only its own format, up to the version it knows", async () => {
    await using source = await createPersistence("memory:");
    await fill(source);
    const lines = (await exported(source)).trim().split("\n");
    const header = JSON.parse(lines[0]!);
    assert.deepEqual([header.format, header.version], [
      "@curio/persistence export",
      2,
    ]);
    const withHeader = (changes: Record<string, unknown>) => [
      JSON.stringify({ ...header, ...changes }),
      ...lines.slice(1),
    ];
    for (
      const [changes, format, version] of [
        [{ format: "other tool export" }, '"other tool export"', "2"],
        [{ version: 3 }, '"@curio/persistence export"', "3"],
        [{ version: 0 }, '"@curio/persistence export"', "0"],
        [{ version: 1.5 }, '"@curio/persistence export"', "1.5"],
        [{ version: "1" }, '"@curio/persistence export"', '"1"'],
        [{ format: undefined }, "(none)", "2"],
      ] as const
    ) {
      await using target = await createPersistence("memory:");
      await assert.rejects(
        importLines(target, withHeader(changes)),
        (error: Error) => {
          assert.ok(error instanceof PersistenceError, String(error));
          assert.ok(
            error.message.includes(`format ${format} version ${version}:`),
            error.message,
          );
          assert.match(error.message, /versions 1 to 2/);
          return true;
        },
      );
      assert.deepEqual(await target.getAgentRuns(), [], "nothing written");
    }
    await using target = await createPersistence("memory:");
    const result = await importLines(target, withHeader({ version: 1 }));
    assert.deepEqual(result.added, FILLED);
  });

  it("compacts SQLite after pruning: the file shrinks", async () => {
    await using store = await createPersistence(`sqlite:${tempPath()}`);
    const big = "x".repeat(2000);
    for (let i = 0; i < 200; i++) {
      await store.createAgentRun({
        agentId: "a",
        runId: `r${i}`,
        createdAt: OLD,
      });
      await store.logLlmUsages(
        Array.from({ length: 5 }, () => ({
          agentId: "a",
          runId: `r${i}`,
          prompt: big,
          createdAt: OLD,
        })),
      );
    }
    const result = await pruneStore(store, { olderThan: CUTOFF });
    assert.equal(result.deleted.llmUsage, 1000);
    assert.ok(
      result.sizeAfter! < result.sizeBefore! / 4,
      `${result.sizeBefore} -> ${result.sizeAfter}`,
    );
  });
});
