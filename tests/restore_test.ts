// Restores that lose nothing: every string comes back from an export or a
// prune archive code unit for code unit, and import and copy neither drop
// nor duplicate a record. On every backend.

import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import {
  copyStore,
  createPersistence,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportRecord,
  exportRecords,
  exportStore,
  importLines,
  importRecords,
  type LlmUsageInput,
  openFileSink,
  type Persistence,
  PersistenceError,
  pruneStore,
  splitLines,
} from "../mod.ts";
import { RESTORE_LLM_USAGES } from "../src/core/restore.ts";
import { CUTOFF, dump, fill, FILLED, OLD } from "./_fixture.ts";
import { tempPath } from "./_temp.ts";
import { BACKENDS } from "./_backends.ts";

/** Text any field holds: every line break JSON or a line reader knows. */
const TEXT = [
  "a\u2028b",
  "\u2029",
  "x\ry",
  "\r\n",
  "line\n",
  "\u0085next line",
  "😀 👩‍👩‍👧 emoji",
  "\ufeffbom",
  "\u000b\f\t",
  '"\\/',
  "\u2028\u2029\r\n\u0085\r",
];

/** Strings only JSON fields hold: lone surrogates and NUL, too. */
const JSON_TEXT = [
  ...TEXT,
  "\ud800",
  "a\udc00b",
  "\udbff",
  "\udc00\ud800",
  "\0",
];

/** A JSON value holding every hostile string, as values and as keys. */
const HOSTILE_JSON = {
  list: JSON_TEXT,
  keys: Object.fromEntries(JSON_TEXT.map((text, i) => [text, i])),
  nested: [{ "\u2028": { "\ud800": "\u2029" } }],
};

const text = (i: number) => TEXT[i % TEXT.length]!;

/** Fills `store` with runs, events and LLM calls made of hostile text. */
async function fillHostile(store: Persistence, createdAt = OLD) {
  for (let i = 0; i < TEXT.length; i++) {
    const runId = `run ${text(i)} ${i}`;
    const agentId = `agent ${text(i + 1)}`;
    await store.createAgentRun({
      agentId,
      runId,
      agentName: text(i + 2),
      objective: text(i + 3),
      additionalContext: HOSTILE_JSON,
      finalSynthesisOutput: TEXT.join(""),
      executionHistory: JSON_TEXT,
      status: "error",
      errorMessage: text(i + 4),
      metadata: { [text(i)]: JSON_TEXT[i % JSON_TEXT.length]! },
      createdAt: new Date(createdAt.getTime() + i * 1000),
    });
    await store.logAgentRunEvents(
      JSON_TEXT.map((data, k) => ({
        agentId,
        runId,
        agentName: text(k),
        eventType: `custom ${text(i + k)}`,
        data: k % 2 === 0 ? data : HOSTILE_JSON,
        timestamp: new Date(createdAt.getTime() + i * 1000 + k),
        createdAt: new Date(createdAt.getTime() + i * 1000 + k),
      })),
    );
    await store.logLlmUsages(
      [runId, null].map((run, k) => ({
        agentId: k === 0 ? agentId : null,
        runId: run,
        provider: text(i + k),
        model: text(i + k + 1),
        prompt: TEXT.join(text(i)),
        responseContent: text(i + 5),
        inputParams: HOSTILE_JSON,
        usageMetrics: { cost_usd: 0.5, note: JSON_TEXT[i % JSON_TEXT.length]! },
        errorMessage: text(i + 6),
        createdAt: new Date(createdAt.getTime() + i * 1000 + 1),
      })),
    );
  }
}

/** Every line node:readline finds in a file. */
async function readlineLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({
    input: createReadStream(path),
    crlfDelay: Infinity,
  });
  for await (const line of reader) lines.push(line);
  return lines;
}

async function exportToFile(store: Persistence): Promise<string> {
  const path = tempPath("export.jsonl");
  const file = await openFileSink(path);
  await exportStore(store, file);
  await file.close();
  return path;
}

/** The export of `store` as text. */
async function exported(store: Persistence): Promise<string> {
  let text = "";
  await exportStore(store, { write: (chunk) => void (text += chunk) });
  return text;
}

const total = (counts: { runs: number; events: number; llmUsage: number }) =>
  counts.runs + counts.events + counts.llmUsage;

