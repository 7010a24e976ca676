// A retention archive in the export format: each batch written and flushed
// before the store removes or clears it, so the file can be imported again.

import type {
  ArchivedRecords,
  RecordCounts,
  RetentionArchive,
} from "../types.ts";
import { exportHeader } from "./export.ts";
import { type ExportRecord, formatExportLine } from "./export_format.ts";
import { noRecords, withoutId } from "./run_reader.ts";
import type { TextSink } from "./sink.ts";

/**
 * A retention archive that is also closed with its end line.
 *
 * @example
 * ```ts
 * import { type ExportArchive, exportArchive } from "@curio/persistence";
 * const archive: ExportArchive = exportArchive({ write: () => {} });
 * ```
 */
export interface ExportArchive extends RetentionArchive {
  /** What it holds so far. */
  readonly counts: RecordCounts;
  /** Writes the end line (with the counts) and flushes. */
  finish(): Promise<void>;
}

/**
 * A {@linkcode RetentionArchive} writing to `sink` in the export format
 * (header first; `finish()` writes the end line), flushed after each batch.
 *
 * @param sink Where the lines go, such as {@linkcode openFileSink}'s file.
 * @returns The archive, to give as a policy's `archive`.
 *
 * @example
 * ```ts
 * import { createPersistence, exportArchive } from "@curio/persistence";
 * import assert from "node:assert/strict";
 *
 * let text = "";
 * const archive = exportArchive({ write: (chunk) => void (text += chunk) });
 * await using store = await createPersistence("memory:");
 * await store.createAgentRun({
 *   agentId: "a",
 *   runId: "old",
 *   status: "completed",
 *   createdAt: new Date("2024-01-01"),
 * });
 * await store.applyRetention({ runs: "30d", archive });
 * await archive.finish();
 * assert.equal(archive.counts.runs, 1);
 * assert.match(text, /"old"/);
 * ```
 */
export function exportArchive(sink: TextSink): ExportArchive {
  const counts = noRecords();
  let started = false;
  const write = async (record: ExportRecord) => {
    await sink.write(formatExportLine(record) + "\n");
  };
  const start = async () => {
    if (started) return;
    started = true;
    await write(exportHeader());
  };
  return {
    counts,
    async write(records: ArchivedRecords) {
      await start();
      for (const run of records.runs) {
        counts.runs++;
        await write({ type: "run", record: withoutId(run) });
      }
      for (const event of records.events) {
        counts.events++;
        await write({ type: "event", record: withoutId(event) });
      }
      for (const usage of records.llmUsage) {
        counts.llmUsage++;
        await write({ type: "llm_usage", record: withoutId(usage) });
      }
      await sink.flush?.();
    },
    async finish() {
      await start();
      await write({ type: "end", counts: { ...counts } });
      await sink.flush?.();
    },
  };
}
