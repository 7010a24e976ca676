/**
 * Import: load export records (see {@linkcode exportRecords}) into any store.
 * Importing the same records twice adds nothing the second time: a run that
 * exists is kept, and only those of its events and LLM calls that the store
 * does not hold yet are added, so an interrupted import can simply be run
 * again.
 *
 * @module
 */

import { PersistenceError } from "../errors.ts";
import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  RecordCounts,
} from "../types.ts";
import type { Persistence } from "../persistence.ts";
import { Fingerprints } from "./fingerprint.ts";
import { type ExportRecord, parseExportLine } from "./export_format.ts";
import type { ProgressCallback } from "./progress_callback.ts";
import { noRecords } from "./run_reader.ts";

/**
 * Options of {@linkcode importRecords} and {@linkcode importLines}.
 *
 * @example
 * ```ts
 * import type { ImportOptions } from "@curio/persistence";
 * const options: ImportOptions = { batchSize: 1000 };
 * ```
 */
export interface ImportOptions {
  /** Events and LLM calls written per transaction; default 500. */
  batchSize?: number;
  /** Called after each record read. */
  onProgress?: ProgressCallback;
}

/**
 * What an import did.
 *
 * @example
 * ```ts
 * import type { ImportResult } from "@curio/persistence";
 * const result: ImportResult = {
 *   read: { runs: 2, events: 9, llmUsage: 4 },
 *   added: { runs: 1, events: 5, llmUsage: 2 },
 *   skipped: { runs: 1, events: 4, llmUsage: 2 },
 * };
 * ```
 */
export interface ImportResult {
  /** Records read. */
  read: RecordCounts;
  /** Records written to the store. */
  added: RecordCounts;
  /** Records the store held already. */
  skipped: RecordCounts;
}

type EventData = Omit<AgentRunEvent, "id">;
type UsageData = Omit<AgentLlmUsage, "id">;

/** How many run-less groups of LLM calls keep their fingerprints at once. */
const GROUPS_KEPT = 64;

/**
 * Writes export records to a store, skipping what it holds already. Events
 * and LLM calls are written in batches, each in one transaction.
 *
 * @param store The store to write to.
 * @param records Export records, such as {@linkcode exportRecords} yields.
 * @param options Batch size and progress.
 * @returns What was read, added and skipped.
 * @throws {PersistenceError} When the records end without their end record
 * (a cut-off file), or its counts differ from the records read.
 *
 * @example Copy one store into another, twice
 * ```ts
 * import {
 *   createPersistence,
 *   exportRecords,
 *   importRecords,
 * } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using from = await createPersistence("memory:");
 * await using to = await createPersistence("memory:");
 * await from.createAgentRun({ agentId: "a", runId: "r" });
 * await from.logAgentRunEvent({ agentId: "a", runId: "r", eventType: "run_started" });
 * const first = await importRecords(to, exportRecords(from));
 * assert.deepEqual(first.added, { runs: 1, events: 1, llmUsage: 0 });
 * const second = await importRecords(to, exportRecords(from));
 * assert.deepEqual(second.added, { runs: 0, events: 0, llmUsage: 0 });
 * ```
 */
export async function importRecords(
  store: Persistence,
  records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const importer = new Importer(store, options.batchSize ?? 500);
  let open = false;
  for await (const record of records) {
    switch (record.type) {
      case "header":
        importer.section();
        open = true;
        break;
      case "end":
        await importer.flush();
        importer.check(record.counts);
        open = false;
        break;
      case "run":
        await importer.run(record.record);
        break;
      case "event":
        await importer.event(record.record);
        break;
      case "llm_usage":
        await importer.usage(record.record);
        break;
      default:
        throw new PersistenceError(
          `Unknown export record type: ${
            JSON.stringify((record as { type: unknown }).type)
          }`,
        );
    }
    options.onProgress?.(importer.read);
  }
  await importer.flush();
  if (open) {
    throw new PersistenceError(
      "The export ends without its end line: it was cut off; what it held was imported, and importing it again after a full export adds the rest",
    );
  }
  return importer.result();
}

/**
 * Imports the lines of an export file (see {@linkcode importRecords}).
 * Empty lines are ignored.
 *
 * @param store The store to write to.
 * @param lines The file's lines, such as {@linkcode splitLines} yields.
 * @param options Batch size and progress.
 * @returns What was read, added and skipped.
 * @throws {PersistenceError} For a line that is not an export record,
 * naming its number.
 *
 * @example
 * ```ts
 * import { createPersistence, exportStore, importLines } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * await using from = await createPersistence("memory:");
 * await from.createAgentRun({ agentId: "a", runId: "r" });
 * let text = "";
 * await exportStore(from, { write: (t) => void (text += t) });
 *
 * await using to = await createPersistence("memory:");
 * const result = await importLines(to, text.split("\n"));
 * assert.equal(result.added.runs, 1);
 * ```
 */
export function importLines(
  store: Persistence,
  lines: AsyncIterable<string> | Iterable<string>,
  options: ImportOptions = {},
): Promise<ImportResult> {
  return importRecords(store, parseLines(lines), options);
}