for (const [name, open] of BACKENDS) {
  describe(`restore round-trips every string: ${name}`, () => {
    it("export to a file, then import from it, code unit for code unit", async () => {
      await using source = await open();
      await fillHostile(source);
      const before = await dump(source);
      const info = await source.getStoreInfo();
      const path = await exportToFile(source);

      const content = await readFile(path, "utf8");
      assert.ok(!/[\u2028\u2029]/.test(content), "U+2028/U+2029 escaped");
      // Any line reader finds one line per record, readline included.
      const lines = await readlineLines(path);
      assert.equal(lines.length, total(info) + 2);

      await using target = await open();
      const result = await importLines(
        target,
        splitLines(createReadStream(path)),
      );
      assert.equal(total(result.added), total(info));
      assert.deepEqual(await dump(target), before);
      await using again = await open();
      await importLines(again, lines);
      assert.deepEqual(await dump(again), before);
    });

    it("prune into an archive, then import the archive, code unit for code unit", async () => {
      await using store = await open();
      await fillHostile(store);
      const before = await dump(store);
      const path = tempPath("archive.jsonl");
      const archive = await openFileSink(path);
      const pruned = await pruneStore(store, {
        olderThan: CUTOFF,
        archive,
        batchSize: 3,
      });
      await archive.close();
      assert.equal(pruned.deleted.runs, TEXT.length);
      assert.ok(!/[\u2028\u2029]/.test(await readFile(path, "utf8")));

      const restored = await importLines(
        store,
        splitLines(createReadStream(path)),
      );
      assert.deepEqual(restored.added, pruned.deleted);
      assert.deepEqual(await dump(store), before);
    });
  });

  describe(`import and copy neither drop nor duplicate: ${name}`, () => {
    it("copy keeps LLM calls identical to others, across more than 64 groups", async () => {
      await using source = await open();
      // Retries logged in one batch share their time, so in the export the
      // two copies of a call lie a hundred groups apart.
      const at = new Date("2025-03-01T00:00:00.000Z");
      const call = (i: number, runLess: boolean): LlmUsageInput => ({
        agentId: `agent-${i}`,
        runId: runLess ? null : `gone-${i}`,
        model: "m",
        prompt: "same prompt",
        inputTokens: 10,
        createdAt: at,
      });
      for (let round = 0; round < 2; round++) {
        await source.logLlmUsages([
          ...Array.from({ length: 100 }, (_, i) => call(i, false)),
          ...Array.from({ length: 100 }, (_, i) => call(i, true)),
        ]);
      }
      await using target = await open();
      const result = await copyStore(source, target);
      assert.deepEqual(result.added, { runs: 0, events: 0, llmUsage: 400 });
      assert.equal(result.target.llmUsage, 400);
      assert.deepEqual(await dump(target), await dump(source));
      const twice = await copyStore(source, target);
      assert.deepEqual(twice.added, { runs: 0, events: 0, llmUsage: 0 });
    });

    it("import takes a run's records wherever they lie in the file", async () => {
      await using store = await open();
      const at = new Date("2025-03-01T00:00:00.000Z");
      const run = (runId: string): ExportRecord => ({
        type: "run",
        record: {
          agentId: "a",
          runId,
          agentName: "",
          objective: "",
          additionalContext: null,
          startedAt: null,
          finishedAt: null,
          totalIterations: 0,
          finalSynthesisOutput: null,
          executionHistory: null,
          status: "pending",
          errorMessage: null,
          metadata: null,
          createdAt: at,
          updatedAt: at,
        },
      });
      const event = (runId: string): ExportRecord => ({
        type: "event",
        record: {
          agentId: "a",
          runId,
          agentName: "",
          timestamp: at,
          eventType: "custom",
          data: null,
          createdAt: at,
        },
      });
      const records: ExportRecord[] = [
        {
          type: "header",
          format: EXPORT_FORMAT,
          version: EXPORT_VERSION,
          exportedAt: at,
        },
        run("r"),
        event("r"),
        run("s"),
        event("s"),
        event("r"),
        { type: "end", counts: { runs: 2, events: 3, llmUsage: 0 } },
      ];
      const first = await importRecords(store, records);
      assert.deepEqual(first.added, { runs: 2, events: 3, llmUsage: 0 });
      assert.equal((await store.getAgentRunEvents("r")).length, 2);
      const second = await importRecords(store, records);
      assert.deepEqual(second.added, { runs: 0, events: 0, llmUsage: 0 });
    });

    it("import adds as many identical records as the file holds beyond the store's", async () => {
      await using store = await open();
      await store.createAgentRun({ agentId: "a", runId: "r", createdAt: OLD });
      const retry = {
        agentId: "a",
        runId: "r",
        model: "m",
        prompt: "p",
        createdAt: OLD,
      };
      await store.logLlmUsage(retry);
      await using source = await open();
      await source.createAgentRun({ agentId: "a", runId: "r", createdAt: OLD });
      await source.logLlmUsages([retry, retry, retry]);
      const text = await exported(source);
      const first = await importLines(store, text.split("\n"));
      assert.deepEqual(first.added, { runs: 0, events: 0, llmUsage: 2 });
      assert.deepEqual(first.skipped, { runs: 1, events: 0, llmUsage: 1 });
      const second = await importLines(store, text.split("\n"));
      assert.deepEqual(second.added, { runs: 0, events: 0, llmUsage: 0 });
      assert.equal((await store.getLlmUsage({ runId: "r" })).length, 3);
    });

    it("re-importing into a store that redacts adds nothing", async () => {
      await using source = await open();
      await fill(source);
      await fillHostile(source);
      const text = await exported(source);
      const redact = (value: string) => `[${value.length}]`;
      await using target = await open({ redact });
      const first = await importLines(target, text.split("\n"));
      const info = await source.getStoreInfo();
      assert.equal(total(first.added), total(info));
      const second = await importLines(target, text.split("\n"));
      assert.deepEqual(second.added, { runs: 0, events: 0, llmUsage: 0 });
      // A copy into it checks every record arrived, redacted as it is.
      await using copied = await open({ redact });
      await copyStore(source, copied);
      const again = await copyStore(source, copied);
      assert.deepEqual(again.added, { runs: 0, events: 0, llmUsage: 0 });
    });

    it("restoring a run deleted by deleteAgentRun adds its kept LLM calls once", async () => {
      await using store = await open();
      await fill(store);
      const before = await dump(store);
      const backup = await exported(store);
      assert.ok(await store.deleteAgentRun("old-ok"));
      // deleteAgentRun keeps the run's LLM calls.
      assert.equal((await store.getLlmUsage({ runId: "old-ok" })).length, 2);
      const result = await importLines(store, backup.split("\n"));
      assert.deepEqual(result.added, { runs: 1, events: 3, llmUsage: 0 });
      assert.deepEqual(await dump(store), before);
    });

    it("copy fails, saying what, when the target holds a run in another state", async () => {
      await using source = await open();
      await fill(source);
      await using target = await open();
      await target.createAgentRun({
        agentId: "researcher",
        runId: "old-ok",
        status: "running",
      });
      await assert.rejects(
        copyStore(source, target),
        (error: Error) =>
          error instanceof PersistenceError &&
          /copy is incomplete: the target lacks 1 runs .*"old-ok" \(the target's differs\)/
            .test(error.message),
      );
    });

    it("copy fails when the target does not hold what it was given", async () => {
      await using source = await open();
      await fill(source);
      await using real = await open();
      // A target that stores something else than it is given, say a broken
      // driver: its counts grow as expected, its records are not the source's.
      // Import writes LLM calls through the restore method (costs as given).
      const target = new Proxy(real, {
        get(store, key) {
          const value = Reflect.get(store, key, store);
          if (key === "logLlmUsages" || key === RESTORE_LLM_USAGES) {
            return (inputs: LlmUsageInput[]) =>
              Reflect.get(store, key, store).call(
                store,
                inputs.map((input) => ({ ...input, inputTokens: 999 })),
              );
          }
          return typeof value === "function" ? value.bind(store) : value;
        },
      });
      await assert.rejects(
        copyStore(source, target),
        (error: Error) =>
          error instanceof PersistenceError &&
          new RegExp(
            `the target lacks ${FILLED.llmUsage} llmUsage of the source`,
          ).test(error.message),
      );
    });
  });
}

describe("splitLines", () => {
  it("splits at \\n and \\r\\n only, and keeps characters split across chunks", async () => {
    const text = "a\u2028b\r\nc\rd\u2029\u0085😀\n\nlast";
    const bytes = new TextEncoder().encode(text);
    const lines: string[] = [];
    // One byte at a time: every multi-byte character is split.
    const chunks = Array.from(bytes, (byte) => new Uint8Array([byte]));
    for await (const line of splitLines(chunks)) lines.push(line);
    assert.deepEqual(lines, ["a\u2028b", "c\rd\u2029\u0085😀", "", "last"]);
    const strings: string[] = [];
    for await (const line of splitLines(["x\r", "\ny\n"])) strings.push(line);
    assert.deepEqual(strings, ["x", "y"]);
  });

  it("reads an export written before U+2028 and U+2029 were escaped", async () => {
    await using source = await createPersistence("memory:");
    await fillHostile(source);
    // The old writer: JSON.stringify alone leaves both raw.
    const lines: string[] = [];
    for await (const record of exportRecords(source)) {
      lines.push(JSON.stringify(record));
    }
    assert.ok(lines.some((line) => line.includes("\u2028")));
    const path = tempPath("old.jsonl");
    await writeFile(path, lines.join("\r\n") + "\r\n");
    await using target = await createPersistence("memory:");
    await importLines(target, splitLines(createReadStream(path)));
    assert.deepEqual(await dump(target), await dump(source));
  });
});
