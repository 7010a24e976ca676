/**
 * Import: load export records (see {@linkcode exportRecords}) into any store.
 * Importing the same records twice adds nothing the second time, so an
 * interrupted import can simply be run again: a run that exists is kept, and
 * of the events and LLM calls, for each identity (every field but `id` and
 * those a redactor or a cost recomputation can rewrite) as many are added as
 * the file holds beyond those the store held already. Identical records (a
 * retried LLM call) are all kept, and a store that redacts is not filled
 * twice. LLM calls keep the cost and cost source they were exported with;
 * those of a version-1 file, which has no cost fields, are priced as a new
 * write would be, at their `createdAt`.
 *
 * @module
 */

import { RESTORE_LLM_USAGES, restoresLlmUsage } from "../core/restore.ts";
import { PersistenceError } from "../errors.ts";
import type {
  AgentLlmUsage,
  AgentRun,
  AgentRunEvent,
  RecordCounts,
} from "../types.ts";
import type { Persistence } from "../persistence.ts";
import { StoredIdentities } from "./fingerprint.ts";
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportRecord,
  parseExportLine,
} from "./export_format.ts";
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

/**
 * Writes export records to a store, skipping what it holds already. Events
 * and LLM calls are written in batches, each in one transaction.
 *
 * What the store holds is compared as a multiset of identities: a record's
 * identity is all its fields but `id` and those a redactor or a cost
 * recomputation can rewrite (a run's objective, output, error message,
 * context, history and metadata; an event's data; an LLM call's prompt,
 * response, error message, parameters, usage metrics, cost and cost
 * source). For each identity, as many events and LLM calls are
 * added as the records hold beyond those the store held when their header
 * came (so two exports one after the other add what either holds); a run is
 * added when no run of its `runId` is stored. The identities of the stored
 * records this needs are read group by group (a run's events, a run's LLM
 * calls, an agent's LLM calls without a run) and kept as digests.
 *
 * @param store The store to write to.
 * @param records Export records, such as {@linkcode exportRecords} yields.
 * @param options Batch size and progress.
 * @returns What was read, added and skipped.
 * @throws {PersistenceError} When a header names another format or a newer
 * version than this module reads, when the records end without their end
 * record (a cut-off file), or its counts differ from the records read.
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
        await importer.section(checkHeader(record));
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

/**
 * The version of a header; refuses a file of another format, or of a version
 * newer than this module reads: its records may mean something this import
 * would get wrong.
 */
function checkHeader(header: ExportRecord & { type: "header" }): number {
  const { format, version } = header as { format: unknown; version: unknown };
  if (
    format !== EXPORT_FORMAT || !Number.isSafeInteger(version) ||
    (version as number) < 1 || (version as number) > EXPORT_VERSION
  ) {
    throw new PersistenceError(
      `Cannot import format ${shown(format)} version ${
        shown(version)
      }: this module reads ${
        JSON.stringify(EXPORT_FORMAT)
      } versions 1 to ${EXPORT_VERSION}`,
    );
  }
  return version as number;
}

/** The LLM call fields export format version 2 added. */
const SINCE_VERSION_2 = [
  "cacheReadTokens",
  "cacheWriteTokens",
  "reasoningTokens",
  "costUsd",
  "costSource",
] as const;

/** A header field as a message shows it, whatever the file held. */
function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.slice(0, 60));
  if (typeof value === "number") return String(value);
  return value === undefined ? "(none)" : `(${typeof value})`;
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

/** The state of one import: counts, buffers, what the store held. */
class Importer {
  readonly read = noRecords();
  readonly #added = noRecords();
  readonly #skipped = noRecords();
  #sectionStart = noRecords();
  readonly #store: Persistence;
  readonly #batchSize: number;
  #events: EventData[] = [];
  #usage: UsageData[] = [];
  /** The format version of the section being read. */
  #version = EXPORT_VERSION;
  /** The events and LLM calls the store held when the section began. */
  #stored: StoredIdentities;

  constructor(store: Persistence, batchSize: number) {
    this.#store = store;
    this.#batchSize = batchSize;
    this.#stored = new StoredIdentities(store);
  }

  async run(run: Omit<AgentRun, "id">): Promise<void> {
    // Buffered records of earlier runs may wait: their runs are stored.
    this.read.runs++;
    if (await this.#store.getAgentRun(run.runId) !== undefined) {
      this.#skipped.runs++;
    } else {
      await this.#store.createAgentRun(run);
      this.#added.runs++;
    }
  }

  async event(event: EventData): Promise<void> {
    this.read.events++;
    if (await this.#stored.take("event", event)) {
      this.#skipped.events++;
      return;
    }
    this.#events.push(event);
    if (this.#events.length >= this.#batchSize) await this.flush();
  }

  async usage(record: UsageData): Promise<void> {
    this.read.llmUsage++;
    const usage = this.#version >= 2 ? record : version1Usage(record);
    if (await this.#stored.take("llm_usage", usage)) {
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
      const store = this.#store;
      // A version-1 call is priced as a new write would be; a version-2 one
      // keeps the cost it was exported with.
      if (this.#version >= 2 && restoresLlmUsage(store)) {
        await store[RESTORE_LLM_USAGES](usage);
      } else await store.logLlmUsages(usage);
      this.#added.llmUsage += usage.length;
    }
  }

  /**
   * A header: the counts of its end record start from here, and what this
   * import added so far counts as stored from now on.
   */
  async section(version: number): Promise<void> {
    await this.flush();
    this.#version = version;
    this.#sectionStart = { ...this.read };
    this.#stored = new StoredIdentities(this.#store);
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
}

/**
 * A call of a version-1 file with only the fields that version had: any
 * other is not the file's to set, and its cost is settled on writing.
 */
function version1Usage(record: UsageData): UsageData {
  const copy: Record<string, unknown> = { ...record };
  for (const field of SINCE_VERSION_2) delete copy[field];
  return copy as unknown as UsageData;
}