async function* parseLines(
  lines: AsyncIterable<string> | Iterable<string>,
): AsyncGenerator<ExportRecord, void, undefined> {
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === "") continue;
    yield parseExportLine(line, number);
  }
}

/** The state of one import: the current run, buffers, fingerprints. */
class Importer {
  readonly read = noRecords();
  readonly #added = noRecords();
  readonly #skipped = noRecords();
  #sectionStart = noRecords();
  readonly #store: Persistence;
  readonly #batchSize: number;
  /** The run whose records are arriving; `fresh` when this import made it. */
  #run:
    | {
      runId: string;
      fresh: boolean;
      events?: Fingerprints;
      usage?: Fingerprints;
    }
    | undefined;
  #events: EventData[] = [];
  #usage: UsageData[] = [];
  /** Fingerprints of stored run-less LLM calls, per group, newest used last. */
  readonly #groups = new Map<string, Fingerprints>();

  constructor(store: Persistence, batchSize: number) {
    this.#store = store;
    this.#batchSize = batchSize;
  }

  async run(run: Omit<AgentRun, "id">): Promise<void> {
    // Buffered records of earlier runs may wait: their runs are stored.
    this.read.runs++;
    const exists = await this.#store.getAgentRun(run.runId) !== undefined;
    if (exists) this.#skipped.runs++;
    else {
      await this.#store.createAgentRun(run);
      this.#added.runs++;
    }
    this.#run = { runId: run.runId, fresh: !exists };
  }

  async event(event: EventData): Promise<void> {
    this.read.events++;
    if (this.#run?.runId !== event.runId) {
      await this.flush();
      this.#run = { runId: event.runId, fresh: false };
    }
    const run = this.#run;
    if (!run.fresh) {
      run.events ??= await this.#load(
        this.#store.iterateAgentRunEvents(event.runId),
      );
      if (run.events.take(event)) {
        this.#skipped.events++;
        return;
      }
    }
    this.#events.push(event);
    if (this.#events.length >= this.#batchSize) await this.flush();
  }

  async usage(usage: UsageData): Promise<void> {
    this.read.llmUsage++;
    const run = this.#run;
    let stored: Fingerprints | undefined;
    if (usage.runId !== null && run?.runId === usage.runId) {
      if (!run.fresh) {
        run.usage ??= await this.#load(
          this.#store.iterateLlmUsage({ runId: usage.runId }),
        );
        stored = run.usage;
      }
    } else {
      stored = await this.#group(usage);
    }
    if (stored?.take(usage)) {
      this.#skipped.llmUsage++;
      return;
    }
    this.#usage.push(usage);
    if (this.#usage.length >= this.#batchSize) await this.flush();
  }

  /** Writes the buffered events and LLM calls. */
  async flush(): Promise<void> {
    if (this.#events.length > 0) {
      const events = this.#events;
      this.#events = [];
      await this.#store.logAgentRunEvents(events);
      this.#added.events += events.length;
    }
    if (this.#usage.length > 0) {
      const usage = this.#usage;
      this.#usage = [];
      await this.#store.logLlmUsages(usage);
      this.#added.llmUsage += usage.length;
    }
  }

  /** A header: the counts of its end record start from here. */
  section(): void {
    this.#sectionStart = { ...this.read };
    // What this import added since must count as stored from now on.
    this.#groups.clear();
    this.#run = undefined;
  }

  /** Checks the end record's counts against what its section held. */
  check(counts: RecordCounts): void {
    for (const key of ["runs", "events", "llmUsage"] as const) {
      const read = this.read[key] - this.#sectionStart[key];
      if (counts[key] !== read) {
        throw new PersistenceError(
          `The export says it holds ${
            counts[key]
          } ${key}, but ${read} were read: the file is damaged`,
        );
      }
    }
  }

  result(): ImportResult {
    return {
      read: { ...this.read },
      added: { ...this.#added },
      skipped: { ...this.#skipped },
    };
  }

  /** Stored LLM calls like `usage` that belong to no run of this import. */
  async #group(usage: UsageData): Promise<Fingerprints> {
    const key = JSON.stringify([usage.runId, usage.agentId]);
    let prints = this.#groups.get(key);
    if (prints) this.#groups.delete(key);
    else {
      const { runId, agentId } = usage;
      prints = await this.#load(
        runId !== null
          ? this.#store.iterateLlmUsage({ runId })
          : this.#store.iterateLlmUsage({
            ...(agentId === null ? {} : { agentId }),
            withoutRun: true,
          }),
        (stored) => stored.runId === runId && stored.agentId === agentId,
      );
      if (this.#groups.size >= GROUPS_KEPT) {
        this.#groups.delete(this.#groups.keys().next().value!);
      }
    }
    this.#groups.set(key, prints);
    return prints;
  }

  /** Fingerprints of stored records, after writing what is buffered. */
  async #load<T extends object>(
    records: AsyncIterable<T>,
    keep?: (record: T) => boolean,
  ): Promise<Fingerprints> {
    await this.flush();
    return await Fingerprints.of(records, keep);
  }
}
